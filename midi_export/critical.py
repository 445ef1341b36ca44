"""The moments a stop signal must wait for, and the files this process put in place.

``critical_section()`` marks a stretch that must not be cut: the writer's temporary file
created, written, synced and renamed into place (or removed), and a whole set of files
(``write_files``: a song and its stems). A stop signal's handler (``cli.signals``) asks
``defer_if_critical(fn)``; inside a section ``fn`` (which raises the interrupt) runs when the
outermost section ends, so every file is complete in place or absent, never a full-size
hidden ``.name.PID.N.tmp``. Signals reach only the main thread; a section elsewhere defers
nothing.

``placed_paths()`` lists what the writer put in place (the first ``KEEP``; ``placed_count()``
counts them all, for a long-running receiver), so an interrupted run can say truthfully what
is on disk. Standard library only; no I/O.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator

__all__ = ["KEEP", "critical_section", "defer_if_critical", "forget_placed", "note_placed",
           "placed_count", "placed_paths"]

KEEP = 1000
_local = threading.local()
_placed: list[str] = []
_count = [0]
_placed_lock = threading.Lock()


@contextlib.contextmanager
def critical_section() -> Iterator[None]:
    """A stretch a deferring signal handler must not cut (see ``defer_if_critical``)."""
    _local.depth = getattr(_local, "depth", 0) + 1
    try:
        yield
    finally:
        _local.depth -= 1
        if _local.depth == 0:
            deferred: list[Callable[[], None]] = getattr(_local, "deferred", [])
            _local.deferred = []
            for fn in deferred:
                fn()  # raises the interrupt, now that the files are whole


def defer_if_critical(fn: Callable[[], None]) -> bool:
    """Run ``fn`` when the current thread leaves its outermost critical section and return
    True; False (``fn`` not kept) when the thread is in none."""
    if getattr(_local, "depth", 0) <= 0:
        return False
    if not hasattr(_local, "deferred"):
        _local.deferred = []
    _local.deferred.append(fn)
    return True


def note_placed(path: str | os.PathLike[str]) -> None:
    """``path`` is in place, complete (the writer's record)."""
    with _placed_lock:
        _count[0] += 1
        if len(_placed) < KEEP:
            _placed.append(os.fspath(path))


def forget_placed(path: str | os.PathLike[str]) -> None:
    """``path`` was removed again (a set that could not be completed)."""
    with _placed_lock:
        _count[0] = max(0, _count[0] - 1)
        with contextlib.suppress(ValueError):
            _placed.remove(os.fspath(path))


def placed_paths() -> list[str]:
    """The files this process has put in place, in order (the first ``KEEP``)."""
    with _placed_lock:
        return list(_placed)


def placed_count() -> int:
    """How many files this process has put in place."""
    with _placed_lock:
        return _count[0]
