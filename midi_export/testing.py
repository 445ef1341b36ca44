"""A stand-in of the MIDI record API, for tests, demos and your own integration tests.

``FakeRecordAPI`` is a small HTTP server on 127.0.0.1 (a free port) built on the standard
library alone. It answers ``GET /api/v1/midi/record-info?taskId=ID`` like the real API,
from the records you give it, and misbehaves on cue::

    from midi_export.fetcher import Client
    from midi_export.testing import FakeRecordAPI, http_error, pending, success

    with FakeRecordAPI({"t1": record_payload}) as api:
        api.script("t1", [pending(), http_error(502), success()])
        with Client("test-key", base_url=api.base_url) as client:
            record = client.wait_for_record("t1")
        assert len(api.requests) == 3

A script is a list of steps answered in order, one per request for that task id; the last
step repeats. A task with a record and no script always answers ``success()``; an unknown
task answers ``not_found()``. A request without the right ``Bearer`` key gets the API's
``{"code": 401, ...}`` with HTTP 200 (``api_key=None`` turns the check off).

From the command line (prints the base URL on one line, then serves until stopped)::

    python -m midi_export.testing --port 0 --record fixtures/demo-song.json \\
        --task-id demo-song --pending-polls 2
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "FakeRecordAPI",
    "ReceivedRequest",
    "Step",
    "body_code",
    "cut_short",
    "empty",
    "failed",
    "http_error",
    "main",
    "no_length",
    "not_found",
    "pending",
    "redirect",
    "respond",
    "sample_record",
    "slow",
    "success",
    "unauthorized",
]

RECORD_INFO_PATH = "/api/v1/midi/record-info"
CREATE_TIME = 1760335251000
COMPLETE_TIME = 1760335255000


@dataclasses.dataclass(frozen=True)
class _Context:
    task_id: str
    record: bytes | None


@dataclasses.dataclass(frozen=True)
class Step:
    """One scripted answer; build them with the functions of this module.

    ``make`` gives the body for the task at hand; ``delay`` waits before answering;
    ``cut`` sends only that fraction of the body and closes the connection (announcing the
    full length when ``declare_full_length``, a matching shorter one otherwise);
    ``send_length=False`` sends no ``Content-Length`` and ends the body by closing.
    """

    status: int = 200
    make: Callable[[_Context], bytes] = lambda ctx: ctx.record or b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    cut: float | None = None
    declare_full_length: bool = True
    send_length: bool = True


@dataclasses.dataclass(frozen=True)
class ReceivedRequest:
    """One request the stand-in received. The Authorization header reads ``REDACTED``."""

    method: str
    target: str
    path: str
    query: Mapping[str, Sequence[str]]
    headers: Mapping[str, str]
    has_authorization: bool
    authorized: bool

    @property
    def task_id(self) -> str | None:
        values = self.query.get("taskId")
        return values[0] if values else None

    @property
    def user_agent(self) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == "user-agent"), None)


# ---------------------------------------------------------------------- payloads


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def _envelope(data: Any, code: int = 200, msg: str = "success") -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": data}


def _data(task_id: str, flag: int, midi_data: Any, **extra: Any) -> dict[str, Any]:
    return {
        "taskId": task_id,
        "recordTaskId": -1,
        "audioId": "e231xxxx-xxxx-xxxx-xxxx-xxxx8cadc7dc",
        "callbackUrl": None,
        "completeTime": COMPLETE_TIME if flag else None,
        "midiData": midi_data,
        "successFlag": flag,
        "createTime": CREATE_TIME,
        "errorCode": None,
        "errorMessage": None,
        **extra,
    }


def sample_record(task_id: str = "demo-song") -> dict[str, Any]:
    """A small successful record (drums, bass, piano) in the API's envelope."""

    def notes(pitches: Sequence[int], step: float, length: float, velocity: int) -> list[Any]:
        return [
            {"pitch": p, "start": i * step, "end": i * step + length, "velocity": velocity / 127}
            for i, p in enumerate(pitches)
        ]

    instruments = [
        {"name": "Drums", "notes": notes([36, 42, 38, 42] * 4, 0.25, 0.125, 100)},
        {"name": "Electric Bass (finger)", "notes": notes([40, 40, 43, 45] * 2, 0.5, 0.375, 90)},
        {"name": "Acoustic Grand Piano", "notes": notes([64, 67, 71, 72], 1.0, 0.875, 80)},
    ]
    return _envelope(_data(task_id, 1, {"state": "complete", "instruments": instruments}))


def _record_body(payload: Any) -> bytes:
    """A record as served: bytes/str verbatim; a mapping in the envelope (added if missing)."""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if isinstance(payload, Mapping) and "code" not in payload:
        payload = _envelope(dict(payload))
    return _dumps(payload)


# ---------------------------------------------------------------------- steps


def respond(
    status: int,
    body: bytes | str | Any = b"",
    *,
    content_type: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Step:
    """Any answer: bytes or str sent as they are, anything else as JSON."""
    if isinstance(body, (bytes, str)):
        data = body.encode("utf-8") if isinstance(body, str) else body
        kind = content_type or "text/plain; charset=utf-8"
    else:
        data = _dumps(body)
        kind = content_type or "application/json"
    return Step(status=status, make=lambda ctx: data, content_type=kind,
                headers=tuple((headers or {}).items()))


def success(record: Any = None) -> Step:
    """The record (any payload shape), or the task's own, or ``sample_record``."""
    given = None if record is None else _record_body(record)

    def make(ctx: _Context) -> bytes:
        return given or ctx.record or _dumps(sample_record(ctx.task_id))

    return Step(make=make)


def pending() -> Step:
    """``successFlag`` 0 with ``midiData: null``."""
    return Step(make=lambda ctx: _dumps(_envelope(_data(ctx.task_id, 0, None))))


def failed(
    flag: Literal[2, 3] = 3, *, error_code: str | None = None, error_message: str | None = None
) -> Step:
    """``successFlag`` 2 (task creation failed) or 3 (MIDI generation failed)."""
    code = error_code or ("CREATE_TASK_FAILED" if flag == 2 else "MIDI_GENERATION_FAILED")
    message = error_message or ("Failed to create task" if flag == 2 else "MIDI generation failed")
    return Step(make=lambda ctx: _dumps(_envelope(_data(
        ctx.task_id, flag, None, completeTime=None, errorCode=code, errorMessage=message
    ))))


def empty(
    shape: Literal["no-instruments", "null", "empty-object", "empty-notes"] = "no-instruments",
) -> Step:
    """A success without notes, in one of the shapes the API uses (split_stem tasks)."""
    midi_data: Any = {
        "no-instruments": {"state": "complete", "instruments": []},
        "null": None,
        "empty-object": {},
        "empty-notes": {"state": "complete", "instruments": [{"name": "Drums", "notes": []}]},
    }[shape]
    return Step(make=lambda ctx: _dumps(_envelope(_data(ctx.task_id, 1, midi_data))))


def body_code(
    code: int,
    msg: str | None = None,
    *,
    http_status: int = 200,
    retry_after: float | str | None = None,
) -> Step:
    """The error envelope ``{"code": code, "msg": msg, "data": null}`` (with HTTP 200)."""
    defaults = {
        401: "You do not have access permissions",
        402: "Insufficient credits",
        405: "Rate limit exceeded",
        422: "recordInfo is null",
        429: "The current credits are insufficient. Please top up.",
        430: "Your call frequency is too high. Please try again later.",
        455: "System maintenance",
        500: "Server error",
    }
    text = msg if msg is not None else defaults.get(code, f"error {code}")
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return respond(http_status, _envelope(None, code, text), headers=headers)


def http_error(
    status: int,
    body: bytes | str | None = None,
    *,
    retry_after: float | str | None = None,
    content_type: str | None = None,
) -> Step:
    """An HTTP error from whatever stands in front of the API (an HTML page by default)."""
    if body is None:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
        body = (
            f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n"
        )
        content_type = content_type or "text/html"
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return respond(status, body, content_type=content_type, headers=headers)


def unauthorized() -> Step:
    """``{"code": 401, ...}`` with HTTP 200, as the API answers a wrong key."""
    return body_code(401)


def not_found() -> Step:
    """``{"code": 422, "msg": "recordInfo is null"}``: an unknown (or just created) task."""
    return body_code(422, "recordInfo is null")


def cut_short(
    fraction: float = 0.5, *, declare_full_length: bool = True, then: Step | None = None
) -> Step:
    """The success answer (or ``then``) cut after ``fraction`` of its body."""
    return dataclasses.replace(then or success(), cut=fraction,
                               declare_full_length=declare_full_length)


def slow(seconds: float, then: Step | None = None) -> Step:
    """The success answer (or ``then``) after ``seconds`` of silence."""
    return dataclasses.replace(then or success(), delay=seconds)


def no_length(then: Step | None = None) -> Step:
    """The success answer (or ``then``) without ``Content-Length``, ended by closing."""
    return dataclasses.replace(then or success(), send_length=False)


def redirect(location: str, status: int = 302) -> Step:
    """An HTTP redirect to ``location`` (used as given)."""
    return respond(status, b"", headers={"Location": location})


# ---------------------------------------------------------------------- the server


class FakeRecordAPI:
    """The stand-in server; a context manager that starts and stops it.

    ``records`` maps task ids to payloads (a mapping, served in the envelope, or the exact
    bytes to serve). ``requests`` lists what was received, oldest first.
    """

    def __init__(
        self,
        records: Mapping[str, Any] | None = None,
        *,
        api_key: str | None = "test-key",
        host: str = "127.0.0.1",
        port: int = 0,
        log: Callable[[str], object] | None = None,
    ) -> None:
        self.api_key = api_key
        self._records = {tid: _record_body(p) for tid, p in (records or {}).items()}
        self._scripts: dict[str, tuple[list[Step], int]] = {}
        self._received: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._address = (host, port)
        self._log = log
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        where = self.base_url if self._server else "stopped"
        return f"<FakeRecordAPI {where}, {len(self._records)} records>"

    # -- set-up

    def add_record(self, task_id: str, payload: Any) -> None:
        """Serve ``payload`` for ``task_id`` (what ``success()`` answers)."""
        with self._lock:
            self._records[task_id] = _record_body(payload)

    def script(self, task_id: str, steps: Iterable[Step]) -> None:
        """Answer the next requests for ``task_id`` with ``steps``; the last one repeats."""
        steps = list(steps)
        if not steps:
            raise ValueError("a script needs at least one step")
        with self._lock:
            self._scripts[task_id] = (steps, 0)

    # -- what happened

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._received)

    def requests_for(self, task_id: str) -> list[ReceivedRequest]:
        return [r for r in self.requests if r.task_id == task_id]

    def clear_requests(self) -> None:
        with self._lock:
            self._received.clear()

    # -- running

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the stand-in is not running (use it in a with block)")
        host, port = self._server.server_address[:2]
        host = str(host)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def start(self) -> FakeRecordAPI:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(self._address, _Handler)
        server.api = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05},
            name="FakeRecordAPI", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeRecordAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- answering (called from the server's threads)

    def _next_step(self, task_id: str) -> tuple[Step, _Context]:
        with self._lock:
            record = self._records.get(task_id)
            if task_id in self._scripts:
                steps, index = self._scripts[task_id]
                self._scripts[task_id] = (steps, index + 1)
                step = steps[min(index, len(steps) - 1)]
            else:
                step = success() if record is not None else not_found()
        return step, _Context(task_id, record)

    def _remember(self, request: ReceivedRequest) -> None:
        with self._lock:
            self._received.append(request)
        if self._log is not None:
            self._log(f"{request.method} {request.target}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: FakeRecordAPI


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeRecordAPI"
    timeout = 60
    wbufsize = -1  # headers and body leave in one write (flushed in _send)
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # requests are in FakeRecordAPI.requests; nothing goes to stderr

    def do_GET(self) -> None:
        api = cast(_Server, self.server).api
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        sent = self.headers.get("Authorization")
        authorized = api.api_key is None or sent == f"Bearer {api.api_key}"
        api._remember(ReceivedRequest(
            method="GET",
            target=self.path,
            path=parts.path,
            query=query,
            headers={k: ("REDACTED" if k.lower() == "authorization" else v)
                     for k, v in self.headers.items()},
            has_authorization=sent is not None,
            authorized=authorized,
        ))
        if parts.path.rstrip("/") != RECORD_INFO_PATH:
            self._send(http_error(404), _Context("", None), api)
        elif not authorized:
            self._send(unauthorized(), _Context("", None), api)
        elif not query.get("taskId", [""])[0]:
            self._send(body_code(400, "taskId is required"), _Context("", None), api)
        else:
            self._send(*api._next_step(query["taskId"][0]), api)

    def do_POST(self) -> None:
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.send_header("Allow", "GET")
        self.end_headers()

    def _send(self, step: Step, ctx: _Context, api: FakeRecordAPI) -> None:
        if step.delay > 0 and api._stopping.wait(step.delay):
            self.close_connection = True
            return
        body = step.make(ctx)
        shown = body
        if step.cut is not None:
            shown = body[: max(0, min(len(body) - 1, int(len(body) * step.cut)))]
        self.send_response(step.status)
        self.send_header("Content-Type", step.content_type)
        length = len(body) if step.cut is None or step.declare_full_length else len(shown)
        if step.send_length:
            self.send_header("Content-Length", str(length))
        for name, value in step.headers:
            self.send_header(name, value)
        if step.cut is not None or not step.send_length:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(shown)
        self.wfile.flush()


# ---------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m midi_export.testing``: serve records until stopped (Ctrl-C, SIGTERM)."""
    parser = argparse.ArgumentParser(
        prog="python -m midi_export.testing",
        description="A local stand-in of the MIDI record API. Prints its base URL on one "
        "line, then serves until stopped.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free one)")
    parser.add_argument("--record", action="append", default=[], metavar="FILE",
                        help="a record to serve (JSON, any shape); repeatable")
    parser.add_argument("--task-id", action="append", default=[], metavar="ID",
                        help="the task id of each --record, in order (default: the file name)")
    parser.add_argument("--api-key", metavar="KEY",
                        help="the only key accepted (default: no check)")
    parser.add_argument("--pending-polls", type=int, default=0, metavar="N",
                        help="answer 'pending' N times per task before the record")
    parser.add_argument("--log", action="store_true", help="print each request on stderr")
    args = parser.parse_args(argv)
    if len(args.task_id) > max(1, len(args.record)):
        parser.error("more --task-id than --record")

    records: dict[str, Any] = {}
    for i, name in enumerate(args.record):
        path = Path(name)
        try:
            body = path.read_bytes()
        except OSError as exc:
            parser.error(f"cannot read {name}: {exc.strerror or exc}")
        records[args.task_id[i] if i < len(args.task_id) else path.stem] = body
    if not records:
        task_id = args.task_id[0] if args.task_id else "demo-song"
        records[task_id] = sample_record(task_id)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    api = FakeRecordAPI(records, api_key=args.api_key, host=args.host, port=args.port,
                        log=log if args.log else None)
    if args.pending_polls > 0:
        for task_id in records:
            api.script(task_id, [pending()] * args.pending_polls + [success()])

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with api:
        print(api.base_url, flush=True)
        while not stop.wait(0.2):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
