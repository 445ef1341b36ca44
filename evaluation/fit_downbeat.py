"""Fit the downbeat weights of songs without drums (a conditional logit over the bar's positions).

    .venv/bin/python evaluation/fit_downbeat.py [--sets dev-clean,dev-transcribed] [--write]

For every song of the development split (built by ``build.py``, groups ``dev-*``) without
drums (``Onsets.source`` is not ``"drums"``) whose chords change faster than every
``bar_lines.BAND_HARMONY`` beats (the songs ``bar_lines.MELODY_WEIGHTS`` are for: melodies
and chorales; bands without a kit take the hand-set weights),
each position of the bar of the pulse and metre ``analyse`` chose gets the evidence of
``midi_export.music.bar_lines.downbeat_features``; the answers are the positions whose first
bar line is within 60 ms of a true one (songs where none or all are right are left out). The
weights maximise the log-probability of the answers under a softmax over each song's
positions, with an L2 penalty toward 0, the weight of the pickup's length held at
``--pickup`` (the dev split's tunes start at most a beat before the bar, and a free fit
weighs that so much that no longer pickup is found without drums); ``--cv`` folds (by song,
both tiers together) say how the fit does on songs it did not see, against the weights in
use. ``--write`` puts the weights into ``bar_lines.MELODY_WEIGHTS``. Songs with drums (and
bands without a kit) keep the hand-set ``DOWNBEAT_WEIGHTS``: fitting those moved the
downbeat of pinned synthetic pickups (the evaluation README, "Tried, measured, not
adopted"). Needs scipy (the ``eval`` extra).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from midi_export import parse_record  # noqa: E402
from midi_export.music import bar_lines  # noqa: E402
from midi_export.music.analyse import _triad, analyse, pitched_notes  # noqa: E402
from midi_export.music.key import key_of_notes  # noqa: E402
from midi_export.music.onsets import onset_events  # noqa: E402

TOL = 0.060


def load(sets: list[str]) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(song, the positions' features, which positions are right) of every usable song."""
    out = []
    for name in sets:
        for path in sorted((HERE / "sets" / name).glob("*.truth.json")):
            truth = json.loads(path.read_text())
            record = parse_record(json.loads(path.with_name(path.name.replace(".truth", ""))
                                             .read_text()))
            a = analyse(record)
            ev = onset_events(record.instruments, None)
            pulse, bpb = a.tempo.pulse_seconds, a.tempo.beats_per_bar
            if ev is None or ev.source == "drums" or ev.harmony >= bar_lines.BAND_HARMONY * pulse:
                continue
            triad = _triad(key_of_notes(pitched_notes(record.instruments)))
            x = bar_lines.downbeat_features(ev, pulse, a.tempo.first_downbeat, bpb, triad)
            bar, down = float(truth["bar_seconds"]), float(truth["first_downbeat"])
            good = np.zeros(bpb, dtype=bool)
            for b in range(bpb):
                line = bar_lines.first_bar_line(a.tempo.first_downbeat + b * pulse, bpb * pulse,
                                                float(ev.t[0]), pulse)
                u = (line - down) / bar
                good[b] = abs(u - round(u)) * bar <= TOL
            if good.any() and not good.all():
                out.append((truth["name"], x, good))
    return out


def fit(data: list[tuple[str, np.ndarray, np.ndarray]], l2: float, pickup: float) -> np.ndarray:
    from scipy.optimize import minimize

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = l2 * float(w @ w), 2 * l2 * w
        for _, x, y in data:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            right = float(p[y].sum()) + 1e-12  # any right position will do
            total -= float(np.log(right))
            grad = grad + x.T @ p - x[y].T @ p[y] / right
        return total / len(data), grad / len(data)

    start = np.zeros(len(bar_lines.DOWNBEAT_FEATURES))
    bounds: list[tuple[float | None, float | None]] = [(None, None)] * start.size
    held = bar_lines.DOWNBEAT_FEATURES.index("pickup")
    start[held], bounds[held] = pickup, (pickup, pickup)
    return np.asarray(minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds).x)


def right(data: list[tuple[str, np.ndarray, np.ndarray]], w: np.ndarray) -> float:
    return float(np.mean([y[int(np.argmax(x @ w))] for _, x, y in data]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default="dev-clean,dev-transcribed")
    ap.add_argument("--l2", type=float, default=0.1)
    ap.add_argument("--cv", type=int, default=5)
    ap.add_argument("--pickup", type=float, default=-5.0,
                    help="the pickup's weight, held (fitted freely it comes out near -10: "
                    "then no pickup over half a bar is found without drums)")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    data = load(args.sets.split(","))
    current = np.asarray(bar_lines.MELODY_WEIGHTS, dtype=np.float64)
    print(f"{len(data)} songs without drums; the weights in use put the "
          f"downbeat right in {100 * right(data, current):.1f}%")
    if args.cv:
        fold = {n: int(hashlib.sha256(n.encode()).hexdigest(), 16) % args.cv for n, _, _ in data}
        hits: list[bool] = []
        for k in range(args.cv):
            w = fit([d for d in data if fold[d[0]] != k], args.l2, args.pickup)
            hits += [bool(y[int(np.argmax(x @ w))]) for n, x, y in data if fold[n] == k]
        print(f"held out ({args.cv} folds): {100 * np.mean(hits):.1f}%")
    w = fit(data, args.l2, args.pickup)
    print(f"fitted on all: {100 * right(data, w):.1f}%")
    for name, value in zip(bar_lines.DOWNBEAT_FEATURES, w, strict=True):
        print(f"  {name:>12} {value:+.3f}")
    if args.write:
        path = ROOT / "midi_export" / "music" / "bar_lines.py"
        text = path.read_text()
        body = ", ".join(f"{v:.3g}" for v in w)
        text, n = re.subn(r"^MELODY_WEIGHTS = [^\n]*(\n +[^\n]*\))?",
                          f"MELODY_WEIGHTS = ({body})", text, flags=re.M)
        assert n == 1
        path.write_text(text)
        print(f"wrote the weights into {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
