"""How long the whole analysis takes on the longest songs of the clean tier (best of 3).

    .venv/bin/python evaluation/speed.py [--songs 6]

``analyse`` (tempo, metre, downbeat, key) on the songs with the most notes and the longest
durations, in one process after a first call (which also imports numpy, about 80 ms once).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from midi_export import analyse, parse_record  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--songs", type=int, default=6)
    args = ap.parse_args()
    truths = [json.loads(p.read_text()) for p in (HERE / "sets" / "clean").glob("*.truth.json")]
    longest = sorted(truths, key=lambda t: (-t["duration"], -t["notes"]))[: args.songs]
    for t in longest:
        raw = (HERE / "sets" / "clean" / f"{t['name']}.json").read_bytes()
        record = parse_record(raw)
        analyse(record)
        best = min(_timed(record) for _ in range(3))
        print(f"{t['name']}: {t['duration']:.0f} s, {t['notes']} notes: analyse "
              f"{1000 * best:.0f} ms")
    return 0


def _timed(record: object) -> float:
    t0 = time.perf_counter()
    analyse(record)  # type: ignore[arg-type]
    return time.perf_counter() - t0


if __name__ == "__main__":
    raise SystemExit(main())
