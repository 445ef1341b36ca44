"""Every human message of the command goes through here, to stderr: errors as one line
``fetch-mid: error: ...``, a live status line on a terminal, and the little formatters.
"""

from __future__ import annotations

import sys
from typing import TextIO

import click

__all__ = ["PROG", "Console", "format_bpm", "format_seconds", "one_line", "plural"]

PROG = "fetch-mid"


class Console:
    """Every human message goes through here, to stderr; ``--json`` output goes to stdout."""

    def __init__(self, *, quiet: bool, verbose: bool, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.verbose = verbose
        self.stream = stream if stream is not None else sys.stderr
        self._status_shown = False

    @property
    def is_tty(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def _emit(self, text: str) -> None:
        self.clear_status()
        click.echo(text, file=self.stream)

    def info(self, text: str) -> None:
        if not self.quiet:
            self._emit(text)

    def error(self, text: str) -> None:
        self._emit(f"{PROG}: error: {one_line(text)}")

    def status(self, text: str) -> None:
        """A live status line on a terminal; a plain log line otherwise."""
        if self.quiet:
            return
        if self.is_tty:
            width = 79
            self.stream.write("\r" + text[:width].ljust(width))
            self.stream.flush()
            self._status_shown = True
        else:
            click.echo(text, file=self.stream)

    def clear_status(self) -> None:
        if self._status_shown:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()
            self._status_shown = False


def one_line(text: str) -> str:
    """Errors are printed on one line, whatever the server or the OS put in them."""
    return " ".join(str(text).split())


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def format_seconds(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_bpm(bpm: float) -> str:
    return f"{bpm:.3f}".rstrip("0").rstrip(".")
