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

It creates the work too: ``create_separation`` (billed), ``wait_for_separation``, then
``create_midi_task`` (``create`` says why a billed POST is never sent twice blindly).

The key never appears in ``repr(client)``, in error messages or in logs (any server text
that echoes it is scrubbed to ``***``), it is sent only over https (plain http only to
loopback addresses, for local test servers) and never on a redirect to another origin.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from .._check import WrongType, check_callable, check_number, kind
from ..errors import UsageError
from ..record import Record, RecordStatus
from .answers import RECORD_INFO_PATH, AnswerPolicy, FetchResult
from .calls import Calls
from .create import (
    MIDI_GENERATE_PATH,
    SEPARATION_PATH,
    CreatedTask,
    CreatePolicy,
    Kind,
    midi_payload,
    separation_payload,
)
from .safety import Redactor, Scrubbing, check_base_url, check_task_id, non_negative, positive
from .separation import Separation, SeparationStatus
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

T = TypeVar("T")


class Client:
    """A client of the MIDI record API.

    ``api_key`` is sent as ``Authorization: Bearer``; ``base_url`` may be any provider of the
    same API (https only; plain http only for 127.0.0.0/8, ``localhost`` and ``::1``).
    ``request_timeout`` is the total time of one request: connecting, the answer's headers
    and its body together, redirects included (a server that drips its answer is cut
    there), and ``connect_timeout`` that of connecting. A request is retried
    ``max_retries`` times on network trouble, rate limits and server errors, after
    ``Retry-After`` when the server gives one (at most ``max_retry_after`` seconds) or else
    after an exponential back-off with full jitter (random between 0 and
    ``backoff_base * 2**n``, at most ``backoff_max``).
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
        _check_arguments(max_retries, max_response_bytes, session, sleep, clock)
        self.base_url = check_base_url(base_url, RECORD_INFO_PATH, self._text.scrub)
        self.endpoint = self.base_url + RECORD_INFO_PATH
        positive(request_timeout=request_timeout, connect_timeout=connect_timeout,
                  backoff_base=backoff_base, backoff_max=backoff_max,
                  max_response_bytes=max_response_bytes)
        non_negative(max_retries=max_retries, max_retry_after=max_retry_after,
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
        creates = CreatePolicy(
            self._host,
            self._text,
            connect_timeout=self.connect_timeout,
            request_timeout=self.request_timeout,
        )
        self._calls = Calls(
            self._transport, self._answers, creates, base_url=self.base_url, host=self._host,
            request_timeout=self.request_timeout, sleep=sleep, clock=clock, rng=self._rng,
            scrub=self._text.scrub, retry={
                "max_retries": self.max_retries, "backoff_base": self.backoff_base,
                "backoff_max": self.backoff_max, "max_retry_after": self.max_retry_after,
                "not_found_grace": self.not_found_grace},
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

    def stop(self) -> None:
        """Cut every request in flight now, and every later one at once (a run that is
        being stopped: they raise ``ServiceError`` or ``TaskPendingError``). Thread-safe."""
        self._transport.watchdog.stop_all()

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
        ``timeout`` bounds the whole wait, the requests in flight included.
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
        check_callable("on_poll", on_poll)
        with self._scrubbing():
            result = self._calls.wait(
                lambda deadline: self._fetch(task_id, deadline=deadline),
                lambda answer: answer.record.status is RecordStatus.PENDING,
                f"task {task_id!r}", task_id, timeout, poll_interval,
                None if on_poll is None else (lambda r, t: on_poll(r.record, t)),
            )
            result.record.raise_for_status()
            return result

    # ------------------------------------------------------------------ creating work

    def create_separation(
        self,
        task_id: str,
        audio_id: str,
        type: str = "split_stem",
        *,
        callback_url: str | None = None,
        stem_name: str | None = None,
    ) -> CreatedTask:
        """Start a vocal separation of one track (``audio_id``) of a music task (``task_id``).
        **Billed on every call, even for the same track.** ``type``: ``split_stem`` (up to 12
        stems, what MIDI wants), ``separate_vocal`` or ``split_stem_advanced`` (with
        ``stem_name``). Without ``callback_url`` a placeholder is sent (the caller polls).
        Retried only when the API cannot have acted on it (``create``)."""
        payload = separation_payload(task_id, audio_id, type, callback_url, stem_name)
        return self._create(SEPARATION_PATH, payload, "separation")

    def create_midi_task(
        self,
        separation_task_id: str,
        *,
        audio_id: str | None = None,
        callback_url: str | None = None,
    ) -> CreatedTask:
        """Start MIDI generation from a completed separation: all its stems, or the stem
        ``audio_id`` (a ``Stem.id``); its id is what ``wait_for_record`` takes."""
        payload = midi_payload(separation_task_id, audio_id, callback_url)
        return self._create(MIDI_GENERATE_PATH, payload, "midi")

    def get_separation(self, task_id: str) -> Separation:
        """The separation as it is now (pending too), retried like ``get_record``."""
        task_id = check_task_id(task_id)
        with self._scrubbing():
            return self._calls.separation(task_id, None)

    def wait_for_separation(
        self,
        task_id: str,
        *,
        timeout: float = 600.0,
        poll_interval: float | None = None,
        on_poll: Callable[[Separation, float], object] | None = None,
    ) -> Separation:
        """Poll while the separation is pending, as ``wait_for_record`` does; the usable
        separation, else ``TaskPendingError`` at the deadline or ``TaskFailedError``."""
        task_id = check_task_id(task_id)
        check_callable("on_poll", on_poll)
        with self._scrubbing():
            separation = self._calls.wait(
                lambda deadline: self._calls.separation(task_id, deadline),
                lambda answer: answer.status is SeparationStatus.PENDING,
                f"separation {task_id!r}", task_id, timeout, poll_interval, on_poll,
            )
            separation.raise_for_status()
            return separation

    # ------------------------------------------------------------------ one logical request

    def _fetch(self, task_id: str, *, deadline: float | None) -> FetchResult:
        return self._calls.record(self.endpoint, task_id, deadline)

    def _create(self, path: str, payload: Mapping[str, Any], kind: Kind) -> CreatedTask:
        with self._scrubbing():
            return self._calls.create(path, payload, kind)

    # ------------------------------------------------------------------ helpers

    @property
    def _host(self) -> str:
        return urlsplit(self.base_url).netloc

    def _scrub(self, text: str) -> str:
        return self._text.scrub(text)

    def _scrubbing(self) -> Scrubbing:
        return Scrubbing(self._text.scrub)


def _check_arguments(max_retries: object, max_response_bytes: object, session: object,
                     sleep: object, clock: object) -> None:
    check_number("max_retries", max_retries, integer=True, minimum=0)
    check_number("max_response_bytes", max_response_bytes, integer=True, minimum=1)
    if session is not None and not callable(getattr(session, "get", None)):
        raise WrongType(f"session must be a requests.Session, not {kind(session)}")
    check_callable("sleep", sleep, optional=False)
    check_callable("clock", clock, optional=False)
