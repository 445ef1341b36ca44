"""Small synthetic songs in a known metre and key, for the metre, key and tempo-octave tests.

``metre_song(beat_s, bars, bar_beats, division, ...)`` lays out ``bars`` bars of
``bar_beats`` beats, each beat ``division`` tatums (2: simple, 3: compound) of
``beat_s / division`` seconds: drums as ``(GM key, tatum in the bar, velocity 1-127)``, a
bass note and the chords on the tatums given, the harmony I-IV-V7-I (one chord a bar) in
``tonic``. Every onset moves by a seeded gaussian of ``jitter`` seconds and is rounded to
1/192 s as the API sends times. The named grooves below are the cases the tests pin. Only
the standard library is used, so the songs never change.
"""

from __future__ import annotations

import random

from midi_export.record import Instrument

__all__ = [
    "eight_beat_rock",
    "fiddle_reel",
    "folk_waltz",
    "instrument",
    "metre_song",
    "oom_pah_pah",
    "shuffle",
    "six_eight",
    "twelve_eight",
]

TICK = 1.0 / 192.0


def _q(t: float) -> float:
    return max(0.0, round(t / TICK) * TICK)


def instrument(name: str, notes: list[tuple[int, float, float, float]]) -> Instrument:
    """An instrument from ``(pitch, start, end, velocity 0..1)``, times on the API's grid."""
    notes = sorted(notes, key=lambda n: (n[1], n[0]))
    return Instrument.from_columns(
        name, [n[0] for n in notes], [_q(n[1]) for n in notes],
        [max(_q(n[1]) + TICK, _q(n[2])) for n in notes], [round(n[3] * 127) / 127 for n in notes])


def metre_song(
    beat_s: float,
    bars: int,
    bar_beats: int,
    division: int,
    *,
    drums: list[tuple[int, int, int]],
    bass_steps: list[int],
    chord_steps: list[int],
    jitter: float = 0.004,
    start: float = 0.5,
    tonic: int = 0,
    seed: int = 1,
) -> list[Instrument]:
    """The song of the module docstring: drums (when any), bass, piano chords."""
    rng = random.Random(seed)
    tat = beat_s / division
    steps_per_bar = bar_beats * division
    roots = (0, 5, 7, 0)
    kit, bass, keys = [], [], []
    for bar in range(bars):
        t0 = start + bar * steps_per_bar * tat
        root = tonic + roots[bar % 4]
        for key, step, vel in drums:
            t = t0 + step * tat + rng.gauss(0, jitter)
            kit.append((key, t, t + 0.05, vel / 127))
        for step in bass_steps:
            t = t0 + step * tat + rng.gauss(0, jitter)
            bass.append((36 + root % 12, t, t + 0.9 * tat * (division if step == 0 else 1), 0.8))
        for step in chord_steps:
            t = t0 + step * tat + rng.gauss(0, jitter)
            for iv in (0, 4, 7) if roots[bar % 4] != 7 else (0, 4, 7, 10):
                keys.append((60 + (root + iv) % 12, t, t + 0.8 * tat, 0.6))
    out = [instrument("Acoustic Bass", bass), instrument("Acoustic Grand Piano", keys)]
    if kit:
        out.insert(0, instrument("Drums", kit))
    return out


def eight_beat_rock(bpm: float = 120.0, bars: int = 24, tonic: int = 0) -> list[Instrument]:
    """4/4: kick 1 and 3, snare 2 and 4, 8th-note hats; bass on 1 and 3, chords on the beats."""
    drums = [(36, 0, 110), (38, 2, 100), (36, 4, 110), (38, 6, 100)]
    drums += [(42, s, 70) for s in range(8)]
    return metre_song(60 / bpm, bars, 4, 2, drums=drums, bass_steps=[0, 4],
                      chord_steps=[0, 2, 4, 6], tonic=tonic)


def fiddle_reel(bpm: float = 170.0, bars: int = 24, seed: int = 0,
                jitter: float = 0.007) -> list[Instrument]:
    """4/4, a fiddle alone in 8ths (now and then a quarter, a quarter at every 4th bar's end),
    each onset moved by a gaussian of ``jitter`` s, the first of every beat pair louder."""
    rng = random.Random(seed)
    e = 30 / bpm
    scale = (0, 2, 4, 5, 7, 9, 11, 12)
    notes, t = [], 0.5
    for bar in range(bars):
        i = 0
        while i < 8:
            d = 2 if (bar % 4 == 3 and i == 6) or (i % 2 == 0 and rng.random() < 0.12) else 1
            s = t + rng.gauss(0.0, jitter)
            notes.append((67 + scale[rng.randrange(8)], s, s + 0.9 * d * e,
                          0.85 if i % 4 == 0 else 0.6))
            t += d * e
            i += d
    return [instrument("Violin", notes)]


def folk_waltz(bpm: float = 150.0, bars: int = 32, seed: int = 0) -> list[Instrument]:
    """3/4, a fiddle alone: bars of three quarters, of two 8ths and two quarters, of a half
    and a quarter, of a quarter, two 8ths and a quarter, every 8th bar a dotted half."""
    rng = random.Random(seed)
    q = 60 / bpm
    cells = [(1.0, 1.0, 1.0), (0.5, 0.5, 1.0, 1.0), (2.0, 1.0), (1.0, 0.5, 0.5, 1.0), (3.0,)]
    scale = (0, 2, 4, 5, 7, 9, 11, 12)
    notes, t = [], 0.5
    for bar in range(bars):
        cell = cells[(bar * 7 + bar // 4) % 4] if bar % 8 != 7 else cells[4]
        for d in cell:
            notes.append((67 + scale[rng.randrange(8)], t, t + 0.9 * d * q,
                          0.8 if d >= 1 else 0.7))
            t += d * q
    return [instrument("Violin", notes)]


def oom_pah_pah(bpm: float = 120.0, bars: int = 32, tonic: int = 0) -> list[Instrument]:
    """3/4 without drums: the bass on 1, the chords on 2 and 3."""
    return metre_song(60 / bpm, bars, 3, 1, drums=[], bass_steps=[0], chord_steps=[1, 2],
                      tonic=tonic)


def six_eight(pulse_bpm: float = 70.0, bars: int = 32, tonic: int = 0) -> list[Instrument]:
    """6/8 with drums: kick on 1, snare on 4, hats on every 8th; the bass on 1 and 4, the
    chords on 1, 3, 4 and 6 (the dotted-quarter pulse heard in three)."""
    drums = [(36, 0, 110), (38, 3, 100)] + [(42, s, 60 if s % 3 else 80) for s in range(6)]
    return metre_song(60 / pulse_bpm, bars, 2, 3, drums=drums, bass_steps=[0, 3],
                      chord_steps=[0, 2, 3, 5], tonic=tonic)


def twelve_eight(pulse_bpm: float = 80.0, bars: int = 20, tonic: int = 0) -> list[Instrument]:
    """A slow 12/8: triplet chords on every 8th, kick on 1 and 3, snare on 2 and 4 (pulses)."""
    drums = [(36, 0, 110), (38, 3, 100), (36, 6, 110), (38, 9, 100)]
    drums += [(42, s, 60) for s in range(12)]
    return metre_song(60 / pulse_bpm, bars, 4, 3, drums=drums, bass_steps=[0, 6],
                      chord_steps=list(range(12)), tonic=tonic)


def shuffle(bpm: float = 120.0, bars: int = 24) -> list[Instrument]:
    """A swung 4/4: the ride on the 1st and 3rd triplet of each beat, the middle one empty."""
    drums = [(36, 0, 110), (38, 3, 100), (36, 6, 110), (38, 9, 100)]
    drums += [(51, s, 70) for s in range(12) if s % 3 != 1]
    return metre_song(60 / bpm, bars, 4, 3, drums=drums, bass_steps=[0, 3, 6, 9],
                      chord_steps=[0, 6])
