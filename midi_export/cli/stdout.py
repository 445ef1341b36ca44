"""Standard output, written completely or not at all silently: ``Stdout`` (``-o -`` and the
``--json`` document) and ``json_text``, the document's text, which always encodes.

A write to standard output can fail in ways that used to be lost or to crash: an unbuffered
stdout (``PYTHONUNBUFFERED=1``, ``python -u``) returns short counts, so ``-o - | head -c
100`` lost all but 64 KiB and still exited 0; a reader that goes away gives EPIPE; a full
device ENOSPC; a closed descriptor (``>&-``) leaves ``sys.stdout`` None. ``Stdout.write``
loops over short writes, flushes, and turns every failure into ``OutputError`` (exit 8)
saying how much got out; after EPIPE it points descriptor 1 at /dev/null so the
interpreter's own flush at exit adds no "Exception ignored" lines. ``check()`` tells a
closed standard output before any work is done.
"""

from __future__ import annotations

import io
import json
import os
import sys
from typing import IO, Any, BinaryIO, cast

from ..errors import OutputError

__all__ = ["Stdout", "StdoutError", "json_text"]


class StdoutError(OutputError):
    """Standard output is closed, gone or full (exit 8)."""


def json_text(obj: Any) -> str:
    """The ``--json`` document: ASCII only, so lone surrogates, C1 controls and bidi marks
    are ``\\uXXXX`` escapes (valid JSON that decodes back to the same strings) and the text
    always encodes; NaN or infinity (never in our results) would raise, not print non-JSON."""
    return json.dumps(obj, ensure_ascii=True, allow_nan=False)


class Stdout:
    """Bytes to standard output (``sys.stdout.buffer``, or ``stream``), all of them or an
    ``OutputError``; a file-like object (``write``, ``flush``) for ``write_midi``."""

    def __init__(self, what: str = "standard output", stream: BinaryIO | None = None) -> None:
        self.what = what
        self._given = stream
        self.written = 0

    def _stream(self) -> BinaryIO:
        if self._given is not None:
            return self._given
        out = sys.stdout
        if out is None:
            raise StdoutError(f"standard output is closed ({self.what} needs it)")
        buffer: BinaryIO = getattr(out, "buffer", None) or out  # type: ignore[assignment]
        return buffer

    def check(self) -> None:
        """``OutputError`` now when there is no standard output to write to."""
        stream = self._stream()
        try:
            os.fstat(stream.fileno())
        except (io.UnsupportedOperation, AttributeError, ValueError):
            return  # not a file descriptor (a test's BytesIO): fine
        except OSError:
            raise StdoutError(f"standard output is closed ({self.what} needs it)") from None

    def write(self, data: bytes | bytearray | memoryview) -> int:
        stream = self._stream()
        view = memoryview(data).cast("B")
        total = len(view)
        done = 0
        try:
            while done < total:
                n = stream.write(view[done:])
                if n is None:  # a non-blocking stream that took nothing yet
                    import select

                    select.select([], [stream], [], 1.0)
                    continue
                if n <= 0:
                    raise StdoutError(f"standard output took no more bytes after {done} of "
                                      f"{total} ({self.what})")
                done += n
            stream.flush()
        except BrokenPipeError:
            self.written += done
            _silence_stdout()
            raise StdoutError(f"the reader of standard output closed it after {done} of "
                              f"{total} bytes ({self.what})") from None
        except StdoutError:
            raise
        except (OSError, ValueError) as exc:
            self.written += done
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise StdoutError(f"cannot write {self.what} to standard output after {done} "
                              f"of {total} bytes: {reason}") from None
        self.written += done
        return total

    def flush(self) -> None:
        """Each ``write`` flushes already."""

    def as_stream(self) -> IO[bytes]:
        """This object where a binary stream is expected (``write_midi``, ``export_task``)."""
        return cast(IO[bytes], self)

    def write_text(self, text: str) -> None:
        self.write(text.encode("utf-8", "backslashreplace"))


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass
