"""Fetching records over HTTP: task id -> ``Record``, riding through the API's moods.

``Client`` owns everything about talking to the API: the session, the key, the base URL,
timeouts, retries and polling. It is the only module that uses ``requests``, and it imports
it only when the first request is made, so ``import midi_export.fetcher`` stays cheap.

    with Client.from_env() as client:            # or Client("key", base_url=...)
        record = client.wait_for_record("5c79be8e", on_poll=show_progress)

``get_result`` / ``wait_for_result`` do the same as ``get_record`` / ``wait_for_record``
but return a ``FetchResult`` that also holds the response body exactly as received, so it
can be saved and converted again later (``parse_record(result.body)`` gives the same record).

How answers are read (the body ``code`` decides, whatever the HTTP status says):

=====================================================  ===========================================
answer                                                 outcome
=====================================================  ===========================================
code 200 (HTTP 2xx)                                    the parsed ``Record`` (pending too)
code 401 / 403, or HTTP 401 / 403 without an envelope  ``AuthenticationError``
code 402, HTTP 402, a code 429 whose msg is credits    ``AccountError``
code 405 / 430 / 429, HTTP 429                         retried (``Retry-After`` honoured), then
                                                       ``RateLimitedError``
code 455 / 500 / 502-504, HTTP 5xx / 408, no answer,   retried, then ``ServiceError``
a time-out, a connection cut while reading
code 422 "recordInfo is null", code 404                retried for a grace period (422 only), then
                                                       ``TaskNotFoundError``
code 408 / 501 / 505                                   ``TaskFailedError``
code 400 / 413 / other 422                             ``UsageError`` (the task id was refused)
HTTP 2xx that is not JSON or not a record, too big     ``InvalidResponseError``
=====================================================  ===========================================

The key never appears in ``repr(client)``, in error messages or in logs (any server text
that echoes it is scrubbed to ``***``), it is sent only over https (plain http only to
loopback addresses, for local test servers) and never on a redirect to another origin.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import math
import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import quote, urljoin, urlsplit

from ._version import __version__
from .errors import (
    AccountError,
    AuthenticationError,
    InvalidRecordError,
    InvalidResponseError,
    MidiExportError,
    RateLimitedError,
    ServiceError,
    TaskFailedError,
    TaskNotFoundError,
    TaskPendingError,
    UsageError,
)
from .records import Record, RecordStatus, parse_record

if TYPE_CHECKING:
    import requests

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "RECORD_INFO_PATH",
    "Client",
    "FetchResult",
    "PollCallback",
]

DEFAULT_BASE_URL = "https://api.apikley.ru"
RECORD_INFO_PATH = "/api/v1/midi/record-info"
API_KEY_ENV = "APIKLEY_API_KEY"
BASE_URL_ENV = "APIKLEY_BASE_URL"

PollCallback = Callable[[Record, float], object]
"""``on_poll(record, elapsed_seconds)``, called after every poll of ``wait_for_record``."""

logger = logging.getLogger("midi_export")

MAX_REDIRECTS = 5
EXCERPT_CHARS = 200
FIRST_POLL_INTERVAL = 2.0
MAX_POLL_INTERVAL = 15.0
POLL_GROWTH = 1.5
NOT_FOUND_RETRY_DELAY = 2.5
MIN_KEY_SCRUBBED_FROM_BODY = 8  # a shorter (test) key could be part of the data itself

_RETRY_CODES_RATE = frozenset({405, 429, 430})
_RETRY_CODES_SERVER = frozenset({455, 500, 502, 503, 504})
_FAILED_CODES = {
    408: "the provider got no result for too long",
    501: "generation failed",
    505: "the feature is disabled",
}
_REJECTED_CODES = frozenset({400, 413, 422})
_CREDIT_WORDS = ("credit", "balance", "insufficient", "top up", "recharge", "payment", "points")
_NOT_FOUND_WORDS = ("is null", "not found", "not exist", "no record")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


@dataclasses.dataclass(frozen=True)
class FetchResult:
    """One answer of the record endpoint: the parsed record and the body it came from.

    ``body`` is the response body exactly as received (should the server ever echo the API
    key, it is replaced by ``***``; keys shorter than 8 characters, which only tests use,
    are left alone there, as they could be part of the data). Saving it keeps the record
    past the API's 14 days, and ``parse_record(body)`` gives the same ``record`` again.
    ``status`` is the HTTP status, ``attempts`` the HTTP requests this answer took (retries
    included).
    """

    record: Record
    body: bytes = dataclasses.field(repr=False)
    status: int = 200
    attempts: int = 1


class Client:
    """A client of the MIDI record API.

    ``api_key`` is sent as ``Authorization: Bearer``; ``base_url`` may be any provider of the
    same API (https only; plain http only for 127.0.0.0/8, ``localhost`` and ``::1``).
    ``request_timeout`` is the read time-out of one request (no byte for that long) and
    ``connect_timeout`` that of connecting. A request is retried ``max_retries`` times on
    network trouble, rate limits and server errors, after ``Retry-After`` when the server
    gives one (at most ``max_retry_after`` seconds) or else after an exponential back-off
    with full jitter (random between 0 and ``backoff_base * 2**n``, at most ``backoff_max``).
    A task the API says does not exist is asked again for ``not_found_grace`` seconds (the
    API says so for a few seconds right after a task is created). Answers larger than
    ``max_response_bytes`` are refused.

    ``session`` (a ``requests.Session``) is used as given and not closed by ``close()``;
    otherwise each thread gets its own session, so one client may serve several threads.
    ``sleep``, ``clock`` and ``rng`` are there for tests.
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        request_timeout: float = 30.0,
        connect_timeout: float = 10.0,
        max_retries: int = 4,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        max_retry_after: float = 60.0,
        not_found_grace: float = 10.0,
        max_response_bytes: int = 64 * 1024 * 1024,
        user_agent: str | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise UsageError(f"an API key is needed (set {API_KEY_ENV})")
        if not api_key.strip().isascii() or not api_key.strip().isprintable() or any(
            ch.isspace() for ch in api_key.strip()
        ):
            raise UsageError("the API key must be printable ASCII without spaces")
        self._api_key = api_key.strip()
        self._scrub_words = _scrub_words(self._api_key)
        self.base_url = _check_base_url(base_url, self._scrub)
        self.endpoint = self.base_url + RECORD_INFO_PATH
        _positive(request_timeout=request_timeout, connect_timeout=connect_timeout,
                  backoff_base=backoff_base, backoff_max=backoff_max,
                  max_response_bytes=max_response_bytes)
        _non_negative(max_retries=max_retries, max_retry_after=max_retry_after,
                      not_found_grace=not_found_grace)
        self.request_timeout = float(request_timeout)
        self.connect_timeout = float(connect_timeout)
        self.max_retries = int(max_retries)
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self.max_retry_after = float(max_retry_after)
        self.not_found_grace = float(not_found_grace)
        self.max_response_bytes = int(max_response_bytes)
        self._user_agent = user_agent
        self._given_session = session
        self._sleep = sleep
        self._clock = clock
        self._rng = rng if rng is not None else random.Random()
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self._closed = False

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_env(cls, *, environ: Mapping[str, str] | None = None, **kwargs: Any) -> Client:
        """A client configured from ``APIKLEY_API_KEY`` and ``APIKLEY_BASE_URL``.

        Keyword arguments win over the environment (``base_url=...`` beats the variable);
        ``environ`` replaces ``os.environ`` (for tests). A missing key is a ``UsageError``.
        """
        env = os.environ if environ is None else environ
        if "api_key" not in kwargs:
            key = env.get(API_KEY_ENV, "").strip()
            if not key:
                raise UsageError(f"no API key: set {API_KEY_ENV} (get a key from your provider)")
            kwargs["api_key"] = key
        base_url = env.get(BASE_URL_ENV, "").strip()
        if base_url and "base_url" not in kwargs:
            kwargs["base_url"] = base_url
        return cls(**kwargs)

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r}, api_key='***')"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the sessions this client opened (a session given to it is left open)."""
        with self._lock:
            self._closed = True
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    @property
    def user_agent(self) -> str:
        """``midi-export/<version> (+python-requests/<version>)`` unless one was given."""
        if self._user_agent is None:
            import requests

            self._user_agent = (
                f"midi-export/{__version__} (+python-requests/{requests.__version__})"
            )
        return self._user_agent

    # ------------------------------------------------------------------ public calls

    def get_record(self, task_id: str) -> Record:
        """The task's record as it is now, whatever its status (pending too).

        One logical request, retried on transient trouble; ``raise_for_status()`` is not
        called, so a failed or empty record is returned, not raised.
        """
        return self.get_result(task_id).record

    def get_result(self, task_id: str) -> FetchResult:
        """Like ``get_record``, with the raw body (see ``FetchResult``)."""
        with self._scrubbing():
            return self._fetch(_check_task_id(task_id), deadline=None)

    def wait_for_record(
        self,
        task_id: str,
        *,
        timeout: float = 600.0,
        poll_interval: float | None = None,
        on_poll: PollCallback | None = None,
    ) -> Record:
        """Poll while the task is pending; the successful record, or a typed error.

        Polls start about 2 s apart and grow towards 15 s (or are ``poll_interval`` apart),
        and never sleep past ``timeout`` seconds from the start; one last poll is made at the
        deadline. ``on_poll(record, elapsed)`` is called after every poll. Raises
        ``TaskPendingError`` (with ``elapsed``) when the task is still pending at the deadline,
        and whatever ``Record.raise_for_status()`` raises for a finished but unusable task.
        """
        return self.wait_for_result(
            task_id, timeout=timeout, poll_interval=poll_interval, on_poll=on_poll
        ).record

    def wait_for_result(
        self,
        task_id: str,
        *,
        timeout: float = 600.0,
        poll_interval: float | None = None,
        on_poll: PollCallback | None = None,
    ) -> FetchResult:
        """Like ``wait_for_record``, with the raw body of the final answer."""
        task_id = _check_task_id(task_id)
        if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout >= 0):
            raise UsageError(f"the timeout must be a number of seconds >= 0, not {timeout!r}")
        if poll_interval is not None and not (
            isinstance(poll_interval, (int, float))
            and math.isfinite(poll_interval)
            and poll_interval > 0
        ):
            raise UsageError(f"the poll interval must be > 0 seconds, not {poll_interval!r}")
        with self._scrubbing():
            start = self._clock()
            deadline = start + timeout
            polls = 0
            interval = FIRST_POLL_INTERVAL
            while True:
                result = self._fetch(task_id, deadline=deadline)
                polls += 1
                now = self._clock()
                elapsed = now - start
                if on_poll is not None:
                    on_poll(result.record, elapsed)
                if result.record.status is not RecordStatus.PENDING:
                    result.record.raise_for_status()
                    return result
                remaining = deadline - now
                if remaining <= 0:
                    raise TaskPendingError(
                        f"task {task_id!r} is still pending after {elapsed:.0f} s "
                        f"({polls} poll{'s' * (polls != 1)}); try again later",
                        task_id=task_id,
                        elapsed=elapsed,
                    )
                if poll_interval is None:
                    delay = interval
                    interval = min(MAX_POLL_INTERVAL, interval * POLL_GROWTH)
                else:
                    delay = poll_interval
                delay = min(delay, remaining)
                logger.debug("task %s pending; next poll in %.1f s", self._scrub(task_id), delay)
                self._sleep(delay)

    # ------------------------------------------------------------------ one logical request

    def _fetch(self, task_id: str, *, deadline: float | None) -> FetchResult:
        """One logical request: HTTP attempts until an answer, a final error or no retries."""
        attempt = 0
        retries = 0
        not_found_waited = 0.0  # counted in planned delays, not the clock: same in real use,
        # and a caller that injects a no-op sleep (tests) gets the same number of attempts
        while True:
            attempt += 1
            try:
                return self._attempt(task_id, attempt)
            except _Retry as retry:
                error = retry.error
                if retry.not_found:
                    delay = NOT_FOUND_RETRY_DELAY
                    if not_found_waited + delay > self.not_found_grace + 1e-9:
                        raise error from None
                    not_found_waited += delay
                else:
                    if retries >= self.max_retries:
                        raise error from retry.__cause__
                    retries += 1
                    if retry.retry_after is not None:
                        delay = min(retry.retry_after, self.max_retry_after)
                    else:
                        ceiling = min(
                            self.backoff_max, self.backoff_base * 2.0 ** min(retries - 1, 60)
                        )
                        delay = self._rng.uniform(0.0, ceiling)
                if deadline is not None:
                    remaining = deadline - self._clock()
                    if remaining <= 0 or (retry.retry_after is not None and delay > remaining):
                        raise error from retry.__cause__
                    delay = min(delay, remaining)
                logger.debug("attempt %d: %s; retrying in %.2f s", attempt, error, delay)
                self._sleep(delay)

    def _attempt(self, task_id: str, attempt: int) -> FetchResult:
        import requests

        try:
            status, headers, body = self._send(task_id)
        except requests.exceptions.SSLError as exc:
            raise ServiceError(
                f"secure connection to {self._host} failed: {self._reason(exc)}",
                attempts=attempt,
            ) from exc
        except requests.exceptions.ConnectTimeout as exc:
            raise _Retry(ServiceError(
                f"could not connect to {self._host} within {self.connect_timeout:g} s "
                f"({self._tries(attempt)})",
                attempts=attempt,
            )) from exc
        except requests.exceptions.ReadTimeout as exc:
            raise _Retry(ServiceError(
                f"{self._host} did not answer within {self.request_timeout:g} s "
                f"({self._tries(attempt)})",
                attempts=attempt,
            )) from exc
        except (requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:
            raise _Retry(ServiceError(
                f"the answer from {self._host} was cut short ({self._tries(attempt)})",
                attempts=attempt,
            )) from exc
        except requests.exceptions.ConnectionError as exc:
            raise _Retry(ServiceError(
                f"cannot reach {self._host}: {self._reason(exc)} ({self._tries(attempt)})",
                attempts=attempt,
            )) from exc
        except requests.exceptions.RequestException as exc:
            raise ServiceError(
                f"request to {self._host} failed: {self._reason(exc)}", attempts=attempt
            ) from exc
        return self._read_answer(task_id, attempt, status, headers, body)

    def _send(self, task_id: str) -> tuple[int, Mapping[str, str], bytes]:
        """GET the record, following redirects by hand (https only, no key off-origin)."""
        session = self._session()
        url = self.endpoint
        params: dict[str, str] | None = {"taskId": task_id}
        send_key = True
        for _hop in range(MAX_REDIRECTS + 1):
            logger.debug("GET %s%s", self._scrub(url),
                         f" taskId={self._scrub(task_id)}" if params else "")
            response = session.get(
                url,
                params=params,
                headers={"User-Agent": self.user_agent, "Accept": "application/json"},
                auth=_BearerAuth(self._api_key) if send_key else None,
                proxies=_no_proxies() if _is_loopback(urlsplit(url).hostname or "") else None,
                timeout=(self.connect_timeout, self.request_timeout),
                allow_redirects=False,
                stream=True,
            )
            try:
                location = response.headers.get("Location")
                if response.is_redirect and location:
                    target = urljoin(response.url, location)
                    try:
                        _check_url(target, "the redirect target", self._scrub)
                    except UsageError as exc:
                        raise ServiceError(
                            f"{self._host} redirected to an address this client refuses: {exc}",
                            status=response.status_code,
                        ) from None
                    if _origin(target) != _origin(response.url):
                        send_key = False  # and never again in this chain
                    logger.debug("redirected (HTTP %d) to %s%s", response.status_code,
                                 self._scrub(target), "" if send_key else " (key not sent)")
                    url, params = target, None
                    continue
                body = self._read_body(response)
                return response.status_code, response.headers, body
            finally:
                response.close()
        raise ServiceError(f"{self._host} redirected more than {MAX_REDIRECTS} times")

    def _read_body(self, response: requests.Response) -> bytes:
        cap = self.max_response_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.strip().isdigit() and int(declared) > cap:
            raise InvalidResponseError(
                f"the answer from {self._host} is {int(declared)} bytes, more than the "
                f"{cap}-byte limit (HTTP {response.status_code})",
                status=response.status_code,
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=256 * 1024):
            size += len(chunk)
            if size > cap:
                raise InvalidResponseError(
                    f"the answer from {self._host} is more than the {cap}-byte limit "
                    f"(HTTP {response.status_code})",
                    status=response.status_code,
                )
            chunks.append(chunk)
        body = b"".join(chunks)
        if len(self._api_key) >= MIN_KEY_SCRUBBED_FROM_BODY:
            for word in self._scrub_words:
                body = body.replace(word.encode("utf-8"), b"***")
        return body

    # ------------------------------------------------------------------ reading answers

    def _read_answer(
        self, task_id: str, attempt: int, status: int, headers: Mapping[str, str], body: bytes
    ) -> FetchResult:
        payload = _decode_json(body)
        code: int | None = None
        msg: str | None = None
        if isinstance(payload, dict) and "code" in payload:
            code = _as_int(payload.get("code"))
            raw_msg = payload.get("msg", payload.get("message"))
            msg = self._clean(str(raw_msg)) if raw_msg is not None else None
        retry_after = _parse_retry_after(headers.get("Retry-After"))
        if code is not None and code != 200:
            self._by_body_code(task_id, attempt, status, code, msg, retry_after)
        if not 200 <= status < 300:
            self._by_http_status(attempt, status, body, msg, retry_after)
        if payload is _NOT_JSON:
            broken = body.lstrip()[:1] in (b"{", b"[")
            raise InvalidResponseError(
                f"the answer from {self._host} is "
                f"{'broken or cut-short JSON' if broken else 'not JSON'} (HTTP {status}); "
                f"it begins {self._excerpt(body, 80)!r}",
                status=status,
                excerpt=self._excerpt(body),
            )
        try:
            record = parse_record(payload)
        except InvalidRecordError as exc:
            raise InvalidResponseError(
                f"the answer from {self._host} is not a readable record (HTTP {status}): "
                f"{self._scrub(str(exc))}; it begins {self._excerpt(body, 80)!r}",
                status=status,
                excerpt=self._excerpt(body),
                where=exc.where,
            ) from None
        if record.task_id is not None and record.task_id != task_id:
            logger.debug("asked for task %s, the answer is about %s",
                         self._scrub(task_id), self._scrub(record.task_id))
        return FetchResult(record=record, body=body, status=status, attempts=attempt)

    def _by_body_code(
        self,
        task_id: str,
        attempt: int,
        status: int,
        code: int,
        msg: str | None,
        retry_after: float | None,
    ) -> NoReturn:
        said = f"code {code}" + (f": {msg}" if msg else "")
        facts: dict[str, Any] = {"status": status, "code": code, "server_message": msg}
        if code in (401, 403):
            raise AuthenticationError(
                f"the API refused the key ({said}); check the API key", **facts
            )
        if code == 402 or (code == 429 and _about_credits(msg)):
            raise AccountError(f"the account cannot be used ({said}); check its credits", **facts)
        if code in _RETRY_CODES_RATE:
            raise _Retry(RateLimitedError(
                f"the API kept asking to slow down ({said}; {self._tries(attempt)})",
                attempts=attempt, **facts,
            ), retry_after=retry_after)
        if code in _RETRY_CODES_SERVER:
            what = "the API is under maintenance" if code == 455 else "the API had an error"
            raise _Retry(ServiceError(
                f"{what} ({said}; {self._tries(attempt)})", attempts=attempt, **facts
            ), retry_after=retry_after)
        if code in _FAILED_CODES:
            raise TaskFailedError(
                f"task {task_id!r} failed: {msg or _FAILED_CODES[code]} (code {code})",
                task_id=task_id,
                error_code=str(code),
                error_message=msg,
            )
        if code == 404 or (code == 422 and _about_missing(msg)):
            error = TaskNotFoundError(
                f"the API does not know task {task_id!r} ({said}; {self._tries(attempt)}): "
                "the id may be wrong, or the record expired (records are kept 14 days)"
                + ("" if code == 422 else ", or the base URL is not this API's"),
                task_id=task_id,
            )
            if code == 422 and self.not_found_grace > 0:
                raise _Retry(error, not_found=True)
            raise error
        if code in _REJECTED_CODES:
            raise UsageError(f"the API refused the request for task {task_id!r} ({said})")
        if 500 <= code < 600:
            raise _Retry(ServiceError(
                f"the API had an error ({said}; {self._tries(attempt)})", attempts=attempt, **facts
            ), retry_after=retry_after)
        raise ServiceError(f"unexpected answer from the API ({said})", attempts=attempt, **facts)

    def _by_http_status(
        self, attempt: int, status: int, body: bytes, msg: str | None, retry_after: float | None
    ) -> NoReturn:
        said = f"HTTP {status}" + (f": {msg}" if msg else "")
        if msg is None and body:
            said += f" {self._excerpt(body, 80)!r}"
        facts: dict[str, Any] = {"status": status, "code": None, "server_message": msg}
        if status in (401, 403):
            raise AuthenticationError(
                f"access refused ({said}): the key may be wrong, or a firewall in front of "
                "the API refused the request",
                **facts,
            )
        if status == 402 or (status == 429 and _about_credits(msg)):
            raise AccountError(f"the account cannot be used ({said}); check its credits", **facts)
        if status == 429:
            raise _Retry(RateLimitedError(
                f"{self._host} kept asking to slow down ({said}; {self._tries(attempt)})",
                attempts=attempt, **facts,
            ), retry_after=retry_after)
        if status >= 500 or status == 408:
            raise _Retry(ServiceError(
                f"{self._host} had trouble ({said}; {self._tries(attempt)})",
                attempts=attempt, **facts,
            ), retry_after=retry_after)
        if status == 404:
            raise ServiceError(
                f"{self._host} has no record endpoint at {RECORD_INFO_PATH} ({said}); "
                "is the base URL right?",
                attempts=attempt, **facts,
            )
        raise ServiceError(f"unexpected answer from {self._host} ({said})", attempts=attempt,
                           **facts)

    # ------------------------------------------------------------------ helpers

    def _session(self) -> requests.Session:
        if self._closed:
            raise UsageError("this Client is closed")
        if self._given_session is not None:
            return self._given_session
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            import requests

            with self._lock:
                if self._closed:
                    raise UsageError("this Client is closed")
                session = requests.Session()
                session.headers["User-Agent"] = self.user_agent
                self._sessions.append(session)
            self._local.session = session
        return session

    @property
    def _host(self) -> str:
        return urlsplit(self.base_url).netloc

    def _tries(self, attempt: int) -> str:
        return f"{attempt} attempt{'s' * (attempt != 1)}"

    def _scrub(self, text: str) -> str:
        for word in self._scrub_words:
            text = text.replace(word, "***")
        return text

    def _clean(self, text: str, limit: int = EXCERPT_CHARS) -> str:
        """Server text made safe to show: no key, no control characters, one short line."""
        text = " ".join(_CONTROL.sub(" ", self._scrub(text)).split())
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def _excerpt(self, body: bytes, limit: int = EXCERPT_CHARS) -> str:
        title = _TITLE.search(body[:4096])
        if title and title.group(1).strip():  # an HTML error page: its title says it all
            return self._clean(title.group(1).decode("utf-8", "replace"), limit)
        return self._clean(body[: limit * 4].decode("utf-8", "replace"), limit)

    def _reason(self, exc: BaseException) -> str:
        text = str(exc)
        errno = _ERRNO.search(text)
        if errno:
            return self._clean(errno.group(1), 80)
        if "timed out" in text.lower():
            return "timed out"
        return self._clean(text, 120)

    def _scrubbing(self) -> _Scrubbing:
        return _Scrubbing(self._scrub)


# ---------------------------------------------------------------------- private pieces


class _Retry(Exception):
    """An attempt failed in a way worth another try; ``error`` is raised when none is left."""

    def __init__(
        self, error: MidiExportError, *, retry_after: float | None = None, not_found: bool = False
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after
        self.not_found = not_found


class _Scrubbing:
    """A last guard: no error leaving the client carries the key in any text attribute."""

    def __init__(self, scrub: Callable[[str], str]) -> None:
        self._scrub = scrub

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if not isinstance(exc, MidiExportError):
            return
        for name in ("message", "server_message", "excerpt", "error_message", "error_code"):
            value = getattr(exc, name, None)
            if isinstance(value, str):
                setattr(exc, name, self._scrub(value))
        exc.args = tuple(self._scrub(a) if isinstance(a, str) else a for a in exc.args)


class _BearerAuth:
    """``requests`` auth that sets the Bearer header; its repr does not show the key."""

    __slots__ = ("_key",)

    def __init__(self, key: str) -> None:
        self._key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._key}"
        return request

    def __repr__(self) -> str:
        return "<Bearer ***>"


_NOT_JSON: Any = object()


def _decode_json(body: bytes) -> Any:
    """The decoded body, exactly as ``parse_record`` decodes it, or ``_NOT_JSON``."""
    from .records import decode_json

    try:
        return decode_json(body)
    except InvalidRecordError:
        return _NOT_JSON


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _about_credits(msg: str | None) -> bool:
    text = (msg or "").lower()
    return any(word in text for word in _CREDIT_WORDS)


def _about_missing(msg: str | None) -> bool:
    text = (msg or "").lower()
    return any(word in text for word in _NOT_FOUND_WORDS)


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date); None when absent."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - time.time()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _scrub_words(key: str) -> tuple[str, ...]:
    words = {key, quote(key, safe=""), quote(key, safe="/")}
    return tuple(sorted(words, key=len, reverse=True))


def _check_task_id(task_id: str) -> str:
    if not isinstance(task_id, str) or not task_id.strip():
        raise UsageError("a task id is needed")
    if _CONTROL.search(task_id):
        raise UsageError(f"the task id {task_id!r} contains control characters")
    return task_id.strip()


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _no_proxies() -> Any:
    """Per-request proxies that override any from the environment: loopback goes direct."""
    return {"http": None, "https": None, "all": None}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def _check_url(url: str, what: str, scrub: Callable[[str], str]) -> str:
    """``url`` when it is an https URL (or http to a loopback host), else ``UsageError``."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        raise UsageError(f"{what} is not a valid URL: {scrub(url)!r}") from None
    if parts.username is not None or parts.password is not None:
        raise UsageError(f"{what} must not contain a user name or password")
    shown = scrub(url)
    if parts.scheme not in ("http", "https") or not host:
        raise UsageError(f"{what} must be an https:// URL, not {shown!r}")
    if parts.scheme == "http" and not _is_loopback(host):
        raise UsageError(
            f"{what} {shown!r} uses plain http, which would send the API key unencrypted; "
            f"use https://{parts.netloc} (plain http is allowed only for 127.0.0.1, "
            "localhost and ::1)"
        )
    return url


def _check_base_url(base_url: str, scrub: Callable[[str], str]) -> str:
    if not isinstance(base_url, str) or not base_url.strip():
        raise UsageError("the base URL is empty")
    url = _check_url(base_url.strip(), "the base URL", scrub)
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise UsageError(f"the base URL must not have a query or fragment: {scrub(url)!r}")
    path = parts.path.rstrip("/")
    if path.endswith(RECORD_INFO_PATH):  # the whole endpoint was given: keep its base
        path = path[: -len(RECORD_INFO_PATH)]
    return f"{parts.scheme}://{parts.netloc}{path}"


def _positive(**values: float) -> None:
    for name, value in values.items():
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise UsageError(f"{name} must be a number > 0, not {value!r}")


def _non_negative(**values: float) -> None:
    for name, value in values.items():
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise UsageError(f"{name} must be a number >= 0, not {value!r}")
