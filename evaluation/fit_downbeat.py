"""Fit the downbeat weights (a conditional logit over the bar's positions) on the development split.

    .venv/bin/python evaluation/fit_downbeat.py [--sets dev-clean,dev-transcribed] [--write]

For every song of the development split (built by ``build.py``, groups ``dev-*``) whose
tempo and metre ``analyse`` gets right, each position of the bar gets the evidence of
``midi_export.music.bar_lines.downbeat_features``; the answer is the position whose bar line
is within 60 ms of a true one. The weights maximise the log-probability of the answers under
a softmax over each song's positions, with an L2 penalty toward the weights set by hand
(``HAND_WEIGHTS``); ``--cv`` folds (by song, both
tiers together) say how the fit does on songs it did not see, against the weights in use.
``--write`` puts the weights into ``bar_lines.DOWNBEAT_WEIGHTS``. Needs scipy (the ``eval``
extra).
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
# the weights set by hand before any fit (the research prototype's), the fit's starting point
HAND_WEIGHTS = (1.0, 1.5, -0.6, 1.0, 2.0, 2.0, 1.2, 0.0, 0.0, 0.0, 0.0, 0.0)


def load(sets: list[str]) -> list[tuple[str, np.ndarray, int]]:
    """(song, the positions' features, the right position) of every usable song."""
    out = []
    for name in sets:
        for path in sorted((HERE / "sets" / name).glob("*.truth.json")):
            truth = json.loads(path.read_text())
            record = parse_record(json.loads(path.with_name(path.name.replace(".truth", ""))
                                             .read_text()))
            a = analyse(record)
            if abs(a.tempo.bpm / truth["bpm"] - 1) > 0.02 or a.metre.name != truth["metre_class"]:
                continue
            ev = onset_events(record.instruments, None)
            if ev is None:
                continue
            triad = _triad(key_of_notes(pitched_notes(record.instruments)))
            pulse, bpb = a.tempo.pulse_seconds, a.tempo.beats_per_bar
            x = bar_lines.downbeat_features(ev, pulse, a.tempo.first_downbeat, bpb, triad)
            bar, down = float(truth["bar_seconds"]), float(truth["first_downbeat"])
            good = []
            for b in range(bpb):
                u = (a.tempo.first_downbeat + b * pulse - down) / bar
                if abs(u - round(u)) * bar <= TOL:
                    good.append(b)
            if len(good) == 1:
                out.append((truth["name"], x, good[0]))
    return out


def fit(data: list[tuple[str, np.ndarray, int]], l2: float) -> np.ndarray:
    from scipy.optimize import minimize

    prior = np.asarray(HAND_WEIGHTS, dtype=np.float64)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        # an L2 penalty toward the hand-set weights (not toward 0): few songs move them
        d = w - prior
        total, grad = l2 * float(d @ d), 2 * l2 * d
        for _, x, y in data:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            total -= float(np.log(p[y] + 1e-12))
            grad = grad + x.T @ p - x[y]
        return total / len(data), grad / len(data)

    return np.asarray(minimize(loss, prior.copy(), jac=True, method="L-BFGS-B").x)


def right(data: list[tuple[str, np.ndarray, int]], w: np.ndarray) -> float:
    return float(np.mean([int(np.argmax(x @ w)) == y for _, x, y in data]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default="dev-clean,dev-transcribed")
    ap.add_argument("--l2", type=float, default=0.01)
    ap.add_argument("--cv", type=int, default=5)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    data = load(args.sets.split(","))
    current = np.asarray(bar_lines.DOWNBEAT_WEIGHTS, dtype=np.float64)
    print(f"{len(data)} songs with the tempo and the metre right; the weights in use put the "
          f"downbeat right in {100 * right(data, current):.1f}%")
    if args.cv:
        fold = {n: int(hashlib.sha256(n.encode()).hexdigest(), 16) % args.cv for n, _, _ in data}
        hits: list[bool] = []
        for k in range(args.cv):
            w = fit([d for d in data if fold[d[0]] != k], args.l2)
            hits += [int(np.argmax(x @ w)) == y for n, x, y in data if fold[n] == k]
        print(f"held out ({args.cv} folds): {100 * np.mean(hits):.1f}%")
    w = fit(data, args.l2)
    print(f"fitted on all: {100 * right(data, w):.1f}%")
    for name, value in zip(bar_lines.DOWNBEAT_FEATURES, w, strict=True):
        print(f"  {name:>12} {value:+.3f}")
    if args.write:
        path = ROOT / "midi_export" / "music" / "bar_lines.py"
        text = path.read_text()
        body = ", ".join(f"{v:.3g}" for v in w)
        text, n = re.subn(r"^DOWNBEAT_WEIGHTS = \([^)]*\)", f"DOWNBEAT_WEIGHTS = ({body})",
                          text, flags=re.M)
        assert n == 1
        path.write_text(text)
        print(f"wrote the weights into {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
