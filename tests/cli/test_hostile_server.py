"""The command against hostile servers on 127.0.0.1 (issue 12, classes 1 and 5, and the
smaller items): every request and every wait ends in time, an echoed key reaches nothing
printed or saved in any spelling, the answer cap is an option, a record for another task is
warned about. Each run is bounded (the server is stopped after a cap).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from conftest import run_cli
from hostile import (
    HostileServer,
    drip_body,
    drip_headers,
    echo_key,
    escape_key,
    record_bytes,
    respond,
    silent,
)

KEY = "sk-AB/cd+ef=0123456789"
MARGIN = 3.0  # seconds over the limit, on a loaded machine (start-up included)


def run(server: HostileServer, args: list[str], cwd: Path, key: str = KEY,
        cap: float = 30.0) -> tuple[Result, float]:
    box: dict[str, Any] = {}

    def go() -> None:
        start = time.monotonic()
        box["result"] = run_cli([*args, "--base-url", server.base_url, "--api-key", key], cwd)
        box["took"] = time.monotonic() - start

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    thread.join(cap)
    if thread.is_alive():
        server.stop()
        thread.join(10)
    assert "result" in box, f"still running {cap} s after the start"
    return box["result"], box["took"]


@pytest.mark.parametrize("behaviour", [drip_body(record_bytes(), rate=5),
                                       drip_headers(rate=1)], ids=["body", "headers"])
def test_a_dripping_server_ends_at_the_request_time_limit(tmp_path: Path,
                                                          behaviour: Any) -> None:
    """Before: 43 s (body at 5 B/s) and more than 5 minutes (headers at 1 B/s)."""
    with HostileServer(behaviour) as server:
        result, took = run(server, ["t1", "--request-timeout", "1", "--timeout", "5",
                                    "--retries", "0"], tmp_path)
    assert result.exit_code == 6
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"fetch-mid: error: 127.0.0.1:{server.port} did not answer within 1 s (")
    assert lines[0].endswith("; 1 attempt)")
    assert took <= 1 + MARGIN
    assert list(tmp_path.iterdir()) == []


def test_a_silent_server_ends_within_the_wait(tmp_path: Path) -> None:
    """Before: 30 s with --timeout 5 (the request time limit, not the wait's)."""
    with HostileServer(silent()) as server:
        result, took = run(server, ["t1", "--timeout", "2"], tmp_path)
    assert result.exit_code == 6
    assert "left of the wait" in result.stderr and len(result.stderr.splitlines()) == 1
    assert took <= 2 + MARGIN


@pytest.mark.parametrize("form", ["raw", "json_slash", "json_u", "json_mixed", "percent",
                                  "html"])
def test_an_echoed_key_reaches_nothing_printed_or_saved(tmp_path: Path, form: str) -> None:
    with HostileServer(echo_key(form)) as server:
        result, _ = run(server, ["t1", "-o", "out/", "--save-json", "keep/", "--json"],
                        tmp_path)
    assert result.exit_code == 0, result.stderr
    shown = escape_key(KEY, form)
    for text in (result.stdout, result.stderr):
        assert KEY not in text and shown not in text
    assert json.loads(result.stdout)["report"]["instruments"][0]["name"] == "Piano ***"
    midi = (tmp_path / "out" / "t1.mid").read_bytes()
    saved = (tmp_path / "keep" / "t1.json").read_bytes()
    assert b"Piano ***" in midi
    for data in (midi, saved, json.dumps(json.loads(saved), ensure_ascii=False).encode()):
        assert KEY.encode() not in data and shown.encode() not in data


def test_a_short_key_is_masked_where_it_is_a_word(tmp_path: Path) -> None:
    with HostileServer(echo_key("raw", where=("name", "msg"))) as server:
        result, _ = run(server, ["t1", "-o", "out/", "--save-json", "keep/", "--json"],
                        tmp_path, key="abc")
    assert result.exit_code == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["report"]["instruments"][0]["name"] == "Piano ***"
    assert " abc" not in result.stderr and b"abc" not in (tmp_path / "keep/t1.json").read_bytes()
    assert b"Piano ***" in (tmp_path / "out" / "t1.mid").read_bytes()


def test_the_answer_cap_is_an_option(tmp_path: Path) -> None:
    body = record_bytes(notes=20_000)  # about 1.6 MB
    with HostileServer(respond(200, body)) as server:
        result, _ = run(server, ["t1", "-o", "small/", "--max-answer-mb", "1"], tmp_path)
        assert result.exit_code == 7
        assert "more than the 1048576-byte limit" in result.stderr
        assert "--max-answer-mb" in result.stderr
        result, _ = run(server, ["t1", "-o", "big/", "--max-answer-mb", "2"], tmp_path)
        assert result.exit_code == 0 and (tmp_path / "big" / "t1.mid").is_file()


def test_a_record_for_another_task_is_warned_about(tmp_path: Path) -> None:
    with HostileServer(respond(200, record_bytes(task_id="someone-else"))) as server:
        result, _ = run(server, ["t1", "-o", "out/", "--json"], tmp_path)
        assert result.exit_code == 0
        facts = json.loads(result.stdout)
        warning = ("the answer is for task 'someone-else', not 't1'; the file is named "
                   "after 't1'")
        assert facts["report"]["warnings"] == [warning]
        assert f"warning: {warning}" in result.stderr
        assert [p.name for p in (tmp_path / "out").iterdir()] == ["t1.mid"]
        strict, _ = run(server, ["t1", "-o", "strict/", "--strict"], tmp_path)
    assert strict.exit_code == 7 and "refused with strict" in strict.stderr
