"""One logical request: attempts until an answer, a final error or no retry left, with
``Retry-After`` honoured (capped), exponential back-off with full jitter, the grace period of
a task not found yet, and never a sleep into the caller's deadline.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import TypeVar

from .answers import Retry

__all__ = ["NOT_FOUND_RETRY_DELAY", "retrying"]

NOT_FOUND_RETRY_DELAY = 2.5

T = TypeVar("T")

logger = logging.getLogger("midi_export")


def retrying(
    attempt_once: Callable[[int], T],
    *,
    deadline: float | None,
    max_retries: int,
    backoff_base: float,
    backoff_max: float,
    max_retry_after: float,
    not_found_grace: float,
    sleep: Callable[[float], object],
    clock: Callable[[], float],
    rng: random.Random,
) -> T:
    """``attempt_once(attempt)`` (1, 2, ...) until it returns; it raises ``Retry`` for an
    attempt worth repeating, and that ``Retry``'s error is raised when none is left."""
    attempt = 0
    retries = 0
    not_found_waited = 0.0  # counted in planned delays, not the clock: same in real use,
    # and a caller that injects a no-op sleep (tests) gets the same number of attempts
    while True:
        attempt += 1
        try:
            return attempt_once(attempt)
        except Retry as retry:
            error = retry.error
            if retry.not_found:
                delay = NOT_FOUND_RETRY_DELAY
                if not_found_waited + delay > not_found_grace + 1e-9:
                    raise error from None
                not_found_waited += delay
            else:
                if retries >= max_retries:
                    raise error from retry.__cause__
                retries += 1
                if retry.retry_after is not None:
                    delay = min(retry.retry_after, max_retry_after)
                else:
                    ceiling = min(backoff_max, backoff_base * 2.0 ** min(retries - 1, 60))
                    delay = rng.uniform(0.0, ceiling)
            if deadline is not None and delay >= deadline - clock():
                # no attempt could start and finish in the time left (a Retry-After past
                # the deadline included): the error now, rather than one with no time
                raise error from retry.__cause__
            logger.debug("attempt %d: %s; retrying in %.2f s", attempt, error, delay)
            sleep(delay)
