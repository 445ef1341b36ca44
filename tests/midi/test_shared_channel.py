"""Tracks that share a channel (more than 15 melodic instruments): the same-pitch rules across
them (``notes.share_channel``), MIDI ports, the report and the warnings, through ``convert``."""

from __future__ import annotations

import io
from itertools import pairwise

import mido
from hypothesis import given, settings
from hypothesis import strategies as st

from midi_export.midi.convert import convert
from midi_export.midi.notes import SharedCounts, TrackNotes, same_pitch_rules, share_channel
from midi_export.record import Instrument, Record, RecordStatus, parse_record

from daw_records import REC17_NAMES, as_bytes, rec17
from voices import cross_track_violations


def track(*notes: tuple[int, int, int]) -> TrackNotes:
    """A track's notes ``(pitch, start, end)`` after its own same-pitch rules."""
    pitches = bytes(n[0] for n in notes)
    return same_pitch_rules(pitches, [n[1] for n in notes], [n[2] for n in notes],
                            [64] * len(notes))


def flat(tracks: list[TrackNotes]) -> list[tuple[int, int, int, int]]:
    return [(t, p, s, e) for t, notes in enumerate(tracks)
            for p, s, e in zip(notes.pitches, notes.starts, notes.ends, strict=True)]


def shared(*tracks: TrackNotes) -> tuple[list[TrackNotes], list[SharedCounts]]:
    """The tracks after the cross-track rules, and the counts (cut, aligned, moved, merged)."""
    out = share_channel(list(tracks))
    return [notes for notes, _ in out], [counts for _, counts in out]


def test_a_later_onset_cuts_the_other_tracks_note_one_tick_before() -> None:
    (a, b), counts = shared(track((60, 0, 400)), track((60, 100, 500)))
    assert (a.starts, a.ends, b.starts, b.ends) == ([0], [99], [100], [500])
    assert counts == [(1, 0, 0, 0), (0, 0, 0, 0)]  # (cut, aligned, moved, merged)


def test_touching_notes_of_two_tracks_get_a_one_tick_gap() -> None:
    (a, b), _ = shared(track((60, 0, 100)), track((60, 100, 200)))
    assert a.ends == [99] and b.ends == [200]


def test_notes_of_one_track_keep_their_own_rule() -> None:
    (a, _), counts = shared(track((60, 0, 100), (60, 100, 200)), track((62, 0, 50)))
    assert a.ends == [100, 200] and counts[0] == (0, 0, 0, 0)  # note-off before note-on


def test_the_same_onset_is_one_sound_ending_with_the_longest() -> None:
    (a, b), counts = shared(track((60, 0, 100)), track((60, 0, 300)))
    assert a.ends == b.ends == [300]
    assert counts[0] == (0, 1, 0, 0)


def test_onsets_one_tick_apart_are_one_sound_on_the_first_tick() -> None:
    (a, b), counts = shared(track((60, 0, 100)), track((60, 1, 50)))
    assert b.starts == [0] and a.ends == b.ends == [100]
    assert counts[1] == (0, 1, 1, 0)


def test_two_notes_of_one_track_brought_onto_one_tick_merge() -> None:
    # track 0 at ticks 0 and 1 (its own rules cut the first at 1); track 1 at 0: one sound
    (a, b), counts = shared(track((60, 0, 50), (60, 1, 80)), track((60, 0, 20)))
    assert (a.starts, a.ends) == ([0], [80]) and a.merged == 1
    assert counts[0].merged == 1
    assert b.ends == [80]


def test_other_pitches_and_a_lone_track_are_untouched() -> None:
    (a, b), counts = shared(track((60, 0, 400), (62, 0, 400)), track((64, 100, 500)))
    assert (a.ends, b.ends) == ([400, 400], [500]) and counts == [(0, 0, 0, 0)] * 2
    (alone,), _ = shared(track((60, 0, 10), (60, 10, 20)))
    assert alone.ends == [10, 20]


def test_the_issue_overlap_pattern_is_cut_before_and_clean_after() -> None:
    a = track(*[(60 + b % 3, b * 480, b * 480 + 432) for b in range(32)])
    b = track(*[(60 + k % 3, k * 480 + 120, k * 480 + 552) for k in range(32)])
    assert cross_track_violations(flat([a, b]))
    after, counts = shared(a, b)
    assert cross_track_violations(flat(after)) == []
    assert counts[0].cut == 32  # every note of the first cut one tick before the second's


def test_three_onsets_on_consecutive_ticks_keep_every_note() -> None:
    # found by hypothesis: track 0 at ticks 58 and 59, track 1 at 60 (moved onto 59, one
    # sound with track 0's second note): the first note cannot end a tick before 59, and
    # it ended on 58, its own onset (no length: a hanging note in the file)
    (a, b), counts = shared(track((60, 58, 59), (60, 59, 60)), track((60, 60, 61)))
    assert (a.starts, a.ends) == ([58, 59], [59, 61]) and (b.starts, b.ends) == ([59], [61])
    assert counts == [(0, 1, 0, 0), (0, 0, 1, 0)]  # (cut, aligned, moved, merged)
    assert cross_track_violations(flat([a, b])) == []  # track 0 starts 60 again on 59


def test_a_note_off_where_its_own_track_restarts_the_key_is_no_cut() -> None:
    assert cross_track_violations([(0, 60, 0, 10), (0, 60, 10, 20), (1, 60, 10, 20)]) == []
    assert cross_track_violations([(0, 60, 0, 10), (1, 60, 10, 20)]) == [(10, 60, 1)]


notes = st.tuples(st.integers(60, 62), st.integers(0, 400), st.integers(1, 200))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(notes, max_size=12), min_size=2, max_size=4))
def test_property_no_note_is_cut_by_another_tracks_note_off(
    raw: list[list[tuple[int, int, int]]],
) -> None:
    tracks = [track(*[(p, s, s + d) for p, s, d in notes]) for notes in raw]
    out = share_channel(tracks)
    after = [notes for notes, _ in out]
    assert cross_track_violations(flat(after)) == []
    for before, (notes, counts) in zip(tracks, out, strict=True):
        assert all(e > s for s, e in zip(notes.starts, notes.ends, strict=True))
        assert len(notes.starts) == len(before.starts) - counts.merged
        assert notes.merged == before.merged + counts.merged
        onsets = set(zip(before.pitches, before.starts, strict=True))
        moved = [(p, s) for p, s in zip(notes.pitches, notes.starts, strict=True)
                 if (p, s) not in onsets]
        assert all((p, s + 1) in onsets for p, s in moved)  # an onset moves one tick at most
        assert len(moved) == counts.moved
        # the track's own rule still holds: its same-pitch notes never overlap
        by_pitch: dict[int, list[tuple[int, int]]] = {}
        for p, s, e in zip(notes.pitches, notes.starts, notes.ends, strict=True):
            by_pitch.setdefault(p, []).append((s, e))
        for spans in by_pitch.values():
            spans.sort()
            assert all(e1 <= s2 for (_, e1), (s2, _) in pairwise(spans))


# --------------------------------------------------------------------------- through convert


def events(data: bytes) -> list[list[tuple[int, mido.Message]]]:
    midi = mido.MidiFile(file=io.BytesIO(data), charset="utf-8")
    out = []
    for t in midi.tracks:
        tick, found = 0, []
        for msg in t:
            tick += msg.time
            found.append((tick, msg))
        out.append(found)
    return out


def test_the_issue_record_every_channel_used_and_nothing_cut_by_another_track() -> None:
    conversion = convert(parse_record(as_bytes(rec17())))
    report = conversion.report
    tracks = events(conversion.to_bytes())
    channels = [ins.channel for ins in report.instruments]
    assert sorted(set(channels)) == list(range(1, 17))  # 16 channels: none left free
    shared = [ins for ins in report.instruments if ins.shared_with]
    assert [(ins.track, ins.shared_with, ins.port) for ins in shared] == [
        (2, (4,), 0), (3, (5,), 0), (4, (2,), 1), (5, (3,), 1)]
    assert [ins.name for ins in shared] == list(REC17_NAMES[:4])
    assert sum("is shared by" in w for w in report.warnings) == 2
    # every track carries its port before the program change; the kit and the others port 0
    for ins, found in zip(report.instruments, tracks[1:], strict=True):
        kinds = [m.type for _, m in found[:3]]
        assert kinds == ["track_name", "midi_port", "program_change"]
        assert found[1][1].port == (ins.port or 0)
    # what a synth plays on each shared channel: no note ended by another track's note-off
    by_channel: dict[int, list[tuple[int, int, int, int]]] = {}
    for number, found in enumerate(tracks[1:], 1):
        sounding: dict[int, int] = {}
        for tick, msg in found:
            if msg.type != "note_on":
                continue
            if msg.velocity:
                sounding[msg.note] = tick
            else:
                by_channel.setdefault(msg.channel, []).append(
                    (number, msg.note, sounding.pop(msg.note), tick))
    assert all(cross_track_violations(notes) == [] for notes in by_channel.values())
    assert report.instruments[2].shared_cut == 32  # 'piano' ends before 'Grand Piano' starts


def test_up_to_15_melodic_instruments_have_no_port_events() -> None:
    instruments = [Instrument("Drums", [(36, 0.0, 0.1, 0.8)])]
    instruments += [Instrument("Acoustic Grand Piano", [(60, 0.0, 0.5, 0.8)])] * 15
    record = Record(task_id="t", status=RecordStatus.SUCCESS, instruments=instruments)
    conversion = convert(record)
    assert all(ins.port is None and not ins.shared_with for ins in conversion.report.instruments)
    assert not any(m.type == "midi_port" for found in events(conversion.to_bytes())
                   for _, m in found)
    assert not any("shared" in w for w in conversion.report.warnings)
