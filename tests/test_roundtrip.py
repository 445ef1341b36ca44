"""Round trips: record -> file -> read back with mido AND pretty_midi (and midicsv).

For any record (hypothesis, ``strategies.py``): every valid note is in the file, after the
documented cut and merge rules (``strategies.reference_notes``, written the slow obvious
way), with start and end within half a tick of their times, the right velocity, channel and
program; the file is byte for byte what mido writes when it re-saves it; and Debian's
``midicsv`` reads it without complaint.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Any

import mido
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from midi_export.midi.conversion import Conversion
from midi_export.midi.convert import convert
from midi_export.midi.report import InstrumentReport
from midi_export.midi.tempo_map import TempoMap
from midi_export.record import Record, parse_record

from conftest import load_fixture
from strategies import RefNote, payloads, records, reference_notes
from voices import cross_track_violations

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pretty_midi

MIDICSV = shutil.which("midicsv")
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
BPMS = st.one_of(st.sampled_from([120.0, 97.0, 60.0, 133.7, 200.0]), st.floats(30, 300))
PPQS = st.sampled_from([480, 96, 960, 384, 1])


def mido_notes(track: mido.MidiTrack) -> tuple[list[tuple[int, int, int, int]], set[int]]:
    """(start tick, pitch, end tick, velocity) of a track's notes, and its channels."""
    tick = 0
    sounding: dict[int, tuple[int, int]] = {}
    out = []
    channels = set()
    for msg in track:
        tick += msg.time
        if msg.type != "note_on":
            continue
        channels.add(msg.channel)
        if msg.velocity:
            assert msg.note not in sounding, "two notes of one pitch sound at once"
            sounding[msg.note] = (tick, msg.velocity)
        else:
            start, velocity = sounding.pop(msg.note)
            out.append((start, msg.note, tick, velocity))
    assert not sounding
    return sorted(out), channels


def midicsv_check(data: bytes, tracks: int, notes: int) -> None:
    """midicsv reads the file: exit 0, nothing on stderr, the right tracks and notes."""
    if MIDICSV is None:
        return
    with tempfile.NamedTemporaryFile(suffix=".mid") as handle:
        handle.write(data)
        handle.flush()
        result = subprocess.run([MIDICSV, handle.name], capture_output=True, check=False)
    assert result.returncode == 0
    assert result.stderr == b""
    rows = [line.split(b", ", 3) for line in result.stdout.splitlines()]
    header = result.stdout.splitlines()[0].split(b", ")
    assert header[2] == b"Header"
    assert int(header[4]) == tracks
    kinds = [row[2] for row in rows]
    assert kinds.count(b"Start_track") == kinds.count(b"End_track") == tracks
    assert kinds[-1] == b"End_of_file"
    ons = [row for row in rows if row[2] == b"Note_on_c" and not row[3].endswith(b", 0")]
    assert len(ons) == notes


def check_round_trip(record: Record, conversion: Conversion) -> None:
    data = conversion.to_bytes()
    report = conversion.report
    tempo_map = conversion.tempo_map
    ppq, tempo = tempo_map.ppq, tempo_map.tempo_us
    half_tick = 0.5 * tempo / ppq / 1e6 * (1 + 1e-9) + 1e-12
    pairs = [(src, rep) for src, rep in zip(record.instruments, report.instruments, strict=True)
             if rep.written]
    written = [rep for _, rep in pairs]

    # mido reads it, and writes exactly the same bytes back
    midi = mido.MidiFile(file=io.BytesIO(data), charset="utf-8")
    resaved = io.BytesIO()
    midi.save(file=resaved)
    assert resaved.getvalue() == data
    assert len(midi.tracks) == 1 + len(written)

    # pretty_midi reads it too (its names are latin-1 decoded UTF-8)
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    assert len(pm.instruments) == len(written)

    expected_total = 0
    on_shared: dict[int, list[tuple[int, int, int, int]]] = {}  # channel -> notes of tracks
    for (source, ins_report), pm_ins in zip(pairs, pm.instruments, strict=True):
        expected, cut, merged = reference_notes(source, tempo_map.to_tick)
        expected.sort(key=RefNote.key)
        assert ins_report.channel is not None and ins_report.track is not None
        channel = ins_report.channel - 1
        assert (channel == 9) == ins_report.is_drum
        track = midi.tracks[ins_report.track]
        found, channels = mido_notes(track)
        assert channels == {channel}
        if ins_report.shared_with:  # the cross-track rules changed ends (and some onsets)
            check_shared_track(found, expected, ins_report, cut, merged)
            expected_total += ins_report.notes_written
            on_shared.setdefault(channel, []).extend(
                (ins_report.track, pitch, start, end) for start, pitch, end, _ in found)
            assert (pm_ins.program, len(pm_ins.notes)) == (ins_report.program, len(found))
            continue
        expected_total += len(expected)
        assert (ins_report.cut, ins_report.merged) == (cut, merged)
        assert ins_report.notes_written == len(expected)

        # mido: ticks exactly as the rules say, times within half a tick
        assert track.name == source.name.encode("utf-8", "replace").decode("utf-8")
        programs = [m for m in track if m.type == "program_change"]
        assert programs == [mido.Message("program_change", channel=channel,
                                         program=ins_report.program)]
        assert found == [(n.start_tick, n.pitch, n.end_tick, n.velocity) for n in expected]
        for (start, _, end, _), note in zip(found, expected, strict=True):
            assert abs(mido.tick2second(start, ppq, tempo) - note.start_seconds) <= half_tick
            if note.end_seconds is not None:
                assert abs(mido.tick2second(end, ppq, tempo) - note.end_seconds) <= half_tick

        # pretty_midi: same notes, in seconds, with program and drum flag
        assert pm_ins.program == ins_report.program
        assert pm_ins.is_drum == ins_report.is_drum
        assert pm_ins.name.encode("latin-1").decode("utf-8") == track.name
        pm_notes = sorted(pm_ins.notes, key=lambda n: (n.start, n.pitch))
        assert len(pm_notes) == len(expected)
        by_time = sorted(expected, key=lambda n: (n.start_tick, n.pitch))
        for got, note in zip(pm_notes, by_time, strict=True):
            assert (got.pitch, got.velocity) == (note.pitch, note.velocity)
            assert abs(got.start - note.start_seconds) <= half_tick
            if note.end_seconds is not None:
                assert abs(got.end - note.end_seconds) <= half_tick
            else:
                assert got.end > got.start

    assert report.notes_written == expected_total
    for notes in on_shared.values():  # what one voice per key plays: nothing cut short
        assert cross_track_violations(notes) == []
    midicsv_check(data, 1 + len(written), expected_total)


def check_shared_track(
    found: list[tuple[int, int, int, int]],
    expected: list[RefNote],
    report: InstrumentReport,
    cut: int,
    merged: int,
) -> None:
    """A track on a shared channel: its own rules' notes, with only the cross-track changes
    (ends; an onset one tick earlier; notes merged that this brought onto one tick)."""
    assert report.cut == cut and report.merged >= merged
    assert len(found) == len(expected) - (report.merged - merged) == report.notes_written
    onsets = {(n.pitch, n.start_tick) for n in expected}
    moved = [(pitch, start) for start, pitch, _, _ in found if (pitch, start) not in onsets]
    assert all((pitch, start + 1) in onsets for pitch, start in moved)
    assert len(moved) == report.shared_moved
    assert all(end > start for start, _, end, _ in found)


@SETTINGS
@given(record=records(), bpm=BPMS, ppq=PPQS)
def test_any_record_round_trips(record: Record, bpm: float, ppq: int) -> None:
    check_round_trip(record, convert(record, bpm=bpm, ppq=ppq))


@settings(SETTINGS, max_examples=60)
@given(drawn=payloads())
def test_payloads_with_strings_and_invalid_notes_round_trip(
    drawn: tuple[dict[str, Any], list[Any]],
) -> None:
    payload, expected = drawn
    record = parse_record(payload)
    assert [(i.name, i.pitches, i.starts, i.ends, i.velocities, i.dropped)
            for i in record.instruments] == [
        (i.name, i.pitches, i.starts, i.ends, i.velocities, i.dropped) for i in expected
    ]
    conversion = convert(record)
    check_round_trip(record, conversion)
    for ins_report, ins in zip(conversion.report.instruments, expected, strict=True):
        assert ins_report.notes_dropped == ins.dropped


@settings(SETTINGS, max_examples=25)
@given(record=records(min_instruments=17, max_instruments=24, max_notes=4, min_notes=1),
       bpm=BPMS)
def test_more_than_16_instruments_round_trip(record: Record, bpm: float) -> None:
    conversion = convert(record, bpm=bpm)
    check_round_trip(record, conversion)
    channels = [i.channel for i in conversion.report.instruments if i.written and not i.is_drum]
    assert 10 not in channels


@settings(SETTINGS, max_examples=8)
@given(record=records(max_instruments=3, max_notes=60, max_seconds=3600.0),
       bpm=st.sampled_from([97.0, 120.0, 61.3]))
def test_hour_long_records_round_trip(record: Record, bpm: float) -> None:
    check_round_trip(record, convert(record, bpm=bpm))


@settings(SETTINGS, max_examples=15)
@given(record=records(max_instruments=3, max_notes=30, max_seconds=60.0),
       lead_in=st.integers(1, 8), steady=st.integers(250_000, 1_000_000))
def test_records_with_a_lead_in_tempo_keep_their_times(
    record: Record, lead_in: int, steady: int
) -> None:
    # the tempo map issue 5 will write: a slow lead-in, then a steady tempo
    tempo_map = TempoMap(480, [(0, 1_200_000), (lead_in * 480, steady)])
    conversion = convert(record, tempo_map=tempo_map)
    data = conversion.to_bytes()
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    slowest = max(1_200_000, steady)
    half_tick = 0.5 * slowest / 480 / 1e6 + 1e-9
    pairs = [(src, rep) for src, rep in
             zip(record.instruments, conversion.report.instruments, strict=True) if rep.written]
    for (source, _), pm_ins in zip(pairs, pm.instruments, strict=True):
        expected, _, _ = reference_notes(source, tempo_map.to_tick)
        expected.sort(key=lambda n: (n.start_tick, n.pitch))
        got = sorted(pm_ins.notes, key=lambda n: (n.start, n.pitch))
        assert len(got) == len(expected)
        for note, ref in zip(got, expected, strict=True):
            assert abs(note.start - ref.start_seconds) <= half_tick
            if ref.end_seconds is not None:
                assert abs(note.end - ref.end_seconds) <= half_tick
    midicsv_check(data, 1 + len(pairs), conversion.report.notes_written)


@pytest.mark.parametrize(
    "name", ["record-info-success", "callback-success-taskId-in-data",
             "callback-success-task_id-top"]
)
def test_fixtures_round_trip(name: str) -> None:
    record = parse_record(load_fixture(name))
    check_round_trip(record, convert(record))


def test_demo_song_round_trips() -> None:
    path = Path(__file__).resolve().parent.parent / "fixtures" / "demo-song.json"
    if not path.exists():
        pytest.skip("no demo song fixture")
    record = parse_record(path.read_bytes())
    check_round_trip(record, convert(record, bpm=96))


@pytest.mark.skipif(MIDICSV is None, reason="midicsv is not installed")
def test_midicsv_notices_a_broken_file() -> None:
    # the check above is not vacuous: a file cut short fails it
    record = parse_record(load_fixture("record-info-success"))
    data = convert(record).to_bytes()
    with pytest.raises(AssertionError):
        midicsv_check(data[:-12], 3, 3)


def test_the_strategies_reach_the_hard_cases() -> None:
    # each property above is only as good as the records it is fed: check that the
    # strategies do make cuts, merges, zero-length notes, odd names, many instruments,
    # long records and numbers as strings (the first example found is enough: no shrinking)
    quick = settings(phases=[Phase.generate], max_examples=300, database=None, deadline=None)

    def counts(record: Record) -> tuple[int, int]:
        report = convert(record).report
        return (sum(i.cut for i in report.instruments), sum(i.merged for i in report.instruments))

    find(records(), lambda r: counts(r)[0] > 0, settings=quick)
    find(records(), lambda r: counts(r)[1] > 0, settings=quick)
    find(records(), lambda r: any(s == e for i in r.instruments
                                  for s, e in zip(i.starts, i.ends, strict=True)), settings=quick)
    find(records(), lambda r: any(not i.name.isascii() for i in r.instruments), settings=quick)
    find(records(min_instruments=17, max_instruments=26, max_notes=6, min_notes=1),
         lambda r: len({i.name for i in r.instruments}) > 16, settings=quick)
    find(records(max_seconds=3600.0),
         lambda r: max(max(i.ends, default=0) for i in r.instruments) > 1800, settings=quick)
    find(payloads(), lambda drawn: any(isinstance(n["start"], str)
                                       for i in drawn[0]["data"]["midiData"]["instruments"]
                                       for n in i["notes"]), settings=quick)
