"""What a large record with one odd note costs: ``parse_record(bytes)`` in process.

    .venv/bin/python benchmarks/fallback.py              # 300k notes, best of 7
    .venv/bin/python benchmarks/fallback.py --notes 1M

Three reads of the same generated record (the one ``make bench`` uses):

- plain: every note valid, so ``schema`` decodes and checks it in C;
- odd: the same text with the last note's velocity set to 1.5, so the typed attempt fails
  at the very end (the worst place) and the Python path reads it, clamping that velocity;
- python path: the plain record decoded untyped first (``parse_record(decode_json(...))``),
  i.e. what every record cost before the schema path.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bench

from midi_export.record import decode_json, parse_record


def best_of(runs: int, work: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
        del result
    return best


def with_odd_last_note(text: bytes) -> bytes:
    at = text.rindex(b'"velocity":')
    return text[:at] + b'"velocity":1.5' + text[text.index(b"}", at):]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notes", type=bench.parse_size, default=300_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--data-dir", type=Path, default=bench.HERE / ".data")
    args = ap.parse_args()
    path, _ = bench.record_file(args.data_dir, args.notes, seed=0)
    plain = path.read_bytes()
    odd = with_odd_last_note(plain)
    assert sum(ins.clamped for ins in parse_record(odd).instruments) == 1
    gc.disable()
    times = {
        "plain (schema path)": best_of(args.runs, lambda: parse_record(plain)),
        "odd last note (typed attempt, then Python path)": best_of(
            args.runs, lambda: parse_record(odd)),
        "python path (untyped decode + checks)": best_of(
            args.runs, lambda: parse_record(decode_json(plain))),
    }
    print(f"parse_record(bytes), {bench.size_label(args.notes)} notes, best of {args.runs}:")
    for name, seconds in times.items():
        print(f"  {name:48s} {seconds * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
