"""The project's one Standard MIDI File encoder: events at absolute ticks -> bytes.

It writes exactly what mido's ``MidiFile.save`` writes for the same messages (the tests
compare the two byte for byte), only without building a message object per event:

- delta times as variable-length quantities (VLQ), at most 0x0FFFFFFF;
- running status as mido's ``write_track`` does it: a channel message whose status byte
  equals the previous channel message's omits it; every meta event resets it;
- meta events ``FF type VLQ(length) data``; text (track names) is encoded as UTF-8, so
  read files back with ``mido.MidiFile(..., charset="utf-8")`` (mido's default, latin-1,
  shows non-ASCII names as mojibake); a character UTF-8 cannot encode (a lone surrogate,
  which ``json.loads`` can produce from ``"\\ud800"``) is written as ``?``;
- time signatures with mido's defaults of 24 MIDI clocks per click and 8 32nd notes per
  quarter;
- one ``end_of_track`` at the end of every track.

The fast path for notes, ``TrackWriter.note_events``, takes events packed as ints by
``note_key``: ``tick << 15 | is_on << 14 | pitch << 7 | velocity``. Sorting these ints gives
the order a file needs: by tick, then note-offs before note-ons, then by pitch (and
velocity). Note-offs are written as note_on with velocity 0, so running status covers every
note event of a track.

This module imports only the standard library.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from itertools import islice

from .errors import InvalidRecordError

__all__ = [
    "MAX_DELTA",
    "NOTE_ON_FLAG",
    "NOTE_TICK_SHIFT",
    "TrackWriter",
    "file_bytes",
    "header_chunk",
    "note_key",
    "vlq",
]

MAX_DELTA = 0x0FFFFFFF
"""The largest delta time (in ticks) a variable-length quantity of 4 bytes can hold."""

NOTE_TICK_SHIFT = 15
"""Bits below the tick in a note key: is_on (1 bit), pitch (7 bits), velocity (7 bits)."""

NOTE_ON_FLAG = 1 << 14
"""The is_on bit of a note key."""

_LOW_14 = (1 << 14) - 1


def _encode_vlq(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.reverse()
    return bytes(out)


class _VlqTable(dict[int, bytes]):
    """Delta -> its VLQ bytes, kept once computed below 16384 (the 1- and 2-byte ones).

    Filled on demand rather than at import (16384 entries cost milliseconds a short
    conversion would notice); a larger delta is encoded each time, a bad one raises.
    """

    def __missing__(self, value: int) -> bytes:
        encoded = vlq(value)
        if value < 16384:
            self[value] = encoded
        return encoded


class _NoteData(dict[int, bytes]):
    """``pitch << 7 | velocity`` -> the two data bytes of a note_on, filled on demand."""

    def __missing__(self, value: int) -> bytes:
        data = bytes((value >> 7 & 0x7F, value & 0x7F))
        self[value] = data
        return data


_VLQ = _VlqTable()
_NOTE_DATA = _NoteData()


def vlq(value: int) -> bytes:
    """The variable-length quantity of a delta time (0 to ``MAX_DELTA``).

    A negative value raises ``ValueError`` (events out of order: a bug in the caller);
    a value above ``MAX_DELTA`` raises ``InvalidRecordError``: two events are further apart
    than a MIDI file can say at this resolution and tempo.
    """
    if value < 0:
        raise ValueError(f"delta time must be 0 or more, not {value}")
    if value > MAX_DELTA:
        raise InvalidRecordError(
            f"a gap of {value} ticks between two events is longer than a MIDI file can "
            f"hold ({MAX_DELTA} ticks); use a lower ppq or tempo"
        )
    return _encode_vlq(value)


def _check_channel(channel: int) -> int:
    if not 0 <= channel <= 15:
        raise ValueError(f"channel must be 0..15, not {channel}")
    return channel


def note_key(tick: int, pitch: int, velocity: int) -> int:
    """Pack a note event for ``TrackWriter.note_events``; velocity 0 is a note-off."""
    if velocity:
        return tick << NOTE_TICK_SHIFT | NOTE_ON_FLAG | pitch << 7 | velocity
    return tick << NOTE_TICK_SHIFT | pitch << 7


def header_chunk(fmt: int, ntracks: int, ppq: int) -> bytes:
    """The ``MThd`` chunk: format (0, 1 or 2), number of tracks, ticks per quarter note."""
    if fmt not in (0, 1, 2):
        raise ValueError(f"format must be 0, 1 or 2, not {fmt}")
    if not 0 <= ntracks <= 0xFFFF:
        raise ValueError(f"a MIDI file holds at most 65535 tracks, not {ntracks}")
    if not 1 <= ppq <= 0x7FFF:
        raise ValueError(f"ppq must be from 1 to 32767, not {ppq}")
    return b"MThd" + struct.pack(">LHHH", 6, fmt, ntracks, ppq)


def file_bytes(ppq: int, tracks: Iterable[bytes], fmt: int = 1) -> bytes:
    """A whole file: the header, then the ``MTrk`` chunks as ``TrackWriter`` made them."""
    chunks = list(tracks)
    return b"".join([header_chunk(fmt, len(chunks), ppq), *chunks])


class TrackWriter:
    """Builds one ``MTrk`` chunk from events at absolute, non-decreasing ticks.

    Each method takes the event's absolute tick; the writer turns it into a delta (an
    earlier tick than the previous event's raises ``ValueError``). ``end_of_track`` closes
    the track and returns the whole chunk.
    """

    __slots__ = ("_data", "_running", "_tick")

    def __init__(self) -> None:
        self._data = bytearray()
        self._tick = 0
        self._running = -1  # the status byte running status may omit; -1: none

    @property
    def tick(self) -> int:
        """The tick of the last event written."""
        return self._tick

    def _delta(self, tick: int) -> None:
        delta = tick - self._tick
        self._data += _VLQ[delta]
        self._tick = tick

    def meta(self, tick: int, meta_type: int, data: bytes) -> None:
        """A meta event ``FF meta_type length data``."""
        if not 0 <= meta_type <= 0x7F:
            raise ValueError(f"meta type must be 0..127, not {meta_type}")
        self._delta(tick)
        self._data += b"\xff" + bytes((meta_type,)) + _encode_vlq(len(data)) + data
        self._running = -1

    def text(self, tick: int, meta_type: int, text: str) -> None:
        """A text meta event (``0x01`` text ... ``0x07`` cue point), encoded as UTF-8."""
        self.meta(tick, meta_type, text.encode("utf-8", "replace"))

    def track_name(self, tick: int, name: str) -> None:
        """The track name meta event (``FF 03``), encoded as UTF-8."""
        self.meta(tick, 0x03, name.encode("utf-8", "replace"))

    def tempo(self, tick: int, tempo_us: int) -> None:
        """A set_tempo meta event (``FF 51 03``): microseconds per quarter note."""
        if not 0 <= tempo_us <= 0xFFFFFF:
            raise ValueError(f"tempo must be 0..16777215 microseconds, not {tempo_us}")
        self.meta(tick, 0x51, tempo_us.to_bytes(3, "big"))

    def time_signature(
        self,
        tick: int,
        numerator: int,
        denominator: int,
        clocks_per_click: int = 24,
        notated_32nd_notes_per_beat: int = 8,
    ) -> None:
        """A time_signature meta event (``FF 58 04``); ``denominator`` a power of two."""
        if denominator < 1 or denominator & (denominator - 1):
            raise ValueError(f"denominator must be a power of two, not {denominator}")
        data = bytes(
            (numerator, denominator.bit_length() - 1, clocks_per_click,
             notated_32nd_notes_per_beat)
        )
        self.meta(tick, 0x58, data)

    def channel_message(self, tick: int, status: int, *data: int) -> None:
        """A channel message: status 0x80..0xEF (type | channel), then its data bytes."""
        if not 0x80 <= status <= 0xEF:
            raise ValueError(f"channel message status must be 0x80..0xEF, not {status:#x}")
        if any(not 0 <= value <= 0x7F for value in data):
            raise ValueError(f"channel message data must be 0..127, not {data}")
        self._delta(tick)
        if status != self._running:
            self._data.append(status)
            self._running = status
        self._data += bytes(data)

    def program_change(self, tick: int, channel: int, program: int) -> None:
        """A program change on ``channel`` (0..15) to ``program`` (0..127)."""
        self.channel_message(tick, 0xC0 | _check_channel(channel), program)

    def note_on(self, tick: int, channel: int, pitch: int, velocity: int) -> None:
        """A note_on (velocity 0 means note-off, as in the MIDI standard)."""
        self.channel_message(tick, 0x90 | _check_channel(channel), pitch, velocity)

    def note_events(self, keys: list[int], channel: int) -> None:
        """The fast path: note events packed by ``note_key`` and already sorted.

        Written as note_on messages on ``channel`` (note-offs with velocity 0), so after
        the first one, running status omits every status byte.
        """
        status = 0x90 | _check_channel(channel)
        if not keys:
            return
        vlq_table = _VLQ
        note_data = _NOTE_DATA
        first = keys[0]
        self._delta(first >> NOTE_TICK_SHIFT)
        data = self._data
        if status != self._running:
            data.append(status)
            self._running = status
        data += note_data[first & _LOW_14]
        prev = self._tick
        for key in islice(keys, 1, None):
            tick = key >> 15
            data += vlq_table[tick - prev]
            data += note_data[key & 0x3FFF]
            prev = tick
        self._tick = prev

    def end_of_track(self, tick: int | None = None) -> bytes:
        """Close the track with end_of_track (at ``tick``, default the last event's tick).

        Returns the whole ``MTrk`` chunk. The writer must not be used afterwards.
        """
        self.meta(self._tick if tick is None else tick, 0x2F, b"")
        data = self._data
        return b"MTrk" + len(data).to_bytes(4, "big") + bytes(data)
