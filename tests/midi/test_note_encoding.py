"""smf's columnar note path (``sorted_note_keys``, ``TrackWriter.note_events``) against plain
references, at the edges of its shortcuts: VLQ lengths (1, 2, 3, 4 bytes), ticks near 2**31
and 2**32 (where the array-based path hands over to the plain loop), long silences between
runs of short deltas, keys out of order, and gaps too long for a file."""

from __future__ import annotations

import io
from array import array

import mido
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from midi_export.errors import InvalidRecordError
from midi_export.midi import note_keys, smf


def plain_track(keys: list[int], channel: int) -> bytes:
    """The track ``note_events`` must write, one event at a time, with mido's VLQ."""
    from mido.midifiles.meta import encode_variable_int

    body = bytearray()
    tick = 0
    for n, key in enumerate(keys):
        event_tick = key >> note_keys.NOTE_TICK_SHIFT
        body += bytes(encode_variable_int(event_tick - tick))
        if n == 0:
            body.append(0x90 | channel)
        body += bytes(((key >> note_keys.NOTE_PITCH_SHIFT) & 0x7F, key & 0x7F))
        tick = event_tick
    body += b"\x00\xff\x2f\x00"
    return b"MTrk" + len(body).to_bytes(4, "big") + bytes(body)


def climb_to(tick: int) -> list[int]:
    """Ticks from 0 up to below ``tick`` in steps a file can hold, so ``tick`` can follow."""
    return list(range(smf.MAX_DELTA, tick, smf.MAX_DELTA))


def written(keys: list[int], channel: int = 0) -> bytes:
    writer = smf.TrackWriter()
    writer.note_events(keys, channel)
    return writer.end_of_track()


# deltas around every VLQ length boundary
_DELTAS = st.one_of(
    st.sampled_from([0, 1, 127, 128, 129, 16383, 16384, 16385, 2097151, 2097152]),
    st.integers(0, 300),
    st.integers(0, smf.MAX_DELTA),
)


@settings(max_examples=300, deadline=None)
@given(
    first=st.one_of(st.integers(0, 1000), st.sampled_from([2**31 - 5, 2**32 - 300])),
    deltas=st.lists(_DELTAS, min_size=1, max_size=60),
    notes=st.lists(st.tuples(st.integers(0, 127), st.integers(0, 127)), min_size=60,
                   max_size=60),
    channel=st.integers(0, 15),
)
def test_note_events_write_what_a_plain_loop_writes(
    first: int, deltas: list[int], notes: list[tuple[int, int]], channel: int
) -> None:
    keys = [note_keys.note_key(t, 60, 1) for t in [*climb_to(first), first]]
    tick = first
    for delta, (pitch, velocity) in zip(deltas, notes, strict=False):
        tick += delta
        keys.append(note_keys.note_key(tick, pitch, velocity))
    assert written(keys, channel) == plain_track(keys, channel)


@settings(max_examples=60, deadline=None)
@given(
    deltas=st.lists(_DELTAS, min_size=1, max_size=40),
    notes=st.lists(st.tuples(st.integers(0, 127), st.integers(0, 127)), min_size=40,
                   max_size=40),
)
def test_note_events_bytes_are_mido_bytes(
    deltas: list[int], notes: list[tuple[int, int]]
) -> None:
    tick, keys, messages = 0, [], []
    for delta, (pitch, velocity) in zip(deltas, notes, strict=False):
        tick += delta
        keys.append(note_keys.note_key(tick, pitch, velocity))
        messages.append(mido.Message("note_on", channel=3, note=pitch, velocity=velocity,
                                     time=delta))
    midi = mido.MidiFile(ticks_per_beat=480)
    midi.tracks.append(mido.MidiTrack(messages))
    saved = io.BytesIO()
    midi.save(file=saved)
    assert smf.file_bytes(480, [written(keys, 3)]) == saved.getvalue()


@pytest.mark.parametrize(
    "ticks",
    [
        [2**31 - 10, 2**31 - 1],  # the last ticks of the big-integer deltas
        [2**31 - 1, 2**31 + 5, 2**31 + 5],  # over 2**31: plain deltas
        [2**32 - 2, 2**32 - 1],  # the last ticks an array word holds
        [2**32 - 1, 2**32 + 10, 2**32 + 200],  # beyond: the plain loop
        [5, 16389, 16389, 16400],  # a long silence between short deltas
        [5, 5 + 16383, 5 + 16383 + 16384, 2**21 + 2**22],  # just short, just long, 4 bytes
    ],
)
def test_shortcut_boundaries(ticks: list[int]) -> None:
    keys = [note_keys.note_key(t, 60, 100) for t in [*climb_to(ticks[0]), *ticks]]
    assert written(keys) == plain_track(keys, 0)


def test_a_gap_too_long_names_the_first_one() -> None:
    ticks = (5, 10, 10 + smf.MAX_DELTA + 1, 20 + 3 * smf.MAX_DELTA)
    with pytest.raises(InvalidRecordError, match=f"a gap of {smf.MAX_DELTA + 1} ticks"):
        written([note_keys.note_key(t, 60, 0) for t in ticks])


@pytest.mark.parametrize(
    "ticks", [[10, 9], [0, 100, 50, 200], [2**31 - 5, 2**31 - 6], [2**31 + 10, 2**31],
              [2**32 - 1, 2**32 - 100], [2**32 + 10, 2**32 + 5]]
)
def test_keys_out_of_order_are_a_bug(ticks: list[int]) -> None:
    keys = [note_keys.note_key(t, 60, 0) for t in [*climb_to(ticks[0]), *ticks]]
    with pytest.raises(ValueError, match="0 or more"):
        written(keys)


def test_keys_before_the_writers_tick_are_a_bug() -> None:
    writer = smf.TrackWriter()
    writer.note_on(100, 0, 60, 1)
    with pytest.raises(ValueError, match="0 or more"):
        writer.note_events([note_keys.note_key(50, 60, 0)], 0)


# Ticks in every range sorted_note_keys treats differently: sorted as doubles (below
# 0x7F000000), as 64-bit ints (from there on, where a key's bits would read as a NaN or an
# infinity), and as plain ints (from 2**32 on).
_ANY_RANGE_TICK = st.one_of(st.integers(0, 10_000), st.integers(0x7EFF_FF00, 0x7F00_0100),
                            st.integers(0x7F00_0000, 2**32 - 1), st.integers(0, 2**33))


@settings(max_examples=300, deadline=None)
@given(
    notes=st.lists(
        st.tuples(st.integers(0, 127), st.integers(1, 127), _ANY_RANGE_TICK, _ANY_RANGE_TICK),
        max_size=60,
    )
)
def test_sorted_note_keys_are_each_note_key_sorted(notes: list[tuple[int, int, int, int]]) -> None:
    pitches = bytes(p for p, _, _, _ in notes)
    velocities = bytes(v for _, v, _, _ in notes)
    starts = [s for _, _, s, _ in notes]
    ends = [e for _, _, _, e in notes]
    keys = note_keys.sorted_note_keys(pitches, velocities, starts, ends)
    assert list(keys) == each_note_key_sorted(pitches, velocities, starts, ends)


def each_note_key_sorted(pitches: bytes, velocities: bytes, starts: list[int],
                         ends: list[int]) -> list[int]:
    """The reference: ``note_key`` of each note-on and note-off, sorted as ints."""
    keys = [
        note_keys.note_key(s, p, v) for p, v, s in zip(pitches, velocities, starts, strict=True)
    ]
    keys += [note_keys.note_key(e, p, 0) for p, e in zip(pitches, ends, strict=True)]
    return sorted(keys)


def test_sorted_note_keys_sort_as_doubles_by_bits() -> None:
    # Keys whose doubles are subnormal (tick 0), tiny and huge, with on/off and pitch bits
    # in play: the bit order is the order.
    starts = [0, 0, 1, 2**20, 2**30, 0x7EFF_FFFF, 5, 5]
    ends = [1, 0, 3, 2**20 + 1, 2**30, 0x7EFF_FFFF, 5, 6]
    pitches = bytes([60, 61, 0, 127, 64, 1, 60, 59])
    velocities = bytes([1, 127, 64, 2, 3, 4, 5, 6])
    keys = note_keys.sorted_note_keys(pitches, velocities, starts, ends)
    assert isinstance(keys, array) and keys.typecode == "Q"
    assert list(keys) == each_note_key_sorted(pitches, velocities, starts, ends)
