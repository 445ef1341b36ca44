"""Usage errors are one house line, ``fetch-mid: error: ...``, exit 2 (issue 12, class 8),
for every verb of the group, through click's runner (which calls the group's ``main``, as the
console script does) and through the real console script.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from midi_export.cli import cli

from conftest import fixture_path

CASES = [
    (["--bmp", "97"], "No such option '--bmp'", "fetch-mid --help"),
    (["x", "--ppq", "5"], "'--ppq': 5 is not in the range 24<=x<=32767", "fetch-mid --help"),
    (["x", "--bpm", "fast"], "'fast' is neither a number nor 'auto'", "fetch-mid --help"),
    (["x", "--ppq"], "Option '--ppq' requires an argument", "fetch-mid --help"),
    (["--from-json", "/nonexistent.json"], "does not exist", "fetch-mid --help"),
    (["x", "--timeout", "soon"], "'soon' is not a valid float range", "fetch-mid --help"),
    (["x", "--program", "Vocals"], "expects NAME=PROGRAM", "fetch-mid --help"),
    (["x", "--max-answer-mb", "0"], "'--max-answer-mb': 0 is not in the range",
     "fetch-mid --help"),
    (["generate", "--foo"], "No such option '--foo'", "fetch-mid generate --help"),
    (["generate", "s1", "--separation", "whole"], "'whole' is not one of",
     "fetch-mid generate --help"),
    (["serve", "--port", "x"], "'x' is not a valid integer range", "fetch-mid serve --help"),
    (["serve", "--max-body", "0"], "0 is not in the range 1<=x<=1024",
     "fetch-mid serve --help"),
    (["fetch", "--bmp", "1"], "No such option '--bmp'", "fetch-mid fetch --help"),
    (["convert", "x.json", "--jobs", "0"], "'--jobs': 0 is not in the range 1<=x<=64",
     "fetch-mid convert --help"),
    (["convert"], "Missing argument 'FILE|DIR|-...'", "fetch-mid convert --help"),
    (["convert", "x.json", "--render", "mp3"], "'mp3' is not one of",
     "fetch-mid convert --help"),
]


@pytest.mark.parametrize(("args", "needle", "hint"), CASES,
                         ids=[" ".join(c[0]) for c in CASES])
def test_every_usage_error_is_one_house_line_exit_2(args: list[str], needle: str,
                                                    hint: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("fetch-mid: error: ") and needle in lines[0]
    assert lines[0].endswith(f"(see {hint})")
    assert "Usage:" not in result.output and "Aborted" not in result.output


def test_the_console_script_prints_the_same_line() -> None:
    fetch_mid = Path(sys.executable).with_name("fetch-mid")
    if not fetch_mid.is_file():
        pytest.skip("fetch-mid is not installed beside this interpreter")
    done = subprocess.run([str(fetch_mid), "--bmp", "97"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "fetch-mid: error: No such option '--bmp'. (Did you mean one of: '--bpm', '--ppq'?) "
        "(see fetch-mid --help)"]


def test_help_version_and_results_are_unchanged(tmp_path: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(cli, ["--help"])
    assert shown.exit_code == 0 and "Usage:" in shown.stdout and "generate" in shown.stdout
    version = runner.invoke(cli, ["--version"])
    assert version.exit_code == 0 and version.stdout.startswith("fetch-mid ")
    assert runner.invoke(cli, ["serve", "--help"]).exit_code == 0
    ok = runner.invoke(cli, ["--from-json", str(fixture_path("record-info-success")), "-o",
                             f"{tmp_path}/"])
    assert ok.exit_code == 0 and (tmp_path / "5c79xxxxbe8e.mid").is_file()
    bad = runner.invoke(cli, ["--from-json", str(fixture_path("error-unauthorized")), "-o",
                              f"{tmp_path}/"])
    assert bad.exit_code == 7 and len(bad.stderr.splitlines()) == 1


def test_a_help_text_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    fetch_mid = Path(sys.executable).with_name("fetch-mid")
    if not fetch_mid.is_file():
        pytest.skip("fetch-mid is not installed beside this interpreter")
    done = subprocess.run(["bash", "-c", f"'{fetch_mid}' --help | head -c 10 >/dev/null; "
                           "echo rc=${PIPESTATUS[0]}"], capture_output=True, text=True,
                          timeout=60)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert done.stdout.strip() in ("rc=0", "rc=8")  # the help text may fit the pipe
