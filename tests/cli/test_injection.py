"""Nothing from a record or a server drives the terminal or forges a line (issue 12, class
4): the one escaping rule (``console.printable``), the console that applies it to every
line, and the command end to end, on a pipe and on a real terminal (a pty).
"""

from __future__ import annotations

import io
import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from midi_export.cli import cli
from midi_export.cli.console import Console, one_line, printable

HOSTILE_NAMES = [
    "Piano\nfetch-mid: error: fake",
    "Piano\rfetch-mid: error: fake",
    "Piano\x07\x00",
    "Piano\x1b[2J\x1b[31mRED",
    "Piano\x1b]0;owned\x07",
    "Piano\x9b31m",
    "Piano\u202eevil",
    "a\u2028b\u2029c\x85d",
    "zero\u200bwidth\ufeff",
]


@pytest.mark.parametrize(("raw", "shown"), [
    ("Piano\nfetch-mid: error: fake", "Piano\\nfetch-mid: error: fake"),
    ("Piano\rX", "Piano\\rX"),
    ("Piano\x07\x00", "Piano\\x07\\x00"),
    ("Piano\x1b[2J\x1b[31mRED", "Piano\\x1b[2J\\x1b[31mRED"),
    ("Piano\x9b31m", "Piano\\x9b31m"),
    ("Piano\u202eevil", "Piano\\u202eevil"),
    ("a\u2028b\u2029c\x85d", "a\\u2028b\\u2029c\\x85d"),
    ("Piano \ud800", "Piano \\ud800"),
    ("Guitarra Eléctrica 🎸 ベース", "Guitarra Eléctrica 🎸 ベース"),
    ("C:\\Users\\x", "C:\\Users\\x"),
])
def test_printable_spells_out_what_is_not_printable(raw: str, shown: str) -> None:
    assert printable(raw) == shown


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_printable_gives_one_safe_line_that_always_encodes(text: str) -> None:
    out = printable(text)
    assert out.isprintable()
    out.encode("utf-8")  # no lone surrogate left
    if text.isprintable():
        assert out == text


def test_limits_and_odd_objects() -> None:
    class Bad:
        def __str__(self) -> str:
            raise ValueError("no")

    assert printable("abcdef", 4) == "abc…"
    assert printable(Bad()) == "<Bad>"
    assert one_line("a\n  b\tc\x1b") == "a b c\\x1b"


def test_the_console_escapes_every_line_and_never_forges_an_error_line() -> None:
    stream = io.StringIO()
    console = Console(quiet=False, verbose=False, stream=stream)
    console.info("  ch 1  Piano\nfetch-mid: error: fake  0 Acoustic Grand Piano")
    console.error("instrument 'x\x1b[2J' failed\r\nagain")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert [line.startswith("fetch-mid: error:") for line in lines] == [False, True]
    assert "\x1b" not in stream.getvalue()


def test_the_console_masks_the_key_in_every_line() -> None:
    stream = io.StringIO()
    console = Console(quiet=False, verbose=False, stream=stream)
    console.mask = lambda text: text.replace("sekrit-key", "***")
    console.info("the name was sekrit-key")
    console.error("refused sekrit-key")
    assert "sekrit-key" not in stream.getvalue() and stream.getvalue().count("***") == 2


def test_a_failing_stderr_never_becomes_a_crash() -> None:
    class Full(io.StringIO):
        def write(self, s: str) -> int:
            raise OSError(28, "No space left on device")

    console = Console(quiet=False, verbose=False, stream=Full())
    console.error("x")
    console.info("y")
    assert console.lost == 2


def names_record(tmp_path: Path, names: list[str], msg: str = "success") -> Path:
    note = {"pitch": 60, "start": 0.0, "end": 0.5, "velocity": 0.5}
    body = {"code": 200, "msg": msg, "data": {"taskId": "t1", "successFlag": 1, "midiData": {
        "instruments": [{"name": n, "notes": [note]} for n in names]}}}
    path = tmp_path / "names.json"
    path.write_text(json.dumps(body))  # ASCII JSON: the escapes reach the decoder
    return path


def run(tmp_path: Path, source: Path, *options: str) -> Any:
    return CliRunner().invoke(cli, ["--from-json", str(source), "-o", f"{tmp_path}/out/",
                                    *options])


def test_hostile_names_reach_stderr_escaped_and_forge_no_line(tmp_path: Path) -> None:
    result = run(tmp_path, names_record(tmp_path, HOSTILE_NAMES), "-v")
    assert result.exit_code == 0
    assert all(line.isprintable() for line in result.stderr.splitlines())
    assert not any(line.startswith("fetch-mid: error") for line in result.stderr.splitlines())
    assert "Piano\\nfetch-mid: error: f" in result.stderr  # (cut to the column width)
    assert "\x1b" not in result.stderr and "\x9b" not in result.stderr


def test_a_lone_surrogate_in_a_name_gives_valid_json_and_the_file(tmp_path: Path) -> None:
    result = run(tmp_path, names_record(tmp_path, ["Piano \ud800", "\udc80"]), "--json")
    assert result.exit_code == 0, result.stderr
    facts = json.loads(result.stdout)
    assert result.stdout.isascii()
    assert facts["report"]["instruments"][0]["name"] == "Piano \ud800"
    assert (tmp_path / "out" / "t1.mid").is_file()


def test_a_lone_surrogate_as_the_task_id_is_a_safe_file_name(tmp_path: Path) -> None:
    source = tmp_path / "r.json"
    source.write_text('{"taskId": "\\ud800", "instruments": [{"name": "Drums", '
                      '"notes": [[36, 0, 1]]}]}')
    result = run(tmp_path, source, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["ok"] is True
    assert len(list((tmp_path / "out").iterdir())) == 1


@pytest.mark.parametrize("as_json", [False, True])
def test_control_characters_of_an_error_message_are_escaped(tmp_path: Path,
                                                            as_json: bool) -> None:
    source = tmp_path / "err.json"
    source.write_text(json.dumps({"code": 430, "msg": "\x1b[2J\x1b]0;owned\x07 \ud800"}))
    result = run(tmp_path, source, *(["--json"] if as_json else []))
    assert result.exit_code == 7
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].isprintable() and "\\x1b[2J" in lines[0]
    if as_json:
        assert json.loads(result.stdout)["ok"] is False


def test_no_escape_byte_reaches_a_real_terminal(tmp_path: Path) -> None:
    """On a terminal click would have left ANSI sequences alone: a pty proves none gets out."""
    source = names_record(tmp_path, ["Piano\x1b[2J\x1b[31mRED", "Bass\x07\x9b1m"])
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from midi_export.cli import main; main()", "--from-json",
             str(source), "-o", f"{tmp_path}/out/"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=follower, timeout=60,
            cwd=tmp_path)
        os.close(follower)
        follower = -1
        seen = b""
        while select.select([leader], [], [], 0.5)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    assert done.returncode == 0
    assert b"Piano\\x1b[2J" in seen
    assert b"\x1b" not in seen and b"\x07" not in seen and "\x9b".encode() not in seen
