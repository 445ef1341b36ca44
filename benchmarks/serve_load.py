"""A bounded load test of the callback receiver (``fetch-mid serve``), on 127.0.0.1 only.

    python benchmarks/serve_load.py                      # 2,000 deliveries, 50 senders
    python benchmarks/serve_load.py --deliveries 500 --senders 20 --notes 3000 --hmac

The receiver is ``fetch-mid serve`` itself, in its own process (waitress, ``--threads``); the
senders are threads of this process, each with a keep-alive session. The mix: 80 % good
deliveries of distinct tasks (every one signed when ``--hmac``), 10 % duplicates of good
ones (the same bytes again, shuffled in so some race their original), 10 % bad (not JSON,
unknown shape, wrong token, oversized and, with ``--hmac``, a bad signature). Then it checks
that every good task was written exactly once (one ``.mid``, one ``.json``, one
``outcome=written`` log line), that nothing else was written, and that every answer had the
expected status; and prints deliveries/s and latency percentiles (and writes them as JSON
with ``--json FILE``). Exit 0 when every check holds.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

TOKEN = "load_0123456789abcdef0123"
HMAC_KEY = "load-test-hmac-key"
MAX_BODY_MB = 1
MAX_BODY = MAX_BODY_MB * 1024 * 1024


def midi_body(task_id: str, notes: int, rng: random.Random) -> bytes:
    """A callback in the documented shape with ``notes`` notes over 4 instruments (times
    on the 1/192 s grid, some as strings, as the API sends them)."""
    names = ["Drums", "Electric Bass (finger)", "Acoustic Grand Piano", "String Ensembles 1"]
    instruments = []
    for k, name in enumerate(names):
        out = []
        t = 0
        for j in range(notes // len(names)):
            t += rng.randint(12, 96)
            start, end = t / 192, (t + rng.randint(12, 192)) / 192
            out.append({"pitch": rng.randint(36, 84) if k else rng.choice([36, 38, 42, 46]),
                        "start": start if j % 3 else repr(start), "end": repr(end),
                        "velocity": rng.randint(40, 127) / 127})
        instruments.append({"name": name, "notes": out})
    return json.dumps({"task_id": task_id, "code": 200, "msg": "success",
                       "data": {"state": "complete", "instruments": instruments}}).encode()


def plan(deliveries: int, notes: int, hmac: bool, seed: int) -> list[dict[str, Any]]:
    from midi_export.api.callbacks import sign

    rng = random.Random(seed)
    bad_count = deliveries // 10
    dup_count = deliveries // 10
    good_count = deliveries - bad_count - dup_count
    stamp = int(time.time())
    items: list[dict[str, Any]] = []
    template = midi_body("TEMPLATE-ID", notes, rng)
    for i in range(good_count):
        task_id = f"load-{i:05d}-{rng.getrandbits(32):08x}"
        headers = {}
        if hmac:
            headers = {"X-Webhook-Timestamp": str(stamp),
                       "X-Webhook-Signature": sign(HMAC_KEY, task_id, stamp)}
        items.append({"kind": "good", "task": task_id, "headers": headers,
                      "body": template.replace(b"TEMPLATE-ID", task_id.encode()),
                      "expect": {200}, "path": "ok"})
    for _ in range(dup_count):
        original = rng.choice(items[:good_count])
        items.append({**original, "kind": "duplicate"})
    bad_kinds = ["not-json", "unknown-shape", "wrong-token", "oversized"] + (
        ["bad-signature"] if hmac else [])
    for i in range(bad_count):
        kind = bad_kinds[i % len(bad_kinds)]
        task_id = f"bad-{i:05d}"
        body = template.replace(b"TEMPLATE-ID", task_id.encode())
        headers: dict[str, str] = {}
        path, expect = "ok", {400}
        if kind == "not-json":
            body = body[: len(body) // 2]
        elif kind == "unknown-shape":
            body, expect = json.dumps({"code": 200, "data": {"taskId": task_id,
                                                             "what": 1}}).encode(), {422}
        elif kind == "wrong-token":
            path, expect = "bad", {404}
        elif kind == "oversized":
            body = body + b" " * (MAX_BODY + 1 - len(body))
            expect = {413}
        elif kind == "bad-signature":
            headers = {"X-Webhook-Timestamp": str(stamp),
                       "X-Webhook-Signature": sign("not-the-key", task_id, stamp)}
            expect = {401}
        if hmac and kind != "bad-signature":
            headers = {"X-Webhook-Timestamp": str(stamp),
                       "X-Webhook-Signature": sign(HMAC_KEY, task_id, stamp)}
        items.append({"kind": kind, "task": task_id, "headers": headers, "body": body,
                      "expect": expect, "path": path})
    rng.shuffle(items)
    return items


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--threads", type=int, default=4, help="waitress threads")
    parser.add_argument("--notes", type=int, default=1000, help="notes per good record")
    parser.add_argument("--hmac", action="store_true", help="sign deliveries, verify them")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--output", help="folder to write into (default: a temporary one)")
    parser.add_argument("--json", dest="json_out", help="write the figures here")
    args = parser.parse_args()
    if not 10 <= args.deliveries <= 20000 or not 1 <= args.senders <= 200:
        parser.error("bounded: 10..20000 deliveries, 1..200 senders")

    import requests

    work = Path(args.output or tempfile.mkdtemp(prefix="serve-load-"))
    out = work / "out"
    log_path = work / "serve.log"
    items = plan(args.deliveries, args.notes, args.hmac, args.seed)
    good_tasks = {item["task"] for item in items if item["kind"] == "good"}
    log_file = log_path.open("w")
    command = [sys.executable, "-c", "from midi_export.cli import main; main()", "serve",
               "--port", "0", "-o", str(out), "--token", TOKEN, "--threads", str(args.threads),
               "--max-body", str(MAX_BODY_MB), *(["--hmac-key", HMAC_KEY] if args.hmac else [])]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log_file, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("callBackUrl: http://127.0.0.1:"):
        proc.kill()
        print("the receiver did not start", file=sys.stderr)
        return 1
    base = line.split(": ", 1)[1].rsplit("/callback/", 1)[0]
    urls = {"ok": f"{base}/callback/{TOKEN}", "bad": f"{base}/callback/{'x' * len(TOKEN)}"}
    local = threading.local()

    def send(item: dict[str, Any]) -> tuple[dict[str, Any], int, float, str]:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        started = time.perf_counter()
        answer = session.post(urls[item["path"]], data=item["body"], headers=item["headers"],
                              timeout=30)
        elapsed = time.perf_counter() - started
        try:
            msg = answer.json().get("msg", "")
        except ValueError:
            msg = answer.text[:40]
        return item, answer.status_code, elapsed, msg

    results: list[tuple[dict[str, Any], int, float, str]] = []
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(args.senders) as pool:
        results = list(pool.map(send, items))
    wall = time.perf_counter() - started
    proc.terminate()
    code = proc.wait(timeout=30)
    log_file.close()

    problems: list[str] = []
    if code != 0:
        problems.append(f"the receiver exited {code} after SIGTERM")
    for item, status, _, msg in results:
        if status not in item["expect"]:
            problems.append(f"{item['kind']} {item['task']}: HTTP {status} {msg}")
    written = collections.Counter()
    log_lines = [line for line in log_path.read_text().splitlines() if " delivery task=" in line]
    for line in log_lines:
        if "outcome=written" in line:
            written[line.split("task=", 1)[1].split(" ", 1)[0]] += 1
    expected_files = {f"{t}.mid" for t in good_tasks} | {f"{t}.json" for t in good_tasks}
    present = set(os.listdir(out)) if out.exists() else set()
    if present != expected_files:
        extra, missing = sorted(present - expected_files), sorted(expected_files - present)
        problems.append(f"files: {len(extra)} unexpected {extra[:5]}, {len(missing)} missing "
                        f"{missing[:5]}")
    once = sum(1 for t in good_tasks if written[t] == 1)
    if once != len(good_tasks) or sum(written.values()) != len(good_tasks):
        problems.append(f"written exactly once: {once} of {len(good_tasks)} "
                        f"({sum(written.values())} written lines)")
    # waitress refuses a declared-oversized body itself, before reading it or calling the app
    reaching_app = sum(1 for item in items if item["kind"] != "oversized")
    if len(log_lines) != reaching_app:
        problems.append(f"{len(log_lines)} log lines for {reaching_app} deliveries that "
                        "reached the app")
    bad_mid = [name for name in present if name.endswith(".mid")
               and (out / name).read_bytes()[:4] != b"MThd"]
    if bad_mid:
        problems.append(f"{len(bad_mid)} .mid files are not MIDI")

    latencies = [r[2] * 1000 for r in results]
    good_lat = [r[2] * 1000 for r in results if r[0]["kind"] == "good"]
    figures = {
        "deliveries": len(items), "senders": args.senders, "threads": args.threads,
        "notes_per_record": args.notes, "hmac": args.hmac,
        "body_kb": round(statistics.mean(len(i["body"]) for i in items
                                         if i["kind"] == "good") / 1024, 1),
        "good_tasks": len(good_tasks),
        "kinds": dict(collections.Counter(i["kind"] for i in items)),
        "outcomes": dict(collections.Counter(r[3] for r in results)),
        "wall_s": round(wall, 2),
        "deliveries_per_s": round(len(items) / wall, 1),
        "latency_ms": {"p50": round(percentile(latencies, 50), 1),
                       "p90": round(percentile(latencies, 90), 1),
                       "p99": round(percentile(latencies, 99), 1),
                       "max": round(max(latencies), 1)},
        "good_latency_ms": {"p50": round(percentile(good_lat, 50), 1),
                            "p99": round(percentile(good_lat, 99), 1)},
        "files_written": len(present), "written_exactly_once": once,
        "receiver_exit_code": code, "problems": problems[:20],
        "cpu_count": os.cpu_count(), "python": sys.version.split()[0],
    }
    if args.output is None:  # the temporary folder: nothing is left behind
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures, indent=2))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
