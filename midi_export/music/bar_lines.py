"""Where the bars start once pulse and bar length are chosen: the downbeat, the first bar line.

``downbeat_position`` picks the beat of the bar that is "1" by a weighted sum of evidence per
position of the bar (``DOWNBEAT_FEATURES``, each centred over the positions): kicks and bass
notes, crashes, snares (against), chord changes, accents (long and loud notes), the tonic
triad's share of the notes there (when a first key estimate gives the triad), instruments
that come in or stop there, whether the first and the last note fall there, notes that
follow a rest or are followed by one (phrases start and end on strong beats), and how long
the onsets there last before the next one (long notes fall on strong beats). The weights
(``DOWNBEAT_WEIGHTS``) are a conditional logit over the positions, fitted by
``evaluation/fit_downbeat.py`` on the development split. ``first_bar_line`` then gives the
first bar line at or after the music starts (a pickup before it becomes a pickup bar).

numpy is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .downbeat import beat_arrays

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .onsets import Onsets

__all__ = [
    "DOWNBEAT_FEATURES",
    "DOWNBEAT_WEIGHTS",
    "downbeat_features",
    "downbeat_position",
    "first_bar_line",
]

DOWNBEAT_FEATURES = ("low", "crash", "snare", "change", "accent", "triad", "entries",
                     "first_note", "last_note", "after_rest", "before_rest", "long")
DOWNBEAT_WEIGHTS = (1.0, 1.5, -0.6, 1.0, 2.0, 2.0, 1.2, 0.0, 0.0, 0.0, 0.0, 0.0)


def downbeat_features(
    ev: Onsets, period: float, phase: float, beats_per_bar: int, triad: Sequence[int] = ()
) -> npt.NDArray[np.float64]:
    """The evidence for each position of the bar (rows 0..beats_per_bar-1, counted from
    ``phase``), one column per ``DOWNBEAT_FEATURES``, each centred over the positions."""
    import numpy as np

    bpb = beats_per_bar
    k0, change, low, snare, crash, acc = beat_arrays(ev, period, phase)
    pos = (np.arange(change.size) + k0) % bpb
    counts = np.maximum(np.bincount(pos, None, bpb), 1)

    def per(x: Any) -> Any:
        return np.bincount(pos, x, bpb) / counts

    u = (ev.t - phase) / period
    k = np.round(u).astype(np.int64)
    near = np.abs(u - k) < 0.15
    triad_share = np.zeros(bpb)
    if triad:
        tri = ev.pcs[:, list(triad)].sum(axis=1)
        tot = ev.pcs.sum(axis=1)
        mass = np.bincount(k[near] % bpb, tri[near], bpb)
        every = np.bincount(k[near] % bpb, tot[near], bpb)
        triad_share = mass / np.maximum(every, 1e-9)
    entries = np.zeros(bpb)
    if ev.edges is not None and len(ev.edges) > 1:
        e = (ev.edges - phase) / period
        ek = np.round(e).astype(np.int64)
        on = np.abs(e - ek) < 0.12
        entries = np.bincount(ek[on] % bpb, None, bpb) / ev.edges.size
    first, last = np.zeros(bpb), np.zeros(bpb)
    if near[0]:
        first[k[0] % bpb] = 1.0
    if near[-1]:
        last[k[-1] % bpb] = 1.0
    # onsets after a gap of a beat or more (a phrase starts), and before one (it ends)
    gap_before = np.concatenate(([np.inf], np.diff(ev.t))) >= 0.9 * period
    gap_after = np.concatenate((np.diff(ev.t), [np.inf])) >= 0.9 * period
    n_near = np.maximum(np.bincount(k[near] % bpb, None, bpb), 1)
    after_rest = np.bincount(k[near] % bpb, gap_before[near].astype(float), bpb) / n_near
    before_rest = np.bincount(k[near] % bpb, gap_after[near].astype(float), bpb) / n_near
    # how long the onsets there last before the next one, in octaves of the beat
    ioi = np.concatenate((np.diff(ev.t), [period]))
    length = np.clip(np.log2(np.maximum(ioi, 1e-3) / period), -3.0, 2.0)
    long = np.bincount(k[near] % bpb, length[near], bpb) / n_near
    columns = np.stack([per(low), per(crash), per(snare), per(change), per(acc), triad_share,
                        entries, first, last, after_rest, before_rest, long], axis=1)
    centred: npt.NDArray[np.float64] = columns - columns.mean(axis=0, keepdims=True)
    return centred


def downbeat_position(
    ev: Onsets, period: float, phase: float, beats_per_bar: int, triad: Sequence[int] = ()
) -> int:
    """Which beat of the bar, counted from ``phase`` (0..beats_per_bar-1), is "1"."""
    import numpy as np

    features = downbeat_features(ev, period, phase, beats_per_bar, triad)
    return int(np.argmax(features @ np.asarray(DOWNBEAT_WEIGHTS)))


def first_bar_line(downbeat: float, bar: float, start: float, period: float) -> float:
    """The first bar line at or after ``start`` (the first onset), of bars ``bar`` seconds
    long through ``downbeat``; an onset up to 50 ms (or a tenth of a beat) early counts as
    on it."""
    tol = min(0.05, 0.1 * period)
    return downbeat + math.ceil((start - tol - downbeat) / bar) * bar
