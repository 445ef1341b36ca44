"""``fetch-mid convert``: the summary, plain lines in a pipe, a live line on a terminal, --json,
the worst exit code, usage errors, and an interrupted run that leaves only whole files."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mido
import pytest

from midi_export.batch import Result
from midi_export.cli.console import Console
from midi_export.cli.convert import Progress

from conftest import fixture_path, run_cli


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "a.json").write_bytes(fixture_path("demo-song").read_bytes())
    (root / "sub" / "b.json").write_bytes(fixture_path("record-info-success").read_bytes())
    (root / "broken.json").write_text('{"code": 200, "data": {')
    (root / "nomidi.json").write_bytes(fixture_path("record-info-empty-midi").read_bytes())
    return root


def test_help_shows_the_options_and_examples(tmp_path: Path) -> None:
    result = run_cli(["convert", "--help"], tmp_path)
    assert result.exit_code == 0
    for word in ("--recursive", "--jobs", "--skip-existing", "--preview", "--render",
                 "--clean", "--split-drums", "--drum-map", "Examples:", "Exit codes"):
        assert word in result.stdout, word
    assert "convert" in run_cli(["--help"], tmp_path).stdout


def test_a_run_prints_a_line_per_file_the_errors_and_a_summary(archive: Path,
                                                               tmp_path: Path) -> None:
    result = run_cli(["convert", str(archive), "-o", str(tmp_path / "out"), "-r"], tmp_path)
    assert result.exit_code == 7  # invalid data (7) is worse than an empty task (4)
    err = result.stderr
    assert "[1/4] " in err and "a.mid: 4 instruments, 612 notes" in err
    assert f"fetch-mid: error: {archive / 'broken.json'}: " in err
    assert f"fetch-mid: error: {archive / 'nomidi.json'}: " in err
    assert "converted       2" in err and "failed          2" in err
    assert "failures by exit code: 4: 1, 7: 1" in err
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == ["a.mid", "b.mid", "sub"]


def test_quiet_prints_only_the_errors(archive: Path, tmp_path: Path) -> None:
    result = run_cli(["convert", str(archive), "-o", str(tmp_path / "out"), "-q"], tmp_path)
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and all(line.startswith("fetch-mid: error: ") for line in lines)


def test_json_has_the_summary_and_every_result(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(["convert", str(archive), "-o", str(out), "-r", "--json", "--split",
                      "--preview", "--clean", "--split-drums", "--bpm", "auto"], tmp_path)
    doc = json.loads(result.stdout)
    assert doc["ok"] is False and doc["summary"]["exit_code"] == 7 == result.exit_code
    assert doc["summary"]["converted"] == 2 and doc["summary"]["failed"] == 2
    assert doc["summary"]["files"] == 4 and doc["summary"]["jobs"] == 1
    ok = next(r for r in doc["results"] if r["source"].endswith("a.json"))
    report = ok["report"]
    first = report["instruments"][0]
    assert first["name"] == "Kick" and first["piece"] == "kick"
    assert report["clean"]["min_duration_ms"] == 50.0 and report["drums"]["pieces"] == 4
    assert len(ok["files"]) == 8 and ok["files"][-1].endswith("a.png")
    assert (out / "a.png").read_bytes()[:4] == b"\x89PNG"
    bad = next(r for r in doc["results"] if r["source"].endswith("broken.json"))
    assert bad["status"] == "failed" and bad["error"]["exit_code"] == 7


def test_a_resumed_run(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_cli(["convert", str(archive / "a.json"), "-o", str(out)], tmp_path)
    again = run_cli(["convert", str(archive / "a.json"), str(archive / "sub" / "b.json"),
                     "-o", str(out), "--skip-existing"], tmp_path)
    assert again.exit_code == 0
    assert "a.mid: skipped (exists)" in again.stderr and "skipped         1" in again.stderr
    clash = run_cli(["convert", str(archive / "a.json"), "-o", str(out)], tmp_path)
    assert clash.exit_code == 8 and "already exists" in clash.stderr


def test_usage_errors(tmp_path: Path) -> None:
    missing = run_cli(["convert", str(tmp_path / "missing")], tmp_path)
    assert missing.exit_code == 2 and "no such file or folder" in missing.stderr
    kit = run_cli(["convert", str(tmp_path), "--drum-map", "nope"], tmp_path)
    assert kit.exit_code == 2 and "not a built-in map" in kit.stderr
    both = run_cli(["convert", str(tmp_path), "--skip-existing", "--force"], tmp_path)
    assert both.exit_code == 2 and "contradict" in both.stderr
    jobs = run_cli(["convert", str(tmp_path), "--jobs", "0"], tmp_path)
    assert jobs.exit_code == 2
    nothing = run_cli(["convert"], tmp_path)
    assert nothing.exit_code == 2


def test_a_drum_map_file_with_errors_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "kit.json").write_text('{"38": 200}')
    (tmp_path / "broken.json").write_text("{oops")
    bad = run_cli(["convert", str(tmp_path / "x"), "--drum-map", str(tmp_path / "kit.json")],
                  tmp_path)
    assert bad.exit_code == 2
    assert "kit.json: the value of '38': 200 is not a note number" in bad.stderr
    broken = run_cli(["convert", "x", "--drum-map", str(tmp_path / "broken.json")], tmp_path)
    assert broken.exit_code == 2 and "is not valid JSON" in broken.stderr


def test_standard_input(tmp_path: Path) -> None:
    result = run_cli(["convert", "-", "-o", str(tmp_path / "o")], tmp_path,
                     stdin=fixture_path("demo-song").read_bytes())
    assert result.exit_code == 0 and (tmp_path / "o" / "record.mid").exists()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _result(i: int, status: str = "ok") -> Result:
    return Result(i, f"in/{i}.json", f"out/{i}.mid", status, notes=10, instruments=2,
                  exit_code=7 if status == "failed" else 0, message="broken")


def test_on_a_terminal_a_live_line_with_count_rate_and_eta() -> None:
    stream = _Terminal()
    progress = Progress(Console(quiet=False, verbose=False, stream=stream), 3, quiet=False,
                        plain=False)
    progress.update(_result(0))
    progress.update(_result(1, "failed"))
    progress.update(_result(2))
    progress.finish()
    text = stream.getvalue()
    assert "\r" in text and "3/3" in text and "files/s" in text and "ETA" in text
    assert "1 failed" in text and "fetch-mid: error: in/1.json: broken" in text
    assert "[1/3]" not in text  # no plain lines on a terminal


def test_an_interrupted_run_leaves_only_whole_files(tmp_path: Path) -> None:
    records = tmp_path / "in"
    records.mkdir()
    demo = fixture_path("demo-song").read_bytes()
    for i in range(400):
        (records / f"s{i:03d}.json").write_bytes(demo)
    out = tmp_path / "out"
    code = "from midi_export.cli import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "convert", str(records), "-o", str(out), "--jobs", "2",
         "-q", "--bpm", "auto"],
        stderr=subprocess.PIPE, start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("*.mid"))) < 20:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert b"interrupted (SIGINT) after" in err and b"Traceback" not in err
    assert [p.name for p in out.iterdir() if not p.name.endswith(".mid")] == []
    written = list(out.glob("*.mid"))
    assert 20 <= len(written) < 400  # it was stopped part-way
    for path in written:
        assert len(mido.MidiFile(file=io.BytesIO(path.read_bytes())).tracks) == 5
