"""Tempo, beat phase and downbeat from the notes (``music.tempo.estimate_tempo``).

The songs come from the evaluation set's generator (``evaluation/make_set.py``): seeded
grooves with human timing, transcription noise and times on the API's 1/192 s grid.
"""

from __future__ import annotations

import random

import pytest

from evaluation.make_set import Song, generate_song, make_set  # the repo root is on pythonpath
from midi_export.music.tempo import DEFAULT_BPM, TempoEstimate, estimate_tempo
from midi_export.record import Instrument, Note, Record, RecordStatus

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
    # in 4/4 bars, as these grooves are written (a hard shuffle may pass for 12/8 or 6/8 when
    # the metre is estimated too: test_metre.py keeps that case)
    assert_found(song, estimate_tempo(song.to_instruments(), metre="4/4"))


@pytest.mark.parametrize(("style", "swing"), [("shuffle", 0.58), ("funk", 0.58),
                                              ("hiphop", 0.6)])
def test_swing_keeps_4_4_when_the_metre_is_estimated(style: str, swing: float) -> None:
    song = generate_song(f"swing-{style}-{swing}", style=style, swing=swing, lead="silence",
                         bars=24)
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
