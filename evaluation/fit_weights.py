"""Learn the weights that score tempo candidates, on a training set apart from the test set.

    .venv/bin/python evaluation/fit_weights.py [-n 280] [--seed 1]

The songs come from ``make_set`` with a different seed than the evaluation set
(``DEFAULT_SEED``), so the scores in ``results.json`` are on songs the weights never saw;
the real songs are never used here. For every song, each candidate tempo of
``midi_export.music.beats`` gets its feature vector; the weights minimise the softmax loss over
each song's candidates (the one within 2 % of the truth should win), with a small L2
penalty. Paste the printed tuple into ``WEIGHTS`` in ``midi_export/music/beats.py``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from evaluation.make_set import make_set  # noqa: E402
from midi_export.music import beats, onsets  # noqa: E402

TRAIN_SEED = 1


def candidate_table(n: int, seed: int) -> list[tuple[np.ndarray, int]]:
    """Per song: the features of its candidates and the index of the right one (or -1)."""
    out = []
    for song in make_set(n, seed):
        ev = onsets.onset_events(song.to_instruments(), None)
        if ev is None:
            continue
        fits = beats.fits(ev, 60.0, 200.0)
        x = np.array([f.features for f in fits])
        right = [i for i, f in enumerate(fits) if abs(60.0 / f.period / song.bpm - 1) <= 0.02]
        out.append((x, right[0] if right else -1))
    return out


def fit(table: list[tuple[np.ndarray, int]], l2: float = 0.01) -> np.ndarray:
    """Softmax over each song's candidates (the right one should win), by gradient descent."""
    data = [(x, r) for x, r in table if r >= 0]
    w = np.array(beats.WEIGHTS, dtype=np.float64)
    rate = 0.5
    prev = np.inf
    for _ in range(5000):
        loss = l2 * float(w @ w)
        grad = 2 * l2 * w
        for x, r in data:
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            loss -= float(np.log(p[r] + 1e-300))
            grad += (p @ x - x[r])
        loss /= len(data)
        grad /= len(data)
        if loss > prev:
            rate *= 0.5
        prev = loss
        w -= rate * grad
        if np.abs(grad).max() < 1e-6:
            break
    return w


def top1(table: list[tuple[np.ndarray, int]], w: np.ndarray) -> float:
    return float(np.mean([int(np.argmax(x @ w)) == r for x, r in table]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=280)
    parser.add_argument("--seed", type=int, default=TRAIN_SEED)
    args = parser.parse_args(argv)
    table = candidate_table(args.n, args.seed)
    reachable = sum(r >= 0 for _, r in table)
    print(f"{len(table)} songs, the right tempo among the candidates in {reachable}")
    print(f"current weights: top-1 {top1(table, np.array(beats.WEIGHTS)):.3f}")
    w = fit(table)
    print(f"fitted weights:  top-1 {top1(table, w):.3f}")
    for name, value in zip(beats.FEATURES, w, strict=True):
        print(f"  {name:<12} {value:+.3f}")
    print("WEIGHTS = (" + ", ".join(f"{v:.3f}" for v in w) + ")")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
