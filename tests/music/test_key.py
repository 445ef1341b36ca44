"""Key decisions on small songs (``music.key``, ``analyse``), key names and signatures."""

from __future__ import annotations

import mido
import pytest

from midi_export import KeyEstimate, analyse, estimate_key
from midi_export.music.key import default_sharps, key_name, key_of_notes, mirex_score, parse_key

from metres import eight_beat_rock, instrument, oom_pah_pah, six_eight


@pytest.mark.parametrize("tonic", [0, 2, 7, 10])
def test_the_key_of_a_major_song_and_its_runner_up(tonic: int) -> None:
    key = analyse(eight_beat_rock(110.0, tonic=tonic)).key
    assert key is not None
    assert (key.tonic, key.mode) == (tonic, "major")
    assert key.runner_up and key.runner_up != key.name
    assert 0.0 < key.confidence <= 1.0


def test_the_key_does_not_depend_on_the_metre() -> None:
    for song in (oom_pah_pah(120.0, tonic=9), six_eight(70.0, tonic=9)):
        key = estimate_key(song)
        assert key is not None and key.name == "A"


def test_a_minor_key_with_its_leading_tone() -> None:
    # A minor: i - iv - V (E major, with G#) - i
    notes = []
    t = 0.0
    for chord in ((9, 0, 4), (2, 5, 9), (4, 8, 11), (9, 0, 4)) * 4:
        notes += [(60 + p, t, t + 1.9, 0.7, False) for p in chord]
        notes.append((36 + chord[0], t, t + 1.9, 0.8, True))
        t += 2.0
    key = key_of_notes(notes)
    assert key is not None and key.name == "Am" and key.mode == "minor"


def test_a_relative_tie_is_broken_by_the_bass() -> None:
    # only the notes of C major / A minor (no G#): the bass begins and ends on A
    notes = [(60 + p, i * 0.5, i * 0.5 + 0.45, 0.6, False)
             for i, p in enumerate([0, 2, 4, 5, 7, 9, 11] * 6)]
    notes += [(45, 0.0, 3.0, 0.8, True), (41, 3.0, 6.0, 0.8, True), (43, 6.0, 9.0, 0.8, True),
              (45, 9.0, 21.0, 0.8, True)]
    key = key_of_notes(notes)
    assert key is not None and key.name == "Am"
    # the same notes over a bass on C are C major
    on_c = [n for n in notes if not n[4]] + [(48, 0.0, 21.0, 0.8, True)]
    key_c = key_of_notes(on_c)
    assert key_c is not None and key_c.name == "C"


def test_drums_do_not_count_for_the_key() -> None:
    song = eight_beat_rock(100.0, tonic=2)
    with_noise = [*song, instrument("Drums", [(k, 0.5 + 0.25 * i, 0.6 + 0.25 * i, 0.9)
                                              for i, k in enumerate([37, 39, 41, 43] * 40)])]
    assert estimate_key(with_noise) == estimate_key(song)
    # the same notes named as a melodic instrument would count
    as_pitched = [*song, instrument("Marimba", [(k + 24, 0.5 + 0.25 * i, 0.6 + 0.25 * i, 0.9)
                                                for i, k in enumerate([37, 39, 41, 43] * 40)])]
    assert estimate_key(as_pitched) != estimate_key(song)


def test_too_few_pitched_notes_give_no_key() -> None:
    few = [instrument("Flute", [(60 + i, i * 0.5, i * 0.5 + 0.4, 0.7) for i in range(5)])]
    assert estimate_key(few) is None
    drums_only = [instrument("Drums", [(36, i * 0.5, i * 0.5 + 0.1, 0.9) for i in range(64)])]
    assert estimate_key(drums_only) is None


def test_key_none_and_a_given_key() -> None:
    song = eight_beat_rock(110.0, tonic=7)
    assert analyse(song, key="none").key is None
    given = analyse(song, key="Bbm").key
    assert given == parse_key("Bbm") and given is not None and given.given


def test_mirex_scores() -> None:
    assert mirex_score((0, "major"), (0, "major")) == 1.0
    assert mirex_score((7, "major"), (0, "major")) == 0.5
    assert mirex_score((5, "minor"), (0, "minor")) == 0.5
    assert mirex_score((9, "minor"), (0, "major")) == 0.3
    assert mirex_score((3, "major"), (0, "minor")) == 0.3
    assert mirex_score((0, "minor"), (0, "major")) == 0.2
    assert mirex_score((1, "major"), (0, "major")) == 0.0


def test_estimated_keys_take_the_usual_spelling() -> None:
    assert [key_name(pc, "major") for pc in range(12)] == [
        "C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
    assert [key_name(pc, "minor") for pc in range(12)] == [
        "Cm", "C#m", "Dm", "D#m", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm"]
    assert all(-5 <= default_sharps(pc, m) <= 6 for pc in range(12) for m in ("major", "minor"))


@pytest.mark.parametrize(("text", "tonic", "mode", "sharps"), [
    ("C", 0, "major", 0), ("Am", 9, "minor", 0), ("F#m", 6, "minor", 3), ("Bb", 10, "major", -2),
    ("Ebm", 3, "minor", -6), ("D#m", 3, "minor", 6), ("Gb", 6, "major", -6), ("F#", 6, "major", 6),
    ("C#", 1, "major", 7), ("Cb", 11, "major", -7), ("A#m", 10, "minor", 7),
    ("Abm", 8, "minor", -7),
    ("bb", 10, "major", -2), ("c# minor", 1, "minor", 4), ("E major", 4, "major", 4),
    ("G min", 7, "minor", -2), ("B\u266d", 10, "major", -2),
])
def test_parse_key_keeps_the_spelling_given(text: str, tonic: int, mode: str, sharps: int) -> None:
    key = parse_key(text)
    assert (key.tonic, key.mode, key.sharps) == (tonic, mode, sharps)
    assert key.given and key.confidence == 1.0
    assert parse_key(key.name) == key  # the name reads back as the same key


@pytest.mark.parametrize("text", ["H", "Fb", "E#", "B#", "E#m", "Gbm", "Cm7", "auto", "", "C##"])
def test_keys_that_are_not_keys(text: str) -> None:
    with pytest.raises(ValueError):
        parse_key(text)


def test_every_signature_has_the_name_mido_gives_it() -> None:
    for sharps in range(-7, 8):
        for mode in ("major", "minor"):
            major = (7 * sharps) % 12
            tonic = major if mode == "major" else (major + 9) % 12
            key = KeyEstimate(tonic, mode, sharps)  # type: ignore[arg-type]
            msg = mido.MetaMessage("key_signature", key=key.name)
            data = msg.bytes()[3:]
            assert (data[0] - 256 if data[0] > 127 else data[0], data[1]) == (
                sharps, 1 if mode == "minor" else 0), key.name


_TRIADS = {0: (0, 4, 7), 2: (2, 5, 9), 4: (4, 7, 11), 5: (5, 9, 0), 7: (7, 11, 2), 9: (9, 0, 4)}
_BEAT = 0.5


def _loop(roots: tuple[int, ...], bars: int, *, final: int | None = None,
          cut: float | None = None) -> list[tuple[int, float, float, float, bool]]:
    """A 4/4 loop of triads (white notes only), one a bar: the bass on the root every beat,
    the chord held, a melody of its tones in eighths; then a final chord held two bars, or
    the whole cut at ``cut`` bars (the notes sounding then clipped, as a cut record)."""
    notes = []
    bar = 4 * _BEAT
    for b in range(bars):
        root, t = roots[b % len(roots)], b * bar
        notes += [(36 + root, t + q * _BEAT, t + q * _BEAT + 0.45, 0.8, True) for q in range(4)]
        notes += [(60 + p, t, t + bar - 0.05, 0.6, False) for p in _TRIADS[root]]
        notes += [(72 + p, t + e * _BEAT / 2, t + e * _BEAT / 2 + 0.2, 0.7, False)
                  for e, p in enumerate((_TRIADS[root] * 3)[:8])]
    if final is not None:
        t = bars * bar
        notes += [(36 + final, t, t + 2 * bar, 0.8, True)]
        notes += [(60 + p, t, t + 2 * bar, 0.6, False) for p in _TRIADS[final]]
    if cut is not None:
        notes = [(p, s, min(e, cut * bar), v, b) for p, s, e, v, b in notes if s < cut * bar]
    return notes


@pytest.mark.parametrize(("roots", "cut", "name"), [
    ((9, 5, 2, 4), 22.5, "Am"),  # Am F Dm Em, cut in a Dm bar: the last bass is D
    ((9, 5, 2, 4), 22.9, "Am"),
    ((0, 9, 5, 7), 22.5, "C"),  # C Am F G, cut in an F bar: the last bass is F
])
def test_a_loop_cut_mid_phrase_keeps_its_key(roots: tuple[int, ...], cut: float,
                                              name: str) -> None:
    notes = _loop(roots, 23, cut=cut)
    key = key_of_notes(notes, (0.0, _BEAT, 4))
    assert key is not None and key.name == name
    # without the grid there are no phrase starts: the last bass note wins
    no_grid = key_of_notes(notes)
    assert no_grid is not None and no_grid.name != name


def test_a_held_final_tonic_chord_still_decides() -> None:
    # Am Em F G: every phrase starts on A, so the cut loop reads A minor ...
    cut = key_of_notes(_loop((9, 4, 5, 7), 23, cut=22.5), (0.0, _BEAT, 4))
    assert cut is not None and cut.name == "Am"
    # ... but the same loop resolving to a C chord held two bars is in C
    ended = key_of_notes(_loop((9, 4, 5, 7), 24, final=0), (0.0, _BEAT, 4))
    assert ended is not None and ended.name == "C"
