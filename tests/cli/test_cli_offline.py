"""The offline half of the CLI, driven like a library through click's CliRunner."""

from __future__ import annotations

import io
import json
from pathlib import Path

import mido
import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from midi_export.errors import ExitCode

from conftest import fixture_path, run_cli


def run(
    args: list[str], *, cwd: Path, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> Result:
    return run_cli(args, cwd, stdin=stdin, env=dict(env or {}))


def assert_clean(result: Result) -> None:
    """No traceback, and any error is a single 'fetch-mid: error:' line."""
    assert "Traceback" not in result.output
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) <= 1
    for line in errors:
        assert line.startswith("fetch-mid: error: ")


SUCCESS = str(fixture_path("record-info-success"))


def test_help_lists_options_examples_and_exit_codes(tmp_path: Path) -> None:
    result = run(["--help"], cwd=tmp_path)
    assert result.exit_code == 0
    for word in (
        "--from-json",
        "--output",
        "--bpm",
        "--ppq",
        "--program",
        "--strict",
        "--force",
        "--json",
        "--quiet",
        "--verbose",
        "--version",
        "--api-key",
        "APIKLEY_API_KEY",
        "Examples:",
        "Exit codes",
    ):
        assert word in result.stdout


def test_version(tmp_path: Path) -> None:
    from midi_export import __version__

    result = run(["--version"], cwd=tmp_path)
    assert result.exit_code == 0
    assert result.stdout.strip() == f"fetch-mid {__version__}"


def test_converts_a_saved_record_named_after_the_task(tmp_path: Path) -> None:
    result = run(["--from-json", SUCCESS], cwd=tmp_path)
    assert_clean(result)
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "5c79xxxxbe8e.mid"
    midi = mido.MidiFile(out)
    assert midi.type == 1
    assert len(midi.tracks) == 3  # conductor + Drums + bass
    assert result.stdout == ""
    assert "Drums" in result.stderr and "Electric Bass (finger)" in result.stderr
    assert "5c79xxxxbe8e.mid" in result.stderr


def test_output_file_folder_and_stdout(tmp_path: Path) -> None:
    assert run(["--from-json", SUCCESS, "-o", "song.mid"], cwd=tmp_path).exit_code == 0
    assert (tmp_path / "song.mid").is_file()

    assert run(["--from-json", SUCCESS, "-o", "new/dir/"], cwd=tmp_path).exit_code == 0
    assert (tmp_path / "new" / "dir" / "5c79xxxxbe8e.mid").is_file()

    (tmp_path / "existing").mkdir()
    assert run(["--from-json", SUCCESS, "-o", "existing"], cwd=tmp_path).exit_code == 0
    assert (tmp_path / "existing" / "5c79xxxxbe8e.mid").is_file()

    result = run(["--from-json", SUCCESS, "-o", "-"], cwd=tmp_path)
    assert result.exit_code == 0
    data = result.stdout_bytes
    assert data == (tmp_path / "song.mid").read_bytes()
    assert mido.MidiFile(file=io.BytesIO(data)).type == 1


def test_stdin_input_uses_task_id_or_a_default_name(tmp_path: Path) -> None:
    payload = fixture_path("record-info-success").read_bytes()
    result = run(["--from-json", "-"], cwd=tmp_path, stdin=payload)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "5c79xxxxbe8e.mid").is_file()

    bare = json.dumps(json.loads(payload)["data"]["midiData"]).encode()
    result = run(["--from-json", "-"], cwd=tmp_path, stdin=bare)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "midi-export.mid").is_file()


def test_file_stem_is_used_when_the_record_has_no_task_id(tmp_path: Path) -> None:
    src = tmp_path / "my song.json"
    src.write_text(
        json.dumps(json.loads(fixture_path("record-info-success").read_text())["data"]["midiData"])
    )
    result = run(["--from-json", str(src)], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    written = sorted(p.name for p in tmp_path.glob("*.mid"))
    assert len(written) == 1 and " " not in written[0] and written[0].startswith("my")


def test_json_output_is_one_object_with_the_report(tmp_path: Path) -> None:
    result = run(["--from-json", SUCCESS, "--json", "-q"], cwd=tmp_path)
    assert result.exit_code == 0
    obj = json.loads(result.stdout)
    assert obj["ok"] is True
    assert obj["task_id"] == "5c79xxxxbe8e"
    assert obj["output"].endswith("5c79xxxxbe8e.mid")
    names = [ins["name"] for ins in obj["report"]["instruments"]]
    assert names == ["Drums", "Electric Bass (finger)"]
    drums = obj["report"]["instruments"][0]
    assert drums["channel"] == 10 and drums["is_drum"] is True
    assert result.stderr == ""  # -q


def test_quiet_prints_nothing_and_verbose_prints_problems(tmp_path: Path) -> None:
    quiet = run(["--from-json", SUCCESS, "-q"], cwd=tmp_path)
    assert quiet.exit_code == 0 and quiet.output == ""


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "5c79xxxxbe8e.mid"
    target.write_bytes(b"precious")
    result = run(["--from-json", SUCCESS], cwd=tmp_path)
    assert_clean(result)
    assert result.exit_code == ExitCode.OUTPUT
    assert "--force" in result.stderr
    assert target.read_bytes() == b"precious"
    assert run(["--from-json", SUCCESS, "--force"], cwd=tmp_path).exit_code == 0
    assert target.read_bytes().startswith(b"MThd")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["5c79xxxxbe8e.mid"]  # no temp files


def test_missing_output_folder_is_an_output_error(tmp_path: Path) -> None:
    result = run(["--from-json", SUCCESS, "-o", "nowhere/song.mid"], cwd=tmp_path)
    assert_clean(result)
    assert result.exit_code == ExitCode.OUTPUT


@pytest.mark.parametrize(
    ("fixture", "code", "words"),
    [
        ("record-info-pending", ExitCode.PENDING, "pending"),
        ("record-info-generation-failed", ExitCode.TASK_UNUSABLE, "failed"),
        ("record-info-empty-midi", ExitCode.TASK_UNUSABLE, "split_stem"),
        ("callback-failed-null-data", ExitCode.TASK_UNUSABLE, "failed"),
        ("error-record-null-422", ExitCode.INVALID_DATA, "422"),
        ("error-unauthorized", ExitCode.INVALID_DATA, "401"),
    ],
)
def test_unusable_saved_records_get_their_exit_code(
    tmp_path: Path, fixture: str, code: int, words: str
) -> None:
    result = run(["--from-json", str(fixture_path(fixture))], cwd=tmp_path)
    assert_clean(result)
    assert result.exit_code == code
    assert words in result.stderr.lower()
    assert list(tmp_path.iterdir()) == []


def test_broken_json_is_invalid_data(tmp_path: Path) -> None:
    src = tmp_path / "cut.json"
    src.write_bytes(fixture_path("record-info-success").read_bytes()[:200])
    result = run(["--from-json", str(src)], cwd=tmp_path)
    assert_clean(result)
    assert result.exit_code == ExitCode.INVALID_DATA
    assert "line" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--from-json", "missing.json"],
        ["--from-json", SUCCESS, "--bpm", "0"],
        ["--from-json", SUCCESS, "--bpm", "fast"],
        ["--from-json", SUCCESS, "--ppq", "0"],
        ["--from-json", SUCCESS, "--program", "Drums"],
        ["--from-json", SUCCESS, "--program", "Bass=200"],
        ["--from-json", SUCCESS, "--json", "-o", "-"],
        ["--from-json", SUCCESS, "sometask"],
        ["--from-json", SUCCESS, "--no-such-option"],
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    result = run(args, cwd=tmp_path)
    assert "Traceback" not in result.output
    assert result.exit_code == ExitCode.USAGE
    assert list(tmp_path.iterdir()) == []


def test_program_override_changes_the_program(tmp_path: Path) -> None:
    result = run(
        ["--from-json", SUCCESS, "--program", "Electric Bass (finger)=Fretless Bass", "--json"],
        cwd=tmp_path,
    )
    assert result.exit_code == 0, result.stderr
    bass = json.loads(result.stdout)["report"]["instruments"][1]
    assert bass["program"] == 35 and bass["source"] == "override"
    midi = mido.MidiFile(tmp_path / "5c79xxxxbe8e.mid")
    programs = [m.program for m in midi.tracks[2] if m.type == "program_change"]
    assert programs == [35]


def test_bpm_and_ppq_are_written(tmp_path: Path) -> None:
    result = run(["--from-json", SUCCESS, "--bpm", "97", "--ppq", "960"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    midi = mido.MidiFile(tmp_path / "5c79xxxxbe8e.mid")
    assert midi.ticks_per_beat == 960
    tempos = [m.tempo for m in midi.tracks[0] if m.type == "set_tempo"]
    assert tempos == [round(60e6 / 97)]


def test_strict_fails_on_invalid_notes_and_lenient_drops_them(tmp_path: Path) -> None:
    record = json.loads(fixture_path("record-info-success").read_text())
    record["data"]["midiData"]["instruments"][1]["notes"].append(
        {"pitch": 60.5, "start": 1, "end": 2, "velocity": 1}
    )
    src = tmp_path / "bad.json"
    src.write_text(json.dumps(record))
    lenient = run(["--from-json", str(src), "-o", "a.mid", "-v"], cwd=tmp_path)
    assert lenient.exit_code == 0, lenient.stderr
    assert "1 invalid" in lenient.stderr
    strict = run(["--from-json", str(src), "-o", "b.mid", "--strict"], cwd=tmp_path)
    assert_clean(strict)
    assert strict.exit_code == ExitCode.INVALID_DATA
    assert "notes[1]" in strict.stderr
    assert not (tmp_path / "b.mid").exists()


def test_json_error_object_on_failure(tmp_path: Path) -> None:
    result = run(["--from-json", str(fixture_path("record-info-pending")), "--json"], cwd=tmp_path)
    assert result.exit_code == ExitCode.PENDING
    obj = json.loads(result.stdout)
    assert obj["ok"] is False
    assert obj["error"]["exit_code"] == ExitCode.PENDING
    assert obj["error"]["type"] == "TaskPendingError"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    payload=st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none()
            | st.booleans()
            | st.floats(allow_nan=False)
            | st.integers()
            | st.text(max_size=8),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(
                    st.sampled_from(
                        [
                            "code",
                            "msg",
                            "data",
                            "midiData",
                            "instruments",
                            "notes",
                            "name",
                            "pitch",
                            "start",
                            "end",
                            "velocity",
                            "successFlag",
                            "taskId",
                        ]
                    ),
                    inner,
                    max_size=5,
                )
            ),
            max_leaves=20,
        ).map(lambda v: json.dumps(v).encode()),
    )
)
def test_no_input_makes_a_traceback(tmp_path: Path, payload: bytes) -> None:
    result = run(["--from-json", "-", "-o", "-"], cwd=tmp_path, stdin=payload)
    assert_clean(result)
    assert result.exit_code in {0, ExitCode.TASK_UNUSABLE, ExitCode.PENDING, ExitCode.INVALID_DATA}


def test_the_cli_default_base_url_is_the_clients() -> None:
    # the CLI keeps its own copy so that --help need not import the fetcher (30 ms)
    from midi_export.api.client import DEFAULT_BASE_URL
    from midi_export.cli import options as cli_module

    assert cli_module.DEFAULT_BASE_URL == DEFAULT_BASE_URL
