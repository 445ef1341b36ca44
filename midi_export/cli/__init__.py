"""The ``fetch-mid`` command line, the only package that prints or exits.

``app`` (the click group and its verbs) over ``offline`` (``--from-json``), ``online``
(fetching), ``results`` (exit codes and ``--json``), ``summary``, ``options``, ``console``
(every message), ``stdout`` (checked writes), ``entry`` (click's errors in one line) and
``signals``. ``main`` installs the signal handlers before click or the rest is imported
(``cli`` is imported on first use), so a Ctrl-C during start-up is reported like any other.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from .app import cli

__all__ = ["cli", "main"]


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The console-script entry point: signals first, then the command; ``sys.exit`` with
    its code (the three stop signals stay ignored from the moment the outcome is decided)."""
    import gc

    from . import signals

    signals.install()
    # A short run that builds one large, acyclic tree of JSON objects: the cycle collector
    # would only walk it again and again while it is decoded (4-8% of a 300k-note run,
    # measured). The process ends soon after; reference counting still frees everything.
    gc.disable()
    from .app import cli as group

    code = group.main(args=list(sys.argv[1:] if argv is None else argv),
                      standalone_mode=False)
    signals.settle()
    sys.exit(code)


def __getattr__(name: str) -> Any:
    if name == "cli":
        from .app import cli as group

        return group
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
