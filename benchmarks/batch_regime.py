"""The batch regime of `make bench` (issue 14): a whole archive in one run against one process
per file.

On N saved records of a typical song (benchmarks/generate.py, 3,000 notes, ~250 KB, each with
its own task id; made once into the data folder):

- separate: N processes ``fetch-mid --from-json FILE -o OUT/ --force -q``, one after the
  other, as users do without ``convert``: the sum of their wall times, their CPU time, the
  median per file and the largest peak RSS;
- batch: ``fetch-mid convert DIR -o OUT --force -q --jobs J`` for J = 1 and 2, median of
  ``runs``: wall time, CPU time, peak RSS;
- peak RSS of the batch for ``small`` files and for N (flat = nothing grows per file);
- a resumed run (``--skip-existing``, every output there).

Every child runs through bench.py's launcher. With ``"tree": true`` it reaps the child's
orphaned descendants too (it is their subreaper on Linux), so ``--jobs 2``'s CPU time and
peak RSS count its worker processes, which the forkserver started and reaped, not only the
parent. On a shared machine wall times move with the load; CPU time barely does, so both
are reported.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import time
from pathlib import Path
from typing import Any, Protocol

import generate  # benchmarks/generate.py

TYPICAL_NOTES = 3_000


class Spawner(Protocol):
    def run(self, argv: list[str], timeout: float = ..., tree: bool = ...) -> dict[str, Any]: ...


def make_records(folder: Path, count: int, notes: int = TYPICAL_NOTES) -> Path:
    """``count`` copies of one typical song, each with its own task id (made once)."""
    folder.mkdir(parents=True, exist_ok=True)
    template = generate.dumps(generate.make_record(notes, generate.default_instruments(notes), 0))
    old_id = json.loads(template)["data"]["taskId"].encode()
    for i in range(count):
        path = folder / f"song-{i:04d}.json"
        if not path.exists():
            path.write_bytes(template.replace(old_id, f"song-{i:04d}".encode(), 1))
    return folder


def _cpu(answer: dict[str, Any]) -> float:
    if "tree_utime_s" in answer:
        return float(answer["tree_utime_s"] + answer["tree_stime_s"])
    return float(answer["utime_s"] + answer["stime_s"])


def _rss_kb(answer: dict[str, Any]) -> int:
    return int(answer.get("tree_maxrss_kb") or answer["maxrss_kb"])


def _check(answer: dict[str, Any], what: str) -> dict[str, Any]:
    if answer["rc"] != 0:
        raise RuntimeError(f"{what}: exit {answer['rc']}: {answer.get('stderr', '')}")
    return answer


def measure_batch(spawner: Spawner, fetch_mid: str, work: Path, data_dir: Path, *,
                  files: int, small: int, runs: int, notes: int = TYPICAL_NOTES) -> dict[str, Any]:
    """Every figure of the regime (see the module)."""
    big = make_records(data_dir / f"batch-{files}x{notes}", files, notes)
    few = data_dir / f"batch-{small}x{notes}"
    if not few.is_dir():
        few.mkdir(parents=True)
        for path in sorted(big.glob("*.json"))[:small]:
            shutil.copy(path, few / path.name)
    out = work / "batch"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)

    def convert_argv(folder: Path, target: Path, jobs: int, *extra: str) -> list[str]:
        return [fetch_mid, "convert", str(folder), "-o", str(target), "-q", "--jobs", str(jobs),
                *extra]

    first = sorted(big.glob("*.json"))[0]
    # warm-up: page cache and bytecode, not recorded
    spawner.run([fetch_mid, "--from-json", str(first), "-o", str(out / "warm.mid"), "--force",
                 "-q"])
    spawner.run(convert_argv(few, out / "warm", 2, "--force"), tree=True)

    separate = out / "separate"
    separate.mkdir()
    walls, cpus, rss = [], [], []
    t0 = time.perf_counter()
    for path in sorted(big.glob("*.json")):
        answer = _check(spawner.run([fetch_mid, "--from-json", str(path), "-o", f"{separate}/",
                                     "--force", "-q"]), "fetch-mid --from-json")
        walls.append(answer["wall_s"])
        cpus.append(_cpu(answer))
        rss.append(answer["maxrss_kb"])
    results: dict[str, Any] = {
        "files": files,
        "small": small,
        "notes_per_file": notes,
        "record_bytes": first.stat().st_size,
        "runs": runs,
        "separate": {"wall_s": sum(walls), "elapsed_s": time.perf_counter() - t0,
                     "cpu_s": sum(cpus), "per_file_median_s": statistics.median(walls),
                     "peak_rss_kb": max(rss)},
    }
    for jobs in (1, 2):
        walls, cpus, rss = [], [], []
        for _ in range(runs):
            answer = _check(spawner.run(convert_argv(big, out / f"jobs{jobs}", jobs, "--force"),
                                        tree=True), f"convert --jobs {jobs}")
            walls.append(answer["wall_s"])
            cpus.append(_cpu(answer))
            rss.append(_rss_kb(answer))
        results[f"jobs{jobs}"] = {"wall_s": statistics.median(walls), "walls_s": walls,
                                  "cpu_s": statistics.median(cpus), "peak_rss_kb": max(rss)}
    for jobs in (1, 2):
        answer = _check(spawner.run(convert_argv(few, out / f"few{jobs}", jobs, "--force"),
                                    tree=True), f"convert {small} files")
        results[f"jobs{jobs}"]["peak_rss_small_kb"] = _rss_kb(answer)
    answer = _check(spawner.run(convert_argv(big, out / "jobs1", 1, "--skip-existing")),
                    "resumed run")
    results["resumed_all_skipped_s"] = answer["wall_s"]
    written = len(list((out / "jobs1").glob("*.mid")))
    results["written"] = {"separate": len(list(separate.glob("*.mid"))), "jobs1": written,
                          "jobs2": len(list((out / "jobs2").glob("*.mid")))}
    sep, one, two = results["separate"], results["jobs1"], results["jobs2"]
    results["speedup_jobs1"] = sep["wall_s"] / one["wall_s"]
    results["speedup_jobs2"] = sep["wall_s"] / two["wall_s"]
    results["cpu_ratio_jobs1"] = sep["cpu_s"] / one["cpu_s"]
    results["cpu_ratio_jobs2"] = sep["cpu_s"] / two["cpu_s"]
    if hasattr(os, "getloadavg"):
        results["loadavg_at_end"] = list(os.getloadavg())
    shutil.rmtree(out, ignore_errors=True)  # 3,000+ small files: not kept
    return results


def batch_targets(batch: dict[str, Any], enforced: bool) -> list[dict[str, Any]]:
    """The issue's two targets: 8x with --jobs 1, --jobs 2 faster again."""
    one, two = batch["speedup_jobs1"], batch["speedup_jobs2"]
    rows = [
        (f"{batch['files']} records: convert --jobs 1 >= 8 x faster than separate processes",
         one, one >= 8, f"{one:.1f}x faster", ">= 8x faster"),
        ("convert --jobs 2 faster than --jobs 1 (2 CPUs)", two / one, two > one,
         f"{two / one:.2f} x the --jobs 1 speed", "> 1.00 x"),
    ]
    return [{"target": name, "value": value, "limit": None, "unit": "", "shown": shown,
             "need": need, "status": ("PASS" if ok else "FAIL") if enforced else "not enforced",
             "enforced": enforced} for name, value, ok, shown, need in rows]


def render_batch(batch: dict[str, Any], table: Any, markdown: bool) -> str:
    """The regime's table and the lines under it."""
    n, kb = batch["files"], batch["record_bytes"] // 1024
    sep, one, two = batch["separate"], batch["jobs1"], batch["jobs2"]

    def mb(value: float) -> str:
        return f"{value / 1024:.0f} MB"

    rows = [
        [f"batch: {n} records of {kb} KB ({batch['notes_per_file']:,} notes)", "wall",
         "per file", "CPU time", "peak RSS"],
        [f"{n} x fetch-mid --from-json", f"{sep['wall_s']:.1f} s",
         f"{1000 * sep['wall_s'] / n:.1f} ms", f"{sep['cpu_s']:.1f} s", mb(sep["peak_rss_kb"])],
        ["fetch-mid convert DIR --jobs 1", f"{one['wall_s']:.2f} s",
         f"{1000 * one['wall_s'] / n:.1f} ms", f"{one['cpu_s']:.1f} s", mb(one["peak_rss_kb"])],
        ["fetch-mid convert DIR --jobs 2", f"{two['wall_s']:.2f} s",
         f"{1000 * two['wall_s'] / n:.1f} ms", f"{two['cpu_s']:.1f} s",
         mb(two["peak_rss_kb"]) + " (largest process)"],
    ]
    load = batch.get("loadavg_at_end") or []
    lines = [
        f"speed-up (wall): {batch['speedup_jobs1']:.1f}x with --jobs 1, "
        f"{batch['speedup_jobs2']:.1f}x with --jobs 2; CPU time: "
        f"{batch['cpu_ratio_jobs1']:.1f}x less with --jobs 1, {batch['cpu_ratio_jobs2']:.1f}x "
        "less with --jobs 2 (its workers included)",
        f"peak RSS for {batch['small']} and {n} files: --jobs 1 {mb(one['peak_rss_small_kb'])} "
        f"and {mb(one['peak_rss_kb'])}, --jobs 2 {mb(two['peak_rss_small_kb'])} and "
        f"{mb(two['peak_rss_kb'])}",
        f"resumed run, all {n} outputs there (--skip-existing): "
        f"{batch['resumed_all_skipped_s']:.2f} s",
    ]
    if load:
        lines.append(f"1-minute load average at the end: {load[0]:.1f} on "
                     f"{os.cpu_count()} CPUs (a shared machine inflates walls, not CPU time)")
    prefix = "- " if markdown else ""
    return table(rows, markdown) + "\n\n" + "\n".join(prefix + line for line in lines)
