"""Stop signals (issue 12, class 7), against the real entry point in its own process: SIGINT,
SIGTERM and SIGHUP during a write let the file (or the whole --split set) finish and say so;
before any write nothing is left; after the outcome is decided they change nothing; during
start-up and click's parsing they give the one house line, never ``Aborted!`` or a traceback.

A small hook module (on ``PYTHONPATH``) makes the moments reproducible: it slows ``fsync``
and marks when a write is under way, or sends the signal itself at a chosen point.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import fixture_path

SONG = fixture_path("demo-song")

HOOK = textwrap.dedent('''
    import os, signal, time
    where = os.environ.get("HOOK")
    if where == "slow-fsync":  # every write takes a while; a marker says one is under way
        real = os.fsync
        def slow(fd):
            with open(os.environ["HOOK_MARKER"], "a") as marker:
                marker.write("fsync\\n")
            time.sleep(0.4)
            real(fd)
        os.fsync = slow
    elif where == "after-settle":  # a Ctrl-C once the outcome is decided
        from midi_export.cli import signals
        real_settle = signals.settle
        def settle():
            real_settle()
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.2)
        signals.settle = settle
    elif where == "during-summary":  # a Ctrl-C after the file is in place, while printing
        from midi_export.cli.console import Console
        real_info = Console.info
        def info(self, text):
            if ".mid:" in text:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.5)
            real_info(self, text)
        Console.info = info
    elif where == "at-start":  # a signal the moment the handlers are in place
        from midi_export.cli import signals
        real_install = signals.install
        def install():
            real_install()
            os.kill(os.getpid(), int(os.environ["HOOK_SIGNAL"]))
        signals.install = install
''')


def start(tmp_path: Path, args: list[str], hook: str, **env: str) -> subprocess.Popen[str]:
    (tmp_path / "hook").mkdir(exist_ok=True)
    (tmp_path / "hook" / "signal_hook.py").write_text(HOOK)
    environ = {**os.environ, "HOOK": hook, "HOOK_MARKER": str(tmp_path / "marker"),
               "PYTHONPATH": os.pathsep.join([str(tmp_path / "hook"),
                                              os.environ.get("PYTHONPATH", "")]), **env}
    code = "import signal_hook; from midi_export.cli import main; main()"
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=tmp_path, env=environ,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129),
                                              (signal.SIGINT, 130)])
def test_a_signal_during_the_writes_lets_the_set_finish_then_tells_the_truth(
    tmp_path: Path, signum: int, code: int
) -> None:
    process = start(tmp_path, ["--from-json", str(SONG), "-o", "out/", "--split"],
                    "slow-fsync")
    wait_for(tmp_path / "marker")  # the first of the five files is being written
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == code, err
    written = files(tmp_path / "out")
    assert written == ["demo-song-01-drums.mid", "demo-song-02-electric-bass-finger.mid",
                       "demo-song-03-acoustic-grand-piano.mid",
                       "demo-song-04-string-ensembles-1.mid", "demo-song.mid"]
    assert all((tmp_path / "out" / name).read_bytes()[:4] == b"MThd" for name in written)
    lines = err.splitlines()
    assert len(lines) == 1, lines
    name = signal.Signals(signum).name
    assert lines[0].startswith(f"fetch-mid: error: interrupted ({name}) after writing 5 "
                               "complete files: ")
    assert lines[0].endswith("(nothing partial is left)")


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_before_any_write_leaves_nothing_and_says_so(tmp_path: Path, signum: int,
                                                              code: int) -> None:
    process = start(tmp_path, ["--from-json", "-", "-o", "out/"], "none")
    time.sleep(1.0)  # it waits for its standard input, which never comes
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == code
    assert err.splitlines() == [
        f"fetch-mid: error: interrupted ({signal.Signals(signum).name}) before any file was "
        "written"]
    assert files(tmp_path / "out") == []


def test_a_ctrl_c_after_the_outcome_is_decided_changes_nothing(tmp_path: Path) -> None:
    process = start(tmp_path, ["--from-json", str(SONG), "-o", "song.mid"], "after-settle")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Aborted" not in err and "interrupted" not in err and "Traceback" not in err
    assert (tmp_path / "song.mid").read_bytes()[:4] == b"MThd"


def test_a_ctrl_c_after_the_file_is_in_place_says_it_is_there(tmp_path: Path) -> None:
    process = start(tmp_path, ["--from-json", str(SONG), "-o", "song.mid"], "during-summary")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.splitlines() == ["fetch-mid: error: interrupted (SIGINT) after writing 1 "
                                "complete file: song.mid (nothing partial is left)"]
    assert (tmp_path / "song.mid").read_bytes()[:4] == b"MThd"


@pytest.mark.parametrize("args", [
    ["--from-json", str(SONG), "-o", "song.mid"],  # the verb starts
    ["--bmp", "97"],  # a usage error
    ["--help"],
    ["generate", "--help"],
])
def test_a_signal_during_start_up_and_parsing_is_one_line(tmp_path: Path,
                                                          args: list[str]) -> None:
    process = start(tmp_path, args, "at-start", HOOK_SIGNAL=str(int(signal.SIGTERM)))
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert err.splitlines()[-1] == ("fetch-mid: error: interrupted (SIGTERM) before any file "
                                    "was written")
    assert "Aborted" not in err and "Traceback" not in err
    assert not (tmp_path / "song.mid").exists()


def test_a_batch_stopped_while_waiting_is_stopped_at_once(tmp_path: Path) -> None:
    """Two tasks that stay pending: SIGINT ends the wait (the requests in flight are cut)."""
    from midi_export.testing import FakeRecordAPI, pending

    key = "sk-signal-test-1234"
    with FakeRecordAPI({"a": b"{}", "b": b"{}"}, api_key=key) as api:
        api.script("a", [pending()])
        api.script("b", [pending()])
        process = start(tmp_path, ["a", "b", "-o", "out/", "--base-url", api.base_url,
                                   "--api-key", key, "--poll-interval", "30"], "none")
        deadline = time.monotonic() + 60
        while len(api.requests) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        began = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        took = time.monotonic() - began
    assert process.returncode == 130
    assert err.splitlines()[-1] == ("fetch-mid: error: interrupted (SIGINT) before any file "
                                    "was written")
    assert took < 20  # not the 30-s poll interval
