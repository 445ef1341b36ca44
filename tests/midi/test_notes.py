"""The same-pitch rules (``midi.notes.same_pitch_rules``: one pass in record order, a sort
only when some pitch's notes come out of start order) against a plain, obviously correct
reference: every note, sorted by (pitch, start tick, index), taken one after another."""

from __future__ import annotations

import io
from typing import NamedTuple

import mido
from hypothesis import example, given, settings
from hypothesis import strategies as st

from midi_export.midi import note_keys
from midi_export.midi.convert import convert
from midi_export.midi.notes import (
    VelocityCache,
    last_at_least_one_tick,
    midi_velocity,
    pitch_bytes,
    same_pitch_rules,
)
from midi_export.midi.tempo_map import TempoMap
from midi_export.record import Instrument, Note, Record, RecordStatus

# one tick per second, so that a note's times in seconds are its ticks
ONE_TICK_PER_SECOND = TempoMap(1, ((0, 1_000_000),))


class Kept(NamedTuple):
    pitch: int
    start: int
    end: int
    velocity: int


def reference(notes: list[Note]) -> tuple[list[Kept], int, int]:
    """The notes a file must hold, and (cut, merged), by the rules of issue 2 taken literally.

    Every note lasts at least one tick. Within one pitch, by start tick then record order:
    a note starting on the kept note's tick merges into it (the longer end, the louder
    velocity); one starting before the kept note ends cuts it at its onset.
    """
    items = []
    for index, (pitch, start, end, velocity) in enumerate(notes):
        start_tick, end_tick = round(start), round(end)
        if end_tick <= start_tick:
            end_tick = start_tick + 1
        items.append((pitch, start_tick, index, end_tick, midi_velocity(velocity)))
    items.sort()  # by pitch, start tick, index
    kept: list[Kept] = []
    cut = merged = 0
    for pitch, start, _, end, velocity in items:
        last = kept[-1] if kept else None
        if last is not None and last.pitch == pitch and start < last.end:
            if start == last.start:
                merged += 1
                kept[-1] = last._replace(
                    end=max(last.end, end), velocity=max(last.velocity, velocity)
                )
                continue
            cut += 1
            kept[-1] = last._replace(end=start)
        kept.append(Kept(pitch, start, end, velocity))
    return kept, cut, merged


def expected_keys(kept: list[Kept]) -> list[int]:
    keys = [note_keys.note_key(n.start, n.pitch, n.velocity) for n in kept]
    keys += [note_keys.note_key(n.end, n.pitch, 0) for n in kept]
    return sorted(keys)


@st.composite
def overlapping_notes(draw: st.DrawFn) -> list[Note]:
    """Notes on one to four pitches over 40 ticks: same-tick duplicates (merges), notes
    inside longer ones (cuts), chains of both, zero-length notes; in record order, in start
    order, or in start order on each pitch only."""
    pitches = draw(st.sampled_from([(60,), (60, 61), (40, 41, 42, 43)]))
    notes = []
    for _ in range(draw(st.integers(1, 80))):
        start = draw(st.integers(0, 40))
        length = draw(st.sampled_from([0, 0, 1, 2, 3, 5, 8, 20, 60]))
        notes.append(
            Note(
                draw(st.sampled_from(pitches)),
                float(start),
                float(start + length),
                draw(st.integers(0, 127)) / 127,
            )
        )
    order = draw(st.sampled_from(["record", "start", "start per pitch"]))
    if order == "start":
        notes.sort(key=lambda n: n.start)  # stable: the record's order within a tick
    elif order == "start per pitch":
        # each pitch's notes in start order, the pitches one after another
        notes.sort(key=lambda n: (n.pitch, n.start))
    return notes


CHAINS = [
    # a merge that lengthens the kept note, then a note inside the merged one: a cut
    [Note(60, 0.0, 2.0, 0.5), Note(60, 0.0, 10.0, 0.2), Note(60, 5.0, 6.0, 1.0)],
    # a merge whose note is shorter: the kept end stays, and still gets cut
    [Note(60, 0.0, 10.0, 0.5), Note(60, 0.0, 2.0, 0.9), Note(60, 5.0, 6.0, 1.0)],
    # merges and cuts in a chain, given backwards
    [Note(60, 6.0, 7.0, 0.1), Note(60, 4.0, 9.0, 0.3), Note(60, 4.0, 5.0, 0.4),
     Note(60, 2.0, 8.0, 0.6), Note(60, 0.0, 3.0, 0.7), Note(60, 0.0, 0.0, 0.8)],
    # zero-length notes on one tick: they merge into one note of one tick
    [Note(61, 3.0, 3.0, 0.0), Note(61, 3.0, 3.0, 1.0), Note(61, 3.0, 2.0, 0.5)],
]


def fast(notes: list[Note]) -> tuple[list[int], int, int]:
    """The converter's stages for one instrument, up to the sorted note keys."""
    ins = Instrument("Piano", notes)
    starts = ONE_TICK_PER_SECOND.to_ticks(ins.starts)
    ends = ONE_TICK_PER_SECOND.to_ticks(ins.ends)
    last_at_least_one_tick(starts, ends)
    velocities = VelocityCache().of(ins.velocities)
    out = same_pitch_rules(pitch_bytes(ins.pitches), starts, ends, velocities)
    events = note_keys.sorted_note_keys(out.pitches, out.velocities, out.starts, out.ends)
    return list(events), out.cut, out.merged


@settings(max_examples=400, deadline=None)
@given(notes=overlapping_notes())
@example(notes=CHAINS[0])
@example(notes=CHAINS[1])
@example(notes=CHAINS[2])
@example(notes=CHAINS[3])
def test_cut_and_merge_match_the_plain_reference(notes: list[Note]) -> None:
    kept, cut, merged = reference(notes)
    assert fast(notes) == (expected_keys(kept), cut, merged)


def test_the_chains_are_what_the_rules_say() -> None:
    # the reference itself, checked by hand on the chains above
    assert reference(CHAINS[0]) == ([Kept(60, 0, 5, 64), Kept(60, 5, 6, 127)], 1, 1)
    assert reference(CHAINS[1]) == ([Kept(60, 0, 5, 114), Kept(60, 5, 6, 127)], 1, 1)
    assert reference(CHAINS[2]) == (
        [Kept(60, 0, 2, 102), Kept(60, 2, 4, 76), Kept(60, 4, 6, 51), Kept(60, 6, 7, 13)],
        3,
        2,
    )
    assert reference(CHAINS[3]) == ([Kept(61, 3, 4, 127)], 0, 2)


@settings(max_examples=60, deadline=None)
@given(notes=overlapping_notes(), channel_notes=overlapping_notes())
def test_the_file_holds_the_reference_notes(
    notes: list[Note], channel_notes: list[Note]
) -> None:
    # the whole way: convert, write, read back with mido; two instruments, two tracks
    record = Record(
        task_id="t",
        status=RecordStatus.SUCCESS,
        instruments=[Instrument("Piano", notes), Instrument("Flute", channel_notes)],
    )
    conversion = convert(record, tempo_map=ONE_TICK_PER_SECOND)
    midi = mido.MidiFile(file=io.BytesIO(conversion.to_bytes()))
    for track, source in zip(midi.tracks[1:], (notes, channel_notes), strict=True):
        kept, _, _ = reference(source)
        tick, heard = 0, []
        for message in track:
            tick += message.time
            if message.type == "note_on":
                heard.append((tick, message.note, message.velocity))
        expected = [(n.start, n.pitch, n.velocity) for n in kept]
        expected += [(n.end, n.pitch, 0) for n in kept]
        assert sorted(heard) == sorted(expected)
