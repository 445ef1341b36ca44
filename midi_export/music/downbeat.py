"""Which beat of the bar is "1": the downbeat, from chord changes, kicks, bass and crashes.

``beat_arrays`` gives the evidence per beat (chord change, kick and bass, snare, crash,
accent), the one reading of it the 4/4 model and the metre's bar evidence share.
``bar_start`` is used twice by the tempo estimator: to score how consistently a candidate
tempo's bars are marked, and to place the first downbeat of the chosen one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .onsets import Onsets

    FloatArray = npt.NDArray[np.float64]

__all__ = ["bar_start", "beat_arrays"]


def bar_start(
    ev: Onsets, period: float, phase: float, beats_per_bar: int, *, entries: bool = False
) -> tuple[int, float, float]:
    """Which beat (0..beats_per_bar-1 counted from ``phase``) starts the bar, and how clearly.

    Per beat: chord change (pitch classes of the notes starting in this beat against the
    beat before), kick and bass, crashes, snares. The bar starts where changes, kicks, bass
    notes and crashes gather and snares do not. The clarity compares how consistently chord
    changes (or kicks and bass notes) come on that beat of each bar with the other beats: it
    is high when the bar length is right, and lower for half or double the beat.
    """
    import numpy as np

    k0, change_on, low_s, snare_s, crash_s, _ = beat_arrays(ev, period, phase)
    nbeats = change_on.size
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


def beat_arrays(ev: Onsets, period: float, phase: float) -> tuple[Any, ...]:
    """Per beat: chord change (0/1), kick+bass, snare, crash, accent, each scaled to ~1."""
    import numpy as np

    u = (ev.t - phase) / period
    k = np.round(u).astype(np.int64)
    near = np.abs(u - k) < 0.15
    k0 = int(k.min())
    kk = k - k0
    nb = int(kk.max()) + 1

    def scaled(x: Any) -> Any:
        m = float(x[x > 0].mean()) if (x > 0).any() else 1.0
        return np.minimum(1.0, x / m)

    low = scaled(np.bincount(kk[near], ev.low[near], nb))
    snare = scaled(np.bincount(kk[near], ev.snare[near], nb))
    crash = scaled(np.bincount(kk[near], ev.crash[near], nb))
    acc = scaled(np.bincount(kk[near], ev.accent[near], nb))
    chroma = np.zeros((nb + 1, 12))
    kb = np.clip(np.floor(u + 0.15).astype(np.int64) - k0, 0, nb)  # non-decreasing: t sorted
    first = np.flatnonzero(np.concatenate(([True], kb[1:] != kb[:-1])))
    chroma[kb[first]] = np.add.reduceat(ev.pcs, first, axis=0)
    norm = np.linalg.norm(chroma, axis=1)
    unit = chroma / (norm[:, None] + 1e-9)
    change = np.zeros(nb)
    both = (norm[1:nb] > 1e-6) & (norm[: nb - 1] > 1e-6)
    change[1:] = np.where(both, 1.0 - (unit[1:nb] * unit[: nb - 1]).sum(axis=1), 0.0)
    return k0, (change > 0.35).astype(np.float64), low, snare, crash, acc
