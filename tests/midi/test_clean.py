"""The clean-up rules (--min-duration, --merge-gap, --min-velocity, --clean), each pinned by a
small record. At 125 BPM and ppq 480 a tick is exactly 1 ms, so the limits are exact."""

from __future__ import annotations

import io
import itertools

import mido
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from midi_export import CleanSettings, Instrument, Record, RecordStatus, UsageError, convert
from midi_export.midi.clean import CLEAN_DEFAULTS
from midi_export.midi.smf_read import read_tracks

from strategies import records

MS = 0.001


def record(*instruments: tuple[str, list[tuple[int, float, float, float]]]) -> Record:
    return Record(task_id="t", status=RecordStatus.SUCCESS,
                  instruments=[Instrument(name, notes) for name, notes in instruments])


def written(rec: Record, **options: object) -> list[list[tuple[int, int, int, int]]]:
    """Each track's notes as (pitch, start ms, end ms, velocity), by start, as written."""
    data = convert(rec, bpm=125, **options).to_bytes()  # type: ignore[arg-type]
    return [sorted(zip(t.pitches, t.starts, t.ends, t.velocities, strict=True))
            for t in read_tracks(data)]


def piano(*notes: tuple[int, float, float, float]) -> Record:
    return record(("Acoustic Grand Piano", list(notes)))


def test_a_tick_is_a_millisecond_here() -> None:
    assert written(piano((60, 0.0, 50 * MS, 0.5))) == [[(60, 0, 50, 64)]]


def test_min_duration_drops_shorter_notes_and_keeps_one_of_exactly_the_limit() -> None:
    rec = piano((60, 0.0, 49 * MS, 0.5), (62, 0.0, 50 * MS, 0.5), (64, 1.0, 1.3, 0.5))
    assert [n[0] for n in written(rec, clean=CleanSettings(min_duration_ms=50))[0]] == [62, 64]
    report = convert(rec, bpm=125, clean=CleanSettings(min_duration_ms=50)).report
    assert report.instruments[0].too_short == 1 and report.instruments[0].notes_written == 2
    assert report.clean is not None and report.clean.too_short == 1


def test_min_duration_applies_after_the_same_pitch_rules() -> None:
    # the second note cuts the first to 20 ms: the rules first, then the length rule drops it
    rec = piano((60, 0.0, 1.0, 0.5), (60, 20 * MS, 1.0, 0.6))
    assert written(rec, clean=CleanSettings(min_duration_ms=50)) == [[(60, 20, 1000, 76)]]
    ins = convert(rec, bpm=125, clean=CleanSettings(min_duration_ms=50)).report.instruments[0]
    assert (ins.cut, ins.too_short, ins.notes_written) == (1, 1, 1)


def test_merge_gap_joins_with_the_louder_velocity_and_the_later_end() -> None:
    rec = piano((60, 0.0, 500 * MS, 0.4), (60, 520 * MS, 900 * MS, 0.8))
    assert written(rec, clean=CleanSettings(merge_gap_ms=30)) == [[(60, 0, 900, 102)]]
    assert convert(rec, bpm=125, clean=CleanSettings(merge_gap_ms=30)).report.instruments[
        0].gaps_merged == 1


def test_merge_gap_needs_a_gap_shorter_than_the_limit() -> None:
    rec = piano((60, 0.0, 500 * MS, 0.4), (60, 530 * MS, 900 * MS, 0.8))
    assert len(written(rec, clean=CleanSettings(merge_gap_ms=30))[0]) == 2  # 30 is not < 30


def test_merge_gap_joins_touching_notes() -> None:
    rec = piano((60, 0.0, 0.5, 0.5), (60, 0.5, 1.0, 0.5))
    assert written(rec, clean=CleanSettings(merge_gap_ms=1)) == [[(60, 0, 1000, 64)]]
    assert len(written(rec, clean=CleanSettings(merge_gap_ms=0))[0]) == 2  # 0 joins nothing


def test_merge_gap_chains_and_leaves_other_pitches() -> None:
    rec = piano((60, 0.0, 200 * MS, 0.5), (62, 210 * MS, 300 * MS, 0.5),
                (60, 210 * MS, 400 * MS, 0.6), (60, 410 * MS, 700 * MS, 0.3))
    assert written(rec, clean=CleanSettings(merge_gap_ms=20)) == [
        [(60, 0, 700, 76), (62, 210, 300, 64)]
    ]


def test_min_velocity_drops_ghosts_as_written() -> None:
    rec = piano((60, 0, 1, 0.05), (62, 0, 1, 13 / 127), (64, 0, 1, 0.9))
    # 13/127 = 0.1024 is kept at 0.1; 0.05 (MIDI 6) is not
    assert [n[0] for n in written(rec, clean=CleanSettings(min_velocity=0.1))[0]] == [62, 64]
    assert convert(rec, clean=CleanSettings(min_velocity=0.1)).report.instruments[
        0].too_quiet == 1


def test_the_rules_run_merge_then_length_then_velocity() -> None:
    # two 30 ms pieces 10 ms apart: joined first (70 ms), so the length rule keeps them
    rec = piano((60, 0.0, 30 * MS, 0.5), (60, 40 * MS, 70 * MS, 0.5), (70, 0, 1, 0.1))
    settings = CleanSettings(min_duration_ms=50, merge_gap_ms=20, min_velocity=0.2)
    assert written(rec, clean=settings) == [[(60, 0, 70, 64)]]
    ins = convert(rec, bpm=125, clean=settings).report.instruments[0]
    assert (ins.gaps_merged, ins.too_short, ins.too_quiet, ins.notes_written) == (1, 0, 1, 1)


def test_drum_kits_are_left_alone_unless_asked() -> None:
    rec = record(("Drums", [(42, 0, 10 * MS, 0.05), (42, 20 * MS, 30 * MS, 0.05)]),
                 ("Acoustic Grand Piano", [(60, 0, 20 * MS, 0.5), (60, 0.5, 1.0, 0.5)]))
    settings = CleanSettings(min_duration_ms=50, min_velocity=0.1)
    report = convert(rec, bpm=125, clean=settings).report
    assert [(i.notes_written, i.too_short) for i in report.instruments] == [(2, 0), (1, 1)]
    kit_too = convert(rec, bpm=125, clean=CleanSettings(min_duration_ms=50, drums=True)).report
    assert kit_too.instruments[0].too_short == 2 and kit_too.instruments[0].notes_written == 0


def test_cleaning_runs_before_quantizing() -> None:
    # a 20 ms fragment would be stretched to a 16th by quantizing; cleaned first, it is gone
    rec = piano((60, 0.0, 0.5, 0.5), (64, 0.5, 0.52, 0.5))
    cleaned = written(rec, clean=CleanSettings(min_duration_ms=50), quantize="1/16")
    assert [n[0] for n in cleaned[0]] == [60]


def test_with_a_pickup_lengths_are_measured_through_the_map() -> None:
    from midi_export import TempoMap

    # 96 BPM after a lead-in at another tempo: a 40 ms note goes, a 60 ms one stays
    tempo_map = TempoMap(480, ((0, 500_000), (240, 625_000)), ((0, 1, 8), (240, 4, 4)))
    rec = piano((60, 1.0, 1.04, 0.5), (62, 1.0, 1.06, 0.5))
    conv = convert(rec, tempo_map=tempo_map, clean=CleanSettings(min_duration_ms=50))
    assert [t.pitches for t in read_tracks(conv.to_bytes())] == [[62]]


def test_off_by_default_and_an_empty_setting_give_the_same_file() -> None:
    rec = piano((60, 0, 0.01, 0.01), (60, 0.01, 0.02, 0.5))
    plain = convert(rec).to_bytes()
    assert convert(rec, clean=CleanSettings()).to_bytes() == plain
    assert convert(rec, clean=None).to_bytes() == plain
    assert convert(rec).report.clean is None
    assert convert(rec, clean=True).to_bytes() != plain


def test_clean_true_is_the_measured_default() -> None:
    assert CleanSettings(min_duration_ms=50.0) == CLEAN_DEFAULTS
    report = convert(piano((60, 0, 0.04, 0.5), (62, 0, 0.5, 0.5)), clean=True).report
    assert report.clean is not None and report.clean.min_duration_ms == 50.0
    assert report.to_dict()["clean"]["too_short"] == 1
    assert report.to_dict()["instruments"][0]["too_short"] == 1


def test_every_note_removed_keeps_an_empty_track() -> None:
    conv = convert(piano((60, 0, 0.01, 0.5)), clean=True)
    midi = mido.MidiFile(file=io.BytesIO(conv.to_bytes()))
    assert len(midi.tracks) == 2 and conv.report.notes_written == 0
    assert not [m for m in midi.tracks[1] if m.type == "note_on"]


@pytest.mark.parametrize(
    "kwargs",
    [{"min_duration_ms": -1}, {"merge_gap_ms": float("nan")}, {"min_velocity": 1.5},
     {"min_velocity": True}, {"min_duration_ms": "50"}, {"merge_gap_ms": 10_001},
     {"drums": "yes"}],
)
def test_bad_settings_are_usage_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(UsageError):
        CleanSettings(**kwargs)  # type: ignore[arg-type]


def test_a_bad_clean_option_is_refused_before_the_record_is_looked_at() -> None:
    pending = Record(task_id="t", status=RecordStatus.PENDING, instruments=[])
    with pytest.raises(UsageError, match="clean must be"):
        convert(pending, clean="yes")  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(), st.floats(0, 200), st.floats(0, 100), st.floats(0, 1))
def test_for_any_record_the_rules_hold_in_the_written_file(
    rec: Record, duration: float, gap: float, floor: float
) -> None:
    settings_ = CleanSettings(min_duration_ms=duration, merge_gap_ms=gap, min_velocity=floor)
    conv = convert(rec, bpm=125, clean=settings_)
    plain = convert(rec, bpm=125)
    assert conv.report.notes_written <= plain.report.notes_written
    for track, ins in zip(read_tracks(conv.to_bytes()), [i for i in conv.report.instruments
                                                         if i.written], strict=True):
        if ins.is_drum:
            continue
        notes = sorted(zip(track.pitches, track.starts, track.ends, track.velocities,
                           strict=True))
        for _, start, end, velocity in notes:
            assert end - start >= duration - 1e-6  # a tick is a millisecond here
            assert velocity >= floor * 127 - 1e-9
        for a, b in itertools.pairwise(notes):
            if a[0] == b[0]:
                assert b[1] - a[2] >= gap - 1e-6  # no gap shorter than the limit is left
