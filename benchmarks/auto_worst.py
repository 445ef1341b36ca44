"""What ``--bpm auto`` (tempo, metre and key) costs on the worst records within the limits.

    .venv/bin/python benchmarks/auto_worst.py                        # this checkout
    .venv/bin/python benchmarks/auto_worst.py --baseline /tmp/pre11  # and a ratio to another

``git worktree add /tmp/pre11 b0cf5a5`` gives the code before issue 11 (tempo only, no
metre or key) for ``--baseline``; it runs with this environment's Python and packages, the
other checkout first on ``PYTHONPATH``. Each record is generated once into ``--data-dir``:

- ``dense-2h``: just under the 2-hour limit of ``--bpm auto``, 322,460 notes (16th hats,
  kick and snare, 8th bass, 4-note chords every 8th, a 16th lead, 8th piano dyads);
- ``chords-1h``: all 128 pitches at once every half second for an hour (921,600 notes);
- ``many-instruments``: 20,000 instruments of 5 notes each over 10 minutes (the onset
  scatter was quadratic in instruments: 4 min 8 s, against 15 s before issue 11);
- ``replicated``: 6,000 small instruments, the fuzz's slowest case (a list replicated).

Every run is one ``fetch-mid --from-json REC -o OUT --force -q --bpm auto`` process (plus
``--metre 12/8 --key auto`` for the dense record: every compound hypothesis is kept; the
baseline runs that one without them); wall time and peak RSS (``wait4``'s ``ru_maxrss``)
are the best of ``--runs``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RUNNER = "import sys; from midi_export.cli import main; sys.exit(main())"


def _note(pitch: int, start: float, length: float, velocity: float) -> dict[str, Any]:
    return {"pitch": pitch, "start": round(start, 4), "end": round(start + length, 4),
            "velocity": velocity}


def dense(span: float) -> dict[str, Any]:
    rnd = random.Random(7)
    beat = 60.0 / 117.0
    parts: dict[str, list[dict[str, Any]]] = {n: [] for n in ("Drums", "Bass", "Strings",
                                                               "Lead", "Piano")}
    chords = [(57, 60, 64, 69), (53, 57, 60, 65), (48, 52, 55, 60), (55, 59, 62, 67)]
    for b in range(int(span / beat)):
        t = b * beat
        parts["Drums"] += [_note(42, t + k * beat / 4 + rnd.gauss(0, 0.003), 0.05, 0.6)
                           for k in range(4)]
        parts["Drums"].append(_note(36 if b % 2 == 0 else 38, t, 0.1, 0.9))
        chord = chords[(b // 4) % 4]
        for k in range(2):
            parts["Bass"].append(_note(33 + (b // 4) % 5, t + k * beat / 2, beat * 0.45, 0.7))
            parts["Strings"] += [_note(p, t + k * beat / 2, beat * 0.47, 0.5) for p in chord]
            parts["Piano"] += [_note(p, t + k * beat / 2 + beat / 4, beat / 4, 0.55)
                               for p in (chord[0] + 12, chord[2] + 12)]
        parts["Lead"] += [_note(72 + rnd.randrange(12), t + k * beat / 4, beat * 0.2, 0.6)
                          for k in range(4)]
    return {"taskId": "dense", "midiData": {"instruments": [
        {"name": name, "notes": notes} for name, notes in parts.items()]}}


def chords(seconds: int) -> dict[str, Any]:
    notes = [_note(p, k * 0.5, 0.5, 0.8) for k in range(seconds * 2) for p in range(128)]
    return {"taskId": "chords", "midiData": {"instruments": [{"name": "Piano",
                                                              "notes": notes}]}}


def many(instruments: int, per: int, span: float, seed: int) -> dict[str, Any]:
    rnd = random.Random(seed)
    out = []
    for i in range(instruments):
        notes = []
        for k in range(per):
            start = max(0.0, rnd.randrange(int(span * 8)) / 8 + rnd.gauss(0, 0.004))
            notes.append(_note(36 + (i * 7 + k) % 60, start, 0.2, 0.7))
        out.append({"name": f"Synth {i}", "notes": notes})
    return {"taskId": "many", "midiData": {"instruments": out}}


CASES: dict[str, tuple[Any, list[str]]] = {
    "dense-2h": (lambda: dense(7190.0), []),
    "dense-2h 12/8": (lambda: dense(7190.0), ["--metre", "12/8", "--key", "auto"]),
    "chords-1h": (lambda: chords(3600), []),
    "many-instruments": (lambda: many(20_000, 5, 600.0, 3), []),
    "replicated": (lambda: many(6_000, 2, 20.0, 5), ["--ppq", "24"]),
}


def record_file(data_dir: Path, case: str) -> Path:
    name = case.split()[0]
    path = data_dir / f"auto-worst-{name}.json"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(CASES[case][0]()))
    return path


def measure(code: Path, record: Path, extra: list[str], runs: int) -> tuple[float, float]:
    """Best wall time (s) and peak RSS (MB) of one conversion by the checkout at ``code``."""
    env = dict(os.environ, PYTHONPATH=str(code))
    best_wall, best_rss = float("inf"), float("inf")
    with tempfile.TemporaryDirectory() as out:
        argv = [sys.executable, "-c", RUNNER, "--from-json", str(record), "-o",
                f"{out}/x.mid", "--force", "-q", "--bpm", "auto", *extra]
        for _ in range(runs):
            start = time.perf_counter()
            proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            stderr = proc.stderr.read().decode() if proc.stderr else ""
            if proc.stderr:
                proc.stderr.close()
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"{code}: exit {os.waitstatus_to_exitcode(status)}: {stderr}")
            best_wall, best_rss = min(best_wall, wall), min(best_rss, usage.ru_maxrss / 1024)
    return best_wall, best_rss


def before_metres(extra: list[str]) -> list[str]:
    """The options without ``--metre`` and ``--key`` (and their values)."""
    out: list[str] = []
    skip = False
    for arg in extra:
        if not skip and arg not in ("--metre", "--key"):
            out.append(arg)
        skip = arg in ("--metre", "--key")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, help="another checkout to compare with")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", nargs="*", choices=sorted(CASES), help="some cases only")
    ap.add_argument("--data-dir", type=Path, default=HERE / ".data")
    args = ap.parse_args()
    header = f"{'case':18s} {'wall s':>8s} {'RSS MB':>8s}"
    if args.baseline:
        header += f" {'base s':>8s} {'base MB':>8s} {'time x':>7s} {'RSS x':>6s}"
    print(header)
    for case in args.only or CASES:
        record = record_file(args.data_dir, case)
        wall, rss = measure(ROOT, record, CASES[case][1], args.runs)
        line = f"{case:18s} {wall:8.2f} {rss:8.0f}"
        if args.baseline:  # before issue 11 there was no --metre or --key
            base_wall, base_rss = measure(args.baseline, record, before_metres(CASES[case][1]),
                                          args.runs)
            line += (f" {base_wall:8.2f} {base_rss:8.0f} {wall / base_wall:7.2f}"
                     f" {rss / base_rss:6.2f}")
        print(line, flush=True)


if __name__ == "__main__":
    main()
