"""The command's outer shell: click's usage errors in the house format (one line), the
signals, and the exit code.

click prints a usage error as four lines (``Usage: ...``, ``Try 'fetch-mid --help' for
help.``, a blank line, ``Error: ...``) and turns a Ctrl-C into ``Aborted!`` with exit 1.
``run_click(main, args)`` runs a click ``main`` non-standalone (so ``ClickException`` and
``Abort`` propagate, ``--help``/``--version`` return their code, a verb's ``sys.exit``
passes) and reports each failure as one ``fetch-mid: error: ...`` line: a usage error with
`` (see fetch-mid [VERB] --help)``, exit 2; an interrupt as ``signals.describe`` says, exit
128+N; a standard output closed under ``--help`` exit 8. ``DefaultVerbGroup.main`` calls it
for every verb, so click's ``CliRunner`` sees exactly what users see.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from .console import PROG, Console, one_line

__all__ = ["run_click"]


def run_click(main: Callable[..., Any], args: Sequence[str], **extra: Any) -> int:
    """``main(args, prog_name="fetch-mid", standalone_mode=False, **extra)``, every failure
    one line on stderr; the exit code."""
    from . import signals

    console = Console(quiet=False, verbose=False)
    try:
        try:
            rv = main(list(args), prog_name=PROG, standalone_mode=False, **extra)
            signals.release()  # a signal held during parsing (--help, --version)
        except click.exceptions.Abort as abort:
            cause = abort.__cause__
            raise (cause if isinstance(cause, KeyboardInterrupt) else KeyboardInterrupt()
                   ) from None
        except click.ClickException:
            signals.release()
            raise
    except click.UsageError as exc:
        ctx = exc.ctx
        path = ctx.command_path if ctx is not None and ctx.parent is not None else PROG
        message = one_line(exc.format_message())
        console.error(message if "--help" in message else f"{message} (see {path} --help)")
        return exc.exit_code
    except click.ClickException as exc:  # FileError and friends
        console.error(one_line(exc.format_message()))
        return exc.exit_code
    except KeyboardInterrupt as exc:  # before or after the verb's own handling
        from ..critical import placed_count, placed_paths

        message, code = signals.describe(exc, placed_paths(), placed_count())
        console.error(message)
        return code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BrokenPipeError:  # --help or --version into a closed pipe
        from .stdout import _silence_stdout

        _silence_stdout()
        return 8
    return rv if isinstance(rv, int) and not isinstance(rv, bool) else 0
