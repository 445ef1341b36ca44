"""to_pretty_midi: the converted file as a pretty_midi object, read from the file's bytes."""

from __future__ import annotations

import io
import warnings

import mido
import pytest
from hypothesis import HealthCheck, given, settings

import midi_export
from midi_export.midi.convert import convert
from midi_export.pm import to_pretty_midi
from midi_export.record import Instrument, Record, RecordStatus, parse_record

from conftest import load_fixture
from grooves import groove
from strategies import records, reference_notes

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pretty_midi

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=40)


def named_record() -> Record:
    return Record(
        task_id="names",
        status=RecordStatus.SUCCESS,
        instruments=[
            Instrument("Drums", [(36, 0.0, 0.1, 0.9), (42, 0.25, 0.3, 0.5)]),
            Instrument("Guitarra Eléctrica", [(64, 0.25, 0.5, 0.7), (67, 0.5, 0.75, 0.7)]),
            Instrument("Empty", []),
            Instrument("ベース", [(40, 1.0, 1.5, 0.6)]),
            Instrument("Lead 1 (square)", [(72, 0.0, 2.0, 1.0)]),
        ],
    )


def check_same(record: Record, pm: pretty_midi.PrettyMIDI, **options: object) -> None:
    """The pretty_midi object holds what the file holds: notes within half a tick, names,
    programs, drum flags, tempo changes and time signatures."""
    conversion = convert(record, **options)  # type: ignore[arg-type]
    tempo_map = conversion.tempo_map
    slowest = max(tempo_us for _, tempo_us in tempo_map.tempos)
    half_tick = 0.5 * slowest / tempo_map.ppq / 1e6 + 1e-9
    written = [r for r in conversion.report.instruments if r.written]
    sources = [ins for ins in record.instruments if len(ins)]
    assert [i.name for i in pm.instruments] == [r.name for r in written]
    assert [i.program for i in pm.instruments] == [r.program for r in written]
    assert [i.is_drum for i in pm.instruments] == [r.is_drum for r in written]
    for source, got in zip(sources, pm.instruments, strict=True):
        expected, _, _ = reference_notes(source, tempo_map.to_tick)
        expected.sort(key=lambda n: (n.start_tick, n.pitch))
        found = sorted(got.notes, key=lambda n: (n.start, n.pitch))
        assert len(found) == len(expected)
        for note, back in zip(expected, found, strict=True):
            assert (back.pitch, back.velocity) == (note.pitch, note.velocity)
            assert abs(back.start - note.start_seconds) <= half_tick
            if note.end_seconds is not None:
                assert abs(back.end - note.end_seconds) <= half_tick
    # the tempo map, as pretty_midi reads it
    times, tempi = pm.get_tempo_changes()
    assert [round(mido.bpm2tempo(t)) for t in tempi] == [u for _, u in tempo_map.tempos]
    assert [round(t, 6) for t in times] == [
        round(tempo_map.tick_to_seconds(tick), 6) for tick, _ in tempo_map.tempos
    ]
    assert [(ts.numerator, ts.denominator) for ts in pm.time_signature_changes] == [
        (n, d) for _, n, d in tempo_map.time_signatures
    ]
    assert pm.resolution == tempo_map.ppq


def test_names_programs_drums_and_notes() -> None:
    record = named_record()
    pm = to_pretty_midi(record)
    assert isinstance(pm, pretty_midi.PrettyMIDI)
    assert [i.name for i in pm.instruments] == [
        "Drums", "Guitarra Eléctrica", "ベース", "Lead 1 (square)"
    ]
    assert pm.instruments[0].is_drum and not pm.instruments[1].is_drum
    assert pm.instruments[3].program == 80
    check_same(record, pm)


def test_a_conversion_or_a_record_give_the_same_object() -> None:
    record = groove(97.0, 1.2, pickup_beats=1.5)
    conversion = convert(record, bpm="auto", ppq=960, quantize="1/16")
    from_conversion = to_pretty_midi(conversion)
    from_record = to_pretty_midi(record, bpm="auto", ppq=960, quantize="1/16")
    for a, b in zip(from_conversion.instruments, from_record.instruments, strict=True):
        assert (a.name, a.program, a.is_drum) == (b.name, b.program, b.is_drum)
        assert [(n.start, n.end, n.pitch, n.velocity) for n in a.notes] == [
            (n.start, n.end, n.pitch, n.velocity) for n in b.notes
        ]
    assert from_record.resolution == 960


def test_the_auto_tempo_map_comes_through() -> None:
    record = groove(126.0, 1.014, pickup_beats=1.5)
    pm = to_pretty_midi(record, bpm="auto")
    check_same(record, pm, bpm="auto")
    _, tempi = pm.get_tempo_changes()
    assert abs(tempi[-1] / 126.0 - 1) < 0.02
    downbeats = pm.get_downbeats()
    assert min(abs(t - 1.014) for t in downbeats) < 0.03


def test_fixtures_round_trip() -> None:
    for name in ("record-info-success", "demo-song"):
        record = parse_record(load_fixture(name))
        check_same(record, to_pretty_midi(record, bpm=97), bpm=97)


@SETTINGS
@given(record=records())
def test_any_record_round_trips(record: Record) -> None:
    check_same(record, to_pretty_midi(record, bpm=133.7, ppq=384), bpm=133.7, ppq=384)


def test_bad_arguments() -> None:
    conversion = convert(named_record())
    with pytest.raises(TypeError, match="convert options"):
        to_pretty_midi(conversion, bpm=90)
    with pytest.raises(TypeError, match="Record or a Conversion"):
        to_pretty_midi({"instruments": []})  # type: ignore[arg-type]
    with pytest.raises(midi_export.UsageError):
        to_pretty_midi(named_record(), quantize="1/5")


def test_it_is_public_and_pretty_midi_is_imported_on_use() -> None:
    assert midi_export.to_pretty_midi is to_pretty_midi
    assert "to_pretty_midi" in midi_export.__all__


def test_the_object_does_not_share_state_with_the_conversion() -> None:
    conversion = convert(named_record())
    before = conversion.to_bytes()
    pm = to_pretty_midi(conversion)
    pm.instruments[0].notes.clear()
    assert conversion.to_bytes() == before



def test_the_object_writes_non_ascii_names_back() -> None:
    pm = to_pretty_midi(named_record())
    out = io.BytesIO()
    pm.write(out)
    out.seek(0)
    names = [t.name for t in mido.MidiFile(file=out, charset="utf-8").tracks[1:]]
    assert "Guitarra Eléctrica" in names and "ベース" in names


def test_a_name_utf8_cannot_hold_stays_as_the_file_has_it() -> None:
    record = Record(task_id="s", status=RecordStatus.SUCCESS,
                    instruments=[Instrument("a\ud800b", [(60, 0.0, 1.0, 0.5)])])
    assert [i.name for i in to_pretty_midi(record).instruments] == ["a?b"]
