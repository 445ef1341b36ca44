"""converter: Record -> MIDI in memory, by the rules of issue 2 (read back with mido)."""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import mido
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from midi_export.errors import (
    EmptyMidiDataError,
    InvalidRecordError,
    TaskFailedError,
    TaskPendingError,
    UsageError,
)
from midi_export.midi.conversion import Conversion
from midi_export.midi.convert import convert
from midi_export.midi.notes import midi_velocity
from midi_export.midi.report import ConversionReport, InstrumentReport
from midi_export.midi.tempo_map import TempoMap
from midi_export.record import Instrument, Note, Record, RecordStatus, parse_record

from conftest import load_fixture
from strategies import reference_notes

ROOT = Path(__file__).resolve().parents[2]


def make_record(*instruments: Instrument, task_id: str | None = "task1") -> Record:
    return Record(task_id=task_id, status=RecordStatus.SUCCESS, instruments=instruments)


def read(conversion: Conversion) -> mido.MidiFile:
    return mido.MidiFile(file=io.BytesIO(conversion.to_bytes()), charset="utf-8")


def notes_of(track: mido.MidiTrack) -> list[tuple[int, int, int, int, int]]:
    """(start tick, end tick, pitch, velocity, channel) of each note of a track."""
    tick = 0
    sounding: dict[tuple[int, int], tuple[int, int]] = {}
    out = []
    for msg in track:
        tick += msg.time
        if msg.type == "note_on" and msg.velocity:
            key = (msg.channel, msg.note)
            assert key not in sounding, f"same-pitch overlap at tick {tick}"
            sounding[key] = (tick, msg.velocity)
        elif msg.type in ("note_on", "note_off"):
            start, velocity = sounding.pop((msg.channel, msg.note))
            out.append((start, tick, msg.note, velocity, msg.channel))
    assert not sounding, "notes left sounding"
    return sorted(out)


def events_at_ticks(track: mido.MidiTrack) -> list[tuple[int, Any]]:
    tick = 0
    out = []
    for msg in track:
        tick += msg.time
        out.append((tick, msg))
    return out


# --------------------------------------------------------------------------- the fixture


def test_fixture_record_converts_to_the_expected_file() -> None:
    record = parse_record(load_fixture("record-info-success"))
    conversion = convert(record)
    midi = read(conversion)
    assert midi.type == 1
    assert midi.ticks_per_beat == 480
    assert len(midi.tracks) == 3
    conductor, drums, bass = midi.tracks
    assert list(conductor) == [
        mido.MetaMessage("track_name", name="5c79xxxxbe8e"),
        mido.MetaMessage("set_tempo", tempo=500_000),
        mido.MetaMessage("time_signature", numerator=4, denominator=4),
        mido.MetaMessage("end_of_track"),
    ]
    assert drums[0] == mido.MetaMessage("track_name", name="Drums")
    assert drums[1] == mido.Message("program_change", channel=9, program=0, time=0)
    assert drums[-1].type == "end_of_track"
    # times are k/192 s: exact ticks at 960 ticks per second
    assert notes_of(drums) == [(35, 175, 73, 127, 9), (45, 185, 61, 127, 9)]
    assert bass[0] == mido.MetaMessage("track_name", name="Electric Bass (finger)")
    assert bass[1] == mido.Message("program_change", channel=0, program=33, time=0)
    assert notes_of(bass) == [(7380, 7595, 44, 127, 0)]

    report = conversion.report
    assert report.task_id == "5c79xxxxbe8e"
    assert (report.bpm, report.ppq, report.tempo_us) == (120.0, 480, 500_000)
    assert report.notes_written == 3
    assert report.duration_seconds == pytest.approx(7595 / 960)
    assert [ins.name for ins in report.instruments] == ["Drums", "Electric Bass (finger)"]
    drum_report, bass_report = report.instruments
    assert (drum_report.channel, drum_report.track, drum_report.is_drum) == (10, 1, True)
    assert (drum_report.program, drum_report.source) == (0, "drums")
    assert (bass_report.channel, bass_report.track, bass_report.program) == (1, 2, 33)
    assert bass_report.program_name == "Electric Bass (finger)"
    assert bass_report.source == "exact"
    assert report.warnings == ()


def test_the_report_is_json_ready() -> None:
    conversion = convert(parse_record(load_fixture("record-info-success")))
    facts = conversion.report.to_dict()
    assert json.loads(json.dumps(facts)) == facts
    assert set(facts) >= {"task_id", "bpm", "ppq", "tempo_us", "duration_seconds",
                          "notes_written", "instruments", "warnings", "tempo", "quantize"}
    assert set(facts["instruments"][0]) == {
        "name", "program", "program_name", "source", "is_drum", "channel", "track",
        "notes_written", "notes_dropped", "velocities_clamped", "cut", "merged", "problems",
        "written", "notes_moved", "max_move_ticks", "max_move_ms", "port", "shared_with",
        "shared_cut", "shared_aligned", "shared_moved", "gaps_merged", "too_short",
        "too_quiet", "drum_notes_remapped", "kit", "piece",
    }
    assert facts["instruments"][0]["port"] is None  # no port events without shared channels
    assert facts["instruments"][0]["shared_with"] == []
    assert facts["tempo"]["mode"] == "fixed"
    assert facts["quantize"] is None and facts["clean"] is None and facts["drums"] is None
    assert isinstance(conversion.report, ConversionReport)
    assert isinstance(conversion.report.instruments[0], InstrumentReport)
    with pytest.raises(AttributeError):
        conversion.report.bpm = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("fixture", "error"),
    [
        ("record-info-pending", TaskPendingError),
        ("record-info-generation-failed", TaskFailedError),
        ("record-info-empty-midi", EmptyMidiDataError),
        ("callback-failed-null-data", TaskFailedError),
    ],
)
def test_records_that_give_no_midi_raise_their_typed_error(fixture: str, error: type) -> None:
    with pytest.raises(error):
        convert(parse_record(load_fixture(fixture)))


def test_a_record_whose_notes_are_all_invalid_is_invalid() -> None:
    record = make_record(Instrument("Piano", dropped=3, problems=["notes[0]: pitch 60.5"]))
    with pytest.raises(InvalidRecordError):
        convert(record)


def test_only_empty_instruments_is_empty() -> None:
    with pytest.raises(EmptyMidiDataError):
        convert(make_record(Instrument("Piano"), Instrument("Drums")))


def test_convert_needs_a_record() -> None:
    with pytest.raises(TypeError):
        convert({"code": 200})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- tracks


def test_track_order_names_and_skipped_instruments() -> None:
    record = make_record(
        Instrument("Flûte 🎶", [Note(72, 0.0, 0.5, 0.5)]),
        Instrument("vocals", []),
        Instrument("Drums", [Note(36, 0.0, 0.1, 1.0)]),
        Instrument("", [Note(40, 1.0, 2.0, 0.5)]),
        Instrument("bass", [], dropped=2, problems=["notes[0]: pitch 200 is not 0..127"]),
    )
    conversion = convert(record)
    midi = read(conversion)
    assert [track.name for track in midi.tracks] == ["task1", "Flûte 🎶", "Drums", ""]
    report = conversion.report
    assert [ins.name for ins in report.instruments] == ["Flûte 🎶", "vocals", "Drums", "",
                                                        "bass"]
    assert [ins.written for ins in report.instruments] == [True, False, True, True, False]
    assert [ins.track for ins in report.instruments] == [1, None, 2, 3, None]
    assert [ins.channel for ins in report.instruments] == [1, None, 10, 2, None]
    skipped = report.instruments[4]
    assert (skipped.notes_written, skipped.notes_dropped) == (0, 2)
    assert skipped.problems == ("notes[0]: pitch 200 is not 0..127",)
    assert any("'bass'" in w and "2 invalid" in w for w in report.warnings)
    assert conversion.track_count == report.tracks == 4


def test_every_instrument_track_starts_with_its_program_change() -> None:
    record = make_record(
        Instrument("Violin", [Note(60, 1.0, 2.0, 0.5)]),
        Instrument("Drums", [Note(36, 2.0, 2.1, 1.0)]),
        Instrument("Trumpet", [Note(60, 3.0, 4.0, 0.5)]),
    )
    midi = read(convert(record))
    for track, (channel, program) in zip(midi.tracks[1:], [(0, 40), (9, 0), (1, 56)],
                                         strict=True):
        channel_messages = [(tick, m) for tick, m in events_at_ticks(track) if not m.is_meta]
        tick, first = channel_messages[0]
        assert tick == 0
        assert first == mido.Message("program_change", channel=channel, program=program)
        assert all(m.type == "note_on" for _, m in channel_messages[1:])
        assert track[-1].type == "end_of_track"
        assert sum(m.type == "end_of_track" for m in track) == 1


def test_conductor_is_named_midi_export_without_a_task_id() -> None:
    midi = read(convert(make_record(Instrument("Piano", [Note(60, 0, 1, 1)]), task_id=None)))
    assert midi.tracks[0].name == "midi-export"


def test_program_overrides_come_first() -> None:
    record = make_record(Instrument("Electric Bass (finger)", [Note(40, 0, 1, 1)]))
    conversion = convert(record, programs={"Electric Bass (finger)": 38})
    assert conversion.report.instruments[0].program == 38
    assert conversion.report.instruments[0].source == "override"
    assert read(conversion).tracks[1][1].program == 38
    with pytest.raises(UsageError):
        convert(record, programs={"Electric Bass (finger)": 200})


def test_an_unknown_name_is_program_0_with_a_warning() -> None:
    conversion = convert(make_record(Instrument("zzqx", [Note(60, 0, 1, 1)])))
    ins = conversion.report.instruments[0]
    assert (ins.program, ins.source) == (0, "fallback")
    assert any("zzqx" in w for w in conversion.report.warnings)


# --------------------------------------------------------------------------- notes


def test_velocity_mapping() -> None:
    assert midi_velocity(0.0) == 1  # never 0: a note_on with velocity 0 is a note-off
    assert midi_velocity(1.0) == 127
    assert midi_velocity(0.49606299212598426) == 63  # 63/127
    assert midi_velocity(0.5) == 64
    assert midi_velocity(1.5) == 127
    assert midi_velocity(-0.2) == 1
    assert all(midi_velocity(k / 127) == max(1, k) for k in range(128))
    for bad in (math.nan, math.inf):
        with pytest.raises(InvalidRecordError):
            midi_velocity(bad)


def test_velocities_in_the_file() -> None:
    record = make_record(
        Instrument("Piano", [Note(60, 0, 1, 0.0), Note(62, 0, 1, 1.0), Note(64, 0, 1, 63 / 127)])
    )
    assert [n[3] for n in notes_of(read(convert(record)).tracks[1])] == [1, 127, 63]


def test_a_nan_velocity_in_a_hand_made_instrument_is_an_invalid_record() -> None:
    with pytest.raises(InvalidRecordError, match="Piano"):
        convert(make_record(Instrument("Piano", [Note(60, 0, 1, math.nan)])))


def test_a_pitch_out_of_range_in_a_hand_made_instrument_is_an_invalid_record() -> None:
    with pytest.raises(InvalidRecordError, match="pitch"):
        convert(make_record(Instrument("Piano", [Note(128, 0, 1, 1)])))


def test_every_note_lasts_at_least_one_tick() -> None:
    record = make_record(
        Instrument("Piano", [Note(60, 1.0, 1.0, 1), Note(62, 2.0, 2.0001, 1),
                             Note(64, 3.0, 2.9999, 1)])
    )
    assert [(s, e) for s, e, *_ in notes_of(read(convert(record)).tracks[1])] == [
        (960, 961), (1920, 1921), (2880, 2881)
    ]


def test_note_offs_come_before_note_ons_at_the_same_tick() -> None:
    record = make_record(
        Instrument("Piano", [Note(72, 0.5, 1.0, 1), Note(60, 0.0, 0.5, 1), Note(60, 0.5, 1, 1),
                             Note(48, 0.0, 0.5, 1)])
    )
    conversion = convert(record)
    events = [(t, m) for t, m in events_at_ticks(read(conversion).tracks[1])
              if m.type == "note_on"]
    at_480 = [(m.note, m.velocity) for t, m in events if t == 480]
    assert at_480 == [(48, 0), (60, 0), (60, 127), (72, 127)]  # offs, then ons, by pitch
    ins = conversion.report.instruments[0]
    assert (ins.cut, ins.merged, ins.notes_written) == (0, 0, 4)  # touching is not overlap


def test_a_same_pitch_note_cuts_the_one_before_at_its_onset() -> None:
    record = make_record(
        Instrument("Piano", [Note(60, 0.0, 2.0, 0.5), Note(60, 1.0, 1.5, 0.8),
                             Note(60, 1.25, 3.0, 0.3), Note(61, 0.5, 3.0, 1.0)])
    )
    conversion = convert(record)
    assert notes_of(read(conversion).tracks[1]) == [
        (0, 960, 60, 64, 0),
        (480, 2880, 61, 127, 0),
        (960, 1200, 60, 102, 0),
        (1200, 2880, 60, 38, 0),
    ]
    ins = conversion.report.instruments[0]
    assert (ins.cut, ins.merged, ins.notes_written) == (2, 0, 4)


def test_same_pitch_notes_on_the_same_tick_merge() -> None:
    record = make_record(
        Instrument("Piano", [Note(60, 0.0, 1.0, 0.9), Note(60, 0.0, 2.0, 0.2),
                             Note(60, 0.0001, 0.5, 0.5),  # rounds onto the same tick
                             Note(64, 0.0, 1.0, 0.5)])
    )
    conversion = convert(record)
    assert notes_of(read(conversion).tracks[1]) == [
        (0, 960, 64, 64, 0),
        (0, 1920, 60, 114, 0),  # the longest end, the loudest velocity
    ]
    ins = conversion.report.instruments[0]
    assert (ins.cut, ins.merged, ins.notes_written) == (0, 2, 2)
    assert conversion.report.notes_written == 2


def test_merge_then_cut_in_one_run() -> None:
    # a and b merge (end 3.0); c starts inside the merged note and cuts it
    record = make_record(
        Instrument("Piano", [Note(50, 1.0, 1.5, 0.5), Note(50, 1.0, 3.0, 0.5),
                             Note(50, 2.0, 2.5, 0.5), Note(50, 2.5, 2.6, 0.5)])
    )
    conversion = convert(record)
    assert [(s, e) for s, e, *_ in notes_of(read(conversion).tracks[1])] == [
        (960, 1920), (1920, 2400), (2400, 2496)
    ]
    ins = conversion.report.instruments[0]
    assert (ins.cut, ins.merged) == (1, 1)


def test_input_order_does_not_matter_for_the_result() -> None:
    items = [Note(60, 0.0, 2.0, 0.5), Note(60, 1.0, 1.5, 0.8), Note(62, 0.0, 0.5, 1.0),
             Note(60, 1.0, 2.5, 0.1), Note(62, 0.25, 1.0, 0.2)]
    forward = convert(make_record(Instrument("Piano", items))).to_bytes()
    backward = convert(make_record(Instrument("Piano", items[::-1]))).to_bytes()
    assert forward == backward


def test_strict_refuses_dropped_notes_naming_the_instrument() -> None:
    record = make_record(
        Instrument("Piano", [Note(60, 0, 1, 1)]),
        Instrument("Bass", [Note(40, 0, 1, 1)], dropped=1, problems=["notes[3]: end < start"]),
    )
    assert convert(record).report.instruments[1].notes_dropped == 1
    with pytest.raises(InvalidRecordError, match=r"'Bass'.*notes\[3\]: end < start") as info:
        convert(record, strict=True)
    assert info.value.where == "instruments[1]"


def test_a_gap_too_long_for_the_file_names_the_instrument() -> None:
    record = make_record(Instrument("Organ", [Note(60, 0.0, 0.5, 1), Note(61, 200.0, 201, 1)]))
    with pytest.raises(InvalidRecordError, match=r"'Organ'.*longer than a MIDI file"):
        convert(record, bpm=60_000_000, ppq=32767)


# --------------------------------------------------------------------------- options and timing


def test_bpm_and_ppq_options() -> None:
    record = make_record(Instrument("Piano", [Note(60, 1.0, 2.0, 1)]))
    conversion = convert(record, bpm=97, ppq=960)
    midi = read(conversion)
    assert midi.ticks_per_beat == 960
    assert midi.tracks[0][1] == mido.MetaMessage("set_tempo", tempo=618_557)
    assert conversion.report.tempo_us == 618_557
    assert conversion.report.bpm == pytest.approx(97, rel=1e-6)
    assert notes_of(midi.tracks[1]) == [(round(960e6 / 618_557), round(2 * 960e6 / 618_557),
                                         60, 127, 0)]
    for bad in ({"bpm": 0}, {"bpm": math.nan}, {"ppq": 0}, {"ppq": 40000}):
        with pytest.raises(UsageError):
            convert(record, **bad)  # type: ignore[arg-type]


def test_a_tempo_map_replaces_bpm_and_ppq() -> None:
    tempo_map = TempoMap(240, [(0, 1_000_000), (720, 500_000)], [(0, 3, 4)])
    record = make_record(Instrument("Piano", [Note(60, 2.0, 4.0, 1)]))
    conversion = convert(record, bpm=77, ppq=96, tempo_map=tempo_map)
    midi = read(conversion)
    assert midi.ticks_per_beat == 240
    assert [m for m in midi.tracks[0] if m.type in ("set_tempo", "time_signature")] == [
        mido.MetaMessage("set_tempo", tempo=1_000_000),
        mido.MetaMessage("time_signature", numerator=3, denominator=4),
        mido.MetaMessage("set_tempo", tempo=500_000, time=720),
    ]
    assert notes_of(midi.tracks[1]) == [(480, 720 + 480, 60, 127, 0)]
    assert conversion.tempo_map is tempo_map
    assert conversion.report.bpm == 120.0  # the tempo from the last change on: the music's
    assert conversion.report.duration_seconds == 4.0
    with pytest.raises(UsageError):
        convert(record, tempo_map="fast")  # type: ignore[arg-type]


def test_an_hour_long_record_at_97_bpm_is_exact_to_half_a_tick() -> None:
    times = [k * 0.7310249 for k in range(0, 4925)]  # 0 .. 3600 s, not on any grid
    record = make_record(Instrument("Piano", [Note(60 + k % 3, t, t + 0.05, 0.5)
                                              for k, t in enumerate(times)]))
    midi = read(convert(record, bpm=97))
    tempo = 618_557
    half_tick = 0.5 * tempo / 480 / 1e6
    found = notes_of(midi.tracks[1])
    assert len(found) == len(times)
    for (start, end, *_), t in zip(found, times, strict=True):
        assert abs(mido.tick2second(start, 480, tempo) - t) <= half_tick * (1 + 1e-9)
        assert abs(mido.tick2second(end, 480, tempo) - (t + 0.05)) <= half_tick * (1 + 1e-9)
    assert mido.tick2second(found[-1][0], 480, tempo) > 3599


# --------------------------------------------------------------------------- the Conversion


def test_same_record_same_bytes() -> None:
    record = parse_record(load_fixture("callback-success-task_id-top"))
    assert convert(record).to_bytes() == convert(record).to_bytes()
    conversion = convert(record)
    assert conversion.to_bytes() == conversion.to_bytes()


_DETERMINISM_SCRIPT = textwrap.dedent(
    """
    import hashlib, json, sys
    from midi_export.midi.convert import convert
    from midi_export.record import parse_record
    payload = json.load(open(sys.argv[1], encoding="utf-8"))
    names = {f"x{i}": i % 20 for i in range(20)}
    data = convert(parse_record(payload), bpm=97, programs=names).to_bytes()
    print(hashlib.sha256(data).hexdigest())
    print("mido" in sys.modules)
    """
)


def test_same_bytes_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    payload = load_fixture("record-info-success")
    payload["data"]["midiData"]["instruments"] += [
        {"name": f"x{i}", "notes": [{"pitch": 60 + i, "start": i / 7, "end": i / 3 + 0.1,
                                     "velocity": 0.5}]}
        for i in range(20)
    ]
    path = tmp_path / "record.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    record = parse_record(payload)
    names = {f"x{i}": i % 20 for i in range(20)}
    expected = hashlib.sha256(convert(record, bpm=97, programs=names).to_bytes()).hexdigest()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        out = subprocess.run(
            [sys.executable, "-c", _DETERMINISM_SCRIPT, str(path)],
            capture_output=True, text=True, check=True, env=env, cwd=ROOT,
        ).stdout.split()
        assert out == [expected, "False"]  # same bytes; and mido was never imported


def test_midi_is_a_lazily_built_mido_file() -> None:
    conversion = convert(make_record(Instrument("Flûte", [Note(60, 0, 1, 1)])))
    midi = conversion.midi
    assert isinstance(midi, mido.MidiFile)
    assert conversion.midi is midi
    assert midi.tracks[1].name == "Flûte"  # read as UTF-8
    out = io.BytesIO()
    midi.save(file=out)
    assert out.getvalue() == conversion.to_bytes()


def test_stems_have_the_conductor_and_one_instrument() -> None:
    record = make_record(
        Instrument("Drums", [Note(36, 0, 0.1, 1)]),
        Instrument("vocals", []),
        Instrument("Bass", [Note(40, 0.5, 1, 1)]),
    )
    conversion = convert(record)
    whole = read(conversion)
    for ins in conversion.report.instruments:
        if not ins.written:
            continue
        assert ins.track is not None
        stem = mido.MidiFile(file=io.BytesIO(conversion.stem_bytes(ins.track)), charset="utf-8")
        assert len(stem.tracks) == 2
        assert stem.tracks[0] == whole.tracks[0]
        assert stem.tracks[1] == whole.tracks[ins.track]
        assert stem.tracks[1].name == ins.name
    for bad in (0, 3, -1):
        with pytest.raises(IndexError):
            conversion.stem_bytes(bad)
    with pytest.raises(TypeError):
        conversion.stem_bytes("1")  # type: ignore[arg-type]


def test_repr_is_short() -> None:
    conversion = convert(make_record(Instrument("Piano", [Note(60, 0, 1, 1)])))
    assert repr(conversion) == "<Conversion task_id='task1' tracks=2 notes=1>"


def test_the_demo_song_converts_like_mido_would_resave_it() -> None:
    path = ROOT / "fixtures" / "demo-song.json"
    if not path.exists():
        pytest.skip("no demo song fixture")
    conversion = convert(parse_record(path.read_bytes()))
    data = conversion.to_bytes()
    out = io.BytesIO()
    mido.MidiFile(file=io.BytesIO(data), charset="utf-8").save(file=out)
    assert out.getvalue() == data
    assert sum(ins.cut for ins in conversion.report.instruments) > 0  # pads overlap


# --------------------------------------------------------------------------- dense overlaps


@settings(max_examples=80, deadline=None)
@given(
    data=st.data(),
    grid=st.sampled_from([1 / 192, 1 / 8, 1 / 2]),
    pitches=st.sampled_from([(60, 60), (60, 62), (40, 52)]),
)
def test_dense_same_pitch_overlaps_follow_the_rules(
    data: st.DataObject, grid: float, pitches: tuple[int, int]
) -> None:
    # many notes on few pitches and a coarse grid: long runs of cuts and merges
    count = data.draw(st.integers(1, 300))
    items = [
        Note(
            data.draw(st.integers(*pitches)),
            start := data.draw(st.integers(0, 200)) * grid,
            start + data.draw(st.integers(0, 12)) * grid,
            data.draw(st.integers(0, 127)) / 127,
        )
        for _ in range(count)
    ]
    ins = Instrument("Piano", items)
    conversion = convert(make_record(ins))
    expected, cut, merged = reference_notes(ins, conversion.tempo_map.to_tick)
    assert notes_of(read(conversion).tracks[1]) == sorted(
        (n.start_tick, n.end_tick, n.pitch, n.velocity, 0) for n in expected
    )
    report = conversion.report.instruments[0]
    assert (report.cut, report.merged, report.notes_written) == (cut, merged, len(expected))
