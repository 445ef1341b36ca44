"""One logical request of each endpoint for a ``Client``: its attempts (``retrying``), each
within its time limit (the request's own, or what is left of a wait: ``polling``), read by
``answers`` (GETs) or ``create`` (POSTs).

A GET is given ``request_timeout`` seconds in all, or what is left of the wait when that is
less. Cut at its own limit it is retried like a time-out; cut by the wait's deadline it ends
the wait (``WaitOver``): no attempt outlives the caller's ``timeout``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import ServiceError
from .answers import AnswerPolicy, FetchResult, Retry, tries
from .create import CreatedTask, CreatePolicy, Kind
from .deadline import DeadlineExceeded
from .polling import WaitOver, check_wait, poll_until_done, reserve_for
from .retrying import retrying
from .separation import SEPARATION_INFO_PATH, Separation, read_separation

if TYPE_CHECKING:
    from .transport import Transport

__all__ = ["Calls"]

T = TypeVar("T")


class Calls:
    """The requests of one client (its transport, answer policies and retry settings)."""

    def __init__(
        self,
        transport: Transport,
        answers: AnswerPolicy,
        creates: CreatePolicy,
        *,
        base_url: str,
        host: str,
        request_timeout: float,
        retry: Mapping[str, Any],
        sleep: Callable[[float], object],
        clock: Callable[[], float],
        rng: random.Random,
        scrub: Callable[[str], str],
    ) -> None:
        self.transport = transport
        self.answers = answers
        self.creates = creates
        self.base_url = base_url
        self.host = host
        self.request_timeout = request_timeout
        self.retry = dict(retry)  # max_retries, backoff_base, backoff_max, ...
        self.sleep = sleep
        self.clock = clock
        self.rng = rng
        self.scrub = scrub

    def record(self, endpoint: str, task_id: str, deadline: float | None) -> FetchResult:
        """The record-info answer of ``task_id``, retried."""
        def attempt(n: int) -> FetchResult:
            status, headers, body = self.get(endpoint, task_id, n, deadline)
            return self.answers.read(task_id, n, status, headers, body)

        return self.retrying(attempt, deadline)

    def separation(self, task_id: str, deadline: float | None) -> Separation:
        """The separation's status answer, retried."""
        def attempt(n: int) -> Separation:
            url = self.base_url + SEPARATION_INFO_PATH
            status, headers, body = self.get(url, task_id, n, deadline)
            payload = self.answers.envelope(
                task_id, n, status, headers, body, path=SEPARATION_INFO_PATH
            )
            return read_separation(task_id, payload, body, self.host)

        return self.retrying(attempt, deadline)

    def create(self, path: str, payload: Mapping[str, Any], kind: Kind) -> CreatedTask:
        """A create POST, retried only when it cannot have arrived (``create``)."""
        url, data = self.base_url + path, json.dumps(payload).encode("utf-8")
        return self.retrying(
            lambda n: self.creates.send(self.transport, url, data, kind, n,
                                        budget=self.request_timeout),
            None,
        )

    def wait(
        self,
        fetch: Callable[[float | None], T],
        pending: Callable[[T], bool],
        what: str,
        task_id: str,
        timeout: float,
        poll_interval: float | None,
        on_poll: Callable[[T, float], object] | None,
    ) -> T:
        """Poll ``fetch`` while ``pending`` (``polling.poll_until_done``)."""
        check_wait(timeout, poll_interval)
        return poll_until_done(
            fetch, pending, what=what, task_id=task_id, timeout=timeout,
            poll_interval=poll_interval, on_poll=on_poll, clock=self.clock, sleep=self.sleep,
            reserve=reserve_for(timeout, self.request_timeout), scrub=self.scrub,
        )

    def retrying(self, attempt_once: Callable[[int], T], deadline: float | None) -> T:
        return retrying(attempt_once, deadline=deadline, sleep=self.sleep, clock=self.clock,
                        rng=self.rng, **self.retry)

    def get(
        self, url: str, task_id: str, attempt: int, deadline: float | None
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One GET within its time limit (see the module docstring)."""
        import requests

        budget, by_wait = self.request_timeout, False
        if deadline is not None:
            left = deadline - self.clock()
            if left < budget:
                budget, by_wait = max(0.0, left), True
        try:
            return self.transport.get(url, {"taskId": task_id}, budget=budget)
        except DeadlineExceeded as exc:
            if by_wait:
                raise WaitOver(ServiceError(
                    f"{self.host} gave no complete answer in the {budget:.3g} s left of the "
                    f"wait ({exc.phase}; {tries(attempt)})", attempts=attempt)) from None
            raise Retry(ServiceError(
                f"{self.host} did not answer within {budget:.3g} s ({exc.phase}; "
                f"{tries(attempt)})", attempts=attempt)) from None
        except requests.exceptions.RequestException as exc:
            raise self.answers.failure(exc, attempt) from exc
