"""The client of the MIDI record API: task id -> ``Record`` over HTTP, riding through its moods.

``Client`` owns everything about talking to the API: the session, the key, the base URL,
timeouts, retries and polling. This package is the only one that uses ``requests``, and it
imports it only when the first request is made, so ``import midi_export.api.client`` stays
cheap. How each answer is read is ``answers``'s; how the key is kept safe, ``safety``'s.

    with Client.from_env() as client:            # or Client("key", base_url=...)
        record = client.wait_for_record("5c79be8e", on_poll=show_progress)

``get_result`` / ``wait_for_result`` do the same as ``get_record`` / ``wait_for_record``
but return a ``FetchResult`` that also holds the response body exactly as received, so it
can be saved and converted again later (``parse_record(result.body)`` gives the same record).

The key never appears in ``repr(client)``, in error messages or in logs (any server text
that echoes it is scrubbed to ``***``), it is sent only over https (plain http only to
loopback addresses, for local test servers) and never on a redirect to another origin.
"""

from __future__ import annotations

import logging
import math
import os
import random
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import TaskPendingError, UsageError
from ..record import Record, RecordStatus
from .answers import RECORD_INFO_PATH, AnswerPolicy, FetchResult, Retry
from .safety import Redactor, Scrubbing, check_base_url, check_task_id
from .transport import Transport

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
API_KEY_ENV = "APIKLEY_API_KEY"
BASE_URL_ENV = "APIKLEY_BASE_URL"

PollCallback = Callable[[Record, float], object]
"""``on_poll(record, elapsed_seconds)``, called after every poll of ``wait_for_record``."""

logger = logging.getLogger("midi_export")

FIRST_POLL_INTERVAL = 2.0
MAX_POLL_INTERVAL = 15.0
POLL_GROWTH = 1.5
NOT_FOUND_RETRY_DELAY = 2.5


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
        self._text = Redactor(self._api_key)
        self.base_url = check_base_url(base_url, RECORD_INFO_PATH, self._text.scrub)
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
        self._sleep = sleep
        self._clock = clock
        self._rng = rng if rng is not None else random.Random()
        self._transport = Transport(
            self._api_key,
            self._text,
            host=self._host,
            connect_timeout=self.connect_timeout,
            request_timeout=self.request_timeout,
            max_response_bytes=self.max_response_bytes,
            user_agent=user_agent,
            session=session,
        )
        self._answers = AnswerPolicy(
            self._host,
            self._text,
            connect_timeout=self.connect_timeout,
            request_timeout=self.request_timeout,
            not_found_grace=self.not_found_grace,
        )

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
        self._transport.close()

    @property
    def user_agent(self) -> str:
        """``midi-export/<version> (+python-requests/<version>)`` unless one was given."""
        return self._transport.user_agent

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
            return self._fetch(check_task_id(task_id), deadline=None)

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
        task_id = check_task_id(task_id)
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
            except Retry as retry:
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
            status, headers, body = self._transport.get(self.endpoint, {"taskId": task_id})
        except requests.exceptions.RequestException as exc:
            raise self._answers.failure(exc, attempt) from exc
        return self._answers.read(task_id, attempt, status, headers, body)

    # ------------------------------------------------------------------ helpers

    @property
    def _host(self) -> str:
        return urlsplit(self.base_url).netloc

    def _scrub(self, text: str) -> str:
        return self._text.scrub(text)

    def _scrubbing(self) -> Scrubbing:
        return Scrubbing(self._text.scrub)


def _positive(**values: float) -> None:
    for name, value in values.items():
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise UsageError(f"{name} must be a number > 0, not {value!r}")


def _non_negative(**values: float) -> None:
    for name, value in values.items():
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise UsageError(f"{name} must be a number >= 0, not {value!r}")
