"""Size and span limits, checked from the notes' columns before anything is allocated.

A 2.5 KB record (41 drum notes, the last at 250,000 s) made ``--bpm auto`` allocate 2.8 GB
and run 30 s; with ``--ppq 24`` and a note at 4e6 s it asked for 3 GB in one array
(MemoryError, exit 1); a note ending at 1e308 overflowed ``int()`` in the estimator; 70,000
instruments ran a minute before "at most 65535 tracks" came out as exit 1. The cost of each
is known up front:

- the tempo estimator's onset envelope has ``(last onset - first onset) * 100 + 8`` frames
  (100 per second) and its FFT twice that, so its memory grows with the span, not with the
  notes: about 12 KB per second (74 MB at 1 h, 116 MB at 2 h, 1.4 GB at 24 h).
  ``AUTO_MAX_SPAN_SECONDS`` = 2 h keeps it near 120 MB and 1 s; past it ``--bpm auto``
  falls back to the fixed tempo with a warning (``midi.tempo_choice``), and
  ``estimate_tempo`` itself refuses (``check_auto_span``);
- the converter's memory is per note, so a fixed tempo may span more, but a note time must
  give a tick a reader can use: ``MAX_NOTE_SECONDS`` = 24 h (a day of audio; the API
  analyses songs of minutes); 1e308 is finite, but no tick;
- a Standard MIDI File counts its tracks in 16 bits: 65,535 with the conductor, so at most
  ``MAX_INSTRUMENT_TRACKS`` = 65,534 instruments with notes, counted before any name is
  matched.

Each refusal is one ``InvalidRecordError`` line (exit 7) saying what was found and the
limit. The columns are read with ``max``/``min`` (C loops, no copies).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from ..errors import InvalidRecordError

__all__ = [
    "AUTO_MAX_SPAN_SECONDS",
    "FRAMES_PER_SECOND",
    "MAX_INSTRUMENT_TRACKS",
    "MAX_NOTE_SECONDS",
    "OnsetSpan",
    "check_auto_span",
    "check_convertible",
    "clock",
    "onset_span",
]

FRAMES_PER_SECOND = 100
AUTO_MAX_SPAN_SECONDS = 2 * 3600.0
MAX_NOTE_SECONDS = 24 * 3600.0
MAX_INSTRUMENT_TRACKS = 0xFFFF - 1


class OnsetSpan(NamedTuple):
    """The first and the last note start of some instruments, in seconds."""

    first: float
    last: float

    @property
    def seconds(self) -> float:
        return max(0.0, self.last - self.first)


def clock(seconds: float) -> str:
    """``13:53:20`` (or ``1e+308 s`` for what no clock shows)."""
    if not math.isfinite(seconds) or seconds > 1e9:
        return f"{seconds:.3g} s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def check_convertible(instruments: Sequence[Any]) -> None:
    """``InvalidRecordError`` when the notes cannot make a file: more instruments with notes
    than a file has tracks, or a note ending past ``MAX_NOTE_SECONDS``."""
    with_notes = sum(1 for ins in instruments if ins.ends)
    if with_notes > MAX_INSTRUMENT_TRACKS:
        raise InvalidRecordError(
            f"the record has {with_notes:,} instruments with notes; a MIDI file holds at "
            f"most {MAX_INSTRUMENT_TRACKS:,} besides its conductor track",
            where="instruments",
        )
    for index, ins in enumerate(instruments):
        if not ins.ends:
            continue
        last = max(ins.ends)
        if last > MAX_NOTE_SECONDS:
            where = f"instruments[{index}].notes[{ins.ends.index(last)}]"
            raise InvalidRecordError(
                f"a note ends at {last:.6g} s ({where}), past the "
                f"{MAX_NOTE_SECONDS / 3600:g}-hour limit of a converted record: the record "
                "is broken there",
                where=where,
            )


def onset_span(instruments: Sequence[Any]) -> OnsetSpan:
    """The first and last start of every note of ``instruments`` (0, 0 when none)."""
    starts = [ins.starts for ins in instruments if ins.starts]
    if not starts:
        return OnsetSpan(0.0, 0.0)
    return OnsetSpan(min(min(s) for s in starts), max(max(s) for s in starts))


def check_auto_span(span: OnsetSpan) -> None:
    """``InvalidRecordError`` when the estimator would analyse more than
    ``AUTO_MAX_SPAN_SECONDS`` of onsets (its memory grows with the span)."""
    if span.seconds > AUTO_MAX_SPAN_SECONDS:
        raise InvalidRecordError(
            f"the tempo estimate analyses at most {clock(AUTO_MAX_SPAN_SECONDS)} of notes "
            f"({FRAMES_PER_SECOND} frames/s); these span {clock(span.seconds)} (from "
            f"{span.first:g} s to {span.last:g} s)",
            where="instruments",
        )
