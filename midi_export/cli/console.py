"""Every human message of the command goes through here, to stderr: errors as one line
``fetch-mid: error: ...``, a live status line on a terminal, the little formatters, and
``printable``, the one escaping rule for text that came from a record, a server or the OS.

``printable(text)`` keeps every printable character and spells out every other one as a
Python repr does (``\\n``, ``\\r``, ``\\t``, ``\\xNN``, ``\\uNNNN``), so no data can forge a
line (newlines, CR, U+2028...), drive the terminal (ESC and C1 CSI start every ANSI or OSC
sequence; BEL, NUL, DEL), reorder what is shown (bidi overrides, zero widths) or crash the
output (a lone surrogate cannot be encoded). The rule is ``str.isprintable()`` per
character; text already printable (nearly all of it) is returned as it is, at C speed.
Backslashes stay (Windows paths stay readable); emoji, accents and CJK stay.

``Console`` applies it to every line it writes (its own ``\\r`` status line excepted), and
masks the API key in every line when it has one (``mask``), so no caller can forget either;
a failing stderr (closed, full) drops the line rather than turning a result into a crash.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

__all__ = ["PROG", "Console", "format_bpm", "format_seconds", "one_line", "plural",
           "printable"]

PROG = "fetch-mid"
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: object, limit: int | None = None) -> str:
    """``text`` (``str()`` of it) with every non-printable character spelled out; cut to
    ``limit`` characters (``…`` last) when given."""
    if not isinstance(text, str):
        try:
            text = str(text)
        except Exception:  # a str() that raises (an int past the digit limit, a bad __str__)
            text = f"<{type(text).__name__}>"
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else _escape(ch) for ch in text)
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + "…"
    return text


def _escape(ch: str) -> str:
    if ch in _SHORT:
        return _SHORT[ch]
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def one_line(text: object) -> str:
    """A message on one line: runs of white space (newlines included) become one space,
    then ``printable`` (for our own multi-line texts: an OS error, click's usage text)."""
    return printable(" ".join(str(text).split()))


class Console:
    """Every human message goes through here, to stderr; ``--json`` output goes to stdout."""

    def __init__(self, *, quiet: bool, verbose: bool, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.verbose = verbose
        self._stream = stream
        self._status_shown = False
        self.mask: Callable[[str], str] | None = None  # the API key's scrubbing, online
        self.lost = 0  # lines stderr refused

    @property
    def stream(self) -> TextIO | None:
        return self._stream if self._stream is not None else sys.stderr

    @property
    def is_tty(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        try:
            return bool(isatty and isatty())
        except (OSError, ValueError):
            return False

    def _write(self, text: str) -> None:
        stream = self.stream
        if stream is None:
            self.lost += 1
            return
        try:
            stream.write(text)
            stream.flush()
        except (OSError, ValueError):
            self.lost += 1

    def _safe(self, text: str) -> str:
        text = printable(text)
        return self.mask(text) if self.mask is not None else text

    def _emit(self, text: str) -> None:
        self.clear_status()
        self._write(self._safe(text) + "\n")

    def info(self, text: str) -> None:
        if not self.quiet:
            self._emit(text)

    def error(self, text: str) -> None:
        self.clear_status()
        self._write(f"{PROG}: error: {self._safe(one_line(text))}\n")

    def status(self, text: str) -> None:
        """A live status line on a terminal; a plain log line otherwise."""
        if self.quiet:
            return
        if self.is_tty:
            width = 79
            self._write("\r" + printable(self._safe(text), width).ljust(width))
            self._status_shown = True
        else:
            self._emit(text)

    def write_raw(self, text: str) -> None:
        """Our own terminal drawing (a progress bar's ``\r`` and ``\x1b[K``), as it is;
        never text from a record or a server."""
        self._write(text)

    def clear_status(self) -> None:
        if self._status_shown:
            self._status_shown = False
            self._write("\r" + " " * 79 + "\r")


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def format_seconds(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_bpm(bpm: float) -> str:
    return f"{bpm:.3f}".rstrip("0").rstrip(".")
