"""Where the bars start once pulse and bar length are chosen: the downbeat, the first bar line.

``downbeat_position`` picks the beat of the bar that is "1" by a weighted sum of evidence per
position of the bar (``DOWNBEAT_FEATURES``, each centred over the positions): kicks and bass
notes, crashes, snares (against), chord changes, accents (long and loud notes), the tonic
triad's share of the notes there (when a first key estimate gives the triad), instruments
that come in or stop there, whether the first and the last note fall there, notes that
follow a rest or are followed by one (phrases start and end on strong beats), how long the
onsets there last before the next one (long notes fall on strong beats), the share of the
longest fifth of the onsets that fall there, how long a pickup the position makes (the
share of a bar from the first beat of the music to it: pickups are mostly short), and how
well the bars that start there each hold one major or minor triad (the harmony changes at
the bar line). Two sets of weights: ``DOWNBEAT_WEIGHTS``, set by hand, for songs with drums
(their pickups, which the drums mark, are pinned by the tests) and for bands without a kit
(chords that change every ``BAND_HARMONY`` beats or more slowly, by ``Onsets.harmony``: a
bass and chords that change by the bar mark "1" as drums do, and their pickups run up to
three beats), and ``MELODY_WEIGHTS`` for the rest (melodies, chorales: their harmony moves
about every beat): a conditional logit over the positions fitted by
``evaluation/fit_downbeat.py`` on the development split's songs without drums (bands
included; the script now leaves them out, and its refit was not taken: the evaluation
README, "Tried, measured, not adopted"), the pickup's weight held at -5 (fitted freely,
near -10, it leaves no pickup longer than half a bar to be found). A melody's "1" is looked
for on the beat grid handed over and on that grid moved by half a simple beat or by a third
or two thirds of a compound one (``GRID_SHIFTS``), whichever carries the most accents and
held time on its beats (``_on_beat``): lone lines are tracked on their off-beats now and
then, and no position of the bar is then right. ``first_bar_line`` then
gives the first bar line at or after the music starts (a pickup before it becomes a pickup
bar).

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
    "BAND_HARMONY",
    "DOWNBEAT_FEATURES",
    "DOWNBEAT_WEIGHTS",
    "GRID_SHIFTS",
    "MELODY_WEIGHTS",
    "downbeat_features",
    "downbeat_position",
    "first_bar_line",
]

DOWNBEAT_FEATURES = ("low", "crash", "snare", "change", "accent", "triad", "entries",
                     "first_note", "last_note", "after_rest", "before_rest", "long",
                     "pickup", "longest", "harmony")
DOWNBEAT_WEIGHTS = (1.0, 1.5, -0.6, 1.0, 2.0, 2.0, 1.2, 0.0, 0.0, 0.0, 0.0, 0.0,
                    0.0, 0.0, 0.0)
# beats between chord changes from which a song without drums counts as a band (on the
# development split: chorales 0.9-1.1, nine in ten melodies 0.9-1.7, bands without a kit
# 2-5; the melodies above it come out the same either way, 1 better and 1 worse of 34)
BAND_HARMONY = 1.75
# offsets of the beat grid, in beats, on which a melody's "1" is looked for: lone melodies
# are tracked on the off-beats now and then (on the development split, tempo right, 19 of
# 241 clean and 28 of 245 transcribed songs had "1" a half or a third of a beat off the
# phase: reels in 2/4, jigs in 6/8): halves of a simple beat, thirds of a compound one
# (both for every beat: dev 87.3 / 82.7 %; by division 87.6 / 82.9 % on cached positions)
GRID_SHIFTS = {"simple": (0.0, 0.5), "compound": (0.0, 1 / 3, 2 / 3)}
MELODY_WEIGHTS = (1.02, 0, 0, 2.34, 5.66, 0.822, 0.511, -1.14, 0.121, 0.548, 0.0499, -0.466,
                  -5, 1.36, 2.64)


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
    # the pickup: how much of a bar comes before the position, counted from the first beat
    # at or after the first note (first_bar_line's rule); pickups are mostly short
    tol = min(0.05, 0.1 * period)
    first_beat = math.ceil((float(ev.t[0]) - tol - phase) / period)
    pickup = ((np.arange(bpb) - first_beat) % bpb) / bpb
    # the longest fifth of the onsets (by the time to the next one): the share on each
    longest = np.zeros(bpb)
    if ioi.size > 4:
        top = near & (ioi >= np.quantile(ioi[:-1], 0.8) - 1e-9)
        longest = np.bincount(k[top] % bpb, None, bpb) / max(int(top.sum()), 1)
    columns = np.stack([per(low), per(crash), per(snare), per(change), per(acc), triad_share,
                        entries, first, last, after_rest, before_rest, long, pickup, longest,
                        _harmony(ev, period, phase, bpb, ioi)], axis=1)
    centred: npt.NDArray[np.float64] = columns - columns.mean(axis=0, keepdims=True)
    return centred


def _harmony(ev: Onsets, period: float, phase: float, bpb: int, ioi: Any) -> Any:
    """For each position, how well the bars that start there hold one triad: the notes'
    pitch classes (weighted by their time to the next onset, up to a beat) summed per bar,
    the share of each bar's weight in its best major or minor triad, over all the bars."""
    import numpy as np

    shape = np.zeros((24, 12))
    for root in range(12):
        shape[2 * root, [root, (root + 4) % 12, (root + 7) % 12]] = 1.0
        shape[2 * root + 1, [root, (root + 3) % 12, (root + 7) % 12]] = 1.0
    weight = np.minimum(ioi, period)[:, None] * ev.pcs
    total = max(float(weight.sum()), 1e-9)
    u = (ev.t - phase) / period + 0.15
    fit = np.zeros(bpb)
    for b in range(bpb):
        bar = np.floor((u - b) / bpb).astype(np.int64)  # non-decreasing: the onsets are sorted
        starts = np.flatnonzero(np.concatenate(([True], bar[1:] != bar[:-1])))
        sums = np.add.reduceat(weight, starts, axis=0)
        fit[b] = float((sums @ shape.T).max(axis=1).sum()) / total
    return fit


def downbeat_position(
    ev: Onsets, period: float, phase: float, beats_per_bar: int, triad: Sequence[int] = (),
    division: str = "simple",
) -> float:
    """Where "1" is, in beats counted from ``phase``: a beat of the bar (0..beats_per_bar-1)
    by ``DOWNBEAT_WEIGHTS`` when ``ev`` has drums or its chords change every
    ``BAND_HARMONY`` beats or more slowly; else by ``MELODY_WEIGHTS`` on the grid of
    ``GRID_SHIFTS[division]`` that ``_on_beat`` likes best, so that a melody's "1" may fall
    a half (simple) or a third (compound) of a beat off ``phase`` (a beat tracked on the
    off-beats of a lone line)."""
    import numpy as np

    band = ev.source == "drums" or ev.harmony >= BAND_HARMONY * period  # False when NaN
    if band:
        features = downbeat_features(ev, period, phase, beats_per_bar, triad)
        return int(np.argmax(features @ np.asarray(DOWNBEAT_WEIGHTS)))
    shifts = GRID_SHIFTS[division]
    on = [_on_beat(ev, period, phase + s * period) for s in shifts]
    best = int(np.argmax(on))
    shift = shifts[best] if on[best] > on[0] + 1e-12 else 0.0  # ties keep the beat
    features = downbeat_features(ev, period, phase + shift * period, beats_per_bar, triad)
    return int(np.argmax(features @ np.asarray(MELODY_WEIGHTS))) + shift


def _on_beat(ev: Onsets, period: float, phase: float) -> float:
    """How much of a melody falls on the beats of ``phase``: the share of the onsets'
    accents (long and loud notes) and of their time to the next onset (up to two beats)
    carried by the onsets within 0.15 beat of a beat, averaged."""
    import numpy as np

    u = (ev.t - phase) / period
    on = np.abs(u - np.round(u)) < 0.15
    held = np.minimum(np.concatenate((np.diff(ev.t), [period])), 2.0 * period)
    accent = float(ev.accent[on].sum()) / max(float(ev.accent.sum()), 1e-12)
    return 0.5 * (accent + float(held[on].sum()) / max(float(held.sum()), 1e-12))


def first_bar_line(downbeat: float, bar: float, start: float, period: float) -> float:
    """The first bar line at or after ``start`` (the first onset), of bars ``bar`` seconds
    long through ``downbeat``; an onset up to 50 ms (or a tenth of a beat) early counts as
    on it."""
    tol = min(0.05, 0.1 * period)
    return downbeat + math.ceil((start - tol - downbeat) / bar) * bar
