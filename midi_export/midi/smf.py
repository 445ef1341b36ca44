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
  quarter (a metronome click per quarter note, a quarter of eight 32nds: what DAWs assume);
- key signatures (``FF 59 02 sf mi``: sharps as a signed byte, 1 for minor), which the
  converter writes in the conductor only when a key is asked for (``key``);
- MIDI port events (``FF 21 01 pp``), which the converter writes only when tracks share a
  channel (see ``channels``);
- one ``end_of_track`` at the end of every track.

The fast path for notes, ``TrackWriter.note_events``, takes events packed as ints by
``note_keys`` (``tick << 32 | is_on << 16 | pitch << 8 | velocity``), already sorted.
Note-offs are written as note_on with velocity 0, so running status covers every note event
of a track. Every field is whole bytes of a 64-bit word so that keys are encoded
(``_encode_notes``) by the C code of ``bytes``, ``bytearray`` and ``int`` rather than by a
Python loop per note.

This module imports only the standard library.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Iterable, Sequence
from itertools import chain, compress, count
from operator import sub

from ..errors import InvalidRecordError
from .note_keys import NOTE_PITCH_SHIFT, NOTE_TICK_SHIFT, WORDS_AS_EXPECTED

__all__ = [
    "MAX_DELTA",
    "TrackWriter",
    "file_bytes",
    "header_chunk",
    "vlq",
]

MAX_DELTA = 0x0FFFFFFF
"""The largest delta time (in ticks) a variable-length quantity of 4 bytes can hold."""


_SHORT_DELTA_LIMIT = 1 << 14  # deltas below it have a VLQ of 1 or 2 bytes
_FILLER = b"\x80"  # stands for "no high VLQ byte": 0x80 is never a 2-byte VLQ's first byte
_WITH_CONTINUATION_BIT = bytes(b | 0x80 for b in range(256))
_HALVED = bytes(b >> 1 for b in range(256))
_LOW_7_BITS = bytes(b & 0x7F for b in range(256))  # a data byte, as the loop masks it
_BELOW_64 = bytes(range(64))


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


_VLQ = _VlqTable()


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

    def key_signature(self, tick: int, sharps: int, minor: bool) -> None:
        """A key_signature meta event (``FF 59 02 sf mi``): ``sharps`` -7..7 (negative for
        flats, as a signed byte) and 1 for a minor key, 0 for a major one."""
        if not -7 <= sharps <= 7:
            raise ValueError(f"a key signature has -7..7 sharps, not {sharps}")
        self.meta(tick, 0x59, bytes((sharps & 0xFF, 1 if minor else 0)))

    def midi_port(self, tick: int, port: int) -> None:
        """A MIDI port meta event (``FF 21 01 pp``): the port (0..127) of the track's
        channel messages, for readers that offer more than 16 channels."""
        if not 0 <= port <= 0x7F:
            raise ValueError(f"port must be 0..127, not {port}")
        self.meta(tick, 0x21, bytes((port,)))

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

    def note_events(self, keys: Sequence[int], channel: int) -> None:
        """The fast path: note events packed by ``note_key`` and already sorted.

        Written as note_on messages on ``channel`` (note-offs with velocity 0), so after
        the first one, running status omits every status byte.
        """
        status = 0x90 | _check_channel(channel)
        if not keys:
            return
        encoded = _encode_notes(keys, self._tick)
        data = self._data
        if status == self._running:
            data += encoded
        else:  # the status byte goes between the first event's delta and its data
            first_delta = (keys[0] >> NOTE_TICK_SHIFT) - self._tick
            cut = len(_VLQ[first_delta])
            data += encoded[:cut]
            data.append(status)
            data += encoded[cut:]
            self._running = status
        self._tick = keys[-1] >> NOTE_TICK_SHIFT

    def end_of_track(self, tick: int | None = None) -> bytes:
        """Close the track with end_of_track (at ``tick``, default the last event's tick).

        Returns the whole ``MTrk`` chunk. The writer must not be used afterwards.
        """
        self.meta(self._tick if tick is None else tick, 0x2F, b"")
        data = self._data
        return b"MTrk" + len(data).to_bytes(4, "big") + bytes(data)


def _encode_notes(keys: Sequence[int], tick: int) -> bytes | bytearray:
    """The events of sorted note keys, each ``VLQ(delta) pitch velocity``, the first delta
    counted from ``tick``; no status bytes.

    The keys go into an array of 64-bit words, whose memory gives every tick, pitch and
    velocity without a Python operation per event; keys an array cannot hold (a tick from
    2**32 on, or negative) take the plain loop.
    """
    if not WORDS_AS_EXPECTED:
        return _encode_notes_one_by_one(keys, tick)
    try:
        packed = keys if isinstance(keys, array) and keys.typecode == "Q" else array("Q", keys)
    except (OverflowError, TypeError):  # let the plain loop say what is wrong, if anything
        return _encode_notes_one_by_one(keys, tick)
    words = memoryview(packed).cast("B")
    lanes = _doubled_deltas(words, tick)
    if lanes is None:  # some delta needs 3 or 4 bytes, or the keys are out of order
        return _encode_with_long_deltas(words, tick)
    return _encode_short_deltas(lanes, words)


def _doubled_deltas(words: memoryview, tick: int) -> bytes | None:
    """Twice each event's delta as 32-bit little-endian lanes, when every delta is 0..16383
    and every tick below 2**31; else None (also for keys out of order).

    The ticks, lane by lane, make one big integer; the same shifted by one lane (the tick
    before each) another; one subtraction of the two gives every lane's difference at once,
    since no lane borrows from the next while the ticks never go down. A lane that does
    borrow holds 2**32 minus less than 2**31 (ticks are below 2**31), far from short.
    """
    ticks = words.cast("I")[1::2].tobytes()
    if not (0 <= tick < 1 << 31 and ticks[3::4].isascii()):
        return None
    before = tick.to_bytes(4, "little") + ticks[:-4]
    difference = int.from_bytes(ticks, "little") - int.from_bytes(before, "little")
    if difference < 0:
        return None
    lanes = difference.to_bytes(len(ticks), "little")
    short = (
        not lanes[1::4].translate(None, _BELOW_64)  # below 16384 ...
        and lanes[2::4].count(0) == lanes[3::4].count(0) == len(lanes) // 4  # ... really
    )
    if not short:
        return None
    return (difference << 1).to_bytes(len(ticks), "little")  # no lane carries: all short


def _encode_short_deltas(lanes: bytes, words: memoryview) -> bytearray:
    """Events whose deltas are all 0..16383 (VLQs of 1 or 2 bytes): ``lanes`` holds twice
    each delta as a 32-bit little-endian number, ``words`` each key as a 64-bit one.

    Twice a delta ``d`` has the bytes ``(d & 0x7F) << 1`` and ``d >> 7``: the low byte of
    the VLQ, shifted, and its high byte without the continuation bit. Each event is written
    as 4 bytes, the high byte (0x80 where the VLQ has none), the low byte, the pitch and the
    velocity, then the 0x80s are deleted.
    """
    out = bytearray(len(lanes))
    out[0::4] = lanes[1::4].translate(_WITH_CONTINUATION_BIT)
    out[1::4] = lanes[0::4].translate(_HALVED)
    out[2::4] = bytes(words[1::8]).translate(_LOW_7_BITS)  # pitch
    out[3::4] = bytes(words[0::8]).translate(_LOW_7_BITS)  # velocity
    return out.translate(None, _FILLER)


def _encode_with_long_deltas(words: memoryview, tick: int) -> bytes:
    """Events with some deltas of 3- or 4-byte VLQs (long silences): the runs between them
    in one go each, those events one by one (``vlq`` raises for a gap too long for a file,
    and for a negative one: keys out of order)."""
    ticks = words.cast("I")[1::2].tolist()
    deltas = list(map(sub, ticks, chain((tick,), ticks)))
    del ticks
    pieces: list[bytes | bytearray] = []
    start = 0
    for i in compress(count(), map(_is_long, deltas)):
        pieces.append(_encode_short_deltas(_doubled(deltas[start:i]), words[8 * start : 8 * i]))
        data = bytes((words[8 * i + 1] & 0x7F, words[8 * i] & 0x7F))
        pieces.append(vlq(deltas[i]) + data)
        start = i + 1
    pieces.append(_encode_short_deltas(_doubled(deltas[start:]), words[8 * start :]))
    return b"".join(pieces)


def _is_long(delta: int) -> bool:
    return not 0 <= delta < _SHORT_DELTA_LIMIT


def _doubled(short_deltas: list[int]) -> bytes:
    """Twice each delta (all 0..16383) as 32-bit little-endian lanes."""
    lanes = array("I", short_deltas).tobytes()
    return (int.from_bytes(lanes, "little") << 1).to_bytes(len(lanes), "little")


def _encode_notes_one_by_one(keys: Iterable[int], tick: int) -> bytes:
    """``_encode_notes`` for keys an array cannot hold (ticks from 2**32 on, or negative)."""
    out = bytearray()
    for key in keys:
        next_tick = key >> NOTE_TICK_SHIFT
        out += _VLQ[next_tick - tick]
        out += bytes((key >> NOTE_PITCH_SHIFT & 0x7F, key & 0x7F))
        tick = next_tick
    return bytes(out)
