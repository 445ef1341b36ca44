"""The first bar line of songs without drums (``music.bar_lines``): a pickup before it.

Each tune is one flute line written as ``pitch:beats`` (``r`` a rest, ``|`` only for the
reader), its pickup once, its phrases twice, then a long final note; every onset moves by a
seeded gaussian of 4 ms. The bar line must land on the note after the pickup. The bands
without a kit (bass, chords by the bar, a melody) come from the evaluation's generator.
"""

from __future__ import annotations

import random

import pytest

from evaluation.make_set import generate_song  # the repo root is on pythonpath
from midi_export.music.analyse import analyse
from midi_export.music.bar_lines import (
    BAND_HARMONY,
    DOWNBEAT_FEATURES,
    DOWNBEAT_WEIGHTS,
    MELODY_WEIGHTS,
    downbeat_features,
    downbeat_position,
)
from midi_export.music.onsets import onset_events
from midi_export.record import Instrument

from metres import instrument

_STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def _pitch(name: str) -> int:
    sharp = 1 if "#" in name else 0
    return 12 * (int(name[-1]) + 1) + _STEPS[name[0]] + sharp


def tune(pickup: str, phrases: list[str], end: str, bpm: float,
         start: float = 0.5) -> tuple[list[Instrument], float]:
    """The flute line and the time of its first downbeat (the note after the pickup)."""
    rng = random.Random(7)
    beat = 60.0 / bpm
    t, notes, first = start, [], 0.0
    for part, text in enumerate([pickup, *phrases, *phrases, end]):
        if part == 1:
            first = t
        for item in text.replace("|", " ").split():
            name, _, beats = item.partition(":")
            length = float(beats or 1) * beat
            if name != "r":
                on = t + rng.gauss(0, 0.004)
                notes.append((_pitch(name), on, on + 0.95 * length, 0.75))
            t += length
    return [instrument("Flute", notes)], first


THREE_BEAT_PICKUP = tune("G4 A4 B4", [
    "C5:2 D5 E5 | F5 E5 D5 C5 | B4:2 A4 B4 | C5:4 | r E5 F5 G5",
    "A5:2 G5 F5 | E5 D5 C5 E5 | D5:2 B4 G4 | C5:4 | r G4 A4 B4"], "C5:4", 110.0)
TWO_BEAT_PICKUP = tune("G4 A4", [
    "B4:2 A4 G4 | C5:3 B4 | A4 B4 C5 D5 | B4:2 G4 A4",
    "B4:2 A4 G4 | E5:3 D5 | C5 B4 A4 B4 | G4:2 G4 A4"], "G4:4", 104.0)
WALTZ_ONE_BEAT_PICKUP = tune("D4", [
    "G4:2 B4 | D5:2 B4 | A4 G4 A4 | B4:2 D5",
    "E5:2 D5 | C5:2 A4 | G4 F4 A4 | G4:2 D4"], "G4:3", 120.0)
# 2/4 reads as 4/4 (``metre._two_four_as_four_four``): the bar line still comes after the
# one-beat pickup, not a 2/4 bar later (a pickup of three beats)
# a jig in 6/8 counted in dotted quarters (an 8th is a third of the beat), an 8th of pickup
_E = 1 / 3
JIG_EIGHTH_PICKUP = tune(f"D5:{_E}", [
    f"G5:{2 * _E} A5:{_E} B5:{_E} A5:{_E} G5:{_E} | D5:{2 * _E} E5:{_E} D5:{2 * _E} B4:{_E}",
    f"C5:{2 * _E} E5:{_E} D5:{_E} C5:{_E} B4:{_E} | A4:{1 + _E} r:{2 * _E} D5:{_E}",
    f"G5:{2 * _E} A5:{_E} B5:{_E} C6:{_E} D6:{_E} | E6:{2 * _E} C6:{_E} A5:{2 * _E} F#5:{_E}",
    f"G5:{2 * _E} D5:{_E} B4:{_E} A4:{_E} B4:{_E} | G4:{1 + _E} r:{2 * _E} D5:{_E}"],
    "G4:2", 66.0)
TWO_FOUR_ONE_BEAT_PICKUP = tune("D5", [
    "G5 B5 | A5 F#5 | G5 E5 | D5:2 | E5 G5 | F#5 D5 | E5 C#5 | D5 D5",
    "G5 B5 | A5 F#5 | G5 E5 | D5 B4 | C5 E5 | D5 B4 | A4 F#4 | G4 D5"], "G4:2", 100.0)


@pytest.mark.parametrize(("song", "bpm", "metre"), [
    (THREE_BEAT_PICKUP, 110.0, "4/4"),
    (TWO_BEAT_PICKUP, 104.0, "4/4"),
    (WALTZ_ONE_BEAT_PICKUP, 120.0, "3/4"),
    (TWO_FOUR_ONE_BEAT_PICKUP, 100.0, "4/4"),
], ids=["4/4, 3 beats", "4/4, 2 beats", "3/4, 1 beat", "2/4, 1 beat"])
def test_the_bar_line_of_a_melody_comes_after_its_pickup(
    song: tuple[list[Instrument], float], bpm: float, metre: str
) -> None:
    instruments, downbeat = song
    a = analyse(instruments)
    assert a.tempo.bpm == pytest.approx(bpm, rel=0.02) and a.metre.name == metre
    assert onset_events(instruments, None).source == "all"  # no drums, no bass
    assert a.tempo.first_downbeat == pytest.approx(downbeat, abs=0.06)


def test_the_pickup_feature_is_the_share_of_a_bar_before_each_position() -> None:
    instruments, downbeat = THREE_BEAT_PICKUP
    ev = onset_events(instruments, None)
    period = 60.0 / 110.0
    # positions counted from the first note: 0 is the pickup's first note, 3 the downbeat
    x = downbeat_features(ev, period, float(ev.t[0]), 4)
    column = x[:, DOWNBEAT_FEATURES.index("pickup")]
    assert column == pytest.approx([-0.375, -0.125, 0.125, 0.375])
    assert ev.t[0] + 3 * period == pytest.approx(downbeat, abs=0.02)


def test_songs_with_drums_keep_the_hand_set_weights() -> None:
    assert len(DOWNBEAT_WEIGHTS) == len(MELODY_WEIGHTS) == len(DOWNBEAT_FEATURES)
    new = [DOWNBEAT_FEATURES.index(n) for n in ("pickup", "longest", "harmony")]
    assert all(DOWNBEAT_WEIGHTS[i] == 0.0 for i in new)
    assert MELODY_WEIGHTS[DOWNBEAT_FEATURES.index("pickup")] < 0  # short pickups favoured


@pytest.mark.parametrize(("seed", "style", "bars"), [
    ("bars17:12", "synth_arp", None), ("bars17:86", "acoustic_strum", None),
    ("bars17:132", "synth_arp", 16), ("bars17:104", "jazz_combo", 32),
])
def test_a_band_without_drums_keeps_its_long_pickup(
    seed: str, style: str, bars: int | None
) -> None:
    # bass and chords that change by the bar: read as drums are (the hand-set weights),
    # not as a melody (whose fitted weights took these pickups of 2-3 beats for a bar)
    song = generate_song(seed, style=style, lead="pickup", **({"bars": bars} if bars else {}))
    assert song.pickup_beats >= 2 and not song.has_drums
    instruments = song.to_instruments()
    ev = onset_events(instruments, None)
    assert ev.source != "drums" and ev.harmony >= BAND_HARMONY * 60.0 / song.bpm
    a = analyse(instruments)
    assert a.tempo.bpm == pytest.approx(song.bpm, rel=0.02) and a.metre.name == "4/4"
    assert a.tempo.first_downbeat == pytest.approx(song.first_downbeat, abs=0.06)


@pytest.mark.parametrize(("song", "bpm", "bpb", "off"), [
    (TWO_BEAT_PICKUP, 104.0, 4, 0.5),
    (WALTZ_ONE_BEAT_PICKUP, 120.0, 3, 0.5),
    (JIG_EIGHTH_PICKUP, 66.0, 2, 1 / 3),
    (JIG_EIGHTH_PICKUP, 66.0, 2, 2 / 3),
], ids=["4/4, half a beat", "3/4, half a beat", "6/8, an 8th", "6/8, two 8ths"])
def test_a_melody_tracked_on_its_off_beats_gets_its_bar_line_on_the_beat(
    song: tuple[list[Instrument], float], bpm: float, bpb: int, off: float
) -> None:
    # the beat handed over a half (simple) or a third (compound) of a beat late (a lone
    # line's beat tracked on its off-beats): "1" is looked for on the grid where the long
    # and accented notes fall
    instruments, downbeat = song
    ev = onset_events(instruments, None)
    period = 60.0 / bpm
    phase = downbeat + off * period
    division = "compound" if off % 0.5 else "simple"
    b = downbeat_position(ev, period, phase, bpb, (), division)
    bars = (phase + b * period - downbeat) / (bpb * period)
    assert abs(bars - round(bars)) * bpb * period < 0.06


@pytest.mark.parametrize(("division", "steps"), [("simple", 2), ("compound", 3)])
def test_a_simple_beat_moves_by_halves_a_compound_one_by_thirds(division: str,
                                                                 steps: int) -> None:
    # the jig handed over an 8th late: read as compound its grid moves by thirds of the
    # beat; read as simple (a jig taken for 2/4) only by halves, where its 8ths cannot fall
    instruments, downbeat = JIG_EIGHTH_PICKUP
    ev = onset_events(instruments, None)
    period = 60.0 / 66.0
    b = downbeat_position(ev, period, downbeat + period / 3, 2, (), division)
    assert abs(b * steps - round(b * steps)) < 1e-9
    bars = (downbeat + period / 3 + b * period - downbeat) / (2 * period)
    assert (abs(bars - round(bars)) * 2 * period < 0.06) == (division == "compound")
