"""Serving the receiver with waitress: the one module that imports it, and only
``fetch-mid serve`` (or a caller of ``serve``) imports this one.

Why waitress: pure Python with no dependencies, on Windows too, mature (Pylons), and its
limits hold before the app is called (a declared body over ``max_request_body_size`` is
answered 413 unread; ``channel_timeout`` drops slow clients). Waitress has no graceful stop
(Pylons/waitress#198), and its own ``run()`` drops queued requests on Ctrl-C, so
``CallbackServer.run`` turns its loop itself: on SIGINT or SIGTERM it closes the listening
socket, lets the requests under way finish and their answers leave, then returns.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from .service import DEFAULT_MAX_BODY

__all__ = ["CallbackServer", "serve"]


class CallbackServer:
    """A waitress server for one WSGI app on one address, with a draining stop.

    ``run()`` serves until ``request_stop()`` (safe from a signal handler or another
    thread); it then stops accepting, lets the requests under way finish and their answers
    leave (at most ``shutdown_timeout`` seconds), closes idle connections and returns.
    Waitress itself has no graceful stop (Pylons/waitress#198), hence this loop. Imports
    waitress when built, so nothing else pays for it.
    """

    def __init__(
        self,
        app: Callable[..., Any],
        host: str = "127.0.0.1",
        port: int = 8080,
        *,
        threads: int = 4,
        max_body_bytes: int = DEFAULT_MAX_BODY,
        **waitress_options: Any,
    ) -> None:
        from waitress.server import create_server

        options: dict[str, Any] = {
            "threads": threads,
            "max_request_body_size": max_body_bytes,
            "channel_timeout": 30,
            "ident": "midi-export",
            "clear_untrusted_proxy_headers": True,
            **waitress_options,
        }
        self._map: dict[int, Any] = {}
        self._server = create_server(app, map=self._map, host=host, port=port, **options)
        self._stop = threading.Event()
        self._signals = 0

    @property
    def address(self) -> tuple[str, int]:
        from waitress.server import MultiSocketServer

        server: Any = self._server
        if isinstance(server, MultiSocketServer):  # a host name with several addresses
            host, port = server.effective_listen[0]
            return str(host), int(port)
        return str(server.effective_host), int(server.effective_port)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def request_stop(self) -> None:
        self._stop.set()

    def run(self, shutdown_timeout: float = 10.0) -> None:
        from waitress import wasyncore
        from waitress.channel import HTTPChannel
        from waitress.server import BaseWSGIServer

        while not self._stop.is_set():
            wasyncore.loop(timeout=0.2, map=self._map, use_poll=True, count=1)
        for listener in [d for d in self._map.values() if isinstance(d, BaseWSGIServer)]:
            wasyncore.dispatcher.close(listener)  # stop accepting (keeps the trigger)
        deadline = time.monotonic() + shutdown_timeout
        while time.monotonic() < deadline:
            channels = [d for d in list(self._map.values()) if isinstance(d, HTTPChannel)]
            if not channels:
                break
            for channel in channels:
                if not (channel.requests or channel.total_outbufs_len or channel.request):
                    channel.will_close = True  # idle keep-alive: closed at the next turn
            wasyncore.loop(timeout=0.05, map=self._map, use_poll=True, count=1)
        dispatcher = getattr(self._server, "task_dispatcher", None)
        if dispatcher is not None:
            dispatcher.shutdown(cancel_pending=True, timeout=max(0.5, deadline - time.monotonic()))
        wasyncore.close_all(self._map)

    def _on_signal(self, signum: int, frame: object) -> None:
        self._signals += 1
        if self._signals > 1:
            raise KeyboardInterrupt  # a second Ctrl-C: stop waiting for the stragglers
        self.request_stop()


def serve(
    app: Callable[..., Any],
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    threads: int = 4,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    shutdown_timeout: float = 10.0,
    on_ready: Callable[[CallbackServer], object] | None = None,
    install_signal_handlers: bool = True,
    **waitress_options: Any,
) -> int:
    """Serve ``app`` with waitress until SIGINT, SIGTERM or SIGHUP, then drain and return 0.

    ``on_ready(server)`` is called once listening (``server.url`` has the real port when
    ``port`` is 0). Signal handlers are installed only in the main thread and restored
    after. ``waitress_options`` go to waitress (``trusted_proxy``, ``url_prefix``...). The
    app's ``close()`` (chained creations) is awaited before returning.
    """
    server = CallbackServer(app, host, port, threads=threads, max_body_bytes=max_body_bytes,
                            **waitress_options)
    previous: dict[signal.Signals, Any] = {}
    if install_signal_handlers and threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if signum is not None:
                previous[signum] = signal.signal(signum, server._on_signal)
    try:
        if on_ready is not None:
            on_ready(server)
        server.run(shutdown_timeout=shutdown_timeout)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        close = getattr(app, "close", None)
        if callable(close):
            close()
    return 0
