"""``fetch-mid serve`` as a real process on 127.0.0.1: every callback shape, duplicates, bad
signatures, oversized and malformed bodies, path-traversal ids, and a signal that drains the
delivery under way and exits 0."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from midi_export.testing import midi_callback_body, separation_callback_body, signed_headers

from conftest import fixture_path, run_cli

TOKEN = "tok_0123456789abcdef"
HMAC_KEY = "hmac-key-for-the-cli-tests"
COMMAND = [sys.executable, "-c", "from midi_export.cli import main; main()", "serve"]


class Receiver:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "", parts.port or 0

    def post(self, body: bytes, headers: dict[str, str] | None = None,
             url: str | None = None) -> requests.Response:
        return requests.post(url or self.url, data=body, headers=headers or {}, timeout=10)

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        self.process.send_signal(signum)
        code = self.process.wait(timeout=20)
        return code, self.process.stderr.read() if self.process.stderr else ""


def start(out: Path, *args: str, env: dict[str, str] | None = None) -> Receiver:
    process = subprocess.Popen(
        [*COMMAND, "--port", "0", "-o", str(out), *args], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
        env={**os.environ, "MIDI_EXPORT_SERVE_TOKEN": TOKEN, **(env or {})},
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line.startswith("callBackUrl: "), process.stderr.read() if process.stderr else line
    return Receiver(process, line.split(": ", 1)[1])


@pytest.fixture
def out(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "out"


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_every_shape_duplicates_and_refusals(out: Path) -> None:
    receiver = start(out, "--hmac-key", HMAC_KEY, "--max-body", "1")
    try:
        assert receiver.url.endswith("/callback/" + TOKEN)

        def signed(body: bytes, task_id: str) -> requests.Response:
            return receiver.post(body, signed_headers(HMAC_KEY, task_id))

        answers = {}
        for name in ("callback-success-task_id-top", "callback-success-taskId-in-data",
                     "callback-failed-null-data", "midi-generate-created"):
            body = fixture_path(name).read_bytes()
            answers[name] = signed(body, "5c79****be8e" if "created" in name
                                   else "5c79xxxxbe8e").json()["msg"]
        again = signed(fixture_path("callback-success-task_id-top").read_bytes(),
                       "5c79xxxxbe8e").json()["msg"]
        sep = signed(separation_callback_body("sep-1"), "sep-1").json()["msg"]
        sep_failed = signed(separation_callback_body("sep-2", fail=True), "sep-2").json()["msg"]
        evil = signed(midi_callback_body("../../evil"), "../../evil").json()["msg"]
        refused = [
            receiver.post(fixture_path("callback-success-task_id-top").read_bytes()),
            receiver.post(midi_callback_body("t-9"), signed_headers("wrong-key", "t-9")),
            receiver.post(midi_callback_body("t-9"), signed_headers(HMAC_KEY, "t-9",
                                                                    int(time.time()) - 3600)),
            receiver.post(b"{not json", signed_headers(HMAC_KEY, "x")),
            receiver.post(b'{"code": 200, "data": {"foo": 1}}', signed_headers(HMAC_KEY, "x")),
            receiver.post(b"x" * (1024 * 1024 + 1), signed_headers(HMAC_KEY, "x")),
            receiver.post(midi_callback_body("t-9"), signed_headers(HMAC_KEY, "t-9"),
                          url=receiver.url.replace(TOKEN, "x" * len(TOKEN))),
        ]
        health = requests.get(f"http://{receiver.host}:{receiver.port}/healthz", timeout=10)
    finally:
        code, log = receiver.stop()
    assert answers == {"callback-success-task_id-top": "written",
                       # the same task with other content: both bodies kept, one .mid
                       "callback-success-taskId-in-data": "conflict",
                       "callback-failed-null-data": "failed",
                       "midi-generate-created": "accepted"}
    assert (again, sep, sep_failed, evil) == ("duplicate", "separation", "failed", "written")
    assert [r.status_code for r in refused] == [401, 401, 401, 400, 422, 413, 404]
    assert health.text == "ok\n"
    evil_stem = next(name for name in files(out) if name.startswith("evil-")).split(".")[0]
    dup = next(name for name in files(out) if ".dup-" in name)
    assert json.loads((out / dup).read_bytes()) == json.loads(
        fixture_path("callback-success-taskId-in-data").read_bytes())
    assert files(out) == sorted([
        "5c79xxxxbe8e.json", "5c79xxxxbe8e.mid", "5c79xxxxbe8e.failed.json", dup,
        "sep-1.separation.json", "sep-2.separation.json", f"{evil_stem}.json",
        f"{evil_stem}.mid"])
    assert not (out.parent.parent / "evil.mid").exists()
    assert code == 0
    lines = [line for line in log.splitlines() if " delivery task=" in line]
    assert len(lines) == 14  # one per delivery that reached the app (413 is waitress's own)
    assert TOKEN not in log and HMAC_KEY not in log


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_drains_the_delivery_under_way_then_exits_0(out: Path, signum: int) -> None:
    receiver = start(out)
    body = fixture_path("callback-success-task_id-top").read_bytes()
    path = urlsplit(receiver.url).path
    head = (f"POST {path} HTTP/1.1\r\nHost: {receiver.host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection((receiver.host, receiver.port), timeout=10) as delivery:
        delivery.sendall(head + body[:100])  # a delivery under way...
        time.sleep(0.3)
        receiver.process.send_signal(signum)  # ...when the signal comes
        time.sleep(0.5)
        with pytest.raises(OSError):  # no new connection is accepted
            socket.create_connection((receiver.host, receiver.port), timeout=2).close()
        delivery.sendall(body[100:])
        answer = b""
        while b'"msg"' not in answer:  # the head and the body may come in two segments
            chunk = delivery.recv(65536)
            if not chunk:
                break
            answer += chunk
    answer = answer.decode()
    code = receiver.process.wait(timeout=20)
    assert answer.startswith("HTTP/1.1 200") and '"msg": "written"' in answer
    assert code == 0
    assert files(out) == ["5c79xxxxbe8e.json", "5c79xxxxbe8e.mid"]


def test_the_port_in_use_is_a_usage_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([*COMMAND, "--port", str(port), "-o", str(tmp_path / "o"),
                               "--token", TOKEN], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("fetch-mid: error: cannot listen on 127.0.0.1:")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


@pytest.mark.parametrize(("args", "code", "words"), [
    (["--token", "short"], 2, "at least 16"),
    (["--chain"], 2, "--public-url"),
    (["--chain", "--public-url", "https://midi.example.org"], 2, "API key"),
    (["--bpm", "2"], 2, "outside"),
    (["-o", "a-file"], 8, "cannot create folder"),
])
def test_bad_options_are_one_line_errors(
    tmp_path: Path, args: list[str], code: int, words: str
) -> None:
    (tmp_path / "a-file").write_bytes(b"x")
    result = run_cli(["serve", "--port", "0", *args], tmp_path)
    assert result.exit_code == code, result.stderr
    assert words in result.stderr
    assert (tmp_path / "a-file").read_bytes() == b"x"


def test_help_names_the_routes_and_the_options(tmp_path: Path) -> None:
    text = run_cli(["serve", "--help"], tmp_path).stdout
    for word in ("/callback/<token>", "/healthz", "--hmac-key", "--chain", "--bpm",
                 "--quantize", "--save-json / --no-save-json", "SIGTERM"):
        assert word in text, word
