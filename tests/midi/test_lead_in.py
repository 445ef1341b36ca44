"""What ``convert`` writes for a song that starts before its first downbeat (``lead_in``), the
round tempo rule (``tempo_choice.round_tempo``) and the conductor track's hygiene: one tempo
at tick 0, the song's; time signatures of 24 clocks and 8 32nds; nothing of the kind in any
other track."""

from __future__ import annotations

import io
from pathlib import Path

import mido
import pytest

from midi_export.midi.convert import convert
from midi_export.midi.tempo_choice import ROUND_TOLERANCE, beat_drift, round_tempo
from midi_export.music.tempo import estimate_tempo
from midi_export.record import Instrument, Record, RecordStatus, parse_record

from daw_records import PICKUP_DOWNBEAT, as_bytes, pickup, rec17
from grooves import groove

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-song.json"


def pickup_record() -> Record:
    return parse_record(as_bytes(pickup()))


def notes_in_seconds(data: bytes) -> list[tuple[int, float, float]]:
    """(pitch, start, end) of every note, in seconds through the file's own tempo map."""
    midi = mido.MidiFile(file=io.BytesIO(data), charset="utf-8")
    out: list[tuple[int, float, float]] = []
    for track in midi.tracks[1:]:
        seconds, sounding = 0.0, {}
        merged = mido.merge_tracks([midi.tracks[0], track])
        tempo = 500_000
        for msg in merged:
            seconds += mido.tick2second(msg.time, midi.ticks_per_beat, tempo)
            if msg.type == "set_tempo":
                tempo = msg.tempo
            elif msg.type == "note_on" and msg.velocity:
                sounding[msg.note] = seconds
            elif msg.type == "note_on":
                out.append((msg.note, sounding.pop(msg.note), seconds))
    return sorted(out)


def record_notes(record: Record, delay: float = 0.0) -> list[tuple[int, float, float]]:
    return sorted((n.pitch, n.start + delay, n.end + delay)
                  for ins in record.instruments for n in ins.notes)


def conductor_check(data: bytes) -> list[tuple[int, int]]:
    """The conductor's tempo events, after checking the hygiene rules; nothing of the kind in
    the instrument tracks."""
    midi = mido.MidiFile(file=io.BytesIO(data))
    tick, tempos = 0, []
    for msg in midi.tracks[0]:
        tick += msg.time
        if msg.type == "set_tempo":
            tempos.append((tick, msg.tempo))
        elif msg.type == "time_signature":
            assert (msg.clocks_per_click, msg.notated_32nd_notes_per_beat) == (24, 8)
    assert tempos[0][0] == 0 and [t for t, _ in tempos].count(0) == 1
    for track in midi.tracks[1:]:
        assert not any(m.type in ("set_tempo", "time_signature") for m in track)
    return tempos


@pytest.mark.parametrize(
    "options",
    [{}, {"bpm": 97.3}, {"bpm": "auto"}, {"bpm": "auto", "lead_in": "shift"},
     {"bpm": "auto", "quantize": "1/16"}, {"bpm": "auto", "ppq": 96}],
)
@pytest.mark.parametrize("make", [pickup, rec17])
def test_every_file_has_one_tempo_at_tick_0_and_clean_time_signatures(
    options: dict[str, object], make: object
) -> None:
    record = parse_record(as_bytes(make()))  # type: ignore[operator]
    conversion = convert(record, **options)  # type: ignore[arg-type]
    tempos = conductor_check(conversion.to_bytes())
    assert tempos[0][1] == conversion.report.tempo_us  # the first tempo is the song's


def test_pickup_keeps_every_note_and_starts_with_the_songs_tempo() -> None:
    record = pickup_record()
    conversion = convert(record, bpm="auto")
    tempo = conversion.report.tempo
    assert (tempo.bpm, tempo.lead_in, tempo.delay_seconds) == (
        pytest.approx(110.0, abs=1e-3), "pickup", 0.0)
    assert conversion.tempo_map.tempos[0] == (0, 545_455)  # 110 BPM, not the pickup's tempo
    assert conversion.tempo_map.time_signatures == ((0, 7, 16), (840, 4, 4))
    assert tempo.downbeat_tick == 840
    assert conversion.tempo_map.tick_to_seconds(840) == pytest.approx(tempo.first_downbeat,
                                                                       abs=1e-6)
    half_tick = 0.5 * 0.545455 / 480 + 1e-9
    for got, want in zip(notes_in_seconds(conversion.to_bytes()), record_notes(record),
                         strict=True):
        assert got[0] == want[0] and abs(got[1] - want[1]) <= half_tick


def test_shift_delays_every_note_by_the_reported_delay_onto_a_bar_line() -> None:
    record = pickup_record()
    conversion = convert(record, bpm="auto", lead_in="shift")
    tempo, tempo_map = conversion.report.tempo, conversion.tempo_map
    assert tempo_map.tempos == ((0, 545_455),) and tempo_map.time_signatures == ((0, 4, 4),)
    bar = 4 * 0.545455
    assert tempo.delay_seconds == pytest.approx(bar - tempo.first_downbeat, abs=1e-6)
    assert tempo.first_downbeat == pytest.approx(PICKUP_DOWNBEAT, abs=0.005)
    assert tempo.downbeat_tick == 1920  # bar 2 starts on the music's first downbeat
    assert tempo_map.to_tick(tempo.first_downbeat + tempo.delay_seconds) == 1920
    half_tick = 0.5 * 0.545455 / 480 + 1e-9
    delayed = record_notes(record, tempo.delay_seconds)
    for got, want in zip(notes_in_seconds(conversion.to_bytes()), delayed, strict=True):
        assert got[0] == want[0] and abs(got[1] - want[1]) <= half_tick
    assert conversion.report.duration_seconds == pytest.approx(
        max(n.end for ins in record.instruments for n in ins.notes) + tempo.delay_seconds,
        abs=half_tick * 2)


def test_shift_on_a_song_without_a_pulse_falls_back_without_delay() -> None:
    record = Record(task_id="x", status=RecordStatus.SUCCESS,
                    instruments=[Instrument("Piano", [(60, 0.3, 0.9, 0.8)])])
    conversion = convert(record, bpm="auto", lead_in="shift")
    tempo = conversion.report.tempo
    assert tempo.fell_back and (tempo.lead_in, tempo.delay_seconds) == ("shift", 0.0)
    assert any("--lead-in shift delayed nothing" in w for w in conversion.report.warnings)
    assert conversion.tempo_map.tempos == ((0, 500_000),)


def test_shift_of_a_song_starting_on_its_downbeat_delays_nothing() -> None:
    conversion = convert(groove(100.0, 0.0, seed=2), bpm="auto", lead_in="shift")
    assert conversion.report.tempo.delay_seconds == 0.0
    assert conversion.report.tempo.downbeat_tick == 0


# --------------------------------------------------------------------------- round tempi


def test_the_demo_song_is_written_at_96_not_95_9998() -> None:
    record = parse_record(DEMO.read_bytes())
    estimate = estimate_tempo(record.instruments)
    assert round(60e6 / estimate.bpm) != 625_000  # as estimated: 625001, 95.9998 BPM
    conversion = convert(record, bpm="auto")
    tempo = conversion.report.tempo
    assert conversion.report.tempo_us == 625_000
    assert tempo.rounding == "whole" and 0 < (tempo.round_drift_ms or 0) <= 5.0


def test_a_tempo_the_caller_gives_is_written_as_given() -> None:
    conversion = convert(parse_record(DEMO.read_bytes()), bpm=97.3)
    assert conversion.report.tempo_us == round(60e6 / 97.3)
    assert conversion.report.tempo.rounding is None


def test_round_tempo_whole_then_one_decimal_then_the_estimate() -> None:
    assert round_tempo(95.99987, 0.0, 40.0)[:2] == (96.0, "whole")
    assert round_tempo(110.00089, 0.95, 18.5).bpm == 110.0
    assert round_tempo(97.4996, 0.0, 180.0)[:2] == (97.5, "one decimal")
    kept = round_tempo(97.46, 0.0, 180.0)
    assert kept[:2] == (97.46, "none")
    assert beat_drift(97.5, 97.46, 0.0, 180.0) > ROUND_TOLERANCE


def test_longer_songs_need_closer_estimates() -> None:
    assert round_tempo(120.002, 0.0, 30.0).bpm == 120.0  # 60 beats: 0.5 ms
    assert round_tempo(120.002, 0.0, 600.0).rounding == "none"  # 1200 beats: 10 ms
    assert round_tempo(120.0002, 0.0, 600.0).bpm == 120.0  # 1200 beats: 1 ms


def test_the_drift_counts_from_the_downbeat_both_ways() -> None:
    # a long lead-in: the farthest beat is at 0 s, before the anchor
    assert beat_drift(120.0, 120.01, 50.0, 60.0) == pytest.approx(
        50.0 * 120.01 / 60 * abs(0.5 - 60 / 120.01), rel=1e-9)


def test_the_written_tempo_is_what_the_file_stores() -> None:
    # 110 BPM has no whole-microsecond tempo (545454.5): the drift is measured with 545455
    drift = beat_drift(110.0, 110.0, 0.0, 600.0)
    assert drift == pytest.approx(1100 * (545_455e-6 - 60 / 110), rel=1e-6)
    assert drift > 0
