"""The evidence a metre hypothesis is judged by: accents per tatum, threes against twos, bars.

Each function looks at the onsets (``onsets.Onsets``) through one grid (a pulse ``period``
and ``phase`` in seconds) and measures one thing ``metre`` turns into features:

- ``compound_loglik``: how likely the accents are under a beat / thirds / sixths hierarchy
  (the compound counterpart of ``beats.metrical_fit``);
- ``triple_evidence``: for a pulse heard in three, how much the first third is accented
  against the other two and against pairs (``c3 - c2``: a 4/4 heard in dotted quarters has
  strong pairs), whether the middle third is used (a swung 4/4 leaves it empty), onsets on
  thirds rather than halves, and thirds that are halved themselves (then they are beats:
  3/4); ``pair_contrast`` the same for a simple beat;
- ``tatum_sequence`` and ``self_similarity``: the accent sequence per tatum and how it
  repeats one and two bars on; ``note_codes``, ``code_sequence`` and ``repeat_share``: the
  exact repetition of the pitch sequence (folk tunes repeat phrases);
- ``bar_evidence``: how clearly a bar of N beats shows in the per-beat chord changes, kicks
  and bass, snares, crashes and accents of ``downbeat.beat_arrays``;
- ``six_eighths``: in a bar of six 8ths, the 3rd and 5th against the 4th (quarters: 3/4,
  dotted quarters: 6/8); ``long_notes``: how much the long notes (held, or before a rest)
  start on one beat of the bar (melodies hold the downbeat, phrase ends included);
  ``fast_notes``: the share of onsets faster than the beat's division (the tempo octave).

numpy is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .beats import JITTER_TOL, MAX_JITTER, beat_fraction
from .gm import match_programs

if TYPE_CHECKING:
    from ..record import Instrument
    from .onsets import Onsets

__all__ = [
    "bar_evidence",
    "code_sequence",
    "compound_loglik",
    "fast_notes",
    "long_notes",
    "note_codes",
    "on_pulse_share",
    "pair_contrast",
    "repeat_share",
    "self_similarity",
    "six_eighths",
    "tatum_sequence",
    "triple_evidence",
]

_P_COMPOUND = (0.9, 0.3, 0.1)  # beat, 8ths (1/3, 2/3), 16ths (1/6, 1/2, 5/6)
_P_OFF = 0.005


def compound_loglik(ev: Onsets, period: float, phase: float, ref: float) -> float:
    """Log-likelihood per second of the accents under beat / thirds / sixths / off-grid."""
    import numpy as np

    u = (ev.t - phase) / period
    beat = np.floor(u)
    f = u - beat
    tol = max(0.02, 0.04 * period, min(MAX_JITTER, JITTER_TOL * ev.jitter)) / period
    centres = np.array([0.0, 1 / 3, 2 / 3, 1 / 6, 0.5, 5 / 6, 1.0])
    levels = (0, 1, 1, 2, 2, 2)
    dist = np.abs(f[:, None] - centres[None, :])
    slot = np.argmin(dist, axis=1)
    off = dist[np.arange(f.size), slot] > tol
    k = (beat + (slot == 6)).astype(np.int64)
    slot = np.where(slot == 6, 0, slot)
    k -= int(k.min())
    nb = int(k.max()) + 1
    slot = np.where(off, 6, slot)
    mass = np.bincount(k * 7 + slot, ev.accent, nb * 7).reshape(nb, 7)
    count = np.bincount(k, None, nb)
    active = count > 0
    active[1:] |= count[:-1] > 0
    active[:-1] |= count[1:] > 0
    occ = 1.0 - np.exp(-2.5 * mass[active, :6] / ref)
    p = np.array([_P_COMPOUND[lv] for lv in levels])
    ll = (occ * np.log(p) + (1 - occ) * np.log(1 - p)).sum()
    ll += float((1.0 - np.exp(-2.5 * ev.accent[off] / ref)).sum()) * math.log(_P_OFF)
    return float(ll) / max(1e-9, float(active.sum()) * period)


def tatum_sequence(ev: Onsets, period: float, phase: float, division: int) -> tuple[Any, int]:
    """Accent mass at each tatum (period / division), from the first onset to the last."""
    import numpy as np

    tat = period / division
    u = (ev.t - phase) / tat
    j = np.round(u).astype(np.int64)
    near = np.abs(u - j) < 0.3
    j0 = int(j.min())
    x = np.bincount(j[near] - j0, (ev.accent + 0.3 * ev.w)[near], int(j.max()) - j0 + 1)
    return x, j0


def self_similarity(x: Any, lag: int) -> float:
    if lag <= 0 or x.size <= lag + 8:
        return 0.0
    a, b = x[:-lag], x[lag:]
    sa, sb = a.std(), b.std()
    if sa <= 0 or sb <= 0:
        return 0.0
    return float(((a - a.mean()) * (b - b.mean())).mean() / (sa * sb))


def triple_evidence(ev: Onsets, pulse: float, phase: float) -> dict[str, float]:
    """c3, c2, mid, thirds, h2 of a compound pulse (see the module doc)."""
    import numpy as np

    x, j0 = tatum_sequence(ev, pulse, phase, 3)
    x = x[(-j0) % 3:]
    n3 = x.size // 3
    if n3 < 4:
        return {"c3": 0.0, "c2": 0.0, "mid": 0.0, "thirds": 0.0, "h2": 0.0}
    g3 = x[: 3 * n3].reshape(n3, 3)
    mean = float(x.mean()) or 1.0
    c3 = float(g3[:, 0].mean() - 0.5 * (g3[:, 1].mean() + g3[:, 2].mean())) / mean
    g2 = x[: 2 * (x.size // 2)].reshape(-1, 2)
    g2b = x[1: 1 + 2 * ((x.size - 1) // 2)].reshape(-1, 2)
    c2 = max(abs(float(g2[:, 0].mean() - g2[:, 1].mean())),
             abs(float(g2b[:, 0].mean() - g2b[:, 1].mean()))) / mean
    used = g3.sum(axis=1) > 0
    mid = float(((g3[:, 1] > 0) & used).sum()) / max(1.0, float(used.sum()))
    f = beat_fraction(ev.t, pulse, phase)

    def near(c: float) -> Any:
        return np.abs(f - c) < 0.035

    m3 = float(ev.w[near(1 / 3) | near(2 / 3)].sum())
    m2 = float(ev.w[near(0.5) | near(0.25) | near(0.75) | near(1 / 6) | near(5 / 6)].sum())
    thirds = m3 / (m3 + m2) if m3 + m2 > 0 else 0.0
    ft = beat_fraction(ev.t, pulse / 3.0, phase)
    on_t = float(ev.w[(ft < 0.08) | (ft > 0.92)].sum())
    half_t = float(ev.w[np.abs(ft - 0.5) < 0.08].sum())
    h2 = half_t / on_t if on_t > 0 else 0.0
    return {"c3": c3, "c2": c2, "mid": mid, "thirds": thirds, "h2": h2}


def pair_contrast(ev: Onsets, beat: float, phase: float) -> float:
    """Accent contrast of the beat against its off-beat 8th (a simple beat's evidence)."""
    x, j0 = tatum_sequence(ev, beat, phase, 2)
    x = x[(-j0) % 2:]
    g = x[: 2 * (x.size // 2)].reshape(-1, 2)
    if g.shape[0] < 4:
        return 0.0
    return float(g[:, 0].mean() - g[:, 1].mean()) / (float(x.mean()) or 1.0)


def bar_evidence(arrays: tuple[Any, ...], bpb: int) -> tuple[int, dict[str, float]]:
    """Which beat starts the bar (0..bpb-1 from the phase) and how clearly bars show."""
    import numpy as np

    k0, change, low, snare, crash, acc = arrays
    pos = (np.arange(change.size) + k0) % bpb
    counts = np.maximum(np.bincount(pos, None, bpb), 1)

    def per(x: Any) -> Any:
        return np.bincount(pos, x, bpb) / counts

    c, lo, sn, cr, ac = per(change), per(low), per(snare), per(crash), per(acc)
    score = lo + 1.5 * cr - 0.6 * sn + c
    best = int(np.argmax(score))
    others = [i for i in range(bpb) if i != best]
    out = {
        "changes": float(c[best] - c[others].max()),
        "low": float(lo[best] - lo[others].max()),
        "accent": float(ac[best] - ac[others].mean()),
    }
    if bpb % 2 == 0:
        odd = [(best + i) % bpb for i in range(1, bpb, 2)]
        even = [(best + i) % bpb for i in range(0, bpb, 2)]
        out["backbeat"] = float(sn[odd].mean() - sn[even].mean())
    else:
        out["backbeat"] = float(sn[others].mean() - sn[best])
    return best, out


def on_pulse_share(ev: Onsets, period: float, phase: float) -> float:
    """The share of the kick, snare and bass strength (of the accents, without them) that
    falls on the pulse rather than between: low when the pulse cuts across the groove."""
    f = beat_fraction(ev.t, period, phase)
    near = (f < 0.08) | (f > 0.92)
    strong = ev.low + ev.snare
    total = float(strong.sum())
    if total <= 0:
        strong, total = ev.accent, float(ev.accent.sum())
    return float(strong[near].sum()) / total if total > 0 else 0.0


def note_codes(instruments: Sequence[Instrument], programs: Mapping[str, int | str] | None
                ) -> tuple[Any, Any]:
    """Start times and a code per note (pitch; drum keys + 128), for phrase repetition."""
    import numpy as np

    starts, codes = [], []
    matches, _ = match_programs([ins.name for ins in instruments], programs)
    for ins, match in zip(instruments, matches, strict=True):
        if not ins.pitches:
            continue
        off = 128 if match.is_drum else 0
        starts.append(np.asarray(ins.starts, dtype=np.float64))
        codes.append(np.asarray(ins.pitches, dtype=np.int64) + off)
    if not starts:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    return np.concatenate(starts), np.concatenate(codes)


def code_sequence(starts: Any, codes: Any, period: float, phase: float, division: int
                  ) -> tuple[Any, float]:
    """Per tatum: the highest code starting there (-1: nothing); the share of notes on them
    (a note belongs to a tatum within a quarter of it)."""
    import numpy as np

    tat = period / division
    u = (starts - phase) / tat
    j = np.round(u).astype(np.int64)
    near = np.abs(u - j) < 0.25
    if not near.any():
        return np.full(1, -1), 0.0
    j = j[near] - int(j[near].min())
    seq = np.full(int(j.max()) + 1, -1, dtype=np.int64)
    np.maximum.at(seq, j, codes[near])
    return seq, float(near.mean())


def repeat_share(seq: Any, lag: int) -> float:
    """Share of the tatums with an onset (in either) that repeat exactly ``lag`` tatums on."""
    if lag <= 0 or seq.size <= lag + 8:
        return 0.0
    a, b = seq[:-lag], seq[lag:]
    either = (a >= 0) | (b >= 0)
    n = int(either.sum())
    return float(((a == b) & (a >= 0)).sum()) / n if n else 0.0


def six_eighths(x: Any, j0: int, start: int) -> float:
    """In a bar of six 8ths (tatum ``start`` mod 6 is its first), the accent on the 3rd and
    5th 8ths against the 4th's, per mean accent: above 0 the bar moves in quarters (3/4),
    below in dotted quarters (6/8)."""
    import numpy as np

    pos = (np.arange(x.size) + j0 - start) % 6
    prof = np.bincount(pos, x, 6) / np.maximum(np.bincount(pos, None, 6), 1)
    mean = float(prof.mean())
    if x.size < 24 or mean <= 0:
        return 0.0
    return float(0.5 * (prof[2] + prof[4]) - prof[3]) / mean


def long_notes(ev: Onsets, period: float, phase: float, bpb: int) -> float:
    """How much the long notes (held, or followed by a rest: at least 1.4 beats to the next
    onset) start on one position of a bar of ``bpb`` beats: 0 as by chance, 1 all there
    (shrunk towards 0 when there are few)."""
    import numpy as np

    gap = np.diff(ev.t, append=ev.t[-1] + 2.0 * period) / period
    u = (ev.t - phase) / period
    k = np.round(u).astype(np.int64)
    long = (np.abs(u - k) < 0.15) & (gap >= 1.4)
    n = int(long.sum())
    if n == 0:
        return 0.0
    counts = np.bincount(k[long] % bpb, None, bpb)
    share = (float(counts.max()) + 1.0) / (n + bpb)
    return (share - 1.0 / bpb) / (1.0 - 1.0 / bpb)


def fast_notes(ev: Onsets, tatum: float) -> float:
    """Share of the onsets followed by another within 0.7 ``tatum`` (notes faster than the
    beat's division: a 3/4 tune at 150 moves in 8ths, read at 75 its 8ths are 16ths)."""
    import numpy as np

    if ev.t.size < 2:
        return 0.0
    gap = np.diff(ev.t)
    gap = gap[gap > 0.03]  # a strummed or spread chord is one onset
    return float((gap < 0.7 * tatum).mean()) if gap.size else 0.0
