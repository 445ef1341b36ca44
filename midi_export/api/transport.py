"""HTTP with the key: one ``requests`` session per thread, redirects followed by hand
(https only, the key never sent to another origin), every request inside a total time limit
(``deadline``: connecting, headers and body together, redirects included), bodies capped and
scrubbed of the key.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from .._version import __version__
from ..errors import InvalidResponseError, ServiceError, UsageError
from .deadline import AnswerTooLarge, DeadlineExceeded, Watch, Watchdog, make_adapter, read_body
from .safety import BearerAuth, Redactor, check_url, is_loopback, no_proxies, origin

if TYPE_CHECKING:
    import requests

__all__ = ["MAX_REDIRECTS", "Transport"]

MAX_REDIRECTS = 5

logger = logging.getLogger("midi_export")


class Transport:
    """The HTTP side of one ``Client``: its sessions, key, time-outs and answer cap.

    ``get`` and ``post`` take the request's total time (``budget``); past it the sockets are
    cut and ``DeadlineExceeded`` raised, whatever the server was doing. The sessions this
    transport opens carry the ``deadline`` adapter; a session given to the client is used
    as it is, so there the limit is checked between the body's chunks only (mount
    ``deadline.make_adapter()`` on it for the whole guarantee).
    """

    def __init__(
        self,
        key: str,
        text: Redactor,
        *,
        host: str,
        connect_timeout: float,
        request_timeout: float,
        max_response_bytes: int,
        user_agent: str | None,
        session: requests.Session | None,
    ) -> None:
        self._key = key
        self.text = text
        self._host = host
        self.connect_timeout = connect_timeout
        self.request_timeout = request_timeout
        self.max_response_bytes = max_response_bytes
        self._user_agent = user_agent
        self._given_session = session
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self._closed = False
        self.watchdog = Watchdog()

    @property
    def user_agent(self) -> str:
        """``midi-export/<version> (+python-requests/<version>)`` unless one was given."""
        if self._user_agent is None:
            import requests

            self._user_agent = (
                f"midi-export/{__version__} (+python-requests/{requests.__version__})"
            )
        return self._user_agent

    def close(self) -> None:
        """Close the sessions this client opened (a session given to it is left open)."""
        with self._lock:
            self._closed = True
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    def get(self, url: str, params: dict[str, str], *, budget: float
            ) -> tuple[int, Mapping[str, str], bytes]:
        """GET ``url`` with the key, following redirects by hand (https only, no key
        off-origin), all of it within ``budget`` seconds; the status, headers and body
        (capped, key scrubbed). ``DeadlineExceeded`` past the budget; requests' errors
        otherwise."""
        session = self.session()
        with self.watchdog.watch(budget) as watch:
            try:
                return self._get_chain(session, url, params, watch)
            except (DeadlineExceeded, InvalidResponseError, ServiceError):
                raise
            except Exception as exc:
                if watch.over() or _is_read_timeout(exc):
                    raise DeadlineExceeded(budget, "waiting for the answer") from exc
                raise

    def _get_chain(self, session: requests.Session, url: str, params: dict[str, str],
                   watch: Watch) -> tuple[int, Mapping[str, str], bytes]:
        params_: dict[str, str] | None = params
        send_key = True
        for _hop in range(MAX_REDIRECTS + 1):
            shown = "".join(f" {k}={self.text.scrub(v)}" for k, v in (params_ or {}).items())
            logger.debug("GET %s%s", self.text.scrub(url), shown)
            watch.check("connecting")
            response = session.get(
                url,
                params=params_,
                headers={"User-Agent": self.user_agent, "Accept": "application/json"},
                auth=BearerAuth(self._key) if send_key else None,
                proxies=no_proxies() if is_loopback(urlsplit(url).hostname or "") else None,
                timeout=self._timeouts(watch),
                allow_redirects=False,
                stream=True,
            )
            try:
                watch.check("waiting for the headers")
                location = response.headers.get("Location")
                if response.is_redirect and location:
                    target = urljoin(response.url, location)
                    try:
                        check_url(target, "the redirect target", self.text.scrub)
                    except UsageError as exc:
                        raise ServiceError(
                            f"{self._host} redirected to an address this client refuses: {exc}",
                            status=response.status_code,
                        ) from None
                    if origin(target) != origin(response.url):
                        send_key = False  # and never again in this chain
                    logger.debug("redirected (HTTP %d) to %s%s", response.status_code,
                                 self.text.scrub(target), "" if send_key else " (key not sent)")
                    url, params_ = target, None
                    continue
                body = self.read_body(response, watch)
                return response.status_code, response.headers, body
            finally:
                response.close()
        raise ServiceError(f"{self._host} redirected more than {MAX_REDIRECTS} times")

    def post(self, url: str, data: bytes, *, budget: float
             ) -> tuple[int, Mapping[str, str], bytes]:
        """POST the JSON ``data`` with the key, on a fresh connection, following no redirect,
        within ``budget`` seconds; the status, headers and body (capped, key scrubbed).
        ``DeadlineExceeded`` past the budget; requests' errors propagate.

        A fresh connection because a pooled keep-alive one that the server had already
        closed fails in a way that cannot be told from "the request reached the server",
        which, for a request that creates billed work, would mean "maybe created".
        """
        import requests

        if self._closed:
            raise UsageError("this Client is closed")
        logger.debug("POST %s", self.text.scrub(url))
        session = self._given_session or self._new_session()
        try:
            with self.watchdog.watch(budget) as watch:
                try:
                    response = session.post(
                        url,
                        data=data,
                        headers={"User-Agent": self.user_agent, "Accept": "application/json",
                                 "Content-Type": "application/json"},
                        auth=BearerAuth(self._key),
                        proxies=no_proxies() if is_loopback(urlsplit(url).hostname or "")
                        else None,
                        timeout=self._timeouts(watch),
                        allow_redirects=False,
                        stream=True,
                    )
                    try:
                        watch.check("waiting for the headers")
                        return response.status_code, response.headers, self.read_body(
                            response, watch)
                    finally:
                        response.close()
                except (DeadlineExceeded, InvalidResponseError):
                    raise
                except requests.exceptions.ConnectTimeout:
                    raise  # no connection was made: nothing was sent
                except Exception as exc:
                    if watch.over() or _is_read_timeout(exc):
                        raise DeadlineExceeded(budget, "waiting for the answer") from exc
                    raise
        finally:
            if session is not self._given_session:
                session.close()

    def _timeouts(self, watch: Watch) -> tuple[float, float]:
        """requests' per-operation time-outs, never past the request's total time (a
        connect that hangs before any socket exists to cut ends at the deadline too)."""
        left = max(0.001, watch.remaining())
        return min(self.connect_timeout, left), min(self.request_timeout, left)

    def read_body(self, response: requests.Response, watch: Watch) -> bytes:
        """The body, refused above ``max_response_bytes``, the key scrubbed out of it."""
        cap = self.max_response_bytes
        try:
            body = read_body(response, watch, cap=cap)
        except AnswerTooLarge as exc:
            size = f"{exc.declared} bytes, more" if exc.declared is not None else "more"
            raise InvalidResponseError(
                f"the answer from {self._host} is {size} than the {cap}-byte limit "
                f"(HTTP {response.status_code}); raise it with --max-answer-mb (the library: "
                "Client(max_response_bytes=...))",
                status=response.status_code,
            ) from None
        return self.text.scrub_body(body)

    def session(self) -> requests.Session:
        """This thread's session (or the one given)."""
        if self._closed:
            raise UsageError("this Client is closed")
        if self._given_session is not None:
            return self._given_session
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:

            with self._lock:
                if self._closed:
                    raise UsageError("this Client is closed")
                session = self._new_session()
                session.headers["User-Agent"] = self.user_agent
                self._sessions.append(session)
            self._local.session = session
        return session

    @staticmethod
    def _new_session() -> requests.Session:
        """A session whose connections the watchdog can cut (``deadline.make_adapter``)."""
        import requests

        session = requests.Session()
        adapter = make_adapter()
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session


def _is_read_timeout(exc: BaseException) -> bool:
    """A read time-out of requests: its per-read limit is what was left of the request's
    total time, so it means the total time ran out."""
    import requests

    return isinstance(exc, requests.exceptions.ReadTimeout)
