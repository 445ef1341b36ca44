"""Waiting while a task is pending: the one polling loop of every wait (the MIDI record's and
the separation's), its schedule (2 s growing to 15 s, or a fixed interval) and its deadline,
which bounds the whole wait: the requests in flight too (``WaitOver``), and the last poll
starts early enough to finish inside it (``reserve``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import TypeVar

from ..errors import TaskPendingError, UsageError

__all__ = [
    "FIRST_POLL_INTERVAL",
    "MAX_POLL_INTERVAL",
    "MAX_RESERVE",
    "POLL_GROWTH",
    "WaitOver",
    "check_wait",
    "poll_until_done",
    "reserve_for",
]

FIRST_POLL_INTERVAL = 2.0
MAX_POLL_INTERVAL = 15.0
POLL_GROWTH = 1.5
MAX_RESERVE = 5.0
"""At most this long before the deadline the last poll starts (see ``reserve_for``)."""


class WaitOver(Exception):
    """A request was cut because the wait's deadline came: the wait ends (no retry);
    ``error`` says what the request was doing."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def reserve_for(timeout: float, request_timeout: float) -> float:
    """How long before the deadline the last poll starts: time for one request to finish
    (``request_timeout``, at most ``MAX_RESERVE`` and a quarter of the wait)."""
    return min(request_timeout, MAX_RESERVE, timeout / 4)

T = TypeVar("T")

logger = logging.getLogger("midi_export")


def check_wait(timeout: float, poll_interval: float | None) -> None:
    """``UsageError`` unless ``timeout`` is seconds >= 0 and ``poll_interval`` None or > 0."""
    if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout >= 0):
        raise UsageError(f"the timeout must be a number of seconds >= 0, not {timeout!r}")
    if poll_interval is not None and not (
        isinstance(poll_interval, (int, float))
        and math.isfinite(poll_interval)
        and poll_interval > 0
    ):
        raise UsageError(f"the poll interval must be > 0 seconds, not {poll_interval!r}")


def poll_until_done(
    fetch: Callable[[float | None], T],
    pending: Callable[[T], bool],
    *,
    what: str,
    task_id: str,
    timeout: float,
    poll_interval: float | None,
    on_poll: Callable[[T, float], object] | None,
    clock: Callable[[], float],
    sleep: Callable[[float], object],
    reserve: float = 0.0,
    scrub: Callable[[str], str] = str,
) -> T:
    """Call ``fetch(deadline)`` until ``pending`` of its answer is false; that answer.

    Polls start ``FIRST_POLL_INTERVAL`` apart and grow towards ``MAX_POLL_INTERVAL`` (or are
    ``poll_interval`` apart); the last one starts ``reserve`` seconds before the deadline
    (``timeout`` seconds from the start), so it can finish inside it, and ``fetch`` gets the
    deadline to bound its requests (None with ``timeout`` 0: one poll, bounded by its own
    time limit). ``on_poll(answer, elapsed)`` follows every poll. Still pending at the
    deadline: ``TaskPendingError`` ("<what> is still pending after..."); a request cut by
    the deadline (``WaitOver``) ends the wait the same way once a poll said "pending", else
    with the request's error.
    """
    start = clock()
    deadline = start + timeout
    polls = 0
    interval = FIRST_POLL_INTERVAL
    while True:
        try:
            answer = fetch(deadline if timeout > 0 else None)
        except WaitOver as over:
            if not polls:
                raise over.error from None
            elapsed = clock() - start
            raise TaskPendingError(
                f"{what} is still pending after {elapsed:.0f} s ({polls} "
                f"poll{'s' * (polls != 1)}; the last got no answer in the time left); "
                "try again later",
                task_id=task_id,
                elapsed=elapsed,
            ) from None
        polls += 1
        now = clock()
        elapsed = now - start
        if on_poll is not None:
            on_poll(answer, elapsed)
        if not pending(answer):
            return answer
        remaining = deadline - reserve - now
        if remaining <= 0:
            raise TaskPendingError(
                f"{what} is still pending after {elapsed:.0f} s "
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
        logger.debug("%s pending; next poll in %.1f s", scrub(what), delay)
        sleep(delay)
