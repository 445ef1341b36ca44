"""Candidate beats: each candidate tempo refined in period and phase and scored by the 4/4 model.

This is the tempo estimator's core (``tempo``, ``metre`` build on it): the candidates come
from ``periodicity``; each is refined by least squares on the onsets near its beats
(``refine``), its phase found (``best_phase``), then scored by a learned weighted sum of
``FEATURES`` (``evaluate``): its distance in octaves from 115 BPM, the likelihood of the
accents under a beat / 8th / 16th hierarchy (``metrical_fit``), a backbeat, periodicity,
how consistently chord changes and kicks or bass notes mark one beat of a 4-beat bar, and
whether the typical gaps between strong onsets and between chord changes come out at a
plausible number of beats. The weights were fitted by ``evaluation/fit_weights.py`` on
generated songs that are not in the evaluation set.

Onset scatter: transcribed notes land 10-30 ms from where they were played, so an onset is
"on the grid" within ``JITTER_TOL`` (2.5) times the song's measured scatter
(``onsets.onset_scatter``, capped at ``MAX_JITTER``) when that is wider than the usual
tolerance; without it, 20-30 ms of scatter punishes a fast reading more than its half.

numpy is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .downbeat import bar_start
from .periodicity import comb, envelope_acf, tempo_candidates

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .onsets import Onsets

    FloatArray = npt.NDArray[np.float64]

__all__ = [
    "FEATURES",
    "JITTER_TOL",
    "MAX_JITTER",
    "PRIOR_BPM",
    "WEIGHTS",
    "Fit",
    "backbone_ioi",
    "beat_fraction",
    "best_phase",
    "evaluate",
    "fits",
    "grid_fit",
    "metrical_fit",
    "refine",
]

PRIOR_BPM = 115.0  # tempi are measured in octaves from here (the prior is learned around it)
JITTER_TOL = 2.5  # on-grid tolerance: at least this many sigmas of the measured scatter
MAX_JITTER = 0.045  # seconds: the most scatter the tolerances follow


@dataclass
class Fit:
    period: float
    phase: float
    score: float
    conf: float
    features: tuple[float, ...]


def best_phase(t: FloatArray, w: FloatArray, period: float) -> float:
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


def refine(t: FloatArray, w: FloatArray, period: float) -> tuple[float, float]:
    """Period and phase by least squares of the onsets near the beats (t = phase + k period).

    Starts on the first 12 beats and doubles the span each round, so a period that is a
    little off cannot drift by a beat before it is corrected, however long the song.
    """
    import numpy as np

    start, end = float(t[0]), float(t[-1])
    span = 12.0 * period
    phase = start + best_phase(t[t < start + span] - start, w[t < start + span], period)
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


def beat_fraction(t: FloatArray, period: float, phase: float) -> FloatArray:
    import numpy as np

    u = (t - phase) / period
    frac: FloatArray = u - np.floor(u)
    return frac


def grid_fit(f: FloatArray, w: FloatArray, period: float, jitter: float = 0.0) -> float:
    """How much better than chance the onsets sit on the 16th or triplet grid (0..1).

    An onset is on the grid within 5 % of the beat (20-50 ms), or within ``JITTER_TOL``
    times the song's measured onset scatter ``jitter`` when that is wider.
    """
    import numpy as np

    total = float(w.sum())
    if total <= 0:
        return 0.0
    scatter = JITTER_TOL * min(MAX_JITTER, jitter)
    tol = min(0.05, max(0.02, 0.05 * period, scatter)) / period  # in beats
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


def metrical_fit(ev: Onsets, period: float, phase: float, ref: float) -> tuple[float, float]:
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
    tol = max(0.02, 0.04 * period, min(MAX_JITTER, JITTER_TOL * ev.jitter)) / period
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


#: names of the candidate features, and the weights that score them (``evaluate``)
FEATURES = ("octaves", "octaves2", "grid_loglik", "backbeat", "periodicity", "bar_changes",
            "bar_low", "backbone2", "harmony2")
WEIGHTS = (-0.21, -3.47, 1.82, 5.38, -1.48, 2.66, 1.11, -0.6, -2.55)


def backbone_ioi(ev: Onsets, ref: float) -> float:
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


def evaluate(ev: Onsets, acf: FloatArray, bpm: float, ref: float, ioi: float) -> Fit:
    """Refine one candidate tempo and score it, on the better of its two beat phases."""
    import numpy as np

    t, w, acc = ev.t, ev.w, ev.accent
    period = 60.0 / bpm
    period, _ = refine(t, acc + 0.5 * w, period)
    phase0 = best_phase(t, acc + 0.5 * w, period)
    periodicity = float(comb(acf, np.array([60.0 / period]))[0])
    octaves = math.log2(60.0 / period / PRIOR_BPM)
    backbone = math.log2(ioi / period) if ioi == ioi else 0.0
    harmony = math.log2(ev.harmony / period) - 2.0 if ev.harmony == ev.harmony else 0.0
    best: Fit | None = None
    # the strongest onsets may be off the beat (offbeat bass and stabs in house music):
    # the beat or the 8th between is decided by the whole score, backbeat included
    for phase in (phase0, phase0 + period / 2):
        rate, backbeat = metrical_fit(ev, period, phase, ref)
        _, changes, low = bar_start(ev, period, phase, 4)
        features = (octaves, octaves * octaves, rate, backbeat, periodicity, changes, low,
                    min(1.0, backbone * backbone), min(1.0, harmony * harmony))
        score = sum(a * b for a, b in zip(WEIGHTS, features, strict=True))
        if best is None or score > best.score:
            best = Fit(period, phase, score, 0.0, features)
    assert best is not None
    best.conf = grid_fit(beat_fraction(t, period, best.phase), w, period, ev.jitter)
    return best


def fits(ev: Onsets, min_bpm: float, max_bpm: float) -> list[Fit]:
    """Every candidate tempo, refined and scored."""
    import numpy as np

    acf = envelope_acf(ev)
    ref = float(np.percentile(ev.accent, 90)) or 1.0
    ioi = backbone_ioi(ev, ref)
    return [evaluate(ev, acf, bpm, ref, ioi) for bpm in tempo_candidates(acf, min_bpm, max_bpm)]
