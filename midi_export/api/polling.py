"""Waiting while a task is pending: the one polling loop of every wait (the MIDI record's and
the separation's), its schedule (2 s growing to 15 s, or a fixed interval) and its deadline.
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
    "POLL_GROWTH",
    "check_wait",
    "poll_until_done",
]

FIRST_POLL_INTERVAL = 2.0
MAX_POLL_INTERVAL = 15.0
POLL_GROWTH = 1.5

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
    fetch: Callable[[float], T],
    pending: Callable[[T], bool],
    *,
    what: str,
    task_id: str,
    timeout: float,
    poll_interval: float | None,
    on_poll: Callable[[T, float], object] | None,
    clock: Callable[[], float],
    sleep: Callable[[float], object],
    scrub: Callable[[str], str] = str,
) -> T:
    """Call ``fetch(deadline)`` until ``pending`` of its answer is false; that answer.

    Polls start ``FIRST_POLL_INTERVAL`` apart and grow towards ``MAX_POLL_INTERVAL`` (or are
    ``poll_interval`` apart), and never sleep past ``timeout`` seconds from the start; one
    last poll is made at the deadline. ``on_poll(answer, elapsed)`` follows every poll.
    Still pending at the deadline: ``TaskPendingError`` ("<what> is still pending after...").
    """
    start = clock()
    deadline = start + timeout
    polls = 0
    interval = FIRST_POLL_INTERVAL
    while True:
        answer = fetch(deadline)
        polls += 1
        now = clock()
        elapsed = now - start
        if on_poll is not None:
            on_poll(answer, elapsed)
        if not pending(answer):
            return answer
        remaining = deadline - now
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
