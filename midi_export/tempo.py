"""Tempo and downbeat estimation from the notes themselves, and the tempo map that follows.

The record has notes in seconds and no tempo. ``estimate_tempo`` finds the beat period, the
beat phase and which beat is "1", so a MIDI file can put its grid on the music's beats and
its bar lines on the downbeats; ``tempo_map_for`` turns that into tempo segments and time
signatures while every note keeps its absolute time.

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .records import Instrument, Record

    FloatArray = npt.NDArray[np.float64]

__all__ = ["TempoEstimate", "estimate_tempo", "tempo_map_for"]

#: tempo returned when there is nothing to estimate from (with confidence 0)
DEFAULT_BPM = 120.0

_PRIOR_BPM = 115.0  # tempi are measured in octaves from here (the prior is learned around it)
_FS = 100.0  # envelope frames per second
_CHORD_S = 0.025  # onsets of one instrument closer than this are one event (a chord, a strum)

# GM percussion keys: weight of an onset, and which family it belongs to
_KICKS = frozenset((35, 36))
_SNARES = frozenset((37, 38, 39, 40))
_CRASHES = frozenset((49, 52, 55, 57))
_HATS = frozenset((42, 44, 46, 51, 53, 59))
_TOMS = frozenset((41, 43, 45, 47, 48, 50))


@dataclass(frozen=True)
class TempoEstimate:
    """A steady tempo with its beat phase.

    ``bpm`` is quarter notes per minute; ``first_downbeat`` the time in seconds of the first
    bar line at or after the music starts; ``beats_per_bar`` the metre (always 4 for now);
    ``confidence`` 0..1 how well the notes fit this grid; ``source`` which part of the
    music decided it (``"drums"``, ``"bass"``, ``"all"``, or ``"none"`` when there was
    nothing to estimate from).
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


# --------------------------------------------------------------------------- roles and events


def _is_bass(name: str, pitches: Sequence[int]) -> bool:
    n = name.strip().lower()
    if "bass" in n and "bassoon" not in n and "lead" not in n:
        return True
    if not pitches:
        return False
    ordered = sorted(pitches)
    return ordered[len(ordered) // 2] < 48


@dataclass
class _Events:
    """Onset events (chords merged), sorted by time, with what each one carries."""

    t: FloatArray  # time, s
    w: FloatArray  # onset strength
    low: FloatArray  # kick and bass strength (downbeat evidence)
    snare: FloatArray  # snare and clap strength (backbeat evidence)
    crash: FloatArray  # crash cymbals
    accent: FloatArray  # strength of accented onsets: kick, snare, bass, chords, long notes
    pcs: FloatArray  # (n, 12) pitch-class weight of the notes starting at the event
    source: str
    harmony: float = math.nan  # typical time between chord changes, s (NaN: unknown)
    edges: FloatArray | None = None  # (instruments, 2): each one's first and last onset, s


def _instrument_events(ins: Instrument, is_drum: bool) -> tuple[FloatArray, ...] | None:
    import numpy as np

    if not ins.pitches:
        return None
    pitch = np.asarray(ins.pitches, dtype=np.int64)
    start = np.asarray(ins.starts, dtype=np.float64)
    end = np.asarray(ins.ends, dtype=np.float64)
    vel = np.clip(np.nan_to_num(np.asarray(ins.velocities, dtype=np.float64), nan=0.5), 0, 1)
    ok = np.isfinite(start) & np.isfinite(end) & (start >= 0)
    if not ok.all():
        pitch, start, end, vel = pitch[ok], start[ok], end[ok], vel[ok]
    if start.size == 0:
        return None
    order = np.argsort(start, kind="stable")
    pitch, start, end, vel = pitch[order], start[order], end[order], vel[order]
    dur = np.clip(end - start, 0.0, 4.0)
    vf = 0.35 + 0.65 * vel
    n = start.size
    zeros = np.zeros(n)
    pcs = np.zeros((n, 12))
    if is_drum:
        table = np.full(128, 0.35)
        for keys, value in ((_KICKS, 1.0), (_SNARES, 0.85), (_CRASHES, 0.7), (_TOMS, 0.55),
                            (_HATS, 0.4)):
            table[list(keys)] = value
        w = table[pitch] * vf
        is_kick = np.isin(pitch, list(_KICKS))
        is_snare = np.isin(pitch, list(_SNARES))
        low = np.where(is_kick, w, 0.0)
        snare = np.where(is_snare, w, 0.0)
        crash = np.where(np.isin(pitch, list(_CRASHES)), w, 0.0)
        accent = np.where(is_kick | is_snare, w, 0.25 * w)
        kind = 0.0
    else:
        bass = _is_bass(ins.name, ins.pitches)
        lengthen = np.clip(0.55 + 0.3 * np.log2(1.0 + dur / 0.15), 0.55, 1.5)
        w = (0.85 if bass else 0.55) * vf * lengthen
        low = w.copy() if bass else zeros
        snare = zeros
        crash = zeros
        accent = w * (1.0 if bass else 0.6) * np.clip(dur / 0.3, 0.3, 1.5)
        pcs[np.arange(n), pitch % 12] = np.clip(dur, 0.05, 2.0) * vf
        kind = 1.0 if bass else 2.0
    # merge the onsets of one chord or strum into one event
    group = np.concatenate(([0], np.cumsum(np.diff(start) > _CHORD_S)))
    first = np.flatnonzero(np.concatenate(([True], group[1:] != group[:-1])))
    wmax = np.maximum.reduceat(w, first)
    wsum = np.add.reduceat(w, first)
    count = np.diff(np.append(first, n))
    tw = np.add.reduceat(start * w, first) / np.maximum(wsum, 1e-12)
    chord_bonus = 1.0 + 0.15 * np.minimum(count - 1, 4)
    return (
        tw,
        (wmax + 0.3 * (wsum - wmax)),
        np.maximum.reduceat(low, first),
        np.maximum.reduceat(snare, first),
        np.maximum.reduceat(crash, first),
        np.maximum.reduceat(accent, first) * chord_bonus,
        np.add.reduceat(pcs, first, axis=0),
        np.full(first.size, kind),
    )


def _harmonic_rhythm(instruments: Sequence[Instrument], drums: Sequence[bool]) -> float:
    """Typical time between chord changes in seconds (NaN when it cannot be told).

    The pitch classes sounding (notes from start to end, bass doubled) are compared over
    0.6 s before and after each 0.1 s step; the peaks of that novelty are the changes.
    """
    import numpy as np

    hop, half = 0.1, 6
    spans = []
    for ins, is_drum in zip(instruments, drums, strict=True):
        if is_drum or not ins.pitches:
            continue
        gain = 1.5 if _is_bass(ins.name, ins.pitches) else 1.0
        spans.append((np.asarray(ins.pitches) % 12, np.asarray(ins.starts),
                      np.asarray(ins.ends), gain * np.asarray(ins.velocities)))
    if not spans:
        return math.nan
    pc = np.concatenate([x[0] for x in spans])
    start = np.concatenate([x[1] for x in spans])
    end = np.concatenate([x[2] for x in spans])
    vel = np.concatenate([x[3] for x in spans])
    ok = np.isfinite(start) & np.isfinite(end) & (start >= 0)
    pc, start, end, vel = pc[ok], start[ok], end[ok], vel[ok]
    if start.size < 8:
        return math.nan
    n = int(end.max() / hop) + 2
    if n > 200_000:
        return math.nan
    a = np.minimum((start / hop).astype(np.int64), n - 1)
    b = np.maximum(a + 1, np.minimum((end / hop).astype(np.int64), n - 1))
    diff = np.zeros((n + 1, 12))
    np.add.at(diff, (a, pc), vel)
    np.add.at(diff, (b, pc), -vel)
    chroma = np.cumsum(diff, axis=0)[:n]
    cum = np.concatenate((np.zeros((1, 12)), np.cumsum(chroma, axis=0)))
    i = np.arange(half, n - half)
    before = cum[i] - cum[i - half]
    after = cum[i + half] - cum[i]
    nb = np.linalg.norm(before, axis=1)
    na = np.linalg.norm(after, axis=1)
    good = (nb > 1e-9) & (na > 1e-9)
    novelty = np.zeros(i.size)
    novelty[good] = 1.0 - (before[good] * after[good]).sum(axis=1) / (nb[good] * na[good])
    peak = (novelty > 0.25) & (novelty >= np.roll(novelty, 1)) & (novelty > np.roll(novelty, -1))
    times = i[peak] * hop
    if times.size < 4:
        return math.nan
    gaps = np.diff(times)
    gaps = gaps[(gaps > 0.45) & (gaps < 8.0)]
    return float(np.median(gaps)) if gaps.size >= 3 else math.nan


def _events(
    instruments: Iterable[Instrument], programs: Mapping[str, int | str] | None
) -> _Events | None:
    import numpy as np

    from .gm import gm_program

    instruments = list(instruments)
    # the same rule as the converter's (overrides included), so both agree on the drums
    drums = [gm_program(ins.name, programs).is_drum for ins in instruments]
    parts = [p for p in map(_instrument_events, instruments, drums) if p is not None]
    if not parts:
        return None
    cols = [np.concatenate([p[k] for p in parts]) for k in range(8)]
    t = cols[0]
    order = np.argsort(t, kind="stable")
    kind = cols[7][order]
    has_drums = bool((kind == 0.0).any())
    has_bass = bool((kind == 1.0).any())
    source = "drums" if has_drums else "bass" if has_bass else "all"
    return _Events(
        t=t[order], w=cols[1][order], low=cols[2][order], snare=cols[3][order],
        crash=cols[4][order], accent=cols[5][order], pcs=cols[6][order], source=source,
        harmony=_harmonic_rhythm(instruments, drums),
        edges=np.array([(p[0][0], p[0][-1]) for p in parts]),
    )


# --------------------------------------------------------------------------- periodicity


def _envelope_acf(ev: _Events) -> FloatArray:
    """Autocorrelation (unbiased, normalised) of the onset-strength envelope."""
    import numpy as np

    t0 = float(ev.t[0])
    pos = (ev.t - t0) * _FS
    n = int(pos[-1]) + 8
    env = np.zeros(n)
    i = np.floor(pos).astype(np.int64)
    frac = pos - i
    np.add.at(env, i, ev.w * (1.0 - frac))
    np.add.at(env, i + 1, ev.w * frac)
    kernel = np.exp(-0.5 * (np.arange(-4, 5) / 1.5) ** 2)
    env = np.convolve(env, kernel / kernel.sum(), mode="same")
    env -= env.mean()
    size = 1 << math.ceil(math.log2(2 * n))
    spec = np.fft.rfft(env, size)
    acf = np.fft.irfft(spec * np.conj(spec), size)[:n]
    acf /= np.maximum(n - np.arange(n), n / 4.0)
    if acf[0] > 0:
        acf /= acf[0]
    return acf


def _acf_at(acf: FloatArray, lag_frames: FloatArray) -> FloatArray:
    import numpy as np

    return np.interp(lag_frames, np.arange(acf.size), acf, right=0.0)


def _comb(acf: FloatArray, bpm: FloatArray) -> FloatArray:
    """Periodicity of the envelope at each tempo: the ACF at 1..4 beats."""
    lag = 60.0 * _FS / bpm
    total = _acf_at(acf, lag) + 0.0
    for k, weight in ((2, 0.8), (3, 0.5), (4, 0.7)):
        total = total + weight * _acf_at(acf, k * lag)
    return total / 3.0


def _candidates(acf: FloatArray, min_bpm: float, max_bpm: float) -> list[float]:
    import numpy as np

    grid = min_bpm * np.exp(np.arange(0.0, math.log(max_bpm / min_bpm) + 1e-9, 0.004))
    score = _comb(acf, grid)
    peaks = [
        i for i in range(1, grid.size - 1) if score[i] >= score[i - 1] and score[i] > score[i + 1]
    ]
    peaks.sort(key=lambda i: -score[i])
    found: list[float] = [float(grid[i]) for i in peaks[:6]]
    if not found:
        found = [float(grid[int(np.argmax(score))])]
    best = found[0]
    for ratio in (0.5, 2.0, 2.0 / 3.0, 1.5, 1.0 / 3.0, 3.0, 0.75, 4.0 / 3.0):
        found.append(best * ratio)
    out: list[float] = []
    for bpm in found:
        if min_bpm <= bpm <= max_bpm and all(abs(bpm / o - 1.0) > 0.015 for o in out):
            out.append(bpm)
    return out


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


def _metrical_fit(ev: _Events, period: float, phase: float, ref: float) -> tuple[float, float]:
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


def _backbone_ioi(ev: _Events, ref: float) -> float:
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


def _evaluate(ev: _Events, acf: FloatArray, bpm: float, ref: float, ioi: float) -> _Fit:
    """Refine one candidate tempo and score it, on the better of its two beat phases."""
    import numpy as np

    t, w, acc = ev.t, ev.w, ev.accent
    period = 60.0 / bpm
    period, _ = _refine(t, acc + 0.5 * w, period)
    phase0 = _best_phase(t, acc + 0.5 * w, period)
    periodicity = float(_comb(acf, np.array([60.0 / period]))[0])
    octaves = math.log2(60.0 / period / _PRIOR_BPM)
    backbone = math.log2(ioi / period) if ioi == ioi else 0.0
    harmony = math.log2(ev.harmony / period) - 2.0 if ev.harmony == ev.harmony else 0.0
    best: _Fit | None = None
    # the strongest onsets may be off the beat (offbeat bass and stabs in house music):
    # the beat or the 8th between is decided by the whole score, backbeat included
    for phase in (phase0, phase0 + period / 2):
        rate, backbeat = _metrical_fit(ev, period, phase, ref)
        _, changes, low = _bars(ev, period, phase, 4)
        features = (octaves, octaves * octaves, rate, backbeat, periodicity, changes, low,
                    min(1.0, backbone * backbone), min(1.0, harmony * harmony))
        score = sum(a * b for a, b in zip(_WEIGHTS, features, strict=True))
        if best is None or score > best.score:
            best = _Fit(period, phase, score, 0.0, features)
    assert best is not None
    best.conf = _grid_fit(_frac(t, period, best.phase), w, period)
    return best


def _fits(ev: _Events, min_bpm: float, max_bpm: float) -> list[_Fit]:
    """Every candidate tempo, refined and scored."""
    import numpy as np

    acf = _envelope_acf(ev)
    ref = float(np.percentile(ev.accent, 90)) or 1.0
    ioi = _backbone_ioi(ev, ref)
    return [_evaluate(ev, acf, bpm, ref, ioi) for bpm in _candidates(acf, min_bpm, max_bpm)]


# --------------------------------------------------------------------------- downbeat


def _bars(
    ev: _Events, period: float, phase: float, beats_per_bar: int, *, entries: bool = False
) -> tuple[int, float, float]:
    """Which beat (0..beats_per_bar-1 counted from ``phase``) starts the bar, and how clearly.

    Per beat: chord change (pitch classes of the notes starting in this beat against the
    beat before), kick and bass, crashes, snares. The bar starts where changes, kicks, bass
    notes and crashes gather and snares do not. The clarity compares how consistently chord
    changes (or kicks and bass notes) come on that beat of each bar with the other beats: it
    is high when the bar length is right, and lower for half or double the beat.
    """
    import numpy as np

    t = ev.t
    u = (t - phase) / period
    k = np.round(u).astype(np.int64)
    near = np.abs(u - k) < 0.15
    k0 = int(k.min())
    kk = k - k0
    nbeats = int(kk.max()) + 1
    low = np.bincount(kk[near], ev.low[near], nbeats).astype(np.float64)
    snare = np.bincount(kk[near], ev.snare[near], nbeats).astype(np.float64)
    crash = np.bincount(kk[near], ev.crash[near], nbeats).astype(np.float64)
    chroma = np.zeros((nbeats + 1, 12))
    kb = np.floor(u + 0.15).astype(np.int64) - k0
    np.add.at(chroma, np.clip(kb, 0, nbeats), ev.pcs)
    norm = np.linalg.norm(chroma, axis=1)
    unit = chroma / (norm[:, None] + 1e-9)
    change = np.zeros(nbeats)
    both = (norm[1:nbeats] > 1e-6) & (norm[: nbeats - 1] > 1e-6)
    change[1:] = np.where(both, 1.0 - (unit[1:nbeats] * unit[: nbeats - 1]).sum(axis=1), 0.0)

    def scaled(x: FloatArray) -> FloatArray:
        m = float(x[x > 0].mean()) if (x > 0).any() else 1.0
        return np.minimum(1.0, x / m)

    low_s, snare_s, crash_s = scaled(low), scaled(snare), scaled(crash)
    change_on = (change > 0.35).astype(np.float64)
    idx = np.arange(nbeats) + k0
    scores = []
    per_position: list[tuple[float, float]] = []
    def mean(x: FloatArray, sel: Any) -> float:
        return float(x[sel].mean()) if sel.any() else 0.0

    for b in range(beats_per_bar):
        sel = (idx - b) % beats_per_bar == 0
        per_position.append((mean(change_on, sel), mean(low_s, sel)))
        scores.append(mean(low_s, sel) + 1.5 * mean(crash_s, sel) - 0.6 * mean(snare_s, sel)
                      + 1.0 * mean(change_on, sel))
    best = int(np.argmax(scores))
    others = [p for i, p in enumerate(per_position) if i != best]
    changes = per_position[best][0] - max(p[0] for p in others)
    low_clarity = per_position[best][1] - max(p[1] for p in others)
    if entries and ev.edges is not None and len(ev.edges) > 1:
        # instruments tend to come in and stop on a downbeat (after a pickup, at the end
        # of an intro, on the final chord): each one that does so on a beat votes for it
        e = (ev.edges - phase) / period
        ek = np.round(e).astype(np.int64)
        on = np.abs(e - ek) < 0.12
        votes = np.bincount(ek[on] % beats_per_bar, None, beats_per_bar)
        bonus = 1.2 * votes / ev.edges.size
        best = int(np.argmax(np.array(scores) + bonus))
    return best, changes, low_clarity


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
    """
    if not 0 < min_bpm < max_bpm:
        raise ValueError(f"need 0 < min_bpm < max_bpm, got {min_bpm} and {max_bpm}")
    from .records import Record

    if isinstance(record_or_instruments, Record):
        ev = _events(record_or_instruments.instruments, programs)
    else:
        ev = _events(record_or_instruments, programs)
    if ev is None or ev.t.size < 8:
        start = float(ev.t[0]) if ev is not None else 0.0
        return TempoEstimate(DEFAULT_BPM, start, 4, 0.0, "none")
    import numpy as np

    best = max(_fits(ev, min_bpm, max_bpm), key=lambda fit: fit.score)
    period, phase = best.period, best.phase
    bpb = 4
    b, _, _ = _bars(ev, period, phase, bpb, entries=True)
    bar = bpb * period
    downbeat = phase + b * period
    start = float(ev.t[0])
    tol = min(0.05, 0.1 * period)
    first = downbeat + math.ceil((start - tol - downbeat) / bar) * bar
    n = ev.t.size
    conf = best.conf * (1.0 - math.exp(-n / 24.0))
    bpm = float(np.clip(60.0 / period, min_bpm, max_bpm))
    return TempoEstimate(bpm, float(first), bpb, round(conf, 3), ev.source)


def tempo_map_for(
    estimate: TempoEstimate, ppq: int = 480
) -> tuple[list[tuple[int, int]], list[tuple[int, int, int]]]:
    """Tempo segments ``[(tick, tempo_us)]`` and time signatures ``[(tick, num, den)]``.

    The grid of the returned map falls on the estimate's beats and its bar lines on the
    downbeats, while a note at ``t`` seconds keeps that time (the converter computes
    ``tick = K_i + round((t - S_i) * ppq * 1e6 / tempo_us_i)`` per segment). When the first
    downbeat is not at 0 s, the time before it becomes a lead-in of ``n`` whole 16ths,
    written as a pickup bar with its own time signature (``3/16``, ``3/8``, ``2/4``...; whole
    bars of the metre first when the lead-in is longer than a bar). All of it runs at the
    main tempo except its very first 16th, whose own tempo segment absorbs the remainder
    (it lasts between half and one and a half 16ths), so the first downbeat falls exactly on
    its bar line.

    Why this rather than a lead-in tempo over whole beats: a pickup (anacrusis) is played at
    the song's tempo, so every 16th of it but the first lands on the DAW's grid, bar 2 starts
    on the first downbeat, and the odd tempo is confined to the first 16th of the file, which
    is silence unless the music starts right away. A lead-in shorter than 20 ms (and than
    half a 16th) is left out: bar 1 then starts at 0 s, that much early; a lead-in shorter
    than a 16th makes a fast first 16th (a 30 ms lead-in at 120 BPM: 500 BPM for 30 ms).

    Every boundary is an integer tick (16ths are ``ppq // 4`` ticks; when ``ppq`` is not a
    multiple of 4 the units are whole beats instead), and every tempo an integer number of
    microseconds per quarter note. A reader that derives each segment's start in seconds
    from them finds the first downbeat within a microsecond of ``first_downbeat``. The main
    tempo is ``round(60e6 / bpm)``: 0.5 us per beat from the estimate, 0.3 ms over 10 minutes
    at 100 BPM.
    """
    if ppq <= 0:
        raise ValueError(f"ppq must be positive, got {ppq}")
    bpb = max(1, int(estimate.beats_per_bar))
    main_us = max(1, min(0xFFFFFF, round(60_000_000 / estimate.bpm)))
    lead = float(estimate.first_downbeat)
    per_beat = 4 if ppq % 4 == 0 else 1  # lead-in units per beat (16ths, else beats)
    unit_ticks = ppq // per_beat
    n = round(lead * 1e6 * per_beat / main_us)
    if lead <= 0 or (n == 0 and lead < 0.02):
        return [(0, main_us)], [(0, bpb, 4)]
    n = max(1, n)
    # the first unit lasts what is left once the other n - 1 run at the main tempo
    first_us = round(lead * 1e6 * per_beat - (n - 1) * main_us)
    first_us = max(1, min(0xFFFFFF, first_us))
    tempos = [(0, first_us), (unit_ticks, main_us)] if first_us != main_us else [(0, main_us)]
    units_per_bar = bpb * per_beat
    rest = n % units_per_bar
    sigs: list[tuple[int, int, int]] = []
    if rest:
        num, den = rest, 4 * per_beat
        while num % 2 == 0 and den > 4:
            num, den = num // 2, den // 2
        sigs.append((0, num, den))
    sigs.append((rest * unit_ticks, bpb, 4))
    return tempos, sigs
