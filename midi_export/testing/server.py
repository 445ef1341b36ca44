"""The stand-in server: ``FakeRecordAPI``, an HTTP server on 127.0.0.1 in a thread of its own
(standard library only) that answers like the record API, step by scripted step.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from .steps import (
    RECORD_INFO_PATH,
    Step,
    StepContext,
    body_code,
    http_error,
    not_found,
    record_body,
    success,
    unauthorized,
)

__all__ = ["FakeRecordAPI", "ReceivedRequest"]


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
    body: bytes = b""

    @property
    def task_id(self) -> str | None:
        values = self.query.get("taskId")
        return values[0] if values else None

    @property
    def user_agent(self) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == "user-agent"), None)




class FakeRecordAPI:
    """The stand-in server; a context manager that starts and stops it.

    ``records`` maps task ids to payloads (a mapping, served in the envelope, or the exact
    bytes to serve). ``requests`` lists what was received, oldest first.
    """

    handler: type[BaseHTTPRequestHandler]  # the request handler class (set below)

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
        self._records = {tid: record_body(p) for tid, p in (records or {}).items()}
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
            self._records[task_id] = record_body(payload)

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
        server = _Server(self._address, self.handler)
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

    def _next_step(self, task_id: str) -> tuple[Step, StepContext]:
        with self._lock:
            record = self._records.get(task_id)
            if task_id in self._scripts:
                steps, index = self._scripts[task_id]
                self._scripts[task_id] = (steps, index + 1)
                step = steps[min(index, len(steps) - 1)]
            else:
                step = success() if record is not None else not_found()
        return step, StepContext(task_id, record)

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

    def _note(self, method: str, body: bytes = b"") -> ReceivedRequest:
        """Remember this request (its key redacted) and return it."""
        api = cast(_Server, self.server).api
        parts = urlsplit(self.path)
        sent = self.headers.get("Authorization")
        request = ReceivedRequest(
            method=method,
            target=self.path,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k: ("REDACTED" if k.lower() == "authorization" else v)
                     for k, v in self.headers.items()},
            has_authorization=sent is not None,
            authorized=api.api_key is None or sent == f"Bearer {api.api_key}",
            body=body,
        )
        api._remember(request)
        return request

    def do_GET(self) -> None:
        api = cast(_Server, self.server).api
        request = self._note("GET")
        parts, query, authorized = urlsplit(self.path), request.query, request.authorized
        if parts.path.rstrip("/") != RECORD_INFO_PATH:
            self._send(http_error(404), StepContext("", None), api)
        elif not authorized:
            self._send(unauthorized(), StepContext("", None), api)
        elif not query.get("taskId", [""])[0]:
            self._send(body_code(400, "taskId is required"), StepContext("", None), api)
        else:
            self._send(*api._next_step(query["taskId"][0]), api)

    def do_POST(self) -> None:
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.send_header("Allow", "GET")
        self.end_headers()

    def _send(self, step: Step, ctx: StepContext, api: FakeRecordAPI) -> None:
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


FakeRecordAPI.handler = _Handler
