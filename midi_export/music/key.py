"""Key estimation: tonic and mode from the pitch classes of the notes (drums left out).

Every pitched note adds to a 12-bin pitch-class histogram its duration (at least 50 ms, at
most 2 s) times its loudness, times a metrical weight when a beat grid is given (a note
starting on a bar line counts 2x, on another beat 1.5x), times 1.5 for bass notes (bass
programs, or below MIDI 48: the bass tells the tonic). The histogram is correlated
(Pearson) with the 24 rotations of a major and a minor key profile, and the first and last
bass notes vote for the key of their pitch class (``ENDS_WEIGHT``: music starts and ends on
its tonic). With a grid, the last vote counts twice when the record ends on a held chord
(no note starts in its last ``HELD_BEATS`` beats), the mark of a real ending: a record can
also end anywhere (cut, faded, transcribed for its first minutes), and a loop cut
mid-phrase ends on any of its chords. With a grid, phrases vote too (``PHRASE_WEIGHT``):
phrases tend to start on the tonic, so each key gets the share of phrase starts (the first
beat of every ``PHRASE_BARS``-th bar from the first downbeat) whose bass is on its tonic
(of the bass notes there, the pitch class sounding longest less than a fifth above the
lowest); melodies without bass notes get no phrase vote. The best is the key, the second
the runner-up.

Relative keys (C major and A minor) share their notes, so their scores are near ties. When
the best two are relatives within ``TIE_MARGIN``, the tie is broken by tonic evidence that
profiles do not see: which of the two tonics the bass holds longest, which one the last and
the first bass notes and the phrase starts are on, and for the minor key how much its raised
7th (G# in A minor) sounds against its flat 7th. ``KeyEstimate.tie_break`` says when this
decided.

The confidence maps the margin between the best and the second score to 0..1
(``1 - exp(-margin / 0.04)``), times a factor for very few notes (and 0.6 after a
tie-break).

Profiles, from their papers' tables: Krumhansl-Kessler (1982), Temperley's Kostka-Payne
(2007), Albrecht-Shanahan (2013), Aarden-Essen (2003, music21's default). The default,
Albrecht-Shanahan, was chosen by measurement (evaluation/README.md: within 2 points of the
others there).

Key signatures are spelled as ``KeyEstimate.sharps`` says (-7..7, negative for flats): an
estimated key takes the usual spelling (Db rather than C#, F# rather than Gb, D#m rather
than Ebm), a key given by name (``parse_key("Gb")``) keeps its own.

A ``KeyEstimate`` holds a key a file can carry, or it is not made (``UsageError``): a tonic
0-11, ``"major"`` or ``"minor"``, -7..7 sharps that spell that tonic (``KeyEstimate(99, ...)``
given to ``analyse`` was an ``IndexError`` among the profiles, and with a fixed tempo a
file whose report said tonic 99 under a C signature).

numpy is imported inside the functions; ``parse_key`` and the names need none.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .._check import WrongType, brief
from ..errors import UsageError

__all__ = [
    "DEFAULT_PROFILE",
    "PROFILES",
    "KeyEstimate",
    "default_sharps",
    "key_name",
    "key_of_notes",
    "mirex_score",
    "parse_key",
]

Mode = Literal["major", "minor"]

PROFILES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "krumhansl": (
        (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
        (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17),
    ),
    "temperley": (
        (0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400),
        (0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330),
    ),
    "albrecht": (
        (0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081),
        (0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052),
    ),
    "aarden": (
        (17.7661, 0.145624, 14.9265, 0.160186, 19.8049, 11.3587, 0.291248, 22.062, 0.145624,
         8.15494, 0.232998, 4.95122),
        (18.2648, 0.737619, 14.0499, 16.8599, 0.702494, 14.4362, 0.702494, 18.6161, 4.56621,
         1.93186, 7.37619, 1.75623),
    ),
}
DEFAULT_PROFILE = "albrecht"
TIE_MARGIN = 0.06
ENDS_WEIGHT = 0.2
PHRASE_WEIGHT = 0.2
PHRASE_BARS = 4
HELD_BEATS = 2.0

# key signatures (sharps -7..7) and their keys, as MIDI files and mido name them
_MAJOR_BY_SHARPS = ("Cb", "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B",
                    "F#", "C#")
_MINOR_BY_SHARPS = ("Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#", "G#",
                    "D#", "A#")
_LETTER_FIFTHS = {"F": -1, "C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5}
_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_KEY_RE = re.compile(r"^\s*([A-Ga-g])([#b\u266f\u266d]?)\s*(m|min|minor|maj|major)?\s*$")


def default_sharps(tonic: int, mode: str) -> int:
    """The usual key signature of a key: -5 (Db) .. 6 (F#) for major keys, the relative
    major's for minor ones."""
    major = tonic % 12 if mode == "major" else (tonic + 3) % 12
    fifths = (major * 7) % 12  # 0 C, 1 G, 2 D ... 11 F
    return fifths - 12 if fifths > 6 else fifths


def key_name(tonic: int, mode: str, sharps: int | None = None) -> str:
    """``"C"``, ``"F#m"``, ``"Bb"``: the name ``--key`` takes and the report shows, spelled
    by ``sharps`` (default: ``default_sharps``)."""
    s = default_sharps(tonic, mode) if sharps is None else sharps
    if mode == "major":
        return _MAJOR_BY_SHARPS[s + 7]
    return _MINOR_BY_SHARPS[s + 7] + "m"


@dataclass(frozen=True)
class KeyEstimate:
    """A key: ``tonic`` the pitch class 0-11 (0 = C), ``mode`` ``"major"`` or ``"minor"``,
    ``sharps`` its key signature (-7..7, negative: flats); ``confidence`` 0..1 and the
    ``runner_up`` key's name; ``tie_break`` True when the relative-key tie-break decided;
    ``correlation`` the winning score; ``given`` True for a key given by name."""

    tonic: int
    mode: Mode
    sharps: int
    confidence: float = 1.0
    runner_up: str = ""
    correlation: float = 0.0
    tie_break: bool = False
    profile: str = DEFAULT_PROFILE
    given: bool = False

    def __post_init__(self) -> None:
        for field, value in (("tonic", self.tonic), ("sharps", self.sharps)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise WrongType(f"KeyEstimate: {field} must be a whole number, not "
                                f"{brief(value)}")
        if not 0 <= self.tonic <= 11:
            raise UsageError(f"KeyEstimate: tonic must be a pitch class 0-11 (0 is C), not "
                             f"{self.tonic}")
        if self.mode not in ("major", "minor"):
            raise UsageError(f"KeyEstimate: mode must be 'major' or 'minor', not "
                             f"{brief(self.mode)}")
        if not -7 <= self.sharps <= 7:
            raise UsageError(f"KeyEstimate: a key signature has -7..7 sharps, not "
                             f"{self.sharps}")
        spelled = (7 * self.sharps + (9 if self.mode == "minor" else 0)) % 12
        if spelled != self.tonic:
            signature = key_name(spelled, self.mode, self.sharps)
            raise UsageError(f"KeyEstimate: {self.sharps} sharps spell {signature}, not the "
                             f"tonic {self.tonic} ({key_name(self.tonic, self.mode)})")

    @property
    def name(self) -> str:
        """``"F#m"``, ``"Bb"``... spelled as the key signature."""
        return key_name(self.tonic, self.mode, self.sharps)

    @property
    def is_minor(self) -> bool:
        return self.mode == "minor"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields."""
        return {"key": self.name, "tonic": self.tonic, "mode": self.mode,
                "sharps": self.sharps, "confidence": self.confidence,
                "runner_up": self.runner_up or None, "tie_break": self.tie_break,
                "profile": None if self.given else self.profile, "given": self.given}


def parse_key(text: str) -> KeyEstimate:
    """A key by name: ``"C"``, ``"Am"``, ``"F#m"``, ``"Bb"``, ``"Ebm"``, ``"C# minor"``...

    The letter's case does not matter (``"bb"`` is B flat); the spelling chooses the key
    signature (``"Gb"`` 6 flats, ``"F#"`` 6 sharps). A key with more than 7 sharps or flats
    (``"Fb"``, ``"E#m"``) raises ``UsageError`` (a ``ValueError``), as does anything that is
    not a key; ``WrongType`` (also a ``TypeError``) what is not a string.
    """
    if not isinstance(text, str):
        raise WrongType(f"a key must be a string such as 'F#m', not {type(text).__name__}")
    match = _KEY_RE.match(text)
    if match is None:
        raise UsageError(
            f"{brief(text)} is not a key: a letter A-G, then # or b, then m for minor "
            "(C, Am, F#m, Bb, Ebm)")
    letter, accidental, mode_text = match.group(1).upper(), match.group(2), match.group(3)
    shift = 1 if accidental in ("#", "\u266f") else -1 if accidental in ("b", "\u266d") else 0
    mode: Mode = "minor" if mode_text in ("m", "min", "minor") else "major"
    sharps = _LETTER_FIFTHS[letter] + 7 * shift - (3 if mode == "minor" else 0)
    name = f"{letter}{accidental}{'m' if mode == 'minor' else ''}"
    if not -7 <= sharps <= 7:
        kind = "sharps" if sharps > 0 else "flats"
        raise UsageError(
            f"{name} would need {abs(sharps)} {kind}: a key signature holds at most 7; "
            f"write it as {key_name((_LETTER_PC[letter] + shift) % 12, mode)}")
    return KeyEstimate((_LETTER_PC[letter] + shift) % 12, mode, sharps, 1.0, given=True)


def mirex_score(est: tuple[int, str], truth: tuple[int, str]) -> float:
    """MIREX key score: 1 exact, 0.5 a fifth away (same mode), 0.3 relative, 0.2 parallel."""
    (t, m), (u, n) = est, truth
    if (t, m) == (u, n):
        return 1.0
    if m == n and (t - u) % 12 in (5, 7):
        return 0.5
    if m != n and ((m == "major" and (t - u) % 12 == 3) or (m == "minor" and (u - t) % 12 == 3)):
        return 0.3
    if t == u:
        return 0.2
    return 0.0


def _profiles(name: str) -> Any:
    import numpy as np

    major, minor = PROFILES[name]
    rows = [np.roll(np.asarray(major), k) for k in range(12)]
    rows += [np.roll(np.asarray(minor), k) for k in range(12)]
    m = np.asarray(rows)
    m = m - m.mean(axis=1, keepdims=True)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def pitch_class_weights(
    notes: Any,
    grid: tuple[float, float, int] | None = None,
) -> tuple[Any, Any, dict[str, Any]]:
    """(histogram, bass histogram, tonic hints) from rows ``(pitch, start, end, velocity,
    is_bass)`` (a sequence of tuples or an (n, 5) array).

    ``grid`` is ``(first_downbeat, beat_seconds, beats_per_bar)`` for metrical weights.
    """
    import numpy as np

    arr = np.asarray(notes, dtype=np.float64).reshape(-1, 5)
    if arr.size == 0:
        return np.zeros(12), np.zeros(12), {}
    pitch, start, end, vel, bass = arr.T
    pc = pitch.astype(np.int64) % 12
    dur = np.clip(end - start, 0.05, 2.0)
    w = dur * (0.5 + 0.5 * np.clip(vel, 0.0, 1.0))
    if grid is not None:
        down, beat, bpb = grid
        u = (start - down) / beat
        near = np.abs(u - np.round(u)) < 0.12
        k = np.round(u).astype(np.int64)
        on_bar = near & (k % max(1, bpb) == 0)
        w = w * np.where(on_bar, 2.0, np.where(near, 1.5, 1.0))
    is_bass = (bass > 0) | (pitch < 48)
    w = w * np.where(is_bass, 1.5, 1.0)
    hist = np.bincount(pc, w, 12)
    bass_hist = np.bincount(pc[is_bass], dur[is_bass], 12) if is_bass.any() else np.zeros(12)
    # the lowest sounding note at the end and at the start (final chord, first bar)
    hints: dict[str, Any] = {}
    t_end = float(end.max())
    last = end >= t_end - 0.25
    hints["last_bass"] = int(pc[last][np.argmin(pitch[last])]) if last.any() else None
    t0 = float(start.min())
    first = start <= t0 + 0.25
    hints["first_bass"] = int(pc[first][np.argmin(pitch[first])]) if first.any() else None
    if grid is not None:
        down, beat, bpb = grid
        hints["held_end"] = t_end - float(start.max()) >= HELD_BEATS * beat
        hints["phrase_bass"] = _phrase_bass(arr[is_bass], down, beat, max(1, bpb) * beat)
    return hist, bass_hist, hints


def _phrase_bass(rows: Any, down: float, beat: float, bar: float) -> Any:
    """The share of phrase starts (the first beat of every ``PHRASE_BARS``-th bar from the
    first downbeat, one beat long) whose bass is on each pitch class, or None without bass
    notes there. A window's bass is the pitch class sounding longest in it less than a fifth
    above its lowest note."""
    import numpy as np

    if rows.size == 0:
        return None
    pitch, start, end = rows[:, 0], rows[:, 1], rows[:, 2]
    period = PHRASE_BARS * bar
    k = np.maximum(np.ceil((start - beat - down) / period), 0.0)  # first window ending later
    t0 = down + k * period
    inside = (start < t0 + beat) & (end > t0)
    if not inside.any():
        return None
    k, t0 = k[inside].astype(np.int64), t0[inside]
    pitch, start, end = pitch[inside], start[inside], end[inside]
    lowest = np.full(int(k.max()) + 1, np.inf)
    np.minimum.at(lowest, k, pitch)
    low = pitch < lowest[k] + 7
    overlap = np.minimum(end, t0 + beat) - np.maximum(start, t0)
    cells = np.bincount(k[low] * 12 + pitch[low].astype(np.int64) % 12, overlap[low],
                        12 * (int(k.max()) + 1)).reshape(-1, 12)
    cells = cells[cells.sum(axis=1) > 0]
    if cells.size == 0:
        return None
    return np.bincount(np.argmax(cells, axis=1), minlength=12) / len(cells)


def key_of_notes(
    notes: Sequence[tuple[int, float, float, float, bool]] | Any,
    grid: tuple[float, float, int] | None = None,
    *,
    profile: str = DEFAULT_PROFILE,
    tie_break: bool = True,
    ends_weight: float = ENDS_WEIGHT,
) -> KeyEstimate | None:
    """The key of pitched notes ``(pitch, start s, end s, velocity 0..1, is_bass)``.

    Drums must be left out by the caller. ``grid`` = (first downbeat s, beat s, beats per
    bar) adds metrical weights. None when there are fewer than 8 notes or one pitch class.
    """
    import numpy as np

    if len(notes) < 8:
        return None
    hist, bass_hist, hints = pitch_class_weights(notes, grid)
    if np.count_nonzero(hist) < 2:
        return None
    h = hist - hist.mean()
    h = h / (np.linalg.norm(h) + 1e-12)
    r = _profiles(profile) @ h
    if ends_weight:
        # music starts and ends on its tonic: the first and last bass notes vote, the last
        # twice over a held final chord
        last = 2.0 if hints.get("held_end") else 1.0
        for hint, share in (("last_bass", last), ("first_bass", 0.5)):
            pc = hints.get(hint)
            if pc is not None:
                r = r + ends_weight * share * (np.arange(24) % 12 == pc)
    phrase = hints.get("phrase_bass")
    if phrase is not None:  # phrases start on the tonic: the bass at every phrase start
        r = r + PHRASE_WEIGHT * phrase[np.arange(24) % 12]
    order = np.argsort(-r)
    best, second = int(order[0]), int(order[1])
    used_tie = False
    if tie_break and _relatives(best, second) and r[best] - r[second] < TIE_MARGIN:
        ev = {k: _tonic_evidence(k, hist, bass_hist, hints) for k in (best, second)}
        if ev[second] > ev[best]:
            best, second = second, best
            used_tie = True
    margin = float(r[order[0]] - r[order[1]]) if not used_tie else float(abs(r[best] - r[second]))
    conf = (1.0 - math.exp(-max(margin, 0.0) / 0.04)) * (1.0 - math.exp(-len(notes) / 40.0))
    if used_tie:
        conf *= 0.6
    tonic = best % 12
    mode: Mode = "major" if best < 12 else "minor"
    return KeyEstimate(tonic=tonic, mode=mode, sharps=default_sharps(tonic, mode),
                       confidence=round(float(conf), 3),
                       runner_up=key_name(second % 12, "major" if second < 12 else "minor"),
                       correlation=round(float(r[best]), 4), tie_break=used_tie,
                       profile=profile)


def _relatives(a: int, b: int) -> bool:
    if (a < 12) == (b < 12):
        return False
    major, minor = (a, b) if a < 12 else (b, a)
    return (major % 12 + 9) % 12 == minor % 12


def _tonic_evidence(k: int, hist: Any, bass: Any, hints: dict[str, Any]) -> float:
    tonic = k % 12
    total_bass = float(bass.sum())
    e = float(bass[tonic]) / total_bass if total_bass > 0 else 0.0
    e += 0.3 * (hints.get("last_bass") == tonic) + 0.15 * (hints.get("first_bass") == tonic)
    phrase = hints.get("phrase_bass")
    if phrase is not None:
        e += 0.5 * float(phrase[tonic])
    if k >= 12:  # minor: the raised 7th against the flat 7th
        lead, flat = hist[(tonic + 11) % 12], hist[(tonic + 10) % 12]
        tot = float(hist.sum()) or 1.0
        e += 0.5 * float(lead - flat) / tot
    else:  # major: its own 7th against the relative minor's raised 7th (the major's 5th#)
        sharp5 = hist[(tonic + 8) % 12]
        tot = float(hist.sum()) or 1.0
        e -= 0.5 * float(sharp5) / tot
    return e
