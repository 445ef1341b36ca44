"""Tempo, beat phase and downbeat from the notes; the tempo map that keeps every note's time.

The songs come from the evaluation set's generator (``evaluation/make_set.py``): seeded
grooves with human timing, transcription noise and times on the API's 1/192 s grid.
"""

from __future__ import annotations

import io
import random

import pytest

from evaluation.make_set import Song, generate_song, make_set  # the repo root is on pythonpath
from midi_export.records import Instrument, Note, Record, RecordStatus
from midi_export.tempo import (
    DEFAULT_BPM,
    TempoEstimate,
    estimate_tempo,
    tempo_map_for,
)

BAR_TOL = 0.04  # s


def assert_found(song: Song, est: TempoEstimate, *, downbeat: bool = True) -> None:
    assert est.bpm == pytest.approx(song.bpm, rel=0.02), (song.name, est)
    beat = 60.0 / song.bpm
    # the beat phase: our downbeat sits on one of the song's beats
    u = (est.first_downbeat - song.first_downbeat) / beat
    assert abs(u - round(u)) * beat < BAR_TOL, (song.name, est, song.first_downbeat)
    if downbeat:
        assert est.first_downbeat == pytest.approx(song.first_downbeat, abs=BAR_TOL), (
            song.name, est, song.first_downbeat)
    assert est.beats_per_bar == 4
    assert 0.5 < est.confidence <= 1.0


@pytest.mark.parametrize(
    ("style", "bpm", "seed"),
    [("rock", 123.0, 1), ("four_on_floor", 126.0, 2), ("funk", 98.0, 3), ("punk", 184.0, 4),
     ("hiphop", 88.0, 5)],
)
def test_tempo_and_downbeat_after_a_pickup(style: str, bpm: float, seed: int) -> None:
    song = generate_song(seed, style=style, bpm=bpm, lead="pickup", bars=24)
    assert song.pickup_beats > 0
    first_note = min(n[1] for t in song.tracks for n in t.notes)
    assert first_note < song.first_downbeat - 0.1  # the music starts before the downbeat
    est = estimate_tempo(song.to_instruments())
    assert_found(song, est)
    assert est.source == "drums"


@pytest.mark.parametrize(("style", "swing"), [("shuffle", 0.62), ("shuffle", 0.58),
                                              ("funk", 0.58), ("hiphop", 0.6)])
def test_tempo_and_downbeat_with_swing(style: str, swing: float) -> None:
    song = generate_song(f"swing-{style}-{swing}", style=style, swing=swing, lead="silence",
                         bars=24)
    assert song.swing == swing and song.swing_level in (8, 16)
    assert_found(song, estimate_tempo(song.to_instruments()))


@pytest.mark.parametrize(
    ("style", "bpm"),
    [("piano_ballad", 76.0), ("acoustic_strum", 118.0), ("synth_arp", 128.0),
     ("chamber", 92.0), ("jazz_combo", 140.0)],
)
def test_tempo_and_beat_phase_without_drums(style: str, bpm: float) -> None:
    song = generate_song(f"plain-{style}", style=style, bpm=bpm, lead="none", bars=24)
    assert not song.has_drums
    est = estimate_tempo(song.to_instruments())
    assert_found(song, est)
    assert est.source in ("bass", "all")


def test_silence_before_the_music() -> None:
    song = generate_song("silence", style="rock", bpm=141.0, lead="silence", bars=20)
    assert song.first_downbeat > 0.6
    assert_found(song, estimate_tempo(song.to_instruments()))


def test_exact_notes_give_an_exact_tempo() -> None:
    song = generate_song("exact", style="four_on_floor", bpm=124.0, lead="none", bars=32,
                         jitter_ms=0.0, noise=False)
    est = estimate_tempo(song.to_instruments())
    assert est.bpm == pytest.approx(124.0, rel=1e-3)
    assert est.first_downbeat == pytest.approx(song.first_downbeat, abs=0.01)


def test_record_and_instrument_list_give_the_same_answer() -> None:
    song = generate_song("record", style="rock", bpm=110.0, bars=16)
    instruments = song.to_instruments()
    record = Record(task_id="t", status=RecordStatus.SUCCESS, instruments=instruments)
    assert estimate_tempo(record) == estimate_tempo(instruments)
    assert estimate_tempo(iter(instruments)) == estimate_tempo(instruments)


def test_the_input_is_not_changed() -> None:
    instruments = generate_song("pure", style="funk", bars=12).to_instruments()
    before = [(i.name, list(i.pitches), list(i.starts), list(i.ends), list(i.velocities))
              for i in instruments]
    estimate_tempo(instruments)
    assert before == [(i.name, i.pitches, i.starts, i.ends, i.velocities) for i in instruments]


def test_random_onsets_have_low_confidence() -> None:
    rng = random.Random(7)
    instruments = []
    for name, low, high in (("Drums", 35, 60), ("Electric Bass (finger)", 28, 50),
                            ("Acoustic Grand Piano", 48, 84)):
        notes = []
        for _ in range(300):
            start = round(rng.uniform(0.0, 90.0) * 192) / 192
            velocity = rng.randint(30, 127) / 127
            notes.append(Note(rng.randint(low, high), start, start + 0.2, velocity))
        instruments.append(Instrument(name, sorted(notes, key=lambda n: n.start)))
    est = estimate_tempo(instruments)
    assert 60.0 <= est.bpm <= 200.0
    assert est.confidence < 0.25
    groove = estimate_tempo(generate_song("groove", style="rock", bars=24).to_instruments())
    assert groove.confidence > est.confidence + 0.5


@pytest.mark.parametrize(
    "instruments",
    [[], [Instrument("Drums")], [Instrument("Piano"), Instrument("Drums")]],
    ids=["nothing", "no-notes", "all-empty"],
)
def test_no_notes_gives_the_default_with_zero_confidence(instruments: list[Instrument]) -> None:
    est = estimate_tempo(instruments)
    assert est == TempoEstimate(DEFAULT_BPM, 0.0, 4, 0.0, "none")
    empty = Record(task_id=None, status=RecordStatus.SUCCESS)
    assert estimate_tempo(empty) == est


def test_a_few_notes_give_zero_confidence_from_the_first_note() -> None:
    notes = [Note(60, 1.5 + 0.5 * k, 1.9 + 0.5 * k, 0.8) for k in range(5)]
    est = estimate_tempo([Instrument("Acoustic Grand Piano", notes)])
    assert est.confidence == 0.0 and est.source == "none"
    assert est.first_downbeat == 1.5


def test_tempo_limits_are_checked() -> None:
    with pytest.raises(ValueError):
        estimate_tempo([], min_bpm=200.0, max_bpm=60.0)


def test_the_estimate_stays_within_the_limits() -> None:
    song = generate_song("limits", style="rock", bpm=150.0, bars=20)
    est = estimate_tempo(song.to_instruments(), min_bpm=60.0, max_bpm=100.0)
    assert 60.0 <= est.bpm <= 100.0
    assert est.bpm == pytest.approx(75.0, rel=0.02)  # half of 150 is the one in range


def test_the_generator_is_deterministic() -> None:
    a = make_set(3, seed=11)
    b = make_set(3, seed=11)
    assert [s.to_envelope() for s in a] == [s.to_envelope() for s in b]
    assert a[0].to_envelope() != make_set(1, seed=12)[0].to_envelope()
    for song in a:  # the API's own grid and velocities
        for t in song.tracks:
            for _, start, end, vel in t.notes:
                assert start * 192 == round(start * 192) and end > start
                assert vel * 127 == pytest.approx(round(vel * 127))


# --------------------------------------------------------------------------- tempo map


def seconds_at(tick: int, tempos: list[tuple[int, int]], ppq: int) -> float:
    """A tick's time as a MIDI reader computes it from integer ticks and tempos."""
    t = 0.0
    for i, (start, tempo_us) in enumerate(tempos):
        end = tempos[i + 1][0] if i + 1 < len(tempos) else None
        if end is not None and tick >= end:
            t += (end - start) * tempo_us / (ppq * 1e6)
            continue
        return t + (tick - start) * tempo_us / (ppq * 1e6)
    raise AssertionError("unreachable")


def tick_of(t: float, tempos: list[tuple[int, int]], ppq: int) -> int:
    """The converter's rule: tick = K_i + round((t - S_i) * ppq * 1e6 / tempo_us_i)."""
    for i in range(len(tempos) - 1, -1, -1):
        start, tempo_us = tempos[i]
        s_i = seconds_at(start, tempos, ppq)
        if t >= s_i or i == 0:
            return start + round((t - s_i) * ppq * 1e6 / tempo_us)
    raise AssertionError("unreachable")


def bar_lines(sigs: list[tuple[int, int, int]], ppq: int, until: int) -> list[int]:
    lines = []
    for i, (start, num, den) in enumerate(sigs):
        end = sigs[i + 1][0] if i + 1 < len(sigs) else until
        step = num * ppq * 4 // den
        lines.extend(range(start, end, step))
    return lines


def test_no_lead_in_when_the_downbeat_is_at_zero() -> None:
    tempos, sigs = tempo_map_for(TempoEstimate(100.0, 0.0, 4, 0.9, "drums"))
    assert tempos == [(0, 600_000)]
    assert sigs == [(0, 4, 4)]


def test_a_lead_in_shorter_than_20_ms_is_left_out() -> None:
    tempos, sigs = tempo_map_for(TempoEstimate(120.0, 0.012, 4, 0.9, "drums"))
    assert tempos == [(0, 500_000)] and sigs == [(0, 4, 4)]


@pytest.mark.parametrize("ppq", [480, 96, 960, 100, 125])
@pytest.mark.parametrize(
    ("bpm", "downbeat"),
    [(120.0, 0.75), (97.3, 1.1234), (183.0, 3.97), (64.0, 0.05), (140.0, 2.571), (75.5, 9.3),
     (120.0, 0.021)],
)
def test_the_map_puts_a_bar_line_on_the_first_downbeat(bpm: float, downbeat: float,
                                                       ppq: int) -> None:
    est = TempoEstimate(bpm, downbeat, 4, 0.9, "drums")
    tempos, sigs = tempo_map_for(est, ppq=ppq)
    main_us = round(60e6 / bpm)
    assert tempos[-1][1] == main_us
    assert all(type(x) is int for seg in tempos for x in seg)
    assert all(type(x) is int for sig in sigs for x in sig)
    assert all(1 <= us <= 0xFFFFFF for _, us in tempos)
    assert tempos[0][0] == 0 and sigs[0][0] == 0
    assert [t for t, _ in tempos] == sorted({t for t, _ in tempos})
    assert all(den in (4, 8, 16) for _, _, den in sigs)
    assert sigs[-1][1:] == (4, 4)
    downbeat_tick = tick_of(downbeat, tempos, ppq)
    assert seconds_at(downbeat_tick, tempos, ppq) == pytest.approx(downbeat, abs=1e-6)
    lines = bar_lines(sigs, ppq, downbeat_tick + 9 * ppq)
    assert downbeat_tick in lines and downbeat_tick + 4 * ppq in lines
    assert downbeat_tick == max(line for line in lines if line <= downbeat_tick)
    unit_ticks = ppq // 4 if ppq % 4 == 0 else ppq
    if len(tempos) == 2:  # only the first 16th (or beat) has a tempo of its own
        assert tempos[1][0] == unit_ticks <= downbeat_tick
        unit = main_us / 1e6 * unit_ticks / ppq
        first = seconds_at(unit_ticks, tempos, ppq)
        if downbeat >= unit / 2:
            assert 0.5 * unit - 1e-6 <= first < 1.5 * unit
        else:
            assert first == pytest.approx(downbeat, abs=1e-6)


def test_every_note_keeps_its_time_and_the_pickup_lands_on_the_grid() -> None:
    song = generate_song("map", style="rock", bpm=131.0, lead="pickup", bars=16,
                         jitter_ms=0.0, noise=False)
    est = estimate_tempo(song.to_instruments())
    ppq = 480
    tempos, _ = tempo_map_for(est, ppq)
    half_tick = 0.5 * 60.0 / est.bpm / ppq
    for track in song.tracks:
        for _, start, end, _ in track.notes:
            for t in (start, end):
                back = seconds_at(tick_of(t, tempos, ppq), tempos, ppq)
                assert back == pytest.approx(t, abs=half_tick + 1e-6)
    # without jitter the notes sit on 16ths of the map, the pickup included (within the
    # generator's constant per-instrument offsets of up to 6 ms and its strums)
    sixteenth = ppq // 4
    seconds_per_tick = 60.0 / est.bpm / ppq
    starts = sorted(n[1] for track in song.tracks for n in track.notes
                    if "Guitar" not in track.name)  # strummed chords spread over 50 ms
    pickup = [t for t in starts if t < est.first_downbeat - 0.01]
    assert pickup
    for t in pickup + starts[:200]:
        tick = tick_of(t, tempos, ppq)
        off = min(tick % sixteenth, sixteenth - tick % sixteenth)
        assert off * seconds_per_tick <= 0.02, (t, tick)


def test_pretty_midi_reads_the_map_back() -> None:
    mido = pytest.importorskip("mido")
    pretty_midi = pytest.importorskip("pretty_midi")
    song = generate_song("readback", style="funk", bpm=103.0, lead="pickup", bars=12)
    est = estimate_tempo(song.to_instruments())
    ppq = 480
    tempos, sigs = tempo_map_for(est, ppq)
    meta = [(tick, mido.MetaMessage("set_tempo", tempo=us)) for tick, us in tempos]
    meta += [(tick, mido.MetaMessage("time_signature", numerator=n, denominator=d))
             for tick, n, d in sigs]
    notes = [n for t in song.tracks if t.name != "Drums" for n in t.notes]
    events = list(meta)
    for pitch, start, end, vel in notes:
        events.append((tick_of(start, tempos, ppq),
                       mido.Message("note_on", note=pitch, velocity=max(1, round(vel * 127)))))
        events.append((max(tick_of(end, tempos, ppq), tick_of(start, tempos, ppq) + 1),
                       mido.Message("note_off", note=pitch, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1].type == "note_on"))
    track = mido.MidiTrack()
    now = 0
    for tick, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    midi = mido.MidiFile(ticks_per_beat=ppq)
    midi.tracks.append(track)
    buf = io.BytesIO()
    midi.save(file=buf)
    buf.seek(0)
    pm = pretty_midi.PrettyMIDI(buf)
    starts = sorted(n.start for ins in pm.instruments for n in ins.notes)
    assert starts == pytest.approx(sorted(n[1] for n in notes), abs=0.6 * 60 / est.bpm / ppq)
    downbeats = pm.get_downbeats()
    assert min(abs(d - est.first_downbeat) for d in downbeats) < 1e-4
    assert min(abs(d - (est.first_downbeat + 4 * 60 / est.bpm)) for d in downbeats) < 1e-3


def test_drums_are_told_by_the_converters_rule_overrides_included() -> None:
    from grooves import groove

    record = groove(110.0, 0.5, seed=3)
    assert estimate_tempo(record).source == "drums"
    # the same kit under a name no rule knows: not drums, unless an override says so
    renamed = [
        Instrument("Loop 7", ins.notes) if ins.name == "Drums" else ins
        for ins in record.instruments
    ]
    assert estimate_tempo(renamed).source != "drums"
    assert estimate_tempo(renamed, programs={"loop 7": "drums"}).source == "drums"
