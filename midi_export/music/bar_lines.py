"""Where the bars start once pulse and bar length are chosen: the downbeat, the first bar line.

``downbeat_position`` picks the beat of the bar that is "1": the one where kicks, bass notes,
crashes, chord changes, accents (long and loud notes, x``DOWNBEAT_ACCENT``) and the tonic
triad's share of the notes (x``DOWNBEAT_TRIAD``, when a first key estimate gives the triad)
gather and snares do not, plus one vote per instrument that comes in or stops on it.
``first_bar_line`` then gives the first bar line at or after the music starts (a pickup
before it becomes a pickup bar in the file).

numpy is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .metre_evidence import beat_arrays

if TYPE_CHECKING:
    from .onsets import Onsets

__all__ = ["DOWNBEAT_ACCENT", "DOWNBEAT_TRIAD", "downbeat_position", "first_bar_line"]

DOWNBEAT_TRIAD = 2.0  # weight of the tonic triad's share of the notes at each position
DOWNBEAT_ACCENT = 2.0  # weight of the accents (long, loud notes) at each position
_ENTRY_VOTE = 1.2  # weight of the instruments that come in or stop on a position


def downbeat_position(
    ev: Onsets, period: float, phase: float, beats_per_bar: int, triad: Sequence[int] = ()
) -> int:
    """Which beat of the bar, counted from ``phase`` (0..beats_per_bar-1), is "1"."""
    import numpy as np

    bpb = beats_per_bar
    k0, change, low, snare, crash, acc = beat_arrays(ev, period, phase)
    pos = (np.arange(change.size) + k0) % bpb
    counts = np.maximum(np.bincount(pos, None, bpb), 1)

    def per(x: Any) -> Any:
        return np.bincount(pos, x, bpb) / counts

    score = per(low) + 1.5 * per(crash) - 0.6 * per(snare) + per(change)
    score = score + DOWNBEAT_ACCENT * per(acc)
    if triad:
        u = (ev.t - phase) / period
        k = np.round(u).astype(np.int64)
        near = np.abs(u - k) < 0.15
        tri = ev.pcs[:, list(triad)].sum(axis=1)
        tot = ev.pcs.sum(axis=1)
        mass = np.bincount(k[near] % bpb, tri[near], bpb)
        every = np.bincount(k[near] % bpb, tot[near], bpb)
        share = mass / np.maximum(every, 1e-9)
        score = score + DOWNBEAT_TRIAD * (share - share.mean())
    if ev.edges is not None and len(ev.edges) > 1:
        e = (ev.edges - phase) / period
        ek = np.round(e).astype(np.int64)
        on = np.abs(e - ek) < 0.12
        score = score + _ENTRY_VOTE * np.bincount(ek[on] % bpb, None, bpb) / ev.edges.size
    return int(np.argmax(score))


def first_bar_line(downbeat: float, bar: float, start: float, period: float) -> float:
    """The first bar line at or after ``start`` (the first onset), of bars ``bar`` seconds
    long through ``downbeat``; an onset up to 50 ms (or a tenth of a beat) early counts as
    on it."""
    tol = min(0.05, 0.1 * period)
    return downbeat + math.ceil((start - tol - downbeat) / bar) * bar
