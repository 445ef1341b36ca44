"""Tempo and downbeat estimation from the notes themselves: ``estimate_tempo``.

The record has notes in seconds and no tempo. ``estimate_tempo`` finds the beat period, the
beat phase and which beat is "1", so a MIDI file can put its grid on the music's beats and
its bar lines on the downbeats (``midi.tempo_map`` turns that into tempo segments and time
signatures while every note keeps its absolute time).

How the estimate is made (all from note onsets; drums first when present):

1. Every onset gets a strength from its velocity and its instrument's role (kick and snare
   weigh most, then bass, then the rest; long notes and chords more than short single
   ones), and an accent (kicks, snares, bass, chords and long notes; hats and ghost notes
   hardly count). The onsets of one chord or strum become one event.
2. An onset-strength envelope (10 ms frames) and its autocorrelation give the periodicities;
   a comb over 1..4 periods proposes candidate tempi, to which the related tempi of the
   strongest (x1/2, x2, x2/3, x3/2, x1/3, x3, x3/4, x4/3) are added.
3. Each candidate's period and phase are refined by weighted least squares on the onsets
   near its beats, first over 12 beats, then over a span doubled each round, so a period a
   little off cannot slip by a beat over a long song.
4. Each candidate, on its beat or on the 8th between (the better of the two), is scored
   by a learned weighted sum of: its distance in octaves from 115 BPM (the prior); how
   likely the accents are under a beat / 8th / 16th hierarchy (beats nearly always
   accented, 8ths often, 16ths seldom, onsets off that grid almost never; swing allowed up
   to a triplet shuffle); whether snares hit beats 2 and 4 and not 1 and 3; how
   periodic the envelope is there; how consistently chord changes and kicks or bass notes
   mark one beat of each 4-beat bar; and whether the typical gap between strong onsets
   (about a beat) and between chord changes (about a bar) come out at a plausible number
   of beats. The last two tell a 64 BPM ballad from the same notes read at 128 BPM. The
   weights were fitted by ``evaluation/fit_weights.py`` on generated songs that are not
   in the evaluation set.
5. The downbeat is the beat of the bar where kicks, bass notes, crashes and chord changes
   gather and snares do not, and where instruments come in and stop.

The confidence is how much better than chance the onsets sit on the grid of the beat (its
8ths, 16ths or triplets), scaled down for very few onsets: random onsets give about 0, a
steady groove 0.6-1. Below about 0.3 the grid is not worth trusting.

numpy is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._check import WrongType, check_mapping, check_number, kind
from ..record import Instrument, Record
from ..record.checks import check_instrument, check_record
from .downbeat import bar_start
from .limits import AUTO_MAX_SPAN_SECONDS, check_auto_span, onset_span
from .onsets import Onsets, onset_events
from .periodicity import comb, envelope_acf, tempo_candidates

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

__all__ = ["DEFAULT_BPM", "TempoEstimate", "estimate_tempo", "estimate_within_limits"]

#: tempo returned when there is nothing to estimate from (with confidence 0)
DEFAULT_BPM = 120.0

_PRIOR_BPM = 115.0  # tempi are measured in octaves from here (the prior is learned around it)


@dataclass(frozen=True)
class TempoEstimate:
    """A steady tempo with its beat phase.

    ``bpm`` is quarter notes per minute; ``first_downbeat`` the time in seconds of the first
    bar line at or after the music starts; ``beats_per_bar`` the metre (always 4 for now);
    ``confidence`` 0..1 how well the notes fit this grid; ``source`` which part of the
    music decided it (``"drums"``, ``"bass"``, ``"all"``, ``"none"`` when there was
    nothing to estimate from, or ``"too-long"``: ``estimate_within_limits`` did not analyse
    notes spanning more than ``limits.AUTO_MAX_SPAN_SECONDS``).
    """

    bpm: float
    first_downbeat: float
    beats_per_bar: int = 4
    confidence: float = 0.0
    source: str = "none"

    @property
    def beat_seconds(self) -> float:
        """The length of one beat in seconds."""
        return 60.0 / self.bpm

    def beat_time(self, beat: float) -> float:
        """The time in seconds of ``beat`` counted from the first downbeat (may be negative)."""
        return self.first_downbeat + beat * 60.0 / self.bpm


# --------------------------------------------------------------------------- one candidate


@dataclass
class _Fit:
    period: float
    phase: float
    score: float
    conf: float
    features: tuple[float, ...]


def _best_phase(t: FloatArray, w: FloatArray, period: float) -> float:
    import numpy as np

    bins = 48
    pos = np.mod(t / period, 1.0) * bins
    i = np.floor(pos).astype(np.int64) % bins
    frac = pos - np.floor(pos)
    hist = np.bincount(i, w * (1 - frac), bins) + np.bincount((i + 1) % bins, w * frac, bins)
    smooth = hist + 0.6 * (np.roll(hist, 1) + np.roll(hist, -1)) + 0.2 * (
        np.roll(hist, 2) + np.roll(hist, -2))
    j = int(np.argmax(smooth))
    a, b, c = smooth[(j - 1) % bins], smooth[j], smooth[(j + 1) % bins]
    denom = a - 2 * b + c
    off = 0.5 * (a - c) / denom if denom < 0 else 0.0
    return float(((j + off) / bins) * period)


def _refine(t: FloatArray, w: FloatArray, period: float) -> tuple[float, float]:
    """Period and phase by least squares of the onsets near the beats (t = phase + k period).

    Starts on the first 12 beats and doubles the span each round, so a period that is a
    little off cannot drift by a beat before it is corrected, however long the song.
    """
    import numpy as np

    start, end = float(t[0]), float(t[-1])
    span = 12.0 * period
    phase = start + _best_phase(t[t < start + span] - start, w[t < start + span], period)
    while True:
        inside = t < start + span
        tt, ww = t[inside], w[inside]
        for window in (0.12, 0.08):
            k = np.round((tt - phase) / period)
            near = np.abs(tt - (phase + k * period)) < window * period
            if near.sum() < 6:
                break
            kk, tn, wn = k[near], tt[near], ww[near]
            sw = wn.sum()
            km = (wn * kk).sum() / sw
            tm = (wn * tn).sum() / sw
            var = (wn * (kk - km) ** 2).sum()
            if var <= 0:
                break
            new_period = float((wn * (kk - km) * (tn - tm)).sum() / var)
            if not 0.97 * period < new_period < 1.03 * period:
                break
            period = new_period
            phase = float(tm - km * period)
        if start + span >= end:
            return period, phase
        span *= 2.0


def _frac(t: FloatArray, period: float, phase: float) -> FloatArray:
    import numpy as np

    u = (t - phase) / period
    return u - np.floor(u)


def _grid_fit(f: FloatArray, w: FloatArray, period: float) -> float:
    """How much better than chance the onsets sit on the 16th or triplet grid (0..1)."""
    import numpy as np

    total = float(w.sum())
    if total <= 0:
        return 0.0
    tol = min(0.05, max(0.02, 0.05 * period)) / period  # in beats
    best = 0.0
    for div in (2, 4, 3):
        d = np.abs(f * div - np.round(f * div)) / div
        share = float(w[d < tol].sum()) / total
        chance = min(1.0, 2 * tol * div)
        if chance < 1.0:
            best = max(best, (share - chance) / (1.0 - chance))
    return max(0.0, min(1.0, best))


def _median_in(f: FloatArray, w: FloatArray, lo: float, hi: float, default: float) -> float:
    import numpy as np

    sel = (f >= lo) & (f < hi)
    if w[sel].sum() <= 0:
        return default
    fs, ws = f[sel], w[sel]
    order = np.argsort(fs)
    cum = np.cumsum(ws[order])
    return float(fs[order][int(np.searchsorted(cum, cum[-1] / 2))])


# probability that a beat / 8th / 16th slot holds an accent, and an onset off the 16th grid
_P_SLOT = (0.9, 0.3, 0.15, 0.15)
_P_OFF = 0.005


def _metrical_fit(ev: Onsets, period: float, phase: float, ref: float) -> tuple[float, float]:
    """Log-likelihood per second of the accents under a beat/8th/16th hierarchy at this grid,
    and how clearly the snares fall on every other beat (0 without snares)."""
    import numpy as np

    t, acc = ev.t, ev.accent
    u = (t - phase) / period
    beat = np.floor(u)
    f = u - beat
    # straight or swung 8ths (up to a triplet shuffle), straight or swung 16ths; a 16th is
    # never taken for a triplet, so straight 16ths cannot pass for triplets of a faster beat
    c8 = _median_in(f, acc, 0.42, 0.7, 0.5)
    c16a = _median_in(f, acc, 0.2, 0.31, 0.25)
    c16b = _median_in(f, acc, 0.7, 0.84, 0.75) if c8 < 0.6 else 0.85
    centres = np.array([0.0, c16a, c8, c16b, 1.0])
    dist = np.abs(f[:, None] - centres[None, :])
    slot = np.argmin(dist, axis=1)
    tol = max(0.02, 0.04 * period) / period
    off = dist[np.arange(f.size), slot] > tol
    k = (beat + (slot == 4)).astype(np.int64)
    slot = np.where(slot == 4, 0, slot)
    slot = np.where(off, 4, slot)
    k -= int(k.min())
    nb = int(k.max()) + 1
    mass = np.bincount(k * 5 + slot, acc, nb * 5).reshape(nb, 5)
    count = np.bincount(k, None, nb)
    active = count > 0  # the beats with onsets, and their neighbours
    active[1:] |= count[:-1] > 0
    active[:-1] |= count[1:] > 0
    occ = 1.0 - np.exp(-2.5 * mass[active, :4] / ref)
    p = np.array([_P_SLOT[0], _P_SLOT[2], _P_SLOT[1], _P_SLOT[3]])
    ll = (occ * np.log(p) + (1 - occ) * np.log(1 - p)).sum()
    ll += float((1.0 - np.exp(-2.5 * acc[off] / ref)).sum()) * math.log(_P_OFF)
    rate = float(ll) / max(1e-9, float(active.sum()) * period)
    # backbeat: snares on beats 2 and 4 of the bar, not on 1 and 3
    backbeat = 0.0
    hits = ev.snare > 0
    if hits.sum() >= 8:
        # in the bars where the snare plays: does it hit beats 2 and 4 and miss 1 and 3?
        typical = float(np.median(ev.snare[hits]))
        on_beat = slot == 0
        sn = np.bincount(k[on_beat], ev.snare[on_beat], nb)
        socc = np.minimum(1.0, sn / typical)
        bars = np.bincount(k[hits] // 4, None, nb // 4 + 1) > 0
        playing = bars[np.arange(nb) // 4]
        idx = np.arange(nb)
        best = -1.0
        for b in range(4):
            pos = (idx - b) % 4
            two_four = playing & ((pos == 1) | (pos == 3))
            one_three = playing & ((pos == 0) | (pos == 2))
            if two_four.any() and one_three.any():
                best = max(best, float(socc[two_four].mean() - socc[one_three].mean()))
        backbeat = max(0.0, best)
    return rate, backbeat


#: names of the candidate features, and the weights that score them (see _score)
FEATURES = ("octaves", "octaves2", "grid_loglik", "backbeat", "periodicity", "bar_changes",
            "bar_low", "backbone2", "harmony2")
_WEIGHTS = (-0.21, -3.47, 1.82, 5.38, -1.48, 2.66, 1.11, -0.6, -2.55)


def _backbone_ioi(ev: Onsets, ref: float) -> float:
    """Typical time between the strong onsets (kicks, snares, bass, chords), in seconds.

    How many beats that makes tells the beat from its half and its double in a way the
    tempo alone cannot: a 64 BPM ballad and a 128 BPM song can have the same notes per
    second, but not the same kick and snare every beat. NaN when there are too few.
    """
    import numpy as np

    strong = ev.t[ev.accent >= 0.4 * ref]
    if strong.size < 8:
        return math.nan
    keep = np.concatenate(([True], np.diff(strong) > 0.06))
    gaps = np.diff(strong[keep])
    gaps = gaps[gaps < 3.0]
    return float(np.median(gaps)) if gaps.size >= 4 else math.nan


def _evaluate(ev: Onsets, acf: FloatArray, bpm: float, ref: float, ioi: float) -> _Fit:
    """Refine one candidate tempo and score it, on the better of its two beat phases."""
    import numpy as np

    t, w, acc = ev.t, ev.w, ev.accent
    period = 60.0 / bpm
    period, _ = _refine(t, acc + 0.5 * w, period)
    phase0 = _best_phase(t, acc + 0.5 * w, period)
    periodicity = float(comb(acf, np.array([60.0 / period]))[0])
    octaves = math.log2(60.0 / period / _PRIOR_BPM)
    backbone = math.log2(ioi / period) if ioi == ioi else 0.0
    harmony = math.log2(ev.harmony / period) - 2.0 if ev.harmony == ev.harmony else 0.0
    best: _Fit | None = None
    # the strongest onsets may be off the beat (offbeat bass and stabs in house music):
    # the beat or the 8th between is decided by the whole score, backbeat included
    for phase in (phase0, phase0 + period / 2):
        rate, backbeat = _metrical_fit(ev, period, phase, ref)
        _, changes, low = bar_start(ev, period, phase, 4)
        features = (octaves, octaves * octaves, rate, backbeat, periodicity, changes, low,
                    min(1.0, backbone * backbone), min(1.0, harmony * harmony))
        score = sum(a * b for a, b in zip(_WEIGHTS, features, strict=True))
        if best is None or score > best.score:
            best = _Fit(period, phase, score, 0.0, features)
    assert best is not None
    best.conf = _grid_fit(_frac(t, period, best.phase), w, period)
    return best


def _fits(ev: Onsets, min_bpm: float, max_bpm: float) -> list[_Fit]:
    """Every candidate tempo, refined and scored."""
    import numpy as np

    acf = envelope_acf(ev)
    ref = float(np.percentile(ev.accent, 90)) or 1.0
    ioi = _backbone_ioi(ev, ref)
    return [_evaluate(ev, acf, bpm, ref, ioi) for bpm in tempo_candidates(acf, min_bpm, max_bpm)]


# --------------------------------------------------------------------------- public


def estimate_tempo(
    record_or_instruments: Record | Iterable[Instrument],
    *,
    min_bpm: float = 60.0,
    max_bpm: float = 200.0,
    programs: Mapping[str, int | str] | None = None,
) -> TempoEstimate:
    """Estimate the tempo, beat phase and first downbeat of a record from its notes.

    Accepts a ``Record`` or any iterable of ``Instrument``. Which instruments are drums is
    decided as the converter decides it: ``gm_program(name, programs).is_drum`` (so
    ``programs``, the converter's overrides, can make one the kit). Pure: no I/O, and the
    input is not changed. With no notes (or fewer than 8 onsets) the answer is ``DEFAULT_BPM`` with
    ``confidence`` 0 and ``source`` ``"none"``, its downbeat at the first note (or 0 s).
    Notes spanning more than ``limits.AUTO_MAX_SPAN_SECONDS`` (2 h) raise
    ``InvalidRecordError`` before anything is allocated (the analysis grows with the span).
    """
    instruments = _instruments_of(record_or_instruments)
    check_number("min_bpm", min_bpm, minimum=1e-9)
    check_number("max_bpm", max_bpm, minimum=1e-9)
    check_mapping("programs", programs, str, (int, str), "instrument names to a program")
    if not 0 < min_bpm < max_bpm:
        raise ValueError(f"need 0 < min_bpm < max_bpm, got {min_bpm} and {max_bpm}")
    check_auto_span(onset_span(instruments))
    ev = onset_events(instruments, programs)
    if ev is None or ev.t.size < 8:
        start = float(ev.t[0]) if ev is not None else 0.0
        return TempoEstimate(DEFAULT_BPM, start, 4, 0.0, "none")
    import numpy as np

    best = max(_fits(ev, min_bpm, max_bpm), key=lambda fit: fit.score)
    period, phase = best.period, best.phase
    bpb = 4
    b, _, _ = bar_start(ev, period, phase, bpb, entries=True)
    bar = bpb * period
    downbeat = phase + b * period
    start = float(ev.t[0])
    tol = min(0.05, 0.1 * period)
    first = downbeat + math.ceil((start - tol - downbeat) / bar) * bar
    n = ev.t.size
    conf = best.conf * (1.0 - math.exp(-n / 24.0))
    bpm = float(np.clip(60.0 / period, min_bpm, max_bpm))
    return TempoEstimate(bpm, float(first), bpb, round(conf, 3), ev.source)


def estimate_within_limits(
    instruments: Iterable[Instrument], programs: Mapping[str, int | str] | None = None
) -> TempoEstimate:
    """``estimate_tempo``, or, for notes spanning more than ``AUTO_MAX_SPAN_SECONDS``, an
    estimate of confidence 0 and source ``"too-long"`` (nothing analysed, nothing
    allocated): what ``bpm="auto"`` falls back from, with a warning."""
    instruments = list(instruments)
    if onset_span(instruments).seconds > AUTO_MAX_SPAN_SECONDS:
        return TempoEstimate(DEFAULT_BPM, 0.0, 4, 0.0, "too-long")
    return estimate_tempo(instruments, programs=programs)


def _instruments_of(value: object) -> list[Instrument]:
    """The instruments of a ``Record`` or an iterable of them, checked."""
    if isinstance(value, Record):
        check_record(value)
        return list(value.instruments)
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise WrongType("record_or_instruments must be a Record or an iterable of "
                        f"Instrument, not {kind(value)}")
    instruments = list(value)
    for index, ins in enumerate(instruments):
        check_instrument(ins, f"record_or_instruments[{index}]")
    return instruments
