"""Output edge cases (issue 12, class 6): only regular files are replaced, task ids that give
one file name are refused before any request, and a standard output that closes early, is
closed from the start or is full is an output error (exit 8), never a success or a crash;
a closed standard input is a usage error.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from midi_export.testing import FakeRecordAPI

from conftest import fixture_path, run_cli

KEY = "sk-live-SECRET-7f3a9c21e4"
SUCCESS = fixture_path("record-info-success").read_bytes()
BIG = fixture_path("demo-song")  # 612 notes
FETCH_MID = Path(sys.executable).with_name("fetch-mid")  # the installed console script


@pytest.fixture
def api() -> Iterator[FakeRecordAPI]:
    with FakeRecordAPI({"a_b": SUCCESS, "t1": SUCCESS}, api_key=KEY) as server:
        yield server


def shell(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``command`` in bash, ``$FETCH_MID`` being the installed console script."""
    if not FETCH_MID.is_file():
        pytest.skip("fetch-mid is not installed beside this interpreter")
    environ = {**os.environ, "FETCH_MID": str(FETCH_MID), **env}
    return subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True,
                          env=environ, timeout=120)


# ------------------------------------------------------------------ what may be replaced


@pytest.mark.parametrize("make", ["device", "fifo", "symlink", "socket"])
def test_force_never_replaces_anything_but_a_regular_file(tmp_path: Path, make: str) -> None:
    target = tmp_path / "t.mid"
    if make == "device":
        try:
            os.mknod(target, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a twin of /dev/null
        except PermissionError:
            pytest.skip("mknod needs root")
    elif make == "fifo":
        os.mkfifo(target)
    elif make == "symlink":
        (tmp_path / "real.mid").write_bytes(b"theirs")
        target.symlink_to(tmp_path / "real.mid")
    else:
        import socket

        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(target))
        sock.close()
    mode = os.lstat(target).st_mode
    result = run_cli(["--from-json", str(fixture_path("record-info-success")), "-o",
                      str(target), "--force"], tmp_path)
    assert result.exit_code == 8
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "not a regular file: it is never replaced" in lines[0]
    assert os.lstat(target).st_mode == mode  # untouched
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    if make == "symlink":
        assert (tmp_path / "real.mid").read_bytes() == b"theirs"


def test_a_regular_file_is_replaced_with_force(tmp_path: Path) -> None:
    target = tmp_path / "t.mid"
    target.write_bytes(b"old")
    result = run_cli(["--from-json", str(fixture_path("record-info-success")), "-o",
                      str(target), "--force"], tmp_path)
    assert result.exit_code == 0 and target.read_bytes()[:4] == b"MThd"


# ------------------------------------------------------------------ names two tasks share


@pytest.mark.parametrize("force", [False, True])
def test_task_ids_that_give_one_file_name_are_refused_before_any_request(
    api: FakeRecordAPI, tmp_path: Path, force: bool
) -> None:
    args = ["a/b", "a?b", "a b", "a_b", "t1", "-o", "out/", "--json", "--base-url",
            api.base_url, "--api-key", KEY, *(["--force"] if force else [])]
    result = run_cli(args, tmp_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "fetch-mid: error: task ids that would be written to the same file (names are "
        "cleaned, and compared ignoring case): 'a/b', 'a?b', 'a b', 'a_b' -> a_b.mid; run "
        "them separately or into separate -o folders"]
    assert api.requests == []
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_names_that_differ_only_in_case_are_one_file_somewhere(
    api: FakeRecordAPI, tmp_path: Path
) -> None:
    result = run_cli(["ABC", "abc", "-o", "out/", "--base-url", api.base_url, "--api-key",
                      KEY], tmp_path)
    assert result.exit_code == 2 and "'ABC', 'abc' -> ABC.mid" in result.stderr
    assert api.requests == []


# ------------------------------------------------------------------ standard output


def large_record(tmp_path: Path) -> Path:
    """A record whose file (about 250 KB) is more than a pipe holds (64 KiB)."""
    notes = [{"pitch": 40 + i % 40, "start": i * 0.01, "end": i * 0.01 + 0.2,
              "velocity": 0.5} for i in range(40_000)]
    path = tmp_path / "large.json"
    path.write_text(json.dumps({"taskId": "large", "instruments": [{"name": "Piano",
                                                                    "notes": notes}]}))
    return path


@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_a_pipe_closed_early_is_an_output_error_not_a_success(tmp_path: Path,
                                                              unbuffered: str) -> None:
    source = large_record(tmp_path)
    done = shell(f'$FETCH_MID --from-json {source} -o - | head -c 100 >/dev/null; '
                 'echo "rc=${PIPESTATUS[0]}"', tmp_path, PYTHONUNBUFFERED=unbuffered)
    assert done.stdout.strip() == "rc=8", done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("fetch-mid: error: the reader of standard output closed it "
                               "after ")
    assert "Exception ignored" not in done.stderr


@pytest.mark.parametrize("command", ["--from-json {big} --json", "--from-json {big} -o -",
                                     "convert {big} -o out/ --json"])
def test_a_closed_stdout_is_known_before_any_work(tmp_path: Path, command: str) -> None:
    done = shell(f"$FETCH_MID {command.format(big=BIG)} >&-; echo rc=$?", tmp_path)
    assert done.stdout.strip() == "rc=8"
    assert "standard output is closed" in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # nothing was converted and written first
    assert "Exception ignored" not in done.stderr


def test_json_to_a_full_device_is_an_output_error_that_says_what_was_written(
    tmp_path: Path,
) -> None:
    done = shell(f"$FETCH_MID --from-json {BIG} -o out.mid --json -q >/dev/full; echo rc=$?",
                 tmp_path)
    assert done.stdout.strip() == "rc=8"
    lines = done.stderr.splitlines()
    assert len(lines) == 1, lines
    assert "No space left on device" in lines[-1]
    assert "the files were written:" in lines[-1] and "out.mid" in lines[-1]
    assert (tmp_path / "out.mid").is_file()


def test_a_closed_stdin_is_a_usage_error(tmp_path: Path) -> None:
    done = shell("$FETCH_MID --from-json - -o out.mid <&-; echo rc=$?", tmp_path)
    assert done.stdout.strip() == "rc=2"
    assert done.stderr.splitlines() == [
        "fetch-mid: error: standard input is closed (--from-json - reads it)"]


def test_a_closed_stderr_does_not_change_the_outcome(tmp_path: Path) -> None:
    done = shell(f"$FETCH_MID --from-json {BIG} -o out.mid 2>&-; echo rc=$?", tmp_path)
    assert done.stdout.strip() == "rc=0"
    assert (tmp_path / "out.mid").is_file()
    done = shell(f"$FETCH_MID --from-json {BIG} -o out.mid 2>&-; echo rc=$?", tmp_path)
    assert done.stdout.strip() == "rc=8"  # exists: the error had nowhere to go, the code did


def test_json_results_are_complete_json(tmp_path: Path) -> None:
    done = shell(f"$FETCH_MID --from-json {BIG} -o out.mid --json -q", tmp_path)
    assert done.returncode == 0
    assert json.loads(done.stdout)["ok"] is True
