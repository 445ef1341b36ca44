"""Requests are bounded in total time (issue 12, class 1), against hostile servers on
127.0.0.1: bodies and headers dripped a byte at a time, a server that accepts and never
answers, one that never accepts, endless bodies, gzip bombs.

Every test is bounded even against a client that would hang: ``bounded`` runs the call in a
thread and stops the server (its sockets shut) after a cap, so a regression fails the test
rather than hanging the suite. Margins are generous: the machine is loaded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from midi_export.api.client import Client
from midi_export.api.deadline import DeadlineExceeded, Watchdog
from midi_export.errors import (
    CreateUncertainError,
    InvalidResponseError,
    MidiExportError,
    ServiceError,
    TaskPendingError,
)
from midi_export.record import RecordStatus

from hostile import (
    HostileServer,
    KeyCatcher,
    drip_body,
    drip_headers,
    endless_body,
    gzip_bomb,
    record_bytes,
    redirect,
    respond,
    scripted,
    silent,
)

KEY = "sk-AB/cd+ef=0123456789"
BUDGET = 1.5
MARGIN = 1.5  # the deadline plus this, on a loaded 2-core machine


def client(server: HostileServer, **options: Any) -> Client:
    options.setdefault("max_retries", 0)
    options.setdefault("request_timeout", BUDGET)
    return Client(KEY, base_url=server.base_url, **options)


def bounded(call: Callable[[], Any], server: HostileServer, cap: float = 15.0
            ) -> tuple[float, BaseException | None, Any]:
    """(seconds, error, result) of ``call()``; after ``cap`` seconds the server is stopped
    so that even a client that would wait for ever comes back."""
    box: dict[str, Any] = {}

    def run() -> None:
        start = time.monotonic()
        try:
            box["result"] = call()
            box["error"] = None
        except BaseException as exc:  # reported to the test
            box["error"] = exc
        box["took"] = time.monotonic() - start

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(cap)
    if thread.is_alive():
        server.stop()
        thread.join(10)
    assert "took" in box, f"still running {cap} s after the start"
    return box["took"], box["error"], box.get("result")


HOSTILE = [
    pytest.param(drip_body(record_bytes(), rate=5), id="body at 5 B/s"),
    pytest.param(drip_body(record_bytes(), rate=5, content_length=False),
                 id="body at 5 B/s, no length"),
    pytest.param(drip_headers(rate=1), id="headers at 1 B/s"),
    pytest.param(drip_headers(rate=200), id="headers at 200 B/s"),
    pytest.param(silent(), id="accepts, never answers"),
    pytest.param(endless_body(block=b" " * 16), id="endless chunked body"),
    pytest.param(endless_body(chunked=False, block=b" " * 16), id="endless body until close"),
]


@pytest.mark.parametrize("behaviour", HOSTILE)
def test_every_hostile_server_is_cut_at_the_request_time_limit(behaviour: Any) -> None:
    with HostileServer(behaviour) as server, client(server) as c:
        took, error, _ = bounded(lambda: c.get_record("t1"), server)
    assert isinstance(error, ServiceError), error
    assert "did not answer within 1.5 s" in str(error)
    assert BUDGET - 0.1 <= took <= BUDGET + MARGIN, took


def test_a_listener_that_never_accepts_is_cut_too() -> None:
    with HostileServer(accept=False) as server, client(server) as c:
        took, error, _ = bounded(lambda: c.get_record("t1"), server)
    assert isinstance(error, ServiceError)
    assert took <= BUDGET + MARGIN


def test_a_cut_request_is_retried_like_a_time_out_and_the_session_survives() -> None:
    body = record_bytes()
    script = scripted([silent(), respond(200, body, keep_alive=True), respond(200, body)])
    with HostileServer(script) as server, \
            client(server, max_retries=1, request_timeout=1.0, backoff_base=0.01) as c:
        took, error, record = bounded(lambda: c.get_record("t1"), server)
        assert error is None and record.status is RecordStatus.SUCCESS
        assert 1.0 - 0.1 <= took <= 1.0 + MARGIN
        assert c.get_record("t1").task_id == "t1"  # the same session, after the cut
    assert len(server.requests) == 3


def test_a_slow_but_honest_answer_inside_the_limit_is_read_whole() -> None:
    body = record_bytes(notes=2)
    with HostileServer(drip_body(body, rate=2000, chunk=20)) as server, \
            client(server, request_timeout=10) as c:
        result = c.get_result("t1")
    assert result.body == body


def test_the_wait_timeout_bounds_a_request_in_flight() -> None:
    """--timeout 1.5 with a 30-s request limit: the silent server's request is cut by the
    wait's deadline, not 30 s later; no poll answered, so it is network trouble (exit 6)."""
    with HostileServer(silent()) as server, client(server, request_timeout=30) as c:
        took, error, _ = bounded(lambda: c.wait_for_record("t1", timeout=1.5), server)
    assert isinstance(error, ServiceError) and error.exit_code == 6
    assert "left of the wait" in str(error)
    assert took <= 1.5 + MARGIN


def test_a_wait_cut_after_a_pending_poll_is_still_pending() -> None:
    pending = record_bytes(extra={"successFlag": 0, "midiData": None})
    with HostileServer(scripted([respond(200, pending), silent()])) as server, \
            client(server, request_timeout=30) as c:
        took, error, _ = bounded(
            lambda: c.wait_for_record("t1", timeout=2.0, poll_interval=0.5), server)
    assert isinstance(error, TaskPendingError) and error.exit_code == 5
    assert "the last got no answer in the time left" in str(error)
    assert took <= 2.0 + MARGIN


def test_a_create_cut_at_its_limit_may_have_happened_and_is_not_retried() -> None:
    with HostileServer(silent()) as server, client(server, max_retries=3) as c:
        took, error, _ = bounded(lambda: c.create_midi_task("sep1"), server)
    assert isinstance(error, CreateUncertainError), error
    assert took <= BUDGET + MARGIN
    assert len(server.requests) == 1  # never sent twice blindly


def test_the_watchdog_keeps_each_threads_own_deadline() -> None:
    results: dict[float, float] = {}

    def worker(budget: float) -> None:
        with HostileServer(silent()) as server, client(server, request_timeout=budget) as c:
            results[budget] = bounded(lambda: c.get_record("t1"), server)[0]

    threads = [threading.Thread(target=worker, args=(b,)) for b in (0.5, 1.0, 2.0)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [0.5, 1.0, 2.0]
    for budget, took in results.items():
        assert budget - 0.1 <= took <= budget + MARGIN, (budget, took)


def test_stop_all_cuts_the_requests_in_flight_at_once() -> None:
    watchdog = Watchdog()
    fired: list[bool] = []

    def wait_in_watch() -> None:
        with watchdog.watch(60) as watch:
            while not watch.fired:
                time.sleep(0.01)
            fired.append(True)

    thread = threading.Thread(target=wait_in_watch)
    thread.start()
    time.sleep(0.1)
    watchdog.stop_all()
    thread.join(5)
    assert fired == [True]
    with watchdog.watch(60) as later, pytest.raises(DeadlineExceeded):
        later.check("connecting")  # a request started after the stop is cut at once


# ------------------------------------------------------------------ what held before, kept


def test_a_gzip_bomb_stops_at_the_answer_cap() -> None:
    with HostileServer(gzip_bomb(256 * 1024 * 1024)) as server, \
            client(server, max_response_bytes=4 * 1024 * 1024, request_timeout=10) as c:
        took, error, _ = bounded(lambda: c.get_record("t1"), server)
    assert isinstance(error, InvalidResponseError) and "--max-answer-mb" in str(error)
    assert took < 5


def test_an_endless_fast_body_stops_at_the_answer_cap() -> None:
    with HostileServer(endless_body()) as server, \
            client(server, max_response_bytes=8 * 1024 * 1024, request_timeout=10) as c:
        took, error, _ = bounded(lambda: c.get_record("t1"), server)
    assert isinstance(error, InvalidResponseError) and "8388608-byte limit" in str(error)
    assert took < 5


def test_a_redirect_to_another_origin_never_carries_the_key() -> None:
    with KeyCatcher() as other, HostileServer(redirect(other.base_url + "/x")) as server, \
            client(server) as c:
        record = c.get_record("t1")
    assert record.task_id == "caught"
    assert server.requests[0].key == KEY
    assert other.requests and other.keys_seen == []


def test_errors_of_cut_requests_are_typed() -> None:
    with HostileServer(silent()) as server, client(server, request_timeout=0.5) as c:
        _, error, _ = bounded(lambda: c.get_result("t1"), server)
    assert isinstance(error, MidiExportError) and error.attempts == 1  # type: ignore[attr-defined]
