"""The speed and memory benchmark of issue 4 (`make bench`).

    .venv/bin/python benchmarks/bench.py                 # the full run: 10k 100k 300k 1M
    .venv/bin/python benchmarks/bench.py --smoke         # tiny records, one run: the harness works
    .venv/bin/python benchmarks/bench.py --sizes 10k,300k --runs 7 --only ours,pretty_midi
    .venv/bin/python benchmarks/bench.py --only batch --out benchmarks/results/batch

In one run, on generated records (benchmarks/generate.py; cached in benchmarks/.data/):

- whole processes, wall time and the child's own peak RSS: our CLI ``fetch-mid --from-json``,
  a bare ``json.load`` of the file, and the pretty_midi, mido and json + symusic pipelines
  (one script each in benchmarks/pipelines/, same input, same output);
- in process: ``json.loads``, ``orjson.loads``, our ``parse_record(bytes)``, our
  ``convert(record).to_bytes()``, both together, and symusic from numpy arrays in ticks;
- start-up: ``fetch-mid --help`` against ``python -c "import click"``;
- the batch regime (issue 14, ``batch_regime.py``): 1,000 saved records of a typical song
  converted by ``fetch-mid convert DIR`` (``--jobs 1`` and ``--jobs 2``) against 1,000
  separate ``fetch-mid --from-json`` processes, with CPU time and peak RSS for 100 and
  1,000 files (``--batch-files``, ``--batch-small``, ``--batch-runs``).

Medians of several runs (interleaved, so drift hits every pipeline alike), the ratios the
issue's targets are about with PASS/FAIL, ``results/latest.json`` (with the machine) and
``results/latest.md`` (for the README). Exit status 0 even when a target fails, unless
``--check``; then 1 when an enforced target fails or a measurement broke.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PIPELINES = HERE / "pipelines"
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(PIPELINES))

import generate  # noqa: E402  (benchmarks/generate.py)
from batch_regime import batch_targets, measure_batch, render_batch  # noqa: E402

SCHEMA = 1
DEFAULT_SIZES = (10_000, 100_000, 300_000, 1_000_000)
SMOKE_SIZES = (200, 2_000)
DEFAULT_RUNS = 5
BIG = 1_000_000  # from this size on, fewer runs
STARTUP_RUNS = 30
TIMEOUT_S = 1800

PROCESS_NAMES = ("ours", "json_load", "pretty_midi", "mido", "symusic")
INPROCESS_NAMES = (
    "json_loads", "orjson_loads", "msgspec_decode",
    "parse", "convert", "parse_convert", "symusic_inproc",
)
STARTUP_NAMES = ("help", "import_click")
GROUPS = {
    "process": PROCESS_NAMES,
    "inprocess": INPROCESS_NAMES,
    "startup": ("startup",),
    "batch": ("batch",),
}
LABELS = {
    "ours": "fetch-mid --from-json",
    "json_load": "python: json.load only",
    "pretty_midi": "json + pretty_midi",
    "mido": "json + mido (by hand)",
    "symusic": "json + numpy + symusic",
    "json_loads": "json.loads",
    "orjson_loads": "orjson.loads",
    "msgspec_decode": "msgspec.json.decode",
    "parse": "parse_record(bytes)",
    "convert": "convert(record).to_bytes()",
    "parse_convert": "parse + convert + to_bytes",
    "symusic_inproc": "symusic: arrays -> Score -> bytes",
    "help": "fetch-mid --help",
    "import_click": 'python -c "import click"',
}
BENCH_EXTRAS = {"symusic": "symusic", "symusic_inproc": "symusic"}
# JSON decoders measured as floors when installed (not an error when they are not)
OPTIONAL_DECODERS = {"orjson_loads": "orjson", "msgspec_decode": "msgspec"}


# ----------------------------------------------------------------------------- helpers


def available(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it."""
    try:
        return find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: sys.modules[module] is None
        return False


def size_label(n: int) -> str:
    """10000 -> "10k", 1000000 -> "1M", 200 -> "200"."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if mult != 1 else text
    value = int(float(number) * mult)
    if value < 1:
        raise argparse.ArgumentTypeError(f"a size must be at least 1 note: {text!r}")
    return value


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 0.1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.3f} s" if seconds < 10 else f"{seconds:.1f} s"


def fmt_mb(kb: float | None) -> str:
    return "-" if kb is None else f"{kb / 1024:.0f} MB"


def fmt_rate(rate: float | None) -> str:
    if rate is None:
        return "-"
    if rate >= 1e6:
        return f"{rate / 1e6:.2f} M notes/s"
    return f"{rate / 1e3:.0f} k notes/s"


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def count_midi_notes(data: bytes) -> int:
    """Note-ons with a velocity above 0 in a standard MIDI file (a small, strict scanner)."""
    if data[:4] != b"MThd":
        raise ValueError("not a MIDI file (no MThd)")
    header = int.from_bytes(data[4:8], "big")
    tracks = int.from_bytes(data[10:12], "big")
    pos = 8 + header
    count = 0
    for _ in range(tracks):
        if data[pos:pos + 4] != b"MTrk":
            raise ValueError(f"no MTrk at byte {pos}")
        end = pos + 8 + int.from_bytes(data[pos + 4:pos + 8], "big")
        if end > len(data):
            raise ValueError("a track runs past the end of the file")
        pos += 8
        status = 0
        while pos < end:
            while data[pos] & 0x80:  # delta time
                pos += 1
            pos += 1
            if data[pos] & 0x80:
                status = data[pos]
                pos += 1
            elif not status:
                raise ValueError(f"running status with no status at byte {pos}")
            if status == 0xFF or status in (0xF0, 0xF7):
                if status == 0xFF:
                    pos += 1  # meta type
                length = 0
                while True:
                    byte = data[pos]
                    pos += 1
                    length = (length << 7) | (byte & 0x7F)
                    if not byte & 0x80:
                        break
                pos += length
                status = 0
            elif status & 0xF0 in (0xC0, 0xD0):
                pos += 1
            else:
                if status & 0xF0 == 0x90 and data[pos + 1]:
                    count += 1
                pos += 2
        if pos != end:
            raise ValueError("an event runs past the end of its track")
    return count


# ----------------------------------------------------------------------------- records


def record_file(data_dir: Path, notes: int, seed: int) -> tuple[Path, dict[str, Any]]:
    """The generated record for this size (made once, then reused), and facts about it."""
    instruments = generate.default_instruments(notes)
    name = f"record-{size_label(notes)}-{instruments}i-g{generate.GENERATOR_VERSION}-s{seed}.json"
    path = data_dir / name
    if not path.is_file():
        t0 = time.perf_counter()
        data = generate.dumps(generate.make_record(notes, instruments, seed))
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        log(f"  generated {path.name} ({len(data) / 1e6:.1f} MB) in "
            f"{time.perf_counter() - t0:.1f} s")
    data = path.read_bytes()
    return path, {
        "notes": notes,
        "instruments": instruments,
        "path": str(path),
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


# ----------------------------------------------------------------------------- processes


def child_env(scratch: Path, cache: bool) -> dict[str, str]:
    """The environment every measured process runs in: like a user's, with bytecode caching.

    With PYTHONDONTWRITEBYTECODE=1 (set in some CI and sandbox shells) an editable install
    recompiles midi_export on every run (~30 ms at 10k notes) while site-packages keep
    the .pyc files pip wrote: unfair, and not what users see. So the children may write
    bytecode, into one scratch cache (PYTHONPYCACHEPREFIX) that every pipeline shares and
    the warm-up fills, rather than into the source tree. (A smoke run, where times do not
    matter, keeps the environment as it is: filling a fresh cache costs seconds.)
    """
    env = dict(os.environ)
    if not cache:
        return env
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    return env


class Spawner:
    """Runs commands through benchmarks/_spawn.py, a launcher started while we are small.

    Linux carries a parent's peak RSS into its child's ``ru_maxrss``: measured from a bench
    process holding 800 MB, ``python -c pass`` showed 830 MB. The launcher stays at ~8 MB
    (reported as the floor, from /bin/true), so each child's ``os.wait4`` peak is its own.
    """

    def __init__(self, scratch: Path, cache: bool = True) -> None:
        self.scratch = scratch
        self.env = child_env(scratch, cache)
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", str(HERE / "_spawn.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=self.env,  # passed on to every child (-I only shields the launcher)
        )

    def run(self, argv: list[str], timeout: float = TIMEOUT_S, tree: bool = False
            ) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        stderr = self.scratch / "stderr.txt"
        request = {"argv": argv, "stderr": str(stderr), "timeout": timeout, "tree": tree}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        answer: dict[str, Any] = json.loads(self.proc.stdout.readline())
        if answer["rc"] != 0:
            try:
                tail = stderr.read_text(errors="replace").strip().splitlines()[-5:]
            except OSError:
                tail = []
            answer["stderr"] = "\n".join(tail)
        return answer

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=10)


def shown_python() -> str:
    """The interpreter as a reader would type it: .venv/bin/python inside the repo."""
    exe = Path(sys.executable)
    return str(exe.relative_to(REPO)) if exe.is_relative_to(REPO) else exe.name


def python_exe() -> str:
    return sys.executable


def fetch_mid_exe() -> str:
    beside = Path(sys.executable).with_name("fetch-mid")
    if beside.exists():
        return str(beside)
    found = shutil.which("fetch-mid")
    return found or str(REPO / ".venv" / "bin" / "fetch-mid")


def process_argv(name: str, record: Path, output: Path) -> list[str]:
    if name == "ours":
        return [fetch_mid_exe(), "--from-json", str(record), "-o", str(output), "--force", "-q"]
    script = {
        "json_load": "json_load.py",
        "pretty_midi": "pretty_midi_pipeline.py",
        "mido": "mido_pipeline.py",
        "symusic": "symusic_pipeline.py",
    }[name]
    return [python_exe(), str(PIPELINES / script), str(record), str(output)]


def measure_processes(
    spawner: Spawner,
    names: list[str],
    record: Path,
    notes: int,
    runs: int,
    out_dir: Path,
) -> dict[str, dict[str, Any]]:
    """Every pipeline ``runs`` times, interleaved; medians; the output's notes counted."""
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, Any]] = {
        name: {"label": LABELS[name], "wall_s": [], "cpu_s": [], "maxrss_kb": [], "error": None}
        for name in names
    }
    for run in range(runs):
        for name in names:
            res = results[name]
            if res["error"]:
                continue
            output = out_dir / f"{name}.mid"
            if name == "json_load":
                output = out_dir / "json_load.none"
            argv = process_argv(name, record, output)
            got = spawner.run(argv)
            if got["rc"] != 0:
                res["error"] = f"exit {got['rc']}: {got.get('stderr', '')}".strip()
                log(f"    {name}: FAILED ({res['error'].splitlines()[0]})")
                continue
            res["wall_s"].append(got["wall_s"])
            res["cpu_s"].append(got["utime_s"] + got["stime_s"])
            res["maxrss_kb"].append(got["maxrss_kb"])
            log(f"    {name:<12} run {run + 1}/{runs}: {fmt_s(got['wall_s'])}, "
                f"{fmt_mb(got['maxrss_kb'])}")
    for name, res in results.items():
        res["argv"] = process_argv(name, record, out_dir / f"{name}.mid")
        res["wall_median_s"] = median(res["wall_s"])
        res["cpu_median_s"] = median(res["cpu_s"])  # user + system: less swayed by other load
        res["maxrss_median_kb"] = median(res["maxrss_kb"])
        if name != "json_load" and not res["error"]:
            output = out_dir / f"{name}.mid"
            res["output"] = str(output)
            try:
                res["notes_written"] = count_midi_notes(output.read_bytes())
            except (OSError, ValueError, IndexError) as exc:
                res["error"] = f"unreadable output {output}: {exc}"
                continue
            if res["notes_written"] != notes:
                res["error"] = f"wrote {res['notes_written']} notes, the record has {notes}"
    return results


def measure_startup(spawner: Spawner, runs: int) -> dict[str, Any]:
    commands = {
        "help": [fetch_mid_exe(), "--help"],
        "import_click": [python_exe(), "-c", "import click"],
    }
    out: dict[str, Any] = {}
    for name in commands:
        out[name] = {"label": LABELS[name], "argv": commands[name], "wall_s": [],
                     "maxrss_kb": [], "error": None}
    for argv in commands.values():  # one warm-up each (page cache, .pyc files)
        spawner.run(argv)
    for _ in range(runs):
        for name, argv in commands.items():
            got = spawner.run(argv)
            if got["rc"] != 0:
                out[name]["error"] = f"exit {got['rc']}: {got.get('stderr', '')}".strip()
                continue
            out[name]["wall_s"].append(got["wall_s"])
            out[name]["maxrss_kb"].append(got["maxrss_kb"])
    for res in out.values():
        res["wall_median_s"] = median(res["wall_s"])
        res["maxrss_median_kb"] = median(res["maxrss_kb"])
    return out


# ----------------------------------------------------------------------------- in process


def _time(fn: Callable[[], Any], runs: int, warmup: bool) -> tuple[list[float], Any]:
    """Wall times of ``runs`` calls (after one untimed call when ``warmup``), last result."""
    times = []
    result = fn() if warmup else None
    for _ in range(runs):
        result = None
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def symusic_arrays(payload: dict[str, Any]) -> list[tuple[str, int, bool, tuple[Any, ...]]]:
    """Per instrument: name, program, is_drum and (onset, duration, pitch, velocity) arrays."""
    import numpy as np
    from _common import TICKS_PER_SECOND, instruments, program_for

    out = []
    for name, notes in instruments(payload):
        program, is_drum = program_for(name)
        on = np.rint(np.array([n["start"] for n in notes], np.float64) * TICKS_PER_SECOND)
        off = np.rint(np.array([n["end"] for n in notes], np.float64) * TICKS_PER_SECOND)
        pitch = np.array([n["pitch"] for n in notes], np.float64).astype(np.int8)
        vel = np.clip(np.rint(np.array([n["velocity"] for n in notes], np.float64) * 127), 1, 127)
        arrays = (
            on.astype(np.int32),
            np.maximum(off - on, 1).astype(np.int32),
            pitch,
            vel.astype(np.int8),
        )
        out.append((name, program, is_drum, arrays))
    return out


def symusic_bytes(prepared: list[tuple[str, int, bool, tuple[Any, ...]]]) -> bytes:
    from _common import BPM, PPQ
    from symusic import Note, Score, Tempo, TimeSignature, Track  # imported before timing

    score = Score(PPQ)
    score.tempos.append(Tempo(0, qpm=BPM))
    score.time_signatures.append(TimeSignature(0, 4, 4))
    for name, program, is_drum, arrays in prepared:
        track = Track(name=name, program=program, is_drum=is_drum)
        track.notes = Note.from_numpy(*arrays)
        score.tracks.append(track)
    data: bytes = score.dumps_midi()
    return data


def measure_inprocess(
    names: list[str], record: Path, notes: int, runs: int
) -> dict[str, dict[str, Any]]:
    """Steady state in this process: one untimed warm-up call below 1M notes (lazy imports,
    first-call caches), then ``runs`` timed calls with a ``gc.collect()`` before each."""
    data = record.read_bytes()
    warmup = notes < BIG
    results: dict[str, dict[str, Any]] = {}

    def keep(name: str, fn: Callable[[], Any], check_notes: bool = False) -> Any:
        res: dict[str, Any] = {"label": LABELS[name], "wall_s": [], "error": None}
        results[name] = res
        try:
            res["wall_s"], out = _time(fn, runs, warmup)
        except Exception as exc:  # report it, go on with the others
            res["error"] = f"{type(exc).__name__}: {exc}"
            log(f"    {name}: FAILED ({res['error']})")
            return None
        res["wall_median_s"] = median(res["wall_s"])
        res["notes_per_s"] = notes / res["wall_median_s"] if res["wall_median_s"] else None
        if check_notes:
            res["notes_written"] = count_midi_notes(out)
            if res["notes_written"] != notes:
                res["error"] = f"wrote {res['notes_written']} notes, the record has {notes}"
        log(f"    {name:<14} {fmt_s(res['wall_median_s'])}  {fmt_rate(res['notes_per_s'])}")
        return out

    if "json_loads" in names:
        keep("json_loads", lambda: json.loads(data))
    if "orjson_loads" in names:
        import orjson

        keep("orjson_loads", lambda: orjson.loads(data))
    if "msgspec_decode" in names:
        import msgspec

        keep("msgspec_decode", lambda: msgspec.json.decode(data))
    ours = [n for n in ("parse", "convert", "parse_convert") if n in names]
    if ours:
        try:
            from midi_export.midi.convert import convert
            from midi_export.record import parse_record
        except Exception as exc:
            for name in ours:
                results[name] = {"label": LABELS[name], "wall_s": [],
                                 "error": f"cannot import midi_export: {exc}"}
        else:
            parsed = None
            if "parse" in names:
                parsed = keep("parse", lambda: parse_record(data))
            if "convert" in names:
                if parsed is None:
                    try:
                        parsed = parse_record(data)
                    except Exception as exc:
                        results["convert"] = {"label": LABELS["convert"], "wall_s": [],
                                              "error": f"parse failed: {exc}"}
                if parsed is not None:
                    record_obj = parsed
                    keep("convert", lambda: convert(record_obj).to_bytes(), check_notes=True)
            parsed = None
            gc.collect()
            if "parse_convert" in names:
                keep("parse_convert", lambda: convert(parse_record(data)).to_bytes(),
                     check_notes=True)
    if "symusic_inproc" in names:
        import symusic  # noqa: F401  (the import is start-up, not conversion)

        prepared = symusic_arrays(json.loads(data))
        keep("symusic_inproc", lambda: symusic_bytes(prepared), check_notes=True)
    return results


# ----------------------------------------------------------------------------- machine


def machine_facts() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    versions = {}
    for dist in ("midi-export", "mido", "pretty_midi", "symusic", "numpy", "orjson", "msgspec",
                 "click"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    commit = None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(
            ["git", "--no-optional-locks", "rev-parse", "HEAD"], cwd=REPO,
            capture_output=True, text=True, timeout=10,
        ).stdout.strip() or None
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1) if mem_kb else None,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "packages": versions,
        "loadavg_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "git_commit": commit,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


# ----------------------------------------------------------------------------- targets


def compute_targets(results: dict[str, Any], enforced: bool) -> list[dict[str, Any]]:
    proc = results["process"]

    def wall(size: int, name: str) -> float | None:
        res = proc.get(str(size), {}).get(name)
        return res["wall_median_s"] if res and not res["error"] else None

    def rss(size: int, name: str) -> float | None:
        res = proc.get(str(size), {}).get(name)
        return res["maxrss_median_kb"] if res and not res["error"] else None

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None

    start = results.get("startup") or {}
    help_s = (start.get("help") or {}).get("wall_median_s")
    click_s = (start.get("import_click") or {}).get("wall_median_s")
    rows = [
        ("10k whole process: fetch-mid <= pretty_midi / 4",
         ratio(wall(10_000, "ours"), wall(10_000, "pretty_midi")), 1 / 4, "x pretty_midi"),
        ("10k whole process: fetch-mid <= 0.8 x json+symusic",
         ratio(wall(10_000, "ours"), wall(10_000, "symusic")), 0.8, " x symusic"),
        ("300k (10 instruments) whole process: fetch-mid <= pretty_midi / 25",
         ratio(wall(300_000, "ours"), wall(300_000, "pretty_midi")), 1 / 25, "x pretty_midi"),
        ("300k (10 instruments) whole process: fetch-mid <= 1.0 x json+symusic",
         ratio(wall(300_000, "ours"), wall(300_000, "symusic")), 1.0, " x symusic"),
        ('fetch-mid --help <= 1.3 x python -c "import click"',
         ratio(help_s, click_s), 1.3, " x import click"),
        ("300k peak RSS: fetch-mid <= 1.3 x bare json.load process",
         ratio(rss(300_000, "ours"), rss(300_000, "json_load")), 1.3, " x json.load"),
    ]
    out = []
    for name, value, limit, unit in rows:
        if value is None:
            status = "n/a"
        elif not enforced:
            status = "not enforced"
        else:
            status = "PASS" if value <= limit else "FAIL"
        if value is None:
            shown = "-"
        elif unit == "x pretty_midi":  # read as "n times faster"
            shown = f"{1 / value:.1f}x faster (ratio {value:.3f})"
        else:
            shown = f"{value:.3f}{unit}"
        need = (f">= {1 / limit:.0f}x faster (ratio <= {limit:.3f})" if unit == "x pretty_midi"
                else f"<= {limit:.3f}{unit}")
        out.append({"target": name, "value": value, "limit": limit, "unit": unit,
                    "shown": shown, "need": need,
                    "status": status, "enforced": enforced and value is not None})
    return out


# ----------------------------------------------------------------------------- reports


def table(rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for k, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render(results: dict[str, Any], markdown: bool) -> str:
    sizes = [int(s) for s in results["records"]]
    heads = [size_label(n) + f" ({results['records'][str(n)]['instruments']} instr.)"
             for n in sizes]
    parts = []
    m = results["machine"]
    pk = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    machine = (f"{m['cpu_model']}, {m['nproc']} CPUs, {m['memory_gb']} GB RAM, {m['os']}, "
               f"Python {m['python']}; {pk}")
    opts = results["options"]
    runs = f"median of {opts['runs']} runs ({opts['runs_big']} at 1M and above)"
    if not sizes:  # the batch regime (or start-up) alone: its own run counts are below
        runs = "batch regime: median of " + str((results.get("batch") or {}).get("runs", "-"))
        runs += " runs of each batch"
    if markdown:
        parts.append(f"Command: `{results['command']}` ({results['machine']['date']})  \n"
                     f"Machine: {machine}  \n{runs}; peak RSS is each child process's own "
                     f"(launcher floor {fmt_mb(results.get('rss_floor_kb'))}).")
    else:
        parts.append(f"command: {results['command']}\nmachine: {machine}\n{runs}")

    proc = results["process"]
    if any(proc.values()):
        rows = [["whole process: wall (peak RSS)", *heads]]
        names = [n for n in PROCESS_NAMES if any(n in proc[str(s)] for s in sizes)]
        for name in names:
            row = [LABELS[name]]
            for n in sizes:
                res = proc[str(n)].get(name)
                if not res:
                    row.append("-")
                elif res["error"]:
                    row.append("ERROR")
                else:
                    row.append(f"{fmt_s(res['wall_median_s'])} ({fmt_mb(res['maxrss_median_kb'])})")
            rows.append(row)
        for other in ("pretty_midi", "mido", "symusic"):
            if "ours" in names and other in names:
                row = [f"{LABELS[other]} / fetch-mid (time)"]
                for n in sizes:
                    a, b = proc[str(n)].get("ours"), proc[str(n)].get(other)
                    ok = a and b and not a["error"] and not b["error"]
                    row.append(f"{b['wall_median_s'] / a['wall_median_s']:.2f}x" if ok else "-")
                rows.append(row)
        if "ours" in names and "json_load" in names:
            row = ["fetch-mid / json.load (peak RSS)"]
            for n in sizes:
                a, b = proc[str(n)].get("ours"), proc[str(n)].get("json_load")
                ok = a and b and not a["error"] and not b["error"]
                row.append(f"{a['maxrss_median_kb'] / b['maxrss_median_kb']:.2f}x" if ok else "-")
            rows.append(row)
        parts.append(table(rows, markdown))

    inproc = results["inprocess"]
    if any(inproc.values()):
        rows = [["in process: median (notes/s)", *heads]]
        for name in INPROCESS_NAMES:
            if not any(name in inproc[str(s)] for s in sizes):
                continue
            row = [LABELS[name]]
            for n in sizes:
                res = inproc[str(n)].get(name)
                if not res:
                    row.append("-")
                elif res["error"]:
                    row.append("ERROR")
                else:
                    row.append(f"{fmt_s(res['wall_median_s'])} ({fmt_rate(res['notes_per_s'])})")
            rows.append(row)
        parts.append(table(rows, markdown))
        big = [n for n in sizes if n >= BIG]
        for n in big:
            ours = inproc[str(n)].get("convert") or {}
            e2e = inproc[str(n)].get("parse_convert") or {}
            sym = inproc[str(n)].get("symusic_inproc") or {}
            parts.append(
                f"At {size_label(n)} notes, in process (no target): our convert+to_bytes "
                f"{fmt_rate(ours.get('notes_per_s'))}, our parse+convert+to_bytes "
                f"{fmt_rate(e2e.get('notes_per_s'))}; symusic arrays->Score->bytes "
                f"{fmt_rate(sym.get('notes_per_s'))}."
            )

    start = results.get("startup") or {}
    if start:
        rows = [["start-up", "median", "peak RSS"]]
        for name in STARTUP_NAMES:
            res = start.get(name)
            if res:
                rows.append([LABELS[name], fmt_s(res["wall_median_s"]),
                             fmt_mb(res["maxrss_median_kb"])])
        parts.append(table(rows, markdown))

    if any(t["value"] is not None for t in results["targets"]):
        rows = [["target (issue 4)", "measured", "needed", "result"]]
        for t in results["targets"]:
            rows.append([t["target"], t["shown"], t["need"], t["status"]])
        parts.append(table(rows, markdown))

    batch = results.get("batch")
    if batch:
        parts.append(render_batch(batch, table, markdown))
        rows = [["target (issue 14)", "measured", "needed", "result"]]
        for t in batch["targets"]:
            rows.append([t["target"], t["shown"], t["need"], t["status"]])
        parts.append(table(rows, markdown))

    notes = []
    load = [*(m.get("loadavg_at_start") or [])[:1], *(m.get("loadavg_at_end") or [])[:1]]
    cpus = m["nproc"] or 1
    # the end figure includes the benchmark's own process (about 1)
    if len(load) == 2 and (load[0] > 0.5 * cpus or load[1] > cpus):
        notes.append(f"the machine was busy (1-minute load average {load[0]:.1f} at the start, "
                     f"{load[-1]:.1f} at the end, {m['nproc']} CPUs): wall times are inflated "
                     "and noisy; cpu_median_s in latest.json is steadier")
    for s in results["skipped"]:
        notes.append(f"skipped {s['name']}: {s['reason']}")
    for e in results["errors"]:
        notes.append(f"ERROR {e}")
    if notes:
        parts.append("\n".join(("- " if markdown else "") + n for n in notes))
    return "\n\n".join(parts) + "\n"


# ----------------------------------------------------------------------------- main


def select(only: list[str] | None) -> set[str]:
    everything = set(PROCESS_NAMES) | set(INPROCESS_NAMES) | {"startup", "batch"}
    if not only:
        return everything
    chosen: set[str] = set()
    for item in only:
        for name in filter(None, (x.strip() for x in item.split(","))):
            if name in GROUPS:
                chosen.update(GROUPS[name])
            elif name in everything:
                chosen.add(name)
            else:
                raise SystemExit(f"bench.py: unknown --only name {name!r}; pick from "
                                 f"{', '.join(sorted(everything | set(GROUPS)))}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=lambda s: [parse_size(x) for x in s.split(",") if x],
                    help="comma-separated note counts, e.g. 10k,300k (default 10k,100k,300k,1M)")
    ap.add_argument("--runs", type=int, help=f"runs per measurement (default {DEFAULT_RUNS}; "
                    "half as many, at least 1, from 1M notes on)")
    ap.add_argument("--startup-runs", type=int, help=f"runs of each start-up command "
                    f"(default {STARTUP_RUNS})")
    ap.add_argument("--smoke", "--quick", action="store_true",
                    help="tiny records (200, 2000 notes), one run, targets not enforced")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="measure only these (comma-separated or repeated): "
                    + ", ".join([*PROCESS_NAMES, *INPROCESS_NAMES, "startup", "batch"])
                    + "; or a group: process, inprocess, startup, batch")
    ap.add_argument("--batch-files", type=int, help="records in the batch regime (default "
                    "1000; smoke 12)")
    ap.add_argument("--batch-small", type=int, help="the small batch for the memory "
                    "comparison (default 100; smoke 4)")
    ap.add_argument("--batch-runs", type=int, help="runs of each batch command (default 3; "
                    "smoke 1)")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when an enforced target fails or a measurement broke")
    ap.add_argument("--out", type=Path, help="where latest.json / latest.md go (default "
                    "benchmarks/results; with --smoke, benchmarks/results/tmp/smoke)")
    ap.add_argument("--data-dir", type=Path, default=HERE / ".data",
                    help="where generated records are cached (default benchmarks/.data)")
    ap.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    args = ap.parse_args(argv)

    out_dir: Path = args.out or (HERE / "results" / ("tmp/smoke" if args.smoke else ""))
    out_dir = out_dir.resolve()
    work = out_dir / "tmp"
    work.mkdir(parents=True, exist_ok=True)
    spawner = Spawner(work, cache=not args.smoke)  # first, while this process is small
    try:
        return run(args, spawner, out_dir, work)
    finally:
        spawner.close()


def run(args: argparse.Namespace, spawner: Spawner, out_dir: Path, work: Path) -> int:
    sizes: list[int] = args.sizes or list(SMOKE_SIZES if args.smoke else DEFAULT_SIZES)
    runs = args.runs or (1 if args.smoke else DEFAULT_RUNS)
    runs_big = max(1, runs // 2)
    startup_runs = args.startup_runs or (3 if args.smoke else STARTUP_RUNS)
    chosen = select(args.only)
    enforced = not args.smoke

    skipped = []
    for name, module in BENCH_EXTRAS.items():
        if name in chosen and not available(module):
            chosen.discard(name)
            skipped.append({"name": name, "reason": f"{module} is not installed (it is in the "
                            "[bench] extra: pip install -e '.[bench]')"})
            log(f"skipping {name}: {module} is not installed")
    for name, module in OPTIONAL_DECODERS.items():
        if name in chosen and not available(module):
            chosen.discard(name)
            skipped.append({"name": name, "reason": f"{module} is not installed"})
    if "symusic_inproc" in chosen and not available("numpy"):
        chosen.discard("symusic_inproc")
        skipped.append({"name": "symusic_inproc", "reason": "numpy is not installed"})

    command = "benchmarks/bench.py" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else "")
    results: dict[str, Any] = {
        "schema": SCHEMA,
        "command": f"{shown_python()} {command}",
        "machine": machine_facts(),
        "options": {"sizes": sizes, "runs": runs, "runs_big": runs_big,
                    "startup_runs": startup_runs, "smoke": args.smoke, "seed": args.seed,
                    "only": sorted(chosen), "check": args.check,
                    "batch_files": args.batch_files, "batch_small": args.batch_small,
                    "batch_runs": args.batch_runs},
        "records": {},
        "process": {},
        "inprocess": {},
        "startup": {},
        "targets": [],
        "skipped": skipped,
        "errors": [],
    }
    floor = spawner.run(["/bin/true"])
    results["rss_floor_kb"] = floor["maxrss_kb"]
    results["child_env"] = {
        key: spawner.env.get(key) for key in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    }

    proc_names = [n for n in PROCESS_NAMES if n in chosen]
    if not proc_names and not any(x in chosen for x in INPROCESS_NAMES):
        sizes = []  # the batch regime or start-up alone: no record of each size needed
    log("records:")
    paths = {}
    for n in sizes:
        paths[n], results["records"][str(n)] = record_file(args.data_dir, n, args.seed)

    if proc_names and not args.smoke:  # warm-up: page cache and .pyc files, not recorded
        log("warm-up:")
        smallest = paths[min(sizes)]
        for name in proc_names:
            spawner.run(process_argv(name, smallest, work / "warmup.mid"))

    for n in sizes:
        size_runs = runs_big if n >= BIG else runs
        log(f"{size_label(n)} notes, whole processes ({size_runs} runs):")
        results["process"][str(n)] = measure_processes(
            spawner, proc_names, paths[n], n, size_runs, work / "mid" / size_label(n)
        ) if proc_names else {}
        inproc_names = [x for x in INPROCESS_NAMES if x in chosen]
        log(f"{size_label(n)} notes, in process:")
        # in process is cheap below 100k notes: more runs there steady the medians
        inproc_runs = size_runs * 3 if n < 100_000 and not args.smoke else size_runs
        results["inprocess"][str(n)] = measure_inprocess(
            inproc_names, paths[n], n, inproc_runs
        ) if inproc_names else {}
        gc.collect()

    if "startup" in chosen:
        log(f"start-up ({startup_runs} runs each):")
        results["startup"] = measure_startup(spawner, startup_runs)

    if "batch" in chosen:  # last: a pool's subreaper grows the launcher a little
        files = args.batch_files or (12 if args.smoke else 1000)
        small = args.batch_small or (4 if args.smoke else 100)
        batch_runs = args.batch_runs or (1 if args.smoke else 3)
        log(f"batch regime: {files} records, {batch_runs} run(s) of each batch:")
        try:
            results["batch"] = measure_batch(
                spawner, fetch_mid_exe(), work, args.data_dir, files=files, small=small,
                runs=batch_runs, notes=300 if args.smoke else 3_000)
            results["batch"]["targets"] = batch_targets(results["batch"], enforced)
        except RuntimeError as exc:
            results["errors"].append(f"batch: {exc}")

    for section in ("process", "inprocess"):
        for n, per in results[section].items():
            for name, res in per.items():
                if res.get("error"):
                    results["errors"].append(f"{section} {size_label(int(n))} {name}: "
                                             f"{res['error']}")
    for name, res in results["startup"].items():
        if res.get("error"):
            results["errors"].append(f"startup {name}: {res['error']}")
    results["targets"] = compute_targets(results, enforced)
    if hasattr(os, "getloadavg"):  # other work on the machine skews the figures: say so
        results["machine"]["loadavg_at_end"] = list(os.getloadavg())

    text = render(results, markdown=False)
    print(text)
    (out_dir / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (out_dir / "latest.md").write_text(render(results, markdown=True))
    log(f"wrote {out_dir / 'latest.json'} and {out_dir / 'latest.md'}")

    if args.check:
        batch_rows = (results.get("batch") or {}).get("targets", [])
        failed = [t for t in [*results["targets"], *batch_rows] if t["status"] == "FAIL"]
        if failed or results["errors"]:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
