"""A total time limit for one HTTP request (connect, headers and body together), by cutting
the socket under the blocked read: ``Watchdog``, ``Watch``, the adapter and ``read_body``.

Why: requests' ``timeout=`` (urllib3's ``Timeout``) bounds each socket operation, not the
request. urllib3 says so itself: the read time-out "only measures the time between read
operations on the socket", so a server that drips its status line, its headers or its body
a byte at a time keeps every ``recv`` short and the request alive for ever (urllib3 #1741,
requests #1928/#3099; Python cannot kill a thread, so the advice of a "watcher thread" was
dropped in urllib3 #3264). Checking the clock between ``iter_content`` chunks does not help
either: one ``read(amt)`` loops over many ``recv`` calls, and the headers are read inside
``session.get`` where no loop of ours runs.

What works: one ``Watchdog`` thread per client holds the deadlines of the requests in
flight. A request runs inside ``watchdog.watch(seconds)``; the connection classes of
``make_adapter()`` register their socket with the current thread's watch as soon as it
exists (``_new_conn``, before any TLS handshake) and again when a kept-alive socket is
reused. At the deadline the watchdog shuts the sockets down (``socket.shutdown``, the plain
method, so no TLS close_notify from a second thread): the blocked ``recv`` returns at once
and requests raises, or, for a body read until close, sees a clean end; so the caller asks
``watch.fired`` whatever happened, and a cut answer is never taken for a whole one. urllib3
drops the dead connection (``is_connection_dropped``), so the session stays usable.

``read_body`` also checks the deadline between chunks and keeps the size cap, so an endless
fast body or a gzip bomb ends by the same rules even where no socket could be registered (a
SOCKS proxy, or a ``requests.Session`` of the caller's own without this adapter).

Not bounded: the DNS lookup (``getaddrinfo`` cannot be interrupted) and the milliseconds
between the watchdog firing and the reader noticing. requests is imported only when the
adapter is first built.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

__all__ = ["AnswerTooLarge", "DeadlineExceeded", "Watch", "Watchdog", "make_adapter",
           "read_body"]


class DeadlineExceeded(Exception):
    """One request ran out of its total time; its answer must be treated as not received."""

    def __init__(self, seconds: float, phase: str, received: int = 0) -> None:
        super().__init__(
            f"no complete answer within {seconds:g} s ({phase}"
            + (f", {received} bytes received" if received else "") + ")"
        )
        self.seconds = seconds
        self.phase = phase
        self.received = received


class AnswerTooLarge(ValueError):
    """The body is larger than the cap (``declared`` when its Content-Length said so)."""

    def __init__(self, cap: int, declared: int | None = None) -> None:
        super().__init__(f"{declared if declared is not None else 'more than'} bytes")
        self.cap = cap
        self.declared = declared


def _cut(sock: Any) -> None:
    """Shut a socket down under a blocked reader (an SSLSocket too: the plain socket's
    shutdown, never an SSL close_notify from a second thread)."""
    with contextlib.suppress(OSError, TypeError, ValueError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class Watch:
    """The deadline of one request and the sockets it uses."""

    __slots__ = ("_lock", "_socks", "at", "fired", "seconds")

    def __init__(self, seconds: float, at: float) -> None:
        self.seconds = seconds
        self.at = at
        self.fired = False
        self._socks: list[Any] = []
        self._lock = threading.Lock()

    def add(self, sock: Any) -> None:
        """Watch ``sock`` too (cut at once when the deadline has already passed)."""
        if sock is None:
            return
        with self._lock:
            if not any(s is sock for s in self._socks):
                self._socks.append(sock)
            fired = self.fired
        if fired:
            _cut(sock)

    def fire(self) -> None:
        """The deadline passed (or the caller is stopping): cut every socket."""
        with self._lock:
            self.fired = True
            socks = list(self._socks)
        for sock in socks:
            _cut(sock)

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def over(self) -> bool:
        """Whether the answer must be treated as not received: fired, or out of time."""
        return self.fired or time.monotonic() >= self.at

    def check(self, phase: str, received: int = 0) -> None:
        """Raise ``DeadlineExceeded`` when out of time."""
        if self.over():
            self.fired = True
            raise DeadlineExceeded(self.seconds, phase, received)


_current = threading.local()


def _register(sock: Any) -> None:
    watch: Watch | None = getattr(_current, "watch", None)
    if watch is not None:
        watch.add(sock)


class Watchdog:
    """One daemon thread that fires the watches whose deadline passed (started on the
    first watch, ended after 30 idle seconds). ``with watchdog.watch(5.0) as w:`` makes
    ``w`` the current thread's watch for the requests made inside. Thread-safe."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Watch]] = []
        self._live: set[Watch] = set()
        self._cond = threading.Condition()
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._stopping = False

    @contextlib.contextmanager
    def watch(self, seconds: float) -> Iterator[Watch]:
        seconds = max(0.0, float(seconds))
        w = Watch(seconds, time.monotonic() + seconds)
        previous = getattr(_current, "watch", None)
        _current.watch = w
        with self._cond:
            if self._stopping:
                w.fired = True
            heapq.heappush(self._heap, (w.at, next(self._seq), w))
            self._live.add(w)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="midi-export-watchdog")
                self._thread.start()
            self._cond.notify()
        try:
            yield w
        finally:
            _current.watch = previous
            with self._cond:
                self._live.discard(w)  # the heap entry goes when it comes up

    def stop_all(self) -> None:
        """Cut every request in flight now, and every later one at once (a run stopping)."""
        with self._cond:
            self._stopping = True
            live = list(self._live)
        for w in live:
            w.fire()

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][2] not in self._live:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait(timeout=30.0)
                    if not self._heap:
                        self._thread = None  # idle: end; the next watch starts another
                        return
                    continue
                at, _, w = self._heap[0]
                delay = at - time.monotonic()
                if delay > 0:
                    self._cond.wait(timeout=delay)
                    continue
                heapq.heappop(self._heap)
                self._cond.release()
                try:
                    w.fire()
                finally:
                    self._cond.acquire()


_ADAPTER_CLASS: Any = None


def make_adapter(**kwargs: Any) -> Any:
    """A ``requests.adapters.HTTPAdapter`` whose connections report their sockets to the
    current thread's ``Watch``; mount it on a session for ``https://`` and ``http://``."""
    global _ADAPTER_CLASS
    if _ADAPTER_CLASS is None:
        _ADAPTER_CLASS = _build_adapter_class()
    return _ADAPTER_CLASS(**kwargs)


def _build_adapter_class() -> Any:
    import requests.adapters
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class _Watched:
        def _new_conn(self) -> Any:  # the TCP socket, before any TLS handshake
            sock = super()._new_conn()  # type: ignore[misc]
            _register(sock)
            return sock

        def request(self, *args: Any, **kwargs: Any) -> Any:  # a kept-alive socket
            _register(getattr(self, "sock", None))
            return super().request(*args, **kwargs)  # type: ignore[misc]

        def getresponse(self, *args: Any, **kwargs: Any) -> Any:
            _register(getattr(self, "sock", None))
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]

    class WatchedHTTPConnection(_Watched, HTTPConnection):
        pass

    class WatchedHTTPSConnection(_Watched, HTTPSConnection):
        pass

    class WatchedHTTPPool(HTTPConnectionPool):
        ConnectionCls = WatchedHTTPConnection

    class WatchedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPSConnection

    pools = {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}

    class DeadlineAdapter(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = dict(pools)

        def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
            manager = super().proxy_manager_for(proxy, **proxy_kwargs)
            if not proxy.lower().startswith("socks"):  # SOCKS: read_body's checks only
                manager.pool_classes_by_scheme = dict(pools)
            return manager

    return DeadlineAdapter


def read_body(response: Any, watch: Watch, *, cap: int, chunk: int = 256 * 1024) -> bytes:
    """The (decoded) body of a ``stream=True`` response, at most ``cap`` bytes, the deadline
    checked between chunks. Raises ``DeadlineExceeded`` or ``AnswerTooLarge``; other
    errors of requests propagate unless the watch fired (then ``DeadlineExceeded``)."""
    declared = response.headers.get("Content-Length", "")
    if declared.strip().isdigit() and int(declared) > cap:
        raise AnswerTooLarge(cap, int(declared))
    parts: list[bytes] = []
    size = 0
    try:
        for piece in response.iter_content(chunk_size=chunk):
            size += len(piece)
            if size > cap:
                raise AnswerTooLarge(cap)
            parts.append(piece)
            watch.check("reading the body", size)
    except (DeadlineExceeded, AnswerTooLarge):
        raise
    except Exception:
        if watch.over():
            raise DeadlineExceeded(watch.seconds, "reading the body", size) from None
        raise
    watch.check("reading the body", size)  # a body cut by the watchdog can look complete
    return b"".join(parts)
