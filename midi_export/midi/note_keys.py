"""Note events packed as 64-bit keys whose sort order is the order a MIDI file needs.

``note_key(tick, pitch, velocity)`` is ``tick << 32 | is_on << 16 | pitch << 8 | velocity``:
sorting keys sorts by tick, then note-offs before note-ons, then by pitch (and velocity).
``sorted_note_keys`` builds and sorts them for columns of notes with the C code of ``array``
and ``bytes`` rather than a Python loop per note; ``smf.TrackWriter.note_events`` encodes them.

This module imports only the standard library.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Sequence
from itertools import repeat

__all__ = [
    "NOTE_ON_FLAG",
    "NOTE_PITCH_SHIFT",
    "NOTE_TICK_SHIFT",
    "WORDS_AS_EXPECTED",
    "note_key",
    "sorted_note_keys",
]

NOTE_TICK_SHIFT = 32
"""Bits below the tick in a note key: is_on (bit 16), pitch (bits 8-14), velocity (0-6)."""

NOTE_ON_FLAG = 1 << 16
"""The is_on bit of a note key."""

NOTE_PITCH_SHIFT = 8
"""Bits below the pitch in a note key (the velocity's byte)."""

# ``_key_words`` (and ``smf``'s encoder) see keys as 64-bit little-endian words: the tick is
# the upper 32-bit half, the on flag byte 2, the pitch byte 1 and the velocity byte 0.
# Elsewhere (no such machine runs CPython today) the plain int operations run.
WORDS_AS_EXPECTED = sys.byteorder == "little" and struct.calcsize("I") == 4
_BELOW_0x7F = bytes(range(0x7F))


def note_key(tick: int, pitch: int, velocity: int) -> int:
    """Pack a note event for ``TrackWriter.note_events``; velocity 0 is a note-off."""
    if velocity:
        return tick << NOTE_TICK_SHIFT | NOTE_ON_FLAG | pitch << NOTE_PITCH_SHIFT | velocity
    return tick << NOTE_TICK_SHIFT | pitch << NOTE_PITCH_SHIFT


def sorted_note_keys(
    pitches: bytes, velocities: bytes, starts: Sequence[int], ends: Sequence[int]
) -> Sequence[int]:
    """The ``note_key`` of every note's note-on and note-off, in order, ready for
    ``TrackWriter.note_events`` (an ``array("Q")``, or a list for ticks from 2**32 on).

    Notes as columns: ``pitches`` and ``velocities`` (1..127) as bytes, ticks as ints. The
    keys' bytes are laid out in a buffer column by column (``_key_words``), so no Python
    operation runs per key. They are then sorted as doubles: a non-negative double that is
    not a NaN orders exactly like its 64 bits read as an unsigned integer, and CPython sorts
    a list of floats (one C comparison each) about three times as fast as a list of 64-bit
    ints. A key's top bits would read as a NaN or an infinity only from tick 0x7F000000 on
    (sign and exponent are the tick's top 12 bits); such keys are sorted as ints.
    """
    words = _key_words(pitches, velocities, starts, ends)
    if words is None:
        return sorted(_note_keys_by_arithmetic(pitches, velocities, starts, ends))
    if words[7::8].translate(None, _BELOW_0x7F):  # a tick from 0x7F000000 on
        return array("Q", sorted(memoryview(words).cast("Q").tolist()))
    doubles = memoryview(words).cast("d").tolist()
    doubles.sort()
    keys = array("Q")
    keys.frombytes(memoryview(array("d", doubles)).cast("B"))
    return keys


def _key_words(
    pitches: bytes, velocities: bytes, starts: Sequence[int], ends: Sequence[int]
) -> bytearray | None:
    """The note keys as 64-bit little-endian words in one buffer, note-ons then note-offs;
    None where ticks do not fit 32 bits (or words are not laid out so)."""
    if not WORDS_AS_EXPECTED:
        return None
    try:
        start_ticks, end_ticks = array("I", starts), array("I", ends)
    except OverflowError:  # a tick from 2**32 on
        return None
    count_ = len(starts)
    middle = 8 * count_  # the note-ons' words, then the note-offs'
    words = bytearray(2 * middle)
    words[0:middle:8] = velocities
    words[1::8] = pitches * 2
    words[2:middle:8] = b"\x01" * count_  # the on flag
    halves = memoryview(words).cast("I")
    halves[1 : 2 * count_ : 2] = start_ticks
    halves[2 * count_ + 1 :: 2] = end_ticks
    return words


def _note_keys_by_arithmetic(
    pitches: bytes, velocities: bytes, starts: Sequence[int], ends: Sequence[int]
) -> list[int]:
    """The keys one at a time, for ticks a 32-bit word cannot hold."""
    keys = list(map(note_key, starts, pitches, velocities))
    keys += map(note_key, ends, pitches, repeat(0))
    return keys
