"""--split-drums and --drum-map: the kit in pieces, round-tripped through mido and pretty_midi."""

from __future__ import annotations

import io

import mido
import pretty_midi
import pytest
from hypothesis import HealthCheck, given, settings

from midi_export import Instrument, Record, RecordStatus, UsageError, convert, parse_record
from midi_export.midi.smf_read import read_tracks
from midi_export.music.drums import PIECE_LABELS

from conftest import fixture_path
from strategies import records

# one hit of each kind, a quarter second apart: kick, snare, hat, tom, crash, clap...
KEYS = [36, 38, 42, 45, 49, 39, 35, 40, 46, 50, 51, 75]
HITS = [(k, i * 0.25, i * 0.25 + 0.1, 0.8) for i, k in enumerate(KEYS)]


def record(*instruments: tuple[str, list[tuple[int, float, float, float]]]) -> Record:
    return Record(task_id="t", status=RecordStatus.SUCCESS,
                  instruments=[Instrument(name, notes) for name, notes in instruments])


def test_one_named_track_per_piece_in_a_fixed_order_all_on_channel_10() -> None:
    rec = record(("Drums", HITS), ("Electric Bass (finger)", [(40, 0, 1, 0.7)]))
    conv = convert(rec, split_drums=True)
    mid = mido.MidiFile(file=io.BytesIO(conv.to_bytes()))
    names = [next(m.name for m in t if m.type == "track_name") for t in mid.tracks[1:]]
    assert names == ["Kick", "Snare", "Hi-Hat", "Toms", "Cymbals", "Percussion",
                     "Electric Bass (finger)"]
    for track, name in zip(mid.tracks[1:7], names, strict=False):
        channels = {m.channel for m in track if m.type in ("note_on", "note_off",
                                                            "program_change")}
        assert channels == {9}, name
    assert {m.channel for m in mid.tracks[7] if m.type == "note_on"} == {0}
    report = conv.report
    assert [(r.kit, r.piece) for r in report.instruments[:6]] == [
        ("Drums", g) for g in ("kick", "snare", "hihat", "toms", "cymbals", "percussion")]
    assert report.instruments[6].piece is None and report.notes_written == len(HITS) + 1
    assert report.drums is not None and report.drums.pieces == 6 and report.drums.split


def test_pretty_midi_reads_the_pieces_as_drums_with_their_notes_and_times() -> None:
    conv = convert(record(("Drums", HITS), ("Piano", [(60, 0, 1, 0.5)])), split_drums=True)
    pm = pretty_midi.PrettyMIDI(io.BytesIO(conv.to_bytes()))
    by_name = {i.name: i for i in pm.instruments}
    assert all(by_name[n].is_drum for n in PIECE_LABELS.values()) and not by_name["Piano"].is_drum
    assert sorted(n.pitch for n in by_name["Kick"].notes) == [35, 36]
    assert sorted(n.pitch for n in by_name["Toms"].notes) == [45, 50]
    assert sorted(n.pitch for n in by_name["Cymbals"].notes) == [49, 51]
    assert sorted(n.pitch for n in by_name["Percussion"].notes) == [39, 75]
    half_tick = 0.5 * 0.5 / 480  # at 120 BPM
    for name in PIECE_LABELS.values():
        for note in by_name[name].notes:
            start = next(s for k, s, _, _ in HITS if k == note.pitch)
            assert abs(note.start - start) <= half_tick


def test_with_split_each_piece_is_its_own_stem_on_channel_10() -> None:
    conv = convert(record(("Drums", HITS)), split_drums=True)
    for rep in conv.report.instruments:
        stem = mido.MidiFile(file=io.BytesIO(conv.stem_bytes(rep.track or 0)))
        assert {m.channel for m in stem.tracks[1] if m.type == "note_on"} == {9}
        assert next(m.name for m in stem.tracks[1] if m.type == "track_name") == rep.name


def test_the_demo_song_keeps_every_note_and_the_tempo() -> None:
    rec = parse_record(fixture_path("demo-song").read_bytes())
    plain, split = convert(rec, bpm="auto"), convert(rec, bpm="auto", split_drums=True)
    assert [i.name for i in split.report.instruments][:4] == ["Kick", "Snare", "Hi-Hat", "Cymbals"]
    assert split.report.notes_written == plain.report.notes_written
    assert split.report.tempo == plain.report.tempo  # estimated from the record as it is
    assert sum(i.notes_written for i in split.report.instruments if i.is_drum) == 212


def test_two_kits_get_their_names_in_front() -> None:
    conv = convert(record(("Drums", [(36, 0, 0.1, 0.8)]), ("Percussion", [(38, 0, 0.1, 0.8)])),
                   split_drums=True)
    assert [i.name for i in conv.report.instruments] == ["Drums: Kick", "Percussion: Snare"]


def test_a_kit_without_notes_stays_and_is_reported_as_skipped() -> None:
    conv = convert(record(("Drums", []), ("Flute", [(70, 0, 1, 0.5)])), split_drums=True)
    assert [(i.name, i.written) for i in conv.report.instruments] == [("Drums", False),
                                                                      ("Flute", True)]


def test_the_kits_invalid_note_counts_go_with_its_first_piece() -> None:
    kit = Instrument("Drums", [(42, 0, 0.1, 0.5), (36, 0.5, 0.6, 0.5)], dropped=3,
                     problems=("notes[7]: no pitch",))
    conv = convert(Record(task_id="t", status=RecordStatus.SUCCESS, instruments=[kit]),
                   split_drums=True)
    assert [(i.name, i.notes_dropped) for i in conv.report.instruments] == [("Kick", 3),
                                                                            ("Hi-Hat", 0)]


def test_a_program_override_to_drums_is_split_too() -> None:
    rec = record(("Beat Machine", [(36, 0, 0.1, 0.8), (42, 0, 0.1, 0.8)]))
    conv = convert(rec, split_drums=True, programs={"Beat Machine": "drums"})
    assert [i.name for i in conv.report.instruments] == ["Kick", "Hi-Hat"]


def test_the_basic_map_moves_only_kit_notes() -> None:
    rec = record(("Drums", [(35, 0, 0.1, 0.8), (40, 0.5, 0.6, 0.8), (42, 1, 1.1, 0.5)]),
                 ("Piano", [(40, 0, 1, 0.5)]))
    conv = convert(rec, drum_map="basic")
    tracks = pretty_midi.PrettyMIDI(io.BytesIO(conv.to_bytes())).instruments
    assert sorted(n.pitch for n in tracks[0].notes) == [36, 38, 42]
    assert [n.pitch for n in tracks[1].notes] == [40]
    assert conv.report.instruments[0].drum_notes_remapped == 2
    assert conv.report.drums is not None and conv.report.drums.drum_map == "basic"
    assert conv.report.drums.notes_remapped == 2 and not conv.report.drums.split


def test_pieces_are_grouped_by_their_gm_meaning_before_the_map_moves_them() -> None:
    conv = convert(record(("Drums", [(38, 0, 0.1, 0.8), (36, 0, 0.1, 0.8)])), split_drums=True,
                   drum_map={38: 60, 36: 24})
    pm = pretty_midi.PrettyMIDI(io.BytesIO(conv.to_bytes()))
    assert [(i.name, [n.pitch for n in i.notes]) for i in pm.instruments] == [
        ("Kick", [24]), ("Snare", [60])]


def test_two_keys_mapped_onto_one_follow_the_same_pitch_rules() -> None:
    # kick 35 and 36 on the same tick become one note on 36
    conv = convert(record(("Drums", [(35, 0, 0.1, 0.8), (36, 0, 0.2, 0.6)])), drum_map="basic")
    assert conv.report.notes_written == 1 and conv.report.instruments[0].merged == 1


def test_off_by_default_and_the_gm_map_change_nothing() -> None:
    rec = parse_record(fixture_path("demo-song").read_bytes())
    plain = convert(rec).to_bytes()
    assert convert(rec, drum_map="gm").to_bytes() == plain
    assert convert(rec, split_drums=False).to_bytes() == plain
    assert convert(rec).report.drums is None


def test_bad_options_are_usage_errors() -> None:
    rec = record(("Drums", HITS))
    with pytest.raises(UsageError):
        convert(rec, split_drums="yes")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="unknown drum map"):
        convert(rec, drum_map="nope")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_splitting_any_kit_keeps_every_note_where_it_was(record: Record) -> None:
    plain, split = convert(record), convert(record, split_drums=True)
    assert split.report.notes_written == plain.report.notes_written

    def drum_notes(conv: object) -> list[tuple[int, int, int, int]]:
        return sorted(n for t in read_tracks(conv.to_bytes()) if t.is_drum  # type: ignore[attr-defined]
                      for n in zip(t.pitches, t.starts, t.ends, t.velocities, strict=True))

    assert drum_notes(split) == drum_notes(plain)
    melodic = [t for t in read_tracks(split.to_bytes()) if not t.is_drum]
    assert melodic == [t for t in read_tracks(plain.to_bytes()) if not t.is_drum]
