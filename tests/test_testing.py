"""The shipped stand-in of the API, checked with the standard library's own HTTP client."""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from midi_export.api.client import Client
from midi_export.errors import AuthenticationError
from midi_export.record import RecordStatus, parse_record
from midi_export.testing import (
    FakeRecordAPI,
    body_code,
    cut_short,
    empty,
    failed,
    http_error,
    no_length,
    not_found,
    pending,
    redirect,
    respond,
    sample_record,
    slow,
    success,
    unauthorized,
)

from conftest import fixture_path, load_fixture

ROOT = Path(__file__).resolve().parent.parent
PATH = "/api/v1/midi/record-info"
AUTH = {"Authorization": "Bearer test-key"}


class Answer:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = response.headers
        self.body = response.read()

    def json(self) -> Any:
        return json.loads(self.body)


def get(api: FakeRecordAPI, target: str, headers: dict[str, str] | None = None) -> Answer:
    parts = urlsplit(api.base_url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request("GET", target, headers=AUTH if headers is None else headers)
        return Answer(conn.getresponse())
    finally:
        conn.close()


def record_of(api: FakeRecordAPI, task_id: str) -> Answer:
    return get(api, f"{PATH}?taskId={task_id}")


@pytest.fixture
def api() -> Iterator[FakeRecordAPI]:
    with FakeRecordAPI({"t1": load_fixture("record-info-success")}) as server:
        yield server


def test_serves_a_record_and_logs_the_request_without_the_key(api: FakeRecordAPI) -> None:
    answer = get(api, f"{PATH}?taskId=t1", {**AUTH, "User-Agent": "ua/1"})
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == load_fixture("record-info-success")
    (request,) = api.requests
    assert (request.method, request.path, request.task_id) == ("GET", PATH, "t1")
    assert request.target == f"{PATH}?taskId=t1"
    assert request.query == {"taskId": ["t1"]}
    assert request.headers["Authorization"] == "REDACTED"
    assert request.authorized and request.has_authorization
    assert request.user_agent == "ua/1"
    assert "test-key" not in repr(api.requests)
    assert api.requests_for("t1") == [request]
    api.clear_requests()
    assert api.requests == []


def test_bytes_are_served_verbatim_and_bare_data_gets_the_envelope() -> None:
    raw = fixture_path("record-info-success").read_bytes()
    data = load_fixture("record-info-success")["data"]
    with FakeRecordAPI({"raw": raw, "bare": data}) as api:
        assert record_of(api, "raw").body == raw
        assert record_of(api, "bare").json() == {"code": 200, "msg": "success", "data": data}
        api.add_record("later", "{}")
        assert record_of(api, "later").body == b"{}"


def test_a_wrong_or_missing_key_gets_401_in_a_200_body(api: FakeRecordAPI) -> None:
    api.script("t1", [pending(), success()])
    for headers in ({"Authorization": "Bearer nope"}, {}):
        answer = get(api, f"{PATH}?taskId=t1", headers)
        assert answer.status == 200
        assert answer.json()["code"] == 401
    assert [r.authorized for r in api.requests] == [False, False]
    assert [r.has_authorization for r in api.requests] == [True, False]
    # refused requests consume no step
    assert record_of(api, "t1").json()["data"]["successFlag"] == 0


def test_api_key_none_turns_the_check_off() -> None:
    with FakeRecordAPI({"t1": sample_record("t1")}, api_key=None) as api:
        assert record_of(api, "t1").json()["code"] == 200
        assert get(api, f"{PATH}?taskId=t1", {}).json()["code"] == 200


def test_a_script_is_followed_in_order_and_its_last_step_repeats(api: FakeRecordAPI) -> None:
    api.script("t1", [pending(), http_error(502), success()])
    statuses = [record_of(api, "t1").status for _ in range(2)]
    flags = [record_of(api, "t1").json()["data"]["successFlag"] for _ in range(3)]
    assert statuses == [200, 502]
    assert flags == [1, 1, 1]
    with pytest.raises(ValueError):
        api.script("t1", [])


def test_unknown_task_path_and_missing_id(api: FakeRecordAPI) -> None:
    assert record_of(api, "nope").json() == {"code": 422, "msg": "recordInfo is null",
                                              "data": None}
    wrong = get(api, "/api/v1/other?taskId=t1")
    assert wrong.status == 404 and b"404 Not Found" in wrong.body
    assert get(api, PATH).json()["code"] == 400
    assert get(api, f"{PATH}?taskId=").json()["code"] == 400


def test_post_is_not_allowed(api: FakeRecordAPI) -> None:
    parts = urlsplit(api.base_url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    conn.request("POST", PATH, body=b"{}")
    assert conn.getresponse().status == 405
    conn.close()


def test_record_steps_parse_into_their_statuses(api: FakeRecordAPI) -> None:
    cases = [
        (pending(), RecordStatus.PENDING),
        (success(), RecordStatus.SUCCESS),
        (failed(2), RecordStatus.CREATE_FAILED),
        (failed(3, error_code="X", error_message="why"), RecordStatus.GENERATION_FAILED),
        (empty(), RecordStatus.SUCCESS),
        (empty("null"), RecordStatus.SUCCESS),
    ]
    for step, status in cases:
        api.script("t9", [step])
        record = parse_record(record_of(api, "t9").body)
        assert record.status is status
        assert record.task_id in ("t9", "5c79xxxxbe8e")
    api.script("t9", [failed(3, error_code="X", error_message="why")])
    data = record_of(api, "t9").json()["data"]
    assert (data["errorCode"], data["errorMessage"]) == ("X", "why")


def test_success_without_a_record_serves_the_sample(api: FakeRecordAPI) -> None:
    api.script("fresh", [success()])
    record = parse_record(record_of(api, "fresh").body)
    assert record.task_id == "fresh"
    assert [ins.name for ins in record.instruments] == [
        "Drums", "Electric Bass (finger)", "Acoustic Grand Piano"]
    assert record.note_count == 28


def test_error_steps(api: FakeRecordAPI) -> None:
    api.script("t1", [http_error(502)])
    answer = record_of(api, "t1")
    assert answer.status == 502 and answer.headers["Content-Type"] == "text/html"
    assert b"<title>502 Bad Gateway</title>" in answer.body

    api.script("t1", [http_error(429, retry_after=3)])
    answer = record_of(api, "t1")
    assert (answer.status, answer.headers["Retry-After"]) == (429, "3")

    api.script("t1", [body_code(430, retry_after=1)])
    answer = record_of(api, "t1")
    assert answer.status == 200 and answer.headers["Retry-After"] == "1"
    assert answer.json() == {"code": 430, "msg": load_fixture("error-rate-limited-430")["msg"],
                             "data": None}

    for step, fixture in [(unauthorized(), "error-unauthorized"),
                          (not_found(), "error-record-null-422"),
                          (body_code(455), "error-maintenance-455")]:
        api.script("t1", [step])
        assert record_of(api, "t1").json() == load_fixture(fixture)

    api.script("t1", [body_code(500, http_status=500)])
    answer = record_of(api, "t1")
    assert answer.status == 500 and answer.json()["code"] == 500

    api.script("t1", [respond(418, {"a": 1}, headers={"X-Test": "yes"})])
    answer = record_of(api, "t1")
    assert (answer.status, answer.json(), answer.headers["X-Test"]) == (418, {"a": 1}, "yes")


def test_cut_short_announces_more_than_it_sends(api: FakeRecordAPI) -> None:
    full = record_of(api, "t1").body
    api.script("t1", [cut_short(0.5)])
    with pytest.raises(http.client.IncompleteRead) as info:
        record_of(api, "t1")
    assert len(info.value.partial) == len(full) // 2

    api.script("t1", [cut_short(0.5, declare_full_length=False)])
    answer = record_of(api, "t1")
    assert answer.body == full[: len(full) // 2]
    assert int(answer.headers["Content-Length"]) == len(full) // 2


def test_no_length_ends_the_body_by_closing(api: FakeRecordAPI) -> None:
    full = record_of(api, "t1").body
    api.script("t1", [no_length()])
    answer = record_of(api, "t1")
    assert "Content-Length" not in answer.headers
    assert answer.body == full


def test_redirect_step(api: FakeRecordAPI) -> None:
    api.script("t1", [redirect("https://elsewhere.example/x", status=307)])
    answer = record_of(api, "t1")
    assert (answer.status, answer.headers["Location"]) == (307, "https://elsewhere.example/x")


def test_stop_does_not_wait_for_a_slow_answer() -> None:
    api = FakeRecordAPI({"t1": sample_record("t1")}).start()
    api.script("t1", [slow(60)])
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            record_of(api, "t1")
        except (OSError, http.client.HTTPException) as exc:
            errors.append(exc)

    worker = threading.Thread(target=ask)
    worker.start()
    while not api.requests:
        threading.Event().wait(0.01)
    stopper = threading.Thread(target=api.stop)
    stopper.start()
    stopper.join(timeout=10)
    worker.join(timeout=10)
    assert not stopper.is_alive() and not worker.is_alive()
    assert errors  # the connection was closed without an answer


def test_base_url_and_repr() -> None:
    api = FakeRecordAPI()
    with pytest.raises(RuntimeError):
        _ = api.base_url
    assert "stopped" in repr(api)
    with api:
        assert api.base_url.startswith("http://127.0.0.1:")
        assert api.base_url in repr(api)
        assert api.start() is api  # starting twice is harmless
    api.stop()


def test_the_client_against_the_stand_in_end_to_end() -> None:
    sleeps: list[float] = []
    with FakeRecordAPI({"song": sample_record("song")}, api_key="k") as api:
        api.script("song", [not_found(), pending(), http_error(503), success()])
        with Client("k", base_url=api.base_url, sleep=sleeps.append,
                    rng=random.Random(1)) as client:
            record = client.wait_for_record("song")
    assert record.task_id == "song" and record.note_count == 28
    assert len(sleeps) == 3


# ---------------------------------------------------------------------- the command line


def start_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "midi_export.testing", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line.startswith("http://127.0.0.1:"), (line, proc.stderr.read() if proc.stderr else "")
    return proc, line


def stop_cli(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=10)


def test_command_line_serves_a_record_with_pending_polls() -> None:
    record_file = str(fixture_path("record-info-success"))
    proc, base_url = start_cli("--port", "0", "--record", record_file, "--task-id", "demo-song",
                               "--pending-polls", "2", "--api-key", "demo-key")
    try:
        polls: list[RecordStatus] = []
        with Client("demo-key", base_url=base_url, sleep=lambda s: None) as client:
            record = client.wait_for_record("demo-song",
                                            on_poll=lambda r, e: polls.append(r.status))
            assert polls == [RecordStatus.PENDING, RecordStatus.PENDING, RecordStatus.SUCCESS]
            assert record.task_id == "5c79xxxxbe8e"
            assert client.get_result("demo-song").body == Path(record_file).read_bytes()
        with Client("other-key", base_url=base_url) as client, \
                pytest.raises(AuthenticationError):
            client.get_record("demo-song")
    finally:
        code = stop_cli(proc)
    assert code == 0


def test_command_line_without_a_record_serves_the_sample() -> None:
    proc, base_url = start_cli("--log")
    try:
        with Client("any", base_url=base_url) as client:
            assert client.get_record("demo-song").note_count == 28
    finally:
        code = stop_cli(proc)
    assert code == 0
    assert proc.stderr is not None
    assert "GET /api/v1/midi/record-info?taskId=demo-song" in proc.stderr.read()


def test_command_line_errors() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "midi_export.testing", "--record", "no/such/file.json"],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )
    assert done.returncode == 2
    assert "cannot read no/such/file.json" in done.stderr
