"""SIGINT, SIGTERM and SIGHUP: stop cleanly, leave no temporary file, say what is on disk,
and never turn a decided outcome into another one.

Before: SIGTERM or SIGHUP killed the process where it stood (a full-size hidden temporary
file left, or 3 of 17 ``--split`` files); SIGINT while click parsed printed ``Aborted!``
and exit 1, during imports a traceback; SIGINT after the file was in place said "no partial
file was left" while a file had been written, or killed the process at shutdown.

``install()`` (first thing in ``main()``) makes the three signals raise ``Interrupted`` (a
``KeyboardInterrupt``, so every ``except KeyboardInterrupt`` treats them alike) in the main
thread, with three exceptions:

- while held (from ``install`` until the verb's own code starts, ``release()``: the
  imports and click's parsing, where an interrupt comes out as another error or as
  click's ``Aborted!``) a signal is recorded and raised by ``release()``;
- inside the writer's critical section (``critical.critical_section``: a file, or a whole
  set of files, being put in place) it is deferred to the end of it;
- once the outcome is decided (``settle()``: the files in place, the messages printed, the
  exit code known) the three signals are ignored, through the interpreter's shutdown too,
  so a late Ctrl-C changes nothing.

A second signal while stopping is ignored (the clean-up is short: requests in flight are
cut). ``describe`` words the one line the CLI prints from what the writer put in place;
the exit code is 128 + the signal number (130, 143, 129), as a shell reports a death by it.
SIGKILL cannot be caught: it can still leave a ``.<name>.<pid>.<n>.tmp`` beside the target.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Sequence

__all__ = ["SIGNALS", "Interrupted", "describe", "install", "on_stop", "release", "settle",
           "signal_of"]

SIGNALS = tuple(s for s in (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM", "SIGHUP"))
                if s is not None)


class Interrupted(KeyboardInterrupt):
    """A stop signal arrived (``signum``)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return f"signal {self.signum}"

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class _State:
    installed = False
    holding = False
    held: int | None = None
    stopping = False
    stop_hooks: list[Callable[[], object]] = []  # noqa: RUF012  (one per process)


def install() -> None:
    """Route the three signals to ``Interrupted`` (main thread only; elsewhere a no-op),
    held until ``release()``."""
    if threading.current_thread() is not threading.main_thread():
        return
    _State.installed, _State.holding, _State.held, _State.stopping = True, True, None, False
    for signum in SIGNALS:
        with contextlib.suppress(OSError, ValueError):  # an odd host
            signal.signal(signum, _handler)


def _handler(signum: int, frame: object) -> None:
    if _State.stopping:
        return  # already stopping: let the clean-up finish
    if _State.holding:
        if _State.held is None:
            _State.held = signum
        return
    from ..critical import defer_if_critical

    if not defer_if_critical(lambda: _stop(signum)):
        _stop(signum)


def _stop(signum: int) -> None:
    _State.stopping = True
    for hook in list(_State.stop_hooks):
        with contextlib.suppress(Exception):  # a hook must never mask the interrupt
            hook()
    raise Interrupted(signum)


def release() -> None:
    """The verb's own code starts: raise a signal held so far, then raise them as they come."""
    if not _State.holding:
        return
    _State.holding = False
    if _State.held is not None:
        _stop(_State.held)


def on_stop(hook: Callable[[], object]) -> Callable[[], None]:
    """Call ``hook()`` as a stop begins (cutting requests in flight); returns its removal."""
    _State.stop_hooks.append(hook)

    def remove() -> None:
        if hook in _State.stop_hooks:
            _State.stop_hooks.remove(hook)

    return remove


def settle() -> None:
    """The outcome is decided: from now on the three signals are ignored (``SIG_IGN``, which
    the interpreter keeps through its shutdown, unlike a Python handler)."""
    if not _State.installed or threading.current_thread() is not threading.main_thread():
        return
    _State.holding = False
    for signum in SIGNALS:
        with contextlib.suppress(OSError, ValueError):
            signal.signal(signum, signal.SIG_IGN)


def signal_of(exc: BaseException) -> tuple[str, int]:
    """The signal's name and the exit code of a run it stopped (a bare KeyboardInterrupt is
    SIGINT)."""
    if isinstance(exc, Interrupted):
        return exc.name, exc.exit_code
    return "SIGINT", 130


def describe(exc: BaseException, placed: Sequence[str], count: int | None = None
             ) -> tuple[str, int]:
    """The message and exit code of a run stopped by ``exc``, true to what is on disk:
    ``placed`` the files put in place (``count`` of them in all)."""
    name, code = signal_of(exc)
    total = len(placed) if count is None else count
    if not total:
        return f"interrupted ({name}) before any file was written", code
    shown = ", ".join(placed[:3]) + (f" and {total - 3} more" if total > 3 else "")
    files = "file" if total == 1 else "files"
    return (f"interrupted ({name}) after writing {total} complete {files}: {shown} "
            "(nothing partial is left)", code)
