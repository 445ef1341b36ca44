"""Notes -> onset events: what the tempo and downbeat estimators listen to.

Every onset gets a strength from its velocity and its instrument's role (kick and snare
weigh most, then bass, then the rest; long notes and chords more than short single ones),
and an accent; the onsets of one chord or strum become one event. Which instruments are
drums is decided by ``gm.match_programs``, the converter's own rule. ``onset_scatter`` measures
how far apart onsets that belong together land (a few ms for hand-played MIDI, 10-30 ms for
notes transcribed from audio), so the grid tolerances can widen with it.

The scatter is measured only between *reliable* instruments (``onset_reliability``): an
instrument's first onsets (of each chord) are compared with the nearest onset of any other
instrument; when they land within 30 ms of it hardly more often than 30-60 ms away (under
2.2 times as often, ``RELIABLE``: a tight peak barely above the chance floor), the
instrument does not play with the others where its notes say (a transcribed pad or string
section, its slow attacks found 20-100 ms late and re-triggered at random). Its chance
pairings would measure the gap between unrelated onsets (about 30 ms, whatever the players
did) instead of the scatter, widening the grid tolerance until a slow song's 8ths fit as
well as its beats (the double tempo). Drums always count as reliable; with fewer than two
reliable instruments the scatter is not measured (0.0, the usual tolerance).

numpy is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .drums import CRASHES, HATS, KICKS, SNARES, TOMS
from .gm import match_programs

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ..record import Instrument

    FloatArray = npt.NDArray[np.float64]
    IntArray = npt.NDArray[np.int64]

__all__ = ["RELIABLE", "Onsets", "onset_events", "onset_reliability", "onset_scatter"]

_CHORD_S = 0.025  # onsets of one instrument closer than this are one event (a chord, a strum)
_TIGHT_S = 0.03  # an onset this close to another instrument's lands with it (band: 1-2x this)
RELIABLE = 0.375  # ``onset_reliability`` at which an instrument's onsets count for the scatter


def _is_bass(name: str, pitches: Sequence[int]) -> bool:
    n = name.strip().lower()
    if "bass" in n and "bassoon" not in n and "lead" not in n:
        return True
    if not pitches:
        return False
    ordered = sorted(pitches)
    return ordered[len(ordered) // 2] < 48


@dataclass
class Onsets:
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
    jitter: float = 0.0  # onset scatter, s (``onset_scatter``)


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
        for keys, value in ((KICKS, 1.0), (SNARES, 0.85), (CRASHES, 0.7), (TOMS, 0.55),
                            (HATS, 0.4)):
            table[list(keys)] = value
        w = table[pitch] * vf
        is_kick = np.isin(pitch, list(KICKS))
        is_snare = np.isin(pitch, list(SNARES))
        low = np.where(is_kick, w, 0.0)
        snare = np.where(is_snare, w, 0.0)
        crash = np.where(np.isin(pitch, list(CRASHES)), w, 0.0)
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
        start[first],
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
    frames = float(end.max()) / hop  # compared before int(): a note may end at 1e308 s
    if not frames < 200_000 - 1:
        return math.nan
    n = int(frames) + 2
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


def onset_events(
    instruments: Iterable[Instrument], programs: Mapping[str, int | str] | None
) -> Onsets | None:
    import numpy as np

    instruments = list(instruments)
    # the same rule as the converter's (overrides included), so both agree on the drums
    drums = [m.is_drum for m in match_programs([ins.name for ins in instruments], programs)[0]]
    kept = [(p, d) for p, d in zip(map(_instrument_events, instruments, drums), drums,
                                    strict=True) if p is not None]
    if not kept:
        return None
    parts = [p for p, _ in kept]
    rel = onset_reliability([p[8] for p in parts], [d for _, d in kept])
    cols = [np.concatenate([p[k] for p in parts]) for k in range(8)]
    t = cols[0]
    order = np.argsort(t, kind="stable")
    kind = cols[7][order]
    has_drums = bool((kind == 0.0).any())
    has_bass = bool((kind == 1.0).any())
    source = "drums" if has_drums else "bass" if has_bass else "all"
    return Onsets(
        t=t[order], w=cols[1][order], low=cols[2][order], snare=cols[3][order],
        crash=cols[4][order], accent=cols[5][order], pcs=cols[6][order], source=source,
        harmony=_harmonic_rhythm(instruments, drums),
        edges=np.array([(p[0][0], p[0][-1]) for p in parts]),
        jitter=onset_scatter([p[0] for p, r in zip(parts, rel, strict=True) if r >= RELIABLE]),
    )


def _nearest_other(onsets: Sequence[FloatArray]) -> tuple[FloatArray, IntArray]:
    """Every onset's signed distance to the nearest onset of another instrument, and its
    instrument's index (in time order; +-inf when there is no other instrument).

    One sort of all the onsets, labelled by instrument: in time order, an onset's nearest
    onset of another instrument on the left is the one just before its run of equal labels,
    on the right the one just after (a sort and a search per instrument made 20,000
    instruments of 5 notes take 4 minutes).
    """
    import numpy as np

    parts = [np.asarray(a, dtype=np.float64) for a in onsets]
    t = np.concatenate(parts) if parts else np.zeros(0)
    label = np.repeat(np.arange(len(parts), dtype=np.int64), [a.size for a in parts])
    if t.size == 0:
        return t, label
    order = np.argsort(t, kind="stable")
    t, label = t[order], label[order]
    n = t.size
    idx = np.arange(n)
    new_run = np.concatenate(([True], label[1:] != label[:-1]))
    run_start = np.maximum.accumulate(np.where(new_run, idx, 0))
    run_end = np.minimum.accumulate(np.where(
        np.concatenate((label[:-1] != label[1:], [True])), idx, n - 1)[::-1])[::-1]
    left, right = run_start - 1, run_end + 1
    d_left = np.where(left >= 0, t - t[np.maximum(left, 0)], np.inf)
    d_right = np.where(right < n, t[np.minimum(right, n - 1)] - t, np.inf)
    return np.where(d_left <= d_right, -d_left, d_right), label


def onset_reliability(onsets: Sequence[FloatArray], drums: Sequence[bool]) -> FloatArray:
    """How reliably each instrument's onsets land with the other instruments', 0..1.

    Of an instrument's onsets whose nearest onset of another instrument is under 60 ms away,
    ``tight`` are under 30 ms and ``band`` 30-60 ms: (tight - band) / (tight + band), at
    least 0. Onsets played together give a peak (1.0 for MIDI, 0.6-0.9 for transcribed
    keyboards, bass and guitars), unrelated ones a flat spread (about 0). Drums, and
    instruments with fewer than 20 such onsets (nothing to tell), get 1.0. No grid is used.
    """
    import numpy as np

    rel = np.ones(len(onsets))
    if len(onsets) < 2:
        return rel
    d, label = _nearest_other(onsets)
    ad = np.abs(d)
    tight = np.bincount(label, ad < _TIGHT_S, len(onsets))
    band = np.bincount(label, (ad >= _TIGHT_S) & (ad < 2 * _TIGHT_S), len(onsets))
    near = tight + band
    judged = (near >= 20) & ~np.asarray(drums, dtype=bool)
    rel[judged] = np.maximum(0.0, (tight - band)[judged] / near[judged])
    return rel


def onset_scatter(onsets: Sequence[FloatArray]) -> float:
    """How far apart onsets that belong together land, in seconds (a robust sigma).

    For every onset of an instrument, the nearest onset of *another* instrument within
    60 ms: played together, the two differ by the players' (or the transcriber's) scatter,
    and their difference has sqrt(2) times each one's sigma. Measured without any grid, so
    it cannot favour a tempo. 0.0 when there are fewer than 20 such pairs.
    (The nearest onsets are found by ``_nearest_other``.)
    """
    import numpy as np

    if len(onsets) < 2:
        return 0.0
    d = np.abs(_nearest_other(onsets)[0])
    d = d[d < 0.06]
    if d.size < 20:
        return 0.0
    return float(1.4826 * np.median(d) / math.sqrt(2.0))
