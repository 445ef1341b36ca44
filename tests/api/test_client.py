"""The HTTP client, through real HTTP against the local stand-in (nothing leaves 127.0.0.1).

Time is faked: ``sleep`` and ``clock`` are injected, so back-off and polling are checked by
the sleeps the client asked for, never by waiting. Every test also checks that the key
appears in no log record (``no_key_in_logs``, autouse).
"""

from __future__ import annotations

import logging
import random
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from midi_export.api.client import DEFAULT_BASE_URL, Client, FetchResult
from midi_export.errors import (
    AccountError,
    AuthenticationError,
    EmptyMidiDataError,
    InvalidResponseError,
    MidiExportError,
    RateLimitedError,
    ServiceError,
    TaskFailedError,
    TaskNotFoundError,
    TaskPendingError,
    UsageError,
)
from midi_export.record import Record, RecordStatus, parse_record
from midi_export.testing import (
    FakeRecordAPI,
    Step,
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
    slow,
    success,
    unauthorized,
)

from conftest import fixture_path

KEY = "sk-test-9f8e7d6c5b4a3210-SECRET"
SUCCESS_BODY = fixture_path("record-info-success").read_bytes()


class FakeTime:
    """A clock that moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def no_key_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    for record in caplog.records:
        assert KEY not in record.getMessage()
    assert KEY not in caplog.text


@pytest.fixture
def api() -> Iterator[FakeRecordAPI]:
    with FakeRecordAPI({"t1": SUCCESS_BODY}, api_key=KEY) as server:
        yield server


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def client(api: FakeRecordAPI, fake_time: FakeTime) -> Iterator[Client]:
    with make_client(api, fake_time) as c:
        yield c


def make_client(api: FakeRecordAPI, fake_time: FakeTime, **options: Any) -> Client:
    options.setdefault("rng", random.Random(7))
    return Client(KEY, base_url=api.base_url, sleep=fake_time.sleep, clock=fake_time.clock,
                  **options)


def assert_keyless(exc: BaseException) -> None:
    """Neither the message, the repr, the args nor any attribute shows the key."""
    assert KEY not in str(exc)
    assert KEY not in repr(exc)
    for value in (*exc.args, *vars(exc).values()):
        assert KEY not in repr(value)


def raises(kind: type[MidiExportError], call: Any, *args: Any, **kwargs: Any) -> Any:
    with pytest.raises(kind) as info:
        call(*args, **kwargs)
    assert_keyless(info.value)
    return info.value


# ---------------------------------------------------------------------- success and waiting


def test_success_gives_the_record_and_the_exact_body(api: FakeRecordAPI, client: Client) -> None:
    result = client.get_result("t1")
    assert isinstance(result, FetchResult)
    assert result.record.status is RecordStatus.SUCCESS
    assert result.record.task_id == "5c79xxxxbe8e"
    assert [ins.name for ins in result.record.instruments] == ["Drums", "Electric Bass (finger)"]
    assert result.body == SUCCESS_BODY
    assert parse_record(result.body) == result.record
    assert (result.status, result.attempts) == (200, 1)
    assert "body" not in repr(result)
    (request,) = api.requests
    assert request.authorized and request.headers["Authorization"] == "REDACTED"
    assert request.path == "/api/v1/midi/record-info"
    assert request.task_id == "t1"


def test_get_record_sends_user_agent_and_accept(api: FakeRecordAPI, client: Client) -> None:
    from midi_export._version import __version__

    assert isinstance(client.get_record("t1"), Record)
    ua = api.requests[0].user_agent
    assert ua is not None and ua.startswith(f"midi-export/{__version__} (+python-requests/")
    assert api.requests[0].headers["Accept"] == "application/json"
    assert client.user_agent == ua


def test_a_custom_user_agent(api: FakeRecordAPI, fake_time: FakeTime) -> None:
    with make_client(api, fake_time, user_agent="daw-script/2") as c:
        c.get_record("t1")
    assert api.requests[0].user_agent == "daw-script/2"


def test_task_id_is_url_encoded(api: FakeRecordAPI, client: Client) -> None:
    task_id = "a/b c&d=e?#%+é"
    api.script(task_id, [success(SUCCESS_BODY)])
    assert client.get_record(task_id).status is RecordStatus.SUCCESS
    (request,) = api.requests
    assert request.task_id == task_id
    assert request.target.endswith("?taskId=a%2Fb+c%26d%3De%3F%23%25%2B%C3%A9")


def test_get_record_returns_pending_failed_and_empty_without_raising(
    api: FakeRecordAPI, client: Client
) -> None:
    for step, status in [(pending(), RecordStatus.PENDING),
                         (failed(2), RecordStatus.CREATE_FAILED),
                         (failed(3), RecordStatus.GENERATION_FAILED),
                         (empty(), RecordStatus.SUCCESS)]:
        api.script("t2", [step])
        record = client.get_record("t2")
        assert record.status is status
        assert record.task_id == "t2"


def test_wait_pending_then_success_calls_on_poll(
    api: FakeRecordAPI, client: Client, fake_time: FakeTime
) -> None:
    api.script("t1", [pending(), pending(), pending(), success()])
    polls: list[tuple[RecordStatus, float]] = []
    record = client.wait_for_record(
        "t1", on_poll=lambda r, elapsed: polls.append((r.status, elapsed))
    )
    assert record.status is RecordStatus.SUCCESS
    assert fake_time.sleeps == [2.0, 3.0, 4.5]  # starts near 2 s and grows
    assert polls == [(RecordStatus.PENDING, 0.0), (RecordStatus.PENDING, 2.0),
                     (RecordStatus.PENDING, 5.0), (RecordStatus.SUCCESS, 9.5)]
    assert len(api.requests) == 4


def test_wait_for_result_keeps_the_final_body(api: FakeRecordAPI, client: Client) -> None:
    api.script("t1", [pending(), success()])
    result = client.wait_for_result("t1")
    assert result.body == SUCCESS_BODY


def test_poll_interval_grows_to_15_s_and_the_last_poll_can_finish_by_the_deadline(
    api: FakeRecordAPI, client: Client, fake_time: FakeTime
) -> None:
    api.script("t1", [pending()])
    polls: list[float] = []
    error = raises(TaskPendingError, client.wait_for_record, "t1", timeout=60,
                   on_poll=lambda r, e: polls.append(e))
    # the last poll starts min(request_timeout 30, 5 s, timeout / 4) before the deadline,
    # so the request it makes can finish inside the 60 s (the timeout bounds the whole wait)
    assert fake_time.sleeps == pytest.approx([2.0, 3.0, 4.5, 6.75, 10.125, 15.0, 13.625])
    assert max(fake_time.sleeps) == 15.0
    assert sum(fake_time.sleeps) == pytest.approx(55.0)
    assert polls[-1] == pytest.approx(55.0)
    assert len(polls) == len(api.requests) == 8
    assert error.elapsed == pytest.approx(55.0)
    assert error.task_id == "t1"
    assert "still pending" in str(error)


def test_fixed_poll_interval(api: FakeRecordAPI, client: Client, fake_time: FakeTime) -> None:
    api.script("t1", [pending()])
    raises(TaskPendingError, client.wait_for_record, "t1", timeout=12, poll_interval=5)
    assert fake_time.sleeps == [5, 4]  # the last poll at 9 s: 12 s less a quarter of it


def test_timeout_zero_polls_once(api: FakeRecordAPI, client: Client, fake_time: FakeTime) -> None:
    api.script("t1", [pending()])
    error = raises(TaskPendingError, client.wait_for_record, "t1", timeout=0)
    assert fake_time.sleeps == []
    assert len(api.requests) == 1
    assert error.elapsed == 0


@pytest.mark.parametrize(
    ("flag", "code", "message"),
    [(2, "CREATE_TASK_FAILED", "Failed to create task"), (3, "E42", "no notes detected")],
)
def test_failed_flags_raise_task_failed(
    api: FakeRecordAPI, client: Client, flag: Any, code: str, message: str
) -> None:
    api.script("t1", [pending(), failed(flag, error_code=code, error_message=message)])
    error = raises(TaskFailedError, client.wait_for_record, "t1")
    assert error.error_code == code
    assert error.error_message == message
    assert error.exit_code == 4


@pytest.mark.parametrize("shape", ["no-instruments", "null", "empty-object", "empty-notes"])
def test_empty_midi_data_mentions_split_stem(
    api: FakeRecordAPI, client: Client, shape: Any
) -> None:
    api.script("t1", [empty(shape)])
    error = raises(EmptyMidiDataError, client.wait_for_record, "t1")
    assert "split_stem" in str(error)


def test_bad_wait_arguments(client: Client) -> None:
    for kwargs in ({"timeout": -1}, {"timeout": float("nan")}, {"poll_interval": 0}):
        raises(UsageError, client.wait_for_record, "t1", **kwargs)
    raises(UsageError, client.get_record, "  ")
    raises(UsageError, client.get_record, "a\nb")


# ---------------------------------------------------------------------- authentication


def test_401_in_a_200_body(api: FakeRecordAPI, client: Client) -> None:
    api.script("t1", [unauthorized()])
    error = raises(AuthenticationError, client.get_record, "t1")
    assert (error.status, error.code) == (200, 401)
    assert error.server_message == "You do not have access permissions"
    assert error.exit_code == 3
    assert len(api.requests) == 1  # never retried


def test_a_wrong_key_is_refused_by_the_server(api: FakeRecordAPI, fake_time: FakeTime) -> None:
    with Client("wrong-key", base_url=api.base_url, sleep=fake_time.sleep) as other:
        error = raises(AuthenticationError, other.get_record, "t1")
    assert error.code == 401
    assert not api.requests[0].authorized


@pytest.mark.parametrize(
    "step",
    [http_error(401), http_error(403, "Forbidden", content_type="text/plain"),
     respond(401, {"detail": "no"})],
)
def test_http_401_and_403_without_envelope(api: FakeRecordAPI, client: Client, step: Step) -> None:
    api.script("t1", [step])
    error = raises(AuthenticationError, client.get_record, "t1")
    assert error.status in (401, 403)
    assert error.code is None
    assert len(api.requests) == 1


def test_http_401_with_envelope(api: FakeRecordAPI, client: Client) -> None:
    api.script("t1", [body_code(401, "Invalid token", http_status=401)])
    error = raises(AuthenticationError, client.get_record, "t1")
    assert (error.status, error.code, error.server_message) == (401, 401, "Invalid token")


@pytest.mark.parametrize(
    "step",
    [body_code(402), body_code(429, "Insufficient credits, please recharge"),
     body_code(429), http_error(402)],
)
def test_credits(api: FakeRecordAPI, client: Client, step: Step) -> None:
    api.script("t1", [step])
    error = raises(AccountError, client.get_record, "t1")
    assert isinstance(error, AuthenticationError)
    assert len(api.requests) == 1


# ---------------------------------------------------------------------- retries


def test_rate_limit_429_honours_retry_after(
    api: FakeRecordAPI, client: Client, fake_time: FakeTime
) -> None:
    api.script("t1", [http_error(429, retry_after=7), body_code(430, retry_after="3"), success()])
    result = client.get_result("t1")
    assert result.record.status is RecordStatus.SUCCESS
    assert result.attempts == 3
    assert fake_time.sleeps == [7.0, 3.0]


def test_body_429_about_rate_is_retried(
    api: FakeRecordAPI, client: Client, fake_time: FakeTime
) -> None:
    api.script("t1", [body_code(429, "Too many requests", retry_after=2), success()])
    assert client.get_record("t1").status is RecordStatus.SUCCESS
    assert fake_time.sleeps == [2.0]


def test_retry_after_as_http_date_and_cap(
    api: FakeRecordAPI, client: Client, fake_time: FakeTime
) -> None:
    later = format_datetime(datetime.now(timezone.utc) + timedelta(hours=1), usegmt=True)
    past = format_datetime(datetime.now(timezone.utc) - timedelta(hours=1), usegmt=True)
    api.script("t1", [http_error(503, retry_after=later), http_error(503, retry_after=past),
                      http_error(503, retry_after=600), success()])
    client.get_record("t1")
    assert fake_time.sleeps == [60.0, 0.0, 60.0]  # capped at max_retry_after


@pytest.mark.parametrize("code", [405, 430, 455, 500, 503])
def test_retryable_body_codes_then_success(
    api: FakeRecordAPI, client: Client, fake_time: FakeTime, code: int
) -> None:
    api.script("t1", [body_code(code), body_code(code), success()])
    assert client.get_record("t1").status is RecordStatus.SUCCESS
    assert len(api.requests) == 3
    # full jitter: between 0 and 1 s, then between 0 and 2 s
    assert 0 <= fake_time.sleeps[0] <= 1.0 and 0 <= fake_time.sleeps[1] <= 2.0


def test_backoff_is_exponential_with_full_jitter_and_capped(
    api: FakeRecordAPI, fake_time: FakeTime
) -> None:
    class Top(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b  # the top of each jitter range

    api.script("t1", [body_code(500)])
    with make_client(api, fake_time, max_retries=6, backoff_base=1.5, backoff_max=10,
                     rng=Top()) as c:
        raises(ServiceError, c.get_record, "t1")
    assert fake_time.sleeps == [1.5, 3.0, 6.0, 10.0, 10.0, 10.0]


def test_server_error_forever_gives_service_error_with_attempts(
    api: FakeRecordAPI, client: Client
) -> None:
    api.script("t1", [body_code(500, "Internal error")])
    error = raises(ServiceError, client.get_record, "t1")
    assert not isinstance(error, RateLimitedError)
    assert (error.attempts, error.code, error.status) == (5, 500, 200)
    assert error.server_message == "Internal error"
    assert "5 attempts" in str(error)
    assert error.exit_code == 6
    assert len(api.requests) == 5


def test_rate_limited_forever(api: FakeRecordAPI, fake_time: FakeTime) -> None:
    api.script("t1", [body_code(430)])
    with make_client(api, fake_time, max_retries=1) as c:
        error = raises(RateLimitedError, c.get_record, "t1")
    assert (error.attempts, error.code) == (2, 430)
    assert len(api.requests) == 2


def test_max_retries_zero(api: FakeRecordAPI, fake_time: FakeTime) -> None:
    api.script("t1", [http_error(502), success()])
    with make_client(api, fake_time, max_retries=0) as c:
        error = raises(ServiceError, c.get_record, "t1")
    assert error.attempts == 1
    assert fake_time.sleeps == []


def test_html_502_is_survived_and_retried(api: FakeRecordAPI, client: Client) -> None:
    api.script("t1", [http_error(502), success()])
    assert client.get_record("t1").status is RecordStatus.SUCCESS

    api.script("t1", [http_error(502)])
    error = raises(ServiceError, client.get_record, "t1")
    assert (error.status, error.code, error.attempts) == (502, None, 5)
    assert "502 Bad Gateway" in str(error)
    assert "<html>" not in str(error)


def test_html_429_is_rate_limited(api: FakeRecordAPI, client: Client) -> None:
    api.script("t1", [http_error(429)])
    error = raises(RateLimitedError, client.get_record, "t1")
    assert (error.status, error.attempts) == (429, 5)


def test_retries_stop_at_the_wait_deadline(
    api: FakeRecordAPI, client: Client, fake_time: FakeTime
) -> None:
    # a Retry-After beyond the deadline is not waited for
    api.script("t1", [pending(), body_code(430, retry_after=30)])
    error = raises(RateLimitedError, client.wait_for_record, "t1", timeout=10)
    assert fake_time.sleeps == [2.0]
    assert error.attempts == 1
    # no back-off sleeps into the deadline: with no time left for an attempt, the error
    api.script("t2", [pending(), http_error(503)])
    fake_time.sleeps.clear()
    error = raises(ServiceError, client.wait_for_record, "t2", timeout=2.5)
    assert "HTTP 503" in str(error)
    assert fake_time.sleeps[0] == pytest.approx(1.875)  # the last poll: 2.5 s less 0.625
    assert sum(fake_time.sleeps) < 2.5


# ---------------------------------------------------------------------- broken answers


def test_cut_short_body_is_retried_then_service_error(api: FakeRecordAPI, client: Client) -> None:
    api.script("t1", [cut_short(), success()])
    assert client.get_record("t1").status is RecordStatus.SUCCESS

    api.script("t1", [cut_short(0.3)])
    error = raises(ServiceError, client.get_record, "t1")
    assert "cut short" in str(error)
    assert error.attempts == 5


def test_cut_short_json_with_a_matching_length_is_invalid(
    api: FakeRecordAPI, client: Client
) -> None:
    api.script("t1", [cut_short(0.5, declare_full_length=False)])
    error = raises(InvalidResponseError, client.get_record, "t1")
    assert error.status == 200
    assert "cut-short JSON" in str(error)
    assert error.excerpt is not None and error.excerpt.startswith('{ "code": 200')
    assert len(api.requests) == 1  # a complete answer: not retried
    assert error.exit_code == 7


def test_non_json_200_gives_a_short_clean_excerpt(api: FakeRecordAPI, client: Client) -> None:
    junk = "\x1b[31mWelcome\x00 to the\r\nportal " + "x" * 1000
    api.script("t1", [respond(200, junk, content_type="text/html")])
    error = raises(InvalidResponseError, client.get_record, "t1")
    assert error.status == 200
    assert error.excerpt is not None
    assert len(error.excerpt) <= 200
    assert error.excerpt.startswith("[31mWelcome to the portal xxx")
    assert not any(ord(ch) < 32 for ch in error.excerpt + str(error))
    assert "not JSON" in str(error)


@pytest.mark.parametrize("payload", [[1, 2], {"code": 200, "msg": "success", "data": "x"}, "text"])
def test_json_that_is_not_a_record(api: FakeRecordAPI, client: Client, payload: Any) -> None:
    api.script("t1", [respond(200, payload) if not isinstance(payload, str)
                      else respond(200, b'"text"', content_type="application/json")])
    error = raises(InvalidResponseError, client.get_record, "t1")
    assert error.status == 200


def test_empty_200_body(api: FakeRecordAPI, client: Client) -> None:
    api.script("t1", [respond(200, b"")])
    raises(InvalidResponseError, client.get_record, "t1")


def test_oversized_answers_are_refused(api: FakeRecordAPI, fake_time: FakeTime) -> None:
    assert len(SUCCESS_BODY) > 500
    with make_client(api, fake_time, max_response_bytes=500) as c:
        error = raises(InvalidResponseError, c.get_record, "t1")  # Content-Length says so
        assert "500-byte limit" in str(error)
        api.script("t1", [no_length()])  # no length given: stops reading past the cap
        error = raises(InvalidResponseError, c.get_record, "t1")
        assert "more than the 500-byte limit" in str(error)
        big = b'{"code": 200, "data": {"pad": "' + b"x" * 5_000_000 + b'"}}'
        api.script("t1", [no_length(respond(200, big, content_type="application/json"))])
        raises(InvalidResponseError, c.get_record, "t1")
    with make_client(api, fake_time) as c:
        api.script("t1", [no_length()])  # under the cap, no length: read to the end
        assert c.get_result("t1").body == SUCCESS_BODY


def test_slow_answer_is_a_read_timeout_and_retried(api: FakeRecordAPI, fake_time: FakeTime) -> None:
    api.script("t1", [slow(5.0), success()])
    with make_client(api, fake_time, request_timeout=0.2) as c:
        result = c.get_result("t1")
    assert result.record.status is RecordStatus.SUCCESS
    assert result.attempts == 2

    api.script("t1", [slow(5.0)])
    with make_client(api, fake_time, request_timeout=0.2, max_retries=1) as c:
        error = raises(ServiceError, c.get_record, "t1")
    assert "did not answer within 0.2 s" in str(error)
    assert error.attempts == 2


def test_connection_refused(fake_time: FakeTime) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with Client(KEY, base_url=f"http://127.0.0.1:{port}", max_retries=2,
                sleep=fake_time.sleep, clock=fake_time.clock) as c:
        error = raises(ServiceError, c.get_record, "t1")
    assert error.attempts == 3
    assert "cannot reach 127.0.0.1" in str(error)
    assert len(fake_time.sleeps) == 2


# ---------------------------------------------------------------------- other answers


def test_unknown_task_is_not_found_after_a_grace_period(
    api: FakeRecordAPI, client: Client, fake_time: FakeTime
) -> None:
    error = raises(TaskNotFoundError, client.get_record, "nope")
    assert fake_time.sleeps == [2.5, 2.5, 2.5, 2.5]  # a few retries over 10 s
    assert len(api.requests) == 5
    assert error.task_id == "nope"
    assert "14 days" in str(error)
    assert error.exit_code == 4


def test_just_created_task_found_within_the_grace(
    api: FakeRecordAPI, client: Client, fake_time: FakeTime
) -> None:
    api.script("new", [not_found(), not_found(), pending(), success(SUCCESS_BODY)])
    record = client.wait_for_record("new")
    assert record.status is RecordStatus.SUCCESS
    assert fake_time.sleeps == [2.5, 2.5, 2.0]


def test_no_grace_when_disabled(api: FakeRecordAPI, fake_time: FakeTime) -> None:
    with make_client(api, fake_time, not_found_grace=0) as c:
        raises(TaskNotFoundError, c.get_record, "nope")
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    ("step", "kind"),
    [(body_code(408, "no result for 10 minutes"), TaskFailedError),
     (body_code(501, "Generation failed"), TaskFailedError),
     (body_code(505, "Feature disabled"), TaskFailedError),
     (body_code(404, "Not found"), TaskNotFoundError),
     (body_code(400, "taskId is invalid"), UsageError),
     (body_code(413, "too long"), UsageError),
     (body_code(422, "taskId must be a string"), UsageError),
     (body_code(999, "what"), ServiceError),
     (http_error(404), ServiceError),
     (http_error(418), ServiceError)],
)
def test_answers_that_are_not_retried(
    api: FakeRecordAPI, client: Client, step: Step, kind: type[MidiExportError]
) -> None:
    api.script("t1", [step, success()])
    error = raises(kind, client.get_record, "t1")
    assert type(error) is kind
    assert len(api.requests) == 1


def test_task_failed_body_code_carries_code_and_message(api: FakeRecordAPI, client: Client) -> None:
    api.script("t1", [body_code(501, "Generation failed")])
    error = raises(TaskFailedError, client.wait_for_record, "t1")
    assert (error.error_code, error.error_message, error.task_id) == ("501", "Generation failed",
                                                                      "t1")


def test_http_404_asks_about_the_base_url(api: FakeRecordAPI, fake_time: FakeTime) -> None:
    with Client(KEY, base_url=api.base_url + "/wrong", sleep=fake_time.sleep) as c:
        error = raises(ServiceError, c.get_record, "t1")
    assert "base URL" in str(error) and error.status == 404


# ---------------------------------------------------------------------- safety


@pytest.mark.parametrize(
    "base_url",
    ["http://api.apikley.ru", "http://10.0.0.1:8080", "http://127.0.0.1.example.com"],
)
def test_plain_http_is_refused_except_loopback(base_url: str) -> None:
    error = raises(UsageError, Client, KEY, base_url=base_url)
    assert "https://" in str(error)


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8000", "http://127.3.2.1", "http://localhost:9", "http://[::1]:8000",
     "https://api.sunoapi.org", "https://api.kie.ai/", DEFAULT_BASE_URL],
)
def test_allowed_base_urls(base_url: str) -> None:
    assert Client(KEY, base_url=base_url).base_url == base_url.rstrip("/")


@pytest.mark.parametrize(
    "base_url",
    ["ftp://api.apikley.ru", "api.apikley.ru", "", "https://user:pw@api.apikley.ru",
     "https://api.apikley.ru?x=1", "https://host:99999"],
)
def test_bad_base_urls(base_url: str) -> None:
    raises(UsageError, Client, KEY, base_url=base_url)


def test_base_url_given_as_the_whole_endpoint() -> None:
    c = Client(KEY, base_url="https://api.kie.ai/api/v1/midi/record-info")
    assert c.base_url == "https://api.kie.ai"
    assert c.endpoint == "https://api.kie.ai/api/v1/midi/record-info"


@pytest.mark.parametrize("key", ["", "   ", "two words", "tab\tkey", "ключ"])
def test_bad_keys(key: str) -> None:
    raises(UsageError, Client, key)


def test_key_not_in_repr(client: Client) -> None:
    assert KEY not in repr(client)
    assert "***" in repr(client)
    assert KEY not in str(client)


def test_from_env() -> None:
    error = raises(UsageError, Client.from_env, environ={})
    assert "APIKLEY_API_KEY" in str(error)
    raises(UsageError, Client.from_env, environ={"APIKLEY_API_KEY": "  "})
    c = Client.from_env(environ={"APIKLEY_API_KEY": KEY})
    assert c.base_url == DEFAULT_BASE_URL
    env = {"APIKLEY_API_KEY": KEY, "APIKLEY_BASE_URL": "https://api.kie.ai"}
    assert Client.from_env(environ=env).base_url == "https://api.kie.ai"
    assert Client.from_env(environ=env, base_url="https://x.org").base_url == "https://x.org"
    assert Client.from_env(environ={}, api_key="given").base_url == DEFAULT_BASE_URL


def test_from_env_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APIKLEY_API_KEY", KEY)
    monkeypatch.setenv("APIKLEY_BASE_URL", "http://127.0.0.1:1")
    assert Client.from_env(max_retries=0).base_url == "http://127.0.0.1:1"
    monkeypatch.delenv("APIKLEY_API_KEY")
    raises(UsageError, Client.from_env)


def test_key_echoed_by_the_server_is_scrubbed(api: FakeRecordAPI, client: Client) -> None:
    api.script("t1", [body_code(401, f"key {KEY} is not valid")])
    error = raises(AuthenticationError, client.get_record, "t1")
    assert "key *** is not valid" in str(error)
    assert error.server_message == "key *** is not valid"

    api.script("t1", [http_error(502, f"<html><title>Bad key {KEY}</title></html>")])
    error = raises(ServiceError, client.get_record, "t1")
    assert "Bad key ***" in str(error)

    api.script("t1", [respond(200, f"Authorization: Bearer {KEY}")])
    error = raises(InvalidResponseError, client.get_record, "t1")
    assert error.excerpt == "Authorization: Bearer ***"

    echoing = SUCCESS_BODY.replace(b"https://example.callback",
                                   b"https://example.callback?k=" + KEY.encode())
    api.script("t1", [success(echoing)])
    result = client.get_result("t1")
    assert KEY.encode() not in result.body and b"?k=***" in result.body


def test_a_short_test_key_does_not_corrupt_the_body(fake_time: FakeTime) -> None:
    with FakeRecordAPI({"t1": SUCCESS_BODY}, api_key="k") as api, \
            Client("k", base_url=api.base_url, sleep=fake_time.sleep) as c:
        result = c.get_result("t1")
    assert result.body == SUCCESS_BODY
    assert result.record.task_id == "5c79xxxxbe8e"


def test_key_is_in_no_error_of_any_scenario(api: FakeRecordAPI, client: Client) -> None:
    scenarios = [unauthorized(), body_code(402), body_code(429), body_code(430), body_code(455),
                 body_code(500), http_error(502), http_error(403), cut_short(),
                 cut_short(declare_full_length=False), respond(200, "junk"), failed(3), empty(),
                 body_code(404), body_code(400), not_found(), pending()]
    for step in scenarios:
        api.script("t1", [step])
        with pytest.raises(MidiExportError) as info:
            client.wait_for_record("t1", timeout=1)
        assert_keyless(info.value)
        cause = info.value.__cause__
        while cause is not None:  # nor anything chained to it
            assert KEY not in str(cause)
            cause = cause.__cause__


def test_redirect_to_another_host_does_not_carry_the_key(
    api: FakeRecordAPI, client: Client
) -> None:
    with FakeRecordAPI({"t1": SUCCESS_BODY}, api_key=None) as other:
        elsewhere = other.base_url.replace("127.0.0.1", "localhost")
        api.script("t1", [redirect(f"{elsewhere}/api/v1/midi/record-info?taskId=t1")])
        assert client.get_record("t1").status is RecordStatus.SUCCESS
        (request,) = other.requests
        assert not request.has_authorization
        assert "Authorization" not in request.headers
        assert request.user_agent == client.user_agent
        assert request.headers["Host"].startswith("localhost:")


def test_redirect_to_another_port_does_not_carry_the_key(
    api: FakeRecordAPI, client: Client
) -> None:
    with FakeRecordAPI({"t1": SUCCESS_BODY}, api_key=None) as other:
        api.script("t1", [redirect(f"{other.base_url}/api/v1/midi/record-info?taskId=t1")])
        client.get_record("t1")
        assert not other.requests[0].has_authorization


def test_redirect_on_the_same_origin_keeps_the_key(api: FakeRecordAPI, client: Client) -> None:
    api.script("old", [redirect("/api/v1/midi/record-info?taskId=t1", status=301)])
    assert client.get_record("old").status is RecordStatus.SUCCESS
    assert [r.task_id for r in api.requests] == ["old", "t1"]
    assert all(r.authorized for r in api.requests)


def test_redirect_back_after_leaving_the_origin_stays_keyless(
    api: FakeRecordAPI, client: Client
) -> None:
    with FakeRecordAPI(api_key=None) as other:
        back = f"{api.base_url}/api/v1/midi/record-info?taskId=t1"
        other.script("hop", [redirect(back)])
        hop = other.base_url.replace("127.0.0.1", "localhost")
        api.script("start", [redirect(f"{hop}/api/v1/midi/record-info?taskId=hop")])
        raises(AuthenticationError, client.get_record, "start")  # came back without the key
        assert [r.has_authorization for r in api.requests] == [True, False]
        assert not other.requests[0].has_authorization


def test_redirect_to_plain_http_elsewhere_is_refused(api: FakeRecordAPI, client: Client) -> None:
    api.script("t1", [redirect("http://api.example.com/api/v1/midi/record-info?taskId=t1")])
    error = raises(ServiceError, client.get_record, "t1")
    assert "plain http" in str(error)
    assert len(api.requests) == 1


def test_redirect_loop(api: FakeRecordAPI, client: Client) -> None:
    api.script("t1", [redirect("/api/v1/midi/record-info?taskId=t1")])
    error = raises(ServiceError, client.get_record, "t1")
    assert "redirected more than" in str(error)


def test_requests_itself_strips_the_key_across_hosts() -> None:
    """Why a session-level header would be safe too: requests drops it on a host change."""
    import requests

    strip: Any = requests.Session().should_strip_auth  # untyped in the stubs
    assert strip("http://127.0.0.1:8000/a", "http://localhost:8000/a")
    assert strip("https://api.kie.ai/a", "http://api.kie.ai/a")
    assert not strip("https://api.kie.ai/a", "https://api.kie.ai/b")


def test_loopback_never_goes_through_a_proxy(
    api: FakeRecordAPI, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://proxy.invalid:3128")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert client.get_record("t1").status is RecordStatus.SUCCESS


# ---------------------------------------------------------------------- the client object


def test_closed_client_refuses_work(api: FakeRecordAPI, fake_time: FakeTime) -> None:
    c = make_client(api, fake_time)
    c.get_record("t1")
    c.close()
    raises(UsageError, c.get_record, "t1")


def test_a_given_session_is_used_and_left_open(api: FakeRecordAPI, fake_time: FakeTime) -> None:
    import requests

    session = requests.Session()
    with make_client(api, fake_time, session=session) as c:
        c.get_record("t1")
    session.get(api.base_url + "/api/v1/midi/record-info", params={"taskId": "t1"}, timeout=5)
    assert len(api.requests) == 2
    session.close()


def test_one_client_serves_several_threads(api: FakeRecordAPI, client: Client) -> None:
    for i in range(8):
        api.script(f"job{i}", [pending(), success(SUCCESS_BODY)])
    results: dict[str, RecordStatus] = {}

    def work(task_id: str) -> None:
        results[task_id] = client.wait_for_record(task_id, poll_interval=0.01).status

    threads = [threading.Thread(target=work, args=(f"job{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results == {f"job{i}": RecordStatus.SUCCESS for i in range(8)}


def test_bad_numbers_are_usage_errors() -> None:
    for options in ({"request_timeout": 0}, {"max_retries": -1}, {"max_response_bytes": 0},
                    {"connect_timeout": float("inf")}, {"not_found_grace": -1}):
        raises(UsageError, Client, KEY, **options)


def test_importing_the_package_does_not_import_requests() -> None:
    code = (
        "import sys, midi_export, midi_export.api.client, midi_export.testing, midi_export.export;"
        "from midi_export.api.client import Client;"
        "Client('k', base_url='https://x.org');"
        "assert 'requests' not in sys.modules, 'requests imported';"
        "assert 'urllib3' not in sys.modules"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr



def test_many_polls_keep_the_interval_capped(api: FakeRecordAPI) -> None:
    """A clock out of step with the sleeps: many polls, each asked sleep still at most 15 s."""
    now = [0.0]
    asked: list[float] = []

    def sleep(seconds: float) -> None:
        asked.append(seconds)
        now[0] += 5.0

    api.script("t1", [pending()])
    with Client(KEY, base_url=api.base_url, sleep=sleep, clock=lambda: now[0]) as c:
        raises(TaskPendingError, c.wait_for_record, "t1", timeout=1000)
    assert len(asked) == 199  # the last poll starts 5 s before the deadline
    assert asked[:6] == pytest.approx([2.0, 3.0, 4.5, 6.75, 10.125, 15.0])
    assert set(asked[6:-3]) == {15.0} and max(asked) == 15.0  # the last ones: what is left
