"""Hostile HTTP servers for tests: stdlib sockets on 127.0.0.1, a free port, one thread.

Each server speaks just enough HTTP/1.1 to be believed, then misbehaves on purpose:

    with HostileServer(drip_body(record_bytes(), rate=5)) as server:
        ...  Client("k" * 20, base_url=server.base_url) ...
        assert server.requests[0].authorization == "Bearer " + "k" * 20

A *behaviour* is a callable ``behaviour(conn: Connection) -> None`` that gets the parsed
request (``conn.request``) and writes whatever it likes with ``conn.send`` /
``conn.drip``; ``conn.sleep`` and ``conn.drip`` return at once when the server stops, so
``stop()`` ends in a few milliseconds even mid-drip. ``scripted([b1, b2, ...])`` answers
the n-th request with the n-th behaviour (the last one repeats).

Behaviours provided (each returns a behaviour):

    drip_body(body, rate)             headers at once, then ``rate`` bytes/s of body
    drip_headers(rate, then=...)      the status line and headers at ``rate`` bytes/s
    silent()                          accept, read the request, never answer
    never_accept (HostileServer(accept=False))   the kernel accepts; nobody reads
    echo_key(form)                    a success record whose name and msg hold the key
                                      as ``raw``, ``json_slash`` (``\\/``), ``json_u``
                                      (``\\u0073``-style), ``percent`` (``%73``), ``html``
    endless_body(chunked=True)        a body that never ends (fast)
    gzip_bomb(expanded)               ``Content-Encoding: gzip``, a few KB -> many GB
    redirect(location, status=302)    a redirect (to another origin: see ``KeyCatcher``)
    respond(status, body, headers)    a plain answer, for scripts
    raw(data)                         exactly these bytes, then close

``KeyCatcher`` is a second server (another port: another origin) that records what it is
sent, to prove the key never follows a redirect off-origin.

Standard library only; nothing here imports midi_export, so it can test any client.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import io
import json
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "Connection",
    "HostileServer",
    "KeyCatcher",
    "ReceivedRequest",
    "drip_body",
    "drip_headers",
    "echo_key",
    "endless_body",
    "escape_key",
    "gzip_bomb",
    "raw",
    "record_bytes",
    "redirect",
    "respond",
    "scripted",
    "silent",
]

MAX_REQUEST_HEAD = 64 * 1024
Behaviour = Callable[["Connection"], None]


# --------------------------------------------------------------------------- requests


@dataclasses.dataclass(frozen=True)
class ReceivedRequest:
    """One request as the server read it (the head only; these servers ignore bodies)."""

    method: str
    target: str
    headers: Mapping[str, str]  # keys lowercased
    received_at: float  # time.monotonic()

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")

    @property
    def key(self) -> str | None:
        """The Bearer key sent, if any."""
        auth = self.authorization or ""
        return auth[7:] if auth.lower().startswith("bearer ") else None

    @property
    def task_id(self) -> str | None:
        values = parse_qs(urlsplit(self.target).query).get("taskId")
        return values[0] if values else None


class _Stopped(Exception):
    """The server is stopping (or the client went away): end this behaviour now."""


class Connection:
    """One accepted connection, handed to a behaviour."""

    def __init__(self, sock: socket.socket, stop: threading.Event, request: ReceivedRequest,
                 index: int) -> None:
        self.sock = sock
        self.request = request
        self.index = index  # 0 for the first request the server got
        self._stop = stop
        self.bytes_sent = 0

    def sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise _Stopped

    def send(self, data: bytes) -> None:
        if self._stop.is_set():
            raise _Stopped
        try:
            self.sock.sendall(data)
        except OSError as exc:  # the client closed (a time-out or a cap did its job)
            raise _Stopped from exc
        self.bytes_sent += len(data)

    def drip(self, data: bytes, rate: float, *, chunk: int = 1) -> None:
        """``data`` at about ``rate`` bytes per second, ``chunk`` bytes at a time."""
        interval = chunk / rate
        next_at = time.monotonic()
        for i in range(0, len(data), chunk):
            self.send(data[i:i + chunk])
            next_at += interval
            self.sleep(max(0.0, next_at - time.monotonic()))

    def hold(self) -> None:
        """Keep the connection open, saying nothing, until the server stops."""
        self._stop.wait()
        raise _Stopped


# --------------------------------------------------------------------------- servers


class HostileServer:
    """A misbehaving HTTP server on 127.0.0.1 (port 0: a free one), served in a thread.

    ``behaviour`` answers every request (see the module docstring). With ``accept=False``
    the socket listens but nothing is ever accepted or read: connections complete in the
    kernel's backlog and then hang (a black hole that still answers SYN).
    """

    def __init__(self, behaviour: Behaviour | None = None, *, accept: bool = True,
                 host: str = "127.0.0.1") -> None:
        self.behaviour = behaviour or respond(200, b"{}")
        self.accept = accept
        self.host = host
        self.requests: list[ReceivedRequest] = []
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._open: set[socket.socket] = set()
        self.port = 0

    # -- life cycle

    def start(self) -> HostileServer:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, 0))
        listener.listen(64)
        self._listener = listener
        self.port = listener.getsockname()[1]
        if self.accept:
            thread = threading.Thread(target=self._accept_loop, name="hostile-accept",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop at once: every drip and hold ends, every socket is closed."""
        self._stop.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.close()
        with self._lock:
            open_socks = list(self._open)
        for sock in open_socks:
            _shut(sock)
        for thread in self._threads:
            thread.join(timeout=2.0)

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def origin(self) -> str:
        return self.base_url

    # -- serving

    def _accept_loop(self) -> None:
        assert self._listener is not None
        try:
            self._listener.settimeout(0.05)
        except OSError:  # stopped before this thread began
            return
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._open.add(sock)
            thread = threading.Thread(target=self._serve, args=(sock,), name="hostile-conn",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, sock: socket.socket) -> None:
        try:
            while not self._stop.is_set():  # keep-alive: one behaviour per request
                request = self._read_head(sock)
                if request is None:
                    return
                with self._lock:
                    index = len(self.requests)
                    self.requests.append(request)
                conn = Connection(sock, self._stop, request, index)
                self.behaviour(conn)
                if getattr(conn, "close_after", True):
                    return
        except _Stopped:
            pass
        except Exception as exc:  # a bug in a behaviour: keep it for the test to see
            self.errors.append(exc)
        finally:
            with self._lock:
                self._open.discard(sock)
            _shut(sock)
            sock.close()

    def _read_head(self, sock: socket.socket) -> ReceivedRequest | None:
        sock.settimeout(0.05)
        data = b""
        while b"\r\n\r\n" not in data:
            if self._stop.is_set() or len(data) > MAX_REQUEST_HEAD:
                return None
            try:
                chunk = sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return None
            if not chunk:
                return None
            data += chunk
        sock.settimeout(None)
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        lines = head.split("\r\n")
        method, target, _ = ([*lines[0].split(" ", 2), "", ""])[:3]
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return ReceivedRequest(method, target, headers, time.monotonic())


class KeyCatcher(HostileServer):
    """Another origin that answers a small record and remembers every request it got."""

    def __init__(self) -> None:
        super().__init__(respond(200, record_bytes(task_id="caught")))

    @property
    def keys_seen(self) -> list[str]:
        return [r.authorization for r in self.requests if r.authorization]


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


# --------------------------------------------------------------------------- payloads


def record_bytes(task_id: str = "t1", *, name: str = "Drums", msg: str = "success",
                 notes: int = 8, extra: Mapping[str, Any] | None = None) -> bytes:
    """A small successful record-info answer (valid for any reasonable client)."""
    record = {
        "code": 200,
        "msg": msg,
        "data": {
            "taskId": task_id,
            "successFlag": 1,
            "errorCode": None,
            "errorMessage": None,
            "midiData": {"state": "complete", "instruments": [{
                "name": name,
                "notes": [{"pitch": 36 + (i % 2) * 2, "start": i * 0.25,
                           "end": i * 0.25 + 0.1, "velocity": 0.8} for i in range(notes)],
            }]},
            **(extra or {}),
        },
    }
    return json.dumps(record).encode()


def escape_key(key: str, form: str) -> str:
    """``key`` as it may appear inside JSON text (the text between the quotes).

    ``raw``: as is; ``json_slash``: every ``/`` as ``\\/``; ``json_u``: every letter as
    ``\\u00XX`` (lower-case hex; ``json_U``: upper-case); ``json_mixed``: every other
    character escaped; ``percent``: every character as ``%XX``; ``percent_lower``;
    ``html``: every character as ``&#NN;``.
    """
    if form == "raw":
        return key
    if form == "json_slash":
        return key.replace("/", "\\/")
    if form in ("json_u", "json_U"):
        fmt = "\\u{:04x}" if form == "json_u" else "\\u{:04X}"
        return "".join(fmt.format(ord(c)) if c.isalpha() else c for c in key)
    if form == "json_mixed":
        return "".join(f"\\u{ord(c):04x}" if i % 2 else c for i, c in enumerate(key))
    if form in ("percent", "percent_lower"):
        text = "".join(f"%{ord(c):02X}" for c in key)
        return text.lower() if form == "percent_lower" else text
    if form == "html":
        return "".join(f"&#{ord(c)};" for c in key)
    raise ValueError(f"unknown form {form!r}")


# --------------------------------------------------------------------------- behaviours


def _head(status: int, headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
          reason: str = "OK") -> bytes:
    items = headers.items() if isinstance(headers, Mapping) else headers
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in items]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def respond(status: int = 200, body: bytes = b"{}",
            headers: Mapping[str, str] | None = None, *, keep_alive: bool = False) -> Behaviour:
    """A well-formed answer (Content-Length set unless given)."""
    def behaviour(conn: Connection) -> None:
        hdrs = {"Content-Type": "application/json", "Content-Length": str(len(body)),
                "Connection": "keep-alive" if keep_alive else "close", **(headers or {})}
        conn.send(_head(status, hdrs) + body)
        conn.close_after = not keep_alive  # type: ignore[attr-defined]
    return behaviour


def raw(data: bytes) -> Behaviour:
    def behaviour(conn: Connection) -> None:
        conn.send(data)
    return behaviour


def drip_body(body: bytes, rate: float, *, content_length: bool = True,
              chunk: int = 1) -> Behaviour:
    """Status and headers at once, then the body at ``rate`` bytes/s (with or without a
    Content-Length: without one the body ends when the connection closes)."""
    def behaviour(conn: Connection) -> None:
        hdrs = {"Content-Type": "application/json", "Connection": "close"}
        if content_length:
            hdrs["Content-Length"] = str(len(body))
        conn.send(_head(200, hdrs))
        conn.drip(body, rate, chunk=chunk)
    return behaviour


def drip_headers(rate: float, *, body: bytes | None = None, padding: int = 100_000) -> Behaviour:
    """The status line and headers at ``rate`` bytes/s: a harmless header of ``padding``
    bytes keeps the head going long after any sane deadline (each byte arrives well
    inside a per-read time-out)."""
    payload = body if body is not None else record_bytes()
    def behaviour(conn: Connection) -> None:
        head = _head(200, {"Content-Type": "application/json",
                           "Content-Length": str(len(payload)),
                           "X-Padding": "p" * padding})
        conn.drip(head, rate)
        conn.send(payload)
    return behaviour


def silent() -> Behaviour:
    """Read the request, then never answer (and never close)."""
    def behaviour(conn: Connection) -> None:
        conn.hold()
    return behaviour


def echo_key(form: str = "raw", *, where: Sequence[str] = ("name", "msg"),
             status: int = 200, code: int = 200) -> Behaviour:
    """A record (or, with ``code`` != 200, an error envelope) whose instrument name and
    ``msg`` contain the request's Bearer key in the escaped ``form`` (see ``escape_key``).
    The JSON is built by hand so the escapes reach the client exactly as written."""
    def behaviour(conn: Connection) -> None:
        key = conn.request.key or ""
        shown = escape_key(key, form)
        name = f"Piano {shown}" if "name" in where else "Piano"
        msg = f"bad key {shown}" if "msg" in where else "success"
        if code == 200:
            text = (
                '{"code": 200, "msg": "' + msg + '", "data": {"taskId": "t1", '
                '"successFlag": 1, "midiData": {"instruments": [{"name": "' + name + '", '
                '"notes": [{"pitch": 60, "start": 0, "end": 0.5, "velocity": 0.5}]}]}}}'
            )
        else:
            text = '{"code": ' + str(code) + ', "msg": "' + msg + '", "data": null}'
        body = text.encode()
        conn.send(_head(status, {"Content-Type": "application/json",
                                 "Content-Length": str(len(body)), "Connection": "close"})
                  + body)
    return behaviour


def endless_body(*, chunked: bool = True, block: bytes = b" " * 65536) -> Behaviour:
    """A body that never ends (whitespace: valid JSON padding so far), as fast as the
    client reads. Chunked, or with no length (read until close)."""
    def behaviour(conn: Connection) -> None:
        hdrs = {"Content-Type": "application/json", "Connection": "close"}
        if chunked:
            hdrs["Transfer-Encoding"] = "chunked"
        conn.send(_head(200, hdrs))
        piece = (f"{len(block):x}\r\n".encode() + block + b"\r\n") if chunked else block
        while True:
            conn.send(piece)
    return behaviour


def gzip_bomb(expanded: int = 4 * 1024**3, *, deflate: bool = False) -> Behaviour:
    """``Content-Encoding: gzip`` (or ``deflate``): ``expanded`` bytes of spaces squeezed
    into a few kilobytes (about 1000:1), made once per behaviour, streamed at once."""
    block = 1024 * 1024
    comp = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS if deflate else 16 + zlib.MAX_WBITS)
    out = io.BytesIO()
    spaces = b" " * block
    for _ in range(expanded // block):
        out.write(comp.compress(spaces))
    out.write(comp.flush())
    data = out.getvalue()

    def behaviour(conn: Connection) -> None:
        conn.send(_head(200, {"Content-Type": "application/json",
                              "Content-Encoding": "deflate" if deflate else "gzip",
                              "Content-Length": str(len(data)), "Connection": "close"}) + data)
    behaviour.compressed_size = len(data)  # type: ignore[attr-defined]
    return behaviour


def redirect(location: str, status: int = 302) -> Behaviour:
    return respond(status, b"", {"Location": location})


def scripted(behaviours: Sequence[Behaviour]) -> Behaviour:
    """The n-th request gets the n-th behaviour; the last one repeats."""
    def behaviour(conn: Connection) -> None:
        behaviours[min(conn.index, len(behaviours) - 1)](conn)
    return behaviour


def _selfcheck() -> None:  # pragma: no cover  (python hostile.py: a smoke run)
    import urllib.request

    with HostileServer(respond(200, b'{"ok": 1}')) as server:
        print(urllib.request.urlopen(server.base_url + "/x", timeout=2).read())
    bomb = gzip_bomb(64 * 1024 * 1024)
    print("64 MiB bomb compressed to", bomb.compressed_size, "bytes")  # type: ignore
    assert gzip.decompress  # used by readers of this module


if __name__ == "__main__":  # pragma: no cover
    _selfcheck()
