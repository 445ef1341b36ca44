"""One instrument's notes in ticks -> MIDI note events: velocity, zero-length notes, and the
same-pitch rules (a note cut where the next of its pitch starts; notes of one pitch on one
tick merged).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress, count
from operator import gt, le
from typing import NamedTuple

from ..errors import InvalidRecordError

__all__ = [
    "TrackNotes",
    "VelocityCache",
    "last_at_least_one_tick",
    "midi_velocity",
    "pitch_bytes",
    "same_pitch_rules",
]


def midi_velocity(velocity: float) -> int:
    """MIDI velocity of a 0..1 velocity: ``round(v * 127)`` clamped to 1..127.

    Never 0, which a note_on would turn into a note-off. Raises ``InvalidRecordError`` for a
    value that is not a finite number.
    """
    try:
        value = round(velocity * 127)
    except (ValueError, OverflowError, TypeError) as exc:
        raise InvalidRecordError(f"velocity {velocity!r} is not a finite number") from exc
    return 1 if value < 1 else 127 if value > 127 else value


class VelocityCache(dict[float, int]):
    """0..1 velocity -> MIDI velocity, computed once per distinct value (they are k/127)."""

    def __missing__(self, velocity: float) -> int:
        value = midi_velocity(velocity)
        self[velocity] = value
        return value

    def of(self, velocities: Sequence[float]) -> list[int]:
        """The MIDI velocities of a column of 0..1 velocities."""
        return list(map(self.__getitem__, velocities))


def pitch_bytes(pitches: list[int]) -> bytes:
    """The pitches as bytes (for ``note_keys.sorted_note_keys``), which checks them on the way:
    a pitch outside 0..127 raises ``InvalidRecordError``."""
    try:
        data = bytes(pitches)
    except (ValueError, TypeError):  # below 0, above 255, or not a whole number
        pass
    else:
        if data.isascii():
            return data
    raise InvalidRecordError("a pitch is outside 0..127")


def last_at_least_one_tick(starts: list[int], ends: list[int]) -> None:
    """Give every note that ends at or before its start tick an end one tick after it.

    In place; the scans are C code, the Python work only for the (few) notes it finds.
    """
    if all(map(gt, ends, starts)):
        return
    for i in compress(count(), map(le, ends, starts)):
        ends[i] = starts[i] + 1


_Columns = tuple[list[int], list[int], list[int], list[int]]


def _in_start_order(
    pitches: list[int], starts: list[int], ends: list[int], vels: list[int]
) -> _Columns:
    """The note columns sorted by start tick, then record order (a stable sort)."""
    order = sorted(range(len(starts)), key=starts.__getitem__)
    return (
        list(map(pitches.__getitem__, order)),
        list(map(starts.__getitem__, order)),
        list(map(ends.__getitem__, order)),
        list(map(vels.__getitem__, order)),
    )


class _Outcome:
    """What the same-pitch rules decided: new ends and velocities of the kept notes that
    were cut or took merged notes in, the notes merged away, and how many were cut.

    (A plain class: a dataclass would cost start-up time for nothing.)
    """

    __slots__ = ("cut", "ends", "merged_away", "vels")

    def __init__(self) -> None:
        self.ends: dict[int, int] = {}
        self.vels: dict[int, int] = {}
        self.merged_away: list[int] = []
        self.cut = 0

    def apply(self, ends: list[int], vels: list[int]) -> None:
        """Write the new ends and velocities into the columns (the merged-away notes stay:
        the caller drops their keys)."""
        for i, end in self.ends.items():
            ends[i] = end
        for i, vel in self.vels.items():
            vels[i] = vel


class TrackNotes(NamedTuple):
    """An instrument's notes once the same-pitch rules hold: pitches and MIDI velocities as
    bytes, start and end ticks, in start order; how many notes were cut and merged away."""

    pitches: bytes
    velocities: bytes
    starts: list[int]
    ends: list[int]
    cut: int
    merged: int


def same_pitch_rules(
    pitches: bytes, starts: list[int], ends: list[int], vels: list[int]
) -> TrackNotes:
    """Apply the same-pitch rules to one instrument's notes (ticks and MIDI velocities).

    Same-pitch notes, compared in ticks in order of start tick, then record order, never
    overlap: a note that starts while the previous one of its pitch still sounds cuts that
    one at its onset, and notes of one pitch starting on the same tick merge into one (the
    longer end, the louder velocity). The columns are sorted by start only when some pitch's
    notes come out of start order; ``ends`` and ``vels`` may be changed in place.
    """
    outcome = _decide(pitches, starts, ends, vels)
    if outcome is None:  # some pitch's notes are not in start order: put them in it
        ordered, starts, ends, vels = _in_start_order(list(pitches), starts, ends, vels)
        pitches = bytes(ordered)
        outcome = _decide(pitches, starts, ends, vels)
        assert outcome is not None  # in start order, the rules always apply
    outcome.apply(ends, vels)
    vel_bytes = bytes(vels)
    merged = len(outcome.merged_away)
    if merged:  # leave the merged-away notes out
        keep = bytearray(b"\x01") * len(pitches)
        for i in outcome.merged_away:
            keep[i] = 0
        pitches = bytes(compress(pitches, keep))
        vel_bytes = bytes(compress(vel_bytes, keep))
        starts, ends = list(compress(starts, keep)), list(compress(ends, keep))
    return TrackNotes(pitches, vel_bytes, starts, ends, outcome.cut, merged)


def _decide(
    pitches: Sequence[int], starts: Sequence[int], ends: Sequence[int], vels: Sequence[int]
) -> _Outcome | None:
    """Cut and merge same-pitch notes; None when some pitch's notes are out of start order.

    The rules take each pitch's notes by start tick, then record order. Records usually
    list each pitch's notes in that order already, so one pass in record order does: each
    note is compared with the note of its pitch kept so far. Starting at or after that
    note's end, it becomes the kept note (most notes: two list lookups); starting on that
    note's tick, it merges into it (the longer end, the louder velocity); starting between,
    it cuts that note at its onset; starting before it, the order is broken and the caller
    sorts the notes. Nothing is changed here, so that a broken order costs nothing to undo.
    """
    kept = [0] * 128  # per pitch: the index of the note kept so far
    until = [-1] * 128  # per pitch: the tick that note sounds until (-1: none yet)
    outcome = _Outcome()
    new_ends, new_vels, merged_away = outcome.ends, outcome.vels, outcome.merged_away
    for i, pitch, start, end in zip(count(), pitches, starts, ends):
        if start >= until[pitch]:
            kept[pitch] = i
            until[pitch] = end
            continue
        k = kept[pitch]
        if start > starts[k]:  # starts while the kept note sounds: cut that one here
            outcome.cut += 1
            new_ends[k] = start
            kept[pitch] = i
            until[pitch] = end
        elif start == starts[k]:  # the same pitch on the same tick: one note
            merged_away.append(i)
            if end > until[pitch]:
                until[pitch] = new_ends[k] = end
            if vels[i] > new_vels.get(k, vels[k]):
                new_vels[k] = vels[i]
        else:
            return None
    return outcome
