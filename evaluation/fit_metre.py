"""Fit the metre-hypothesis weights (a conditional logit) on the development split.

    .venv/bin/python evaluation/fit_metre.py [--sets dev-clean,dev-transcribed] [--write]

Every song of the development split (other seeds, charts and tunes than the evaluation set:
``sources.py``, groups ``dev-*``, built by ``build.py``) gives its hypotheses
(``midi_export.music.metre.metre_hypotheses``); the
one whose pulse is within 3 % of the true pulse (quarter for simple metres, dotted quarter for
compound ones) with the true division and beats per bar is the answer. The weights maximise
the log-probability of the answers under a softmax over each song's hypotheses, with an L2
penalty, songs weighted so that 4/4 weighs as much as all other metres together (music is
mostly 4/4, the dev split is not). ``--write`` puts MEAN, SCALE and WEIGHTS into
``midi_export/music/metre_weights.py``. ``--cv`` also scores the tempo the held-out songs
would get (within 2 %, as ``estimate_grid`` picks it). Needs scipy (the ``eval`` extra).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from midi_export import parse_record  # noqa: E402
from midi_export.music import metre as M  # noqa: E402
from midi_export.music.metre_weights import FEATURES  # noqa: E402
from midi_export.music.onsets import onset_events  # noqa: E402

TARGET = {"2/4": ("simple", 2), "3/4": ("simple", 3), "4/4": ("simple", 4),
          "6/8": ("compound", 2), "9/8": ("compound", 3), "12/8": ("compound", 4)}


def load(sets: list[str]) -> list[tuple[Any, ...]]:
    out = []
    missing = Counter()
    for s in sets:
        for p in sorted((HERE / "sets" / s).glob("*.truth.json")):
            t = json.loads(p.read_text())
            if t["metre_class"] not in TARGET:
                continue
            div, bpb = TARGET[t["metre_class"]]
            pulse = t["bpm"] / (1.5 if div == "compound" else 1.0)
            rec = parse_record(json.loads(p.with_name(p.name.replace(".truth", "")).read_text()))
            ev = onset_events(rec.instruments, None)
            if ev is None or ev.t.size < 8:
                continue
            hyps = M.metre_hypotheses(ev, rec.instruments)
            x = np.array([h.features for h in hyps])
            good = [i for i, h in enumerate(hyps) if h.division == div and h.beats_per_bar == bpb
                    and abs(60.0 / h.period / pulse - 1) < 0.03]
            if not good:
                missing[t["metre_class"]] += 1
                continue
            out.append((t["name"], x, good[0], t["metre_class"], hyps, float(t["bpm"]),
                        M.is_band(ev)))
    print(f"{len(out)} songs with the answer among the hypotheses; without: {dict(missing)}")
    return out


FLAT = False  # --flat: every song at the same threshold (no metre.MELODY_EASING)
DROPPED: set[int] = set()  # features left out of the fit (--drop): weight 0


def fit(data: list[tuple[Any, ...]], l2: float = 0.02) -> tuple[np.ndarray, ...]:
    from scipy.optimize import minimize

    allx = np.concatenate([d[1] for d in data])
    mean = allx.mean(axis=0)
    scale = allx.std(axis=0)
    scale[scale < 1e-9] = 1.0
    for i in DROPPED:  # a constant column: the fit leaves its weight at 0
        mean[i], scale[i] = 0.0, 1e12
    counts = Counter(d[3] for d in data)
    n44 = counts.get("4/4", 0)
    n_other = sum(v for k, v in counts.items() if k != "4/4")
    weight = {m: (0.5 / n44 if m == "4/4" else 0.5 / n_other) * len(data) for m in counts}
    xs = [((x - mean) / scale, y, weight[m]) for _, x, y, m, *_ in data]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total = l2 * float(w @ w)
        grad = 2 * l2 * w
        for x, y, sw in xs:
            s = x @ w
            s = s - s.max()
            p = np.exp(s)
            p /= p.sum()
            total -= sw * float(np.log(p[y] + 1e-12))
            grad += sw * (x.T @ p - x[y])
        return total / len(xs), grad / len(xs)

    res = minimize(loss, np.zeros(allx.shape[1]), jac=True, method="L-BFGS-B")
    return mean, scale, res.x


def accuracy(data: list[tuple[Any, ...]], mean: np.ndarray, scale: np.ndarray,
             w: np.ndarray) -> None:
    by: dict[str, list[bool]] = {}
    conf: dict[str, Counter] = {}
    for _, x, y, m, hyps, *_ in data:
        i = int(np.argmax(((x - mean) / scale) @ w))
        by.setdefault(m, []).append(i == y)
        h, g = hyps[i], hyps[y]
        name = h.metre
        q = (60 / h.period * (1.5 if h.division == "compound" else 1)) / (
            60 / g.period * (1.5 if g.division == "compound" else 1))
        conf.setdefault(m, Counter())[f"{name} x{q:.2f}"] += 1
    for m, v in sorted(by.items()):
        print(f"  {m:>5}: {100 * np.mean(v):5.1f}% of {len(v)}  "
              + ", ".join(f"{k}: {n}" for k, n in conf[m].most_common(5)))


def decide(x: np.ndarray, hyps: list[Any], mean: np.ndarray, scale: np.ndarray,
           w: np.ndarray, threshold: float, own: bool = False,
           band: bool = False) -> tuple[str, float]:
    """The metre ``estimate_grid`` writes: the best hypothesis's, 4/4 when the readings in
    4/4 keep more than ``1 - threshold`` of the probability (``own``: when the best metre's
    own mass is below the threshold, the rule before 2026-12-02), and the quarter-note tempo
    it writes, as ``estimate_grid`` does (a lone melody's threshold eased by
    ``metre.MELODY_EASING`` unless ``--flat``; the reading by ``metre.written_reading``, a
    band's 4/4 (``band``, ``metre.is_band``) in the 4/4 model's octave)."""
    score = ((x - mean) / scale) @ w
    if not own and not band and not FLAT:  # a lone melody's easier threshold, as estimate_grid's
        threshold -= M.MELODY_EASING[hyps[int(np.argmax(score))].division]
    p = np.exp(score - score.max())
    p /= p.sum()
    names = ["4/4" if h.metre == "2/4" else h.metre for h in hyps]  # as estimate_grid does
    best = names[int(np.argmax(score))]
    mass = sum(float(pi) for pi, n in zip(p, names, strict=True) if n == (best if own else "4/4"))
    if own:
        chosen = best if best == "4/4" or mass >= threshold else "4/4"
    else:
        chosen = best if best == "4/4" or 1.0 - mass >= threshold else "4/4"
    # the reading written, as estimate_grid picks it, under this fold's scores
    ranked = sorted((replace(h, score=float(s)) for h, s in zip(hyps, score, strict=True)),
                    key=lambda h: -h.score)
    same = [h for h in ranked if ("4/4" if h.metre == "2/4" else h.metre) == chosen]
    reading = M.written_reading(same, ranked[0], best != chosen, band and chosen == "4/4")
    return chosen, float(reading.bpm)


def cross_validate(data: list[tuple[Any, ...]], l2: float, folds: int) -> None:
    """Held-out metre accuracy: each song (both its tiers) is scored by weights fitted on
    the other folds, at several fallback thresholds."""
    names = sorted({d[0] for d in data})
    fold_of = {n: int(hashlib.sha256(n.encode()).hexdigest(), 16) % folds for n in names}
    rules = [(t, False) for t in (0.0, 0.7, 0.75, 0.8)] + [(0.6, True)]
    written: dict[tuple[float, bool], list[tuple[str, str, bool]]] = {r: [] for r in rules}
    for k in range(folds):
        train = [d for d in data if fold_of[d[0]] != k]
        test = [d for d in data if fold_of[d[0]] == k]
        mean, scale, w = fit(train, l2)
        for _, x, _, m, hyps, bpm, band in test:
            for t, own in written:
                got, tempo = decide(x, hyps, mean, scale, w, t, own, band)
                written[t, own].append((m, got, abs(tempo / bpm - 1) < 0.02))
    for (t, own), pairs in written.items():
        tempo = {m: np.mean([ok for mm, _, ok in pairs if mm == m]) for m in ("3/4", "4/4")}
        tempo_all = np.mean([ok for *_, ok in pairs])
        pairs = [(m, g) for m, g, _ in pairs]
        non44 = [(m, g) for m, g in pairs if m != "4/4"]
        f44 = [(m, g) for m, g in pairs if m == "4/4"]
        per = {m: np.mean([g == m for mm, g in non44 if mm == m])
               for m in sorted({m for m, _ in non44})}
        rule = f"its own mass below {t:.2f}" if own else f"4/4 keeping over {1 - t:.2f}"
        print(f"  held out, 4/4 when {rule}: non-4/4 right "
              f"{100 * np.mean([g == m for m, g in non44]):.1f}% of {len(non44)}, 4/4 written "
              f"otherwise {100 * np.mean([g != m for m, g in f44]):.1f}% of {len(f44)}; "
              + ", ".join(f"{m} {100 * v:.0f}%" for m, v in per.items())
              + f"; tempo right {100 * tempo_all:.1f}% (3/4 {100 * tempo['3/4']:.1f}%, "
              f"4/4 {100 * tempo['4/4']:.1f}%)")


def replace_constant(text: str, name: str, new: str) -> str:
    """Replace ``NAME = (...)`` (balanced parentheses, optionally ``* len(FEATURES)``)."""
    m = re.search(rf"^{name} = \(", text, flags=re.M)
    if m is None:
        raise ValueError(f"{name} not found")
    depth, i = 0, m.end() - 1
    while True:
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        i += 1
        if depth == 0:
            break
    tail = " * len(FEATURES)"
    if text.startswith(tail, i):
        i += len(tail)
    return text[: m.start()] + new + text[i:]


def constant(name: str, values: Any) -> str:
    """``NAME = (v, v, ...)`` wrapped at 100 columns."""
    import textwrap

    body = ", ".join(f"{float(v):.4g}" for v in values) + ","
    lines = textwrap.wrap(body, 100 - 4)
    return f"{name} = (\n" + "\n".join("    " + x for x in lines) + "\n)"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="dev-clean,dev-transcribed")
    ap.add_argument("--l2", type=float, default=0.02)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--cv", type=int, default=5, help="folds of the cross-validation (0: none)")
    ap.add_argument("--drop", default="", help="features to leave out, comma-separated")
    ap.add_argument("--flat", action="store_true",
                    help="no easier fallback threshold for lone melodies (the rule before)")
    args = ap.parse_args()
    global FLAT
    FLAT = args.flat
    DROPPED.update(FEATURES.index(n) for n in args.drop.split(",") if n)
    data = load(args.sets.split(","))
    if args.cv:
        cross_validate(data, args.l2, args.cv)
    mean, scale, w = fit(data, args.l2)
    print("train accuracy (exact hypothesis):")
    accuracy(data, mean, scale, w)
    for n, v in sorted(zip(FEATURES, w, strict=True), key=lambda kv: -abs(kv[1])):
        print(f"  {n:>16} {v:+.3f}")
    if args.write:
        path = ROOT / "midi_export" / "music" / "metre_weights.py"
        text = path.read_text()

        for name, arr in (("MEAN", mean), ("SCALE", scale), ("WEIGHTS", w)):
            text = replace_constant(text, name, constant(name, arr))
        path.write_text(text)
        print(f"wrote the weights into {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
