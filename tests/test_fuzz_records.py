"""Property-based fuzzing of record JSON (issue 12): mutations of the real fixtures, through
the command offline (``--from-json``), online (served by a local server; the mutations also
put the API key in odd places) and as a batch (``fetch-mid convert``), and through the
callback receiver (``app.handle``).

Mutations: numbers to strings (``" 60"``, ``"60x"``), huge numbers (1e308, 10**30, a
400-digit integer, 1e400), NaN and Infinity literals, negatives, wrong types, nesting 3 to
20,000 deep, lone surrogates, control and bidi characters, the API key in several spellings,
duplicated and deleted keys, lists replicated up to 3,000 times, notes moved to 1 h-1e308 s,
odd pitches; then ASCII or raw UTF-8, truncation, padding past 640 KiB (the msgspec path), a
BOM; with one of the option sets below (``--bpm auto`` with its metre and key estimated or
given, a fixed tempo with any ``N/D`` and ``--key auto``, and bad ``--metre``/``--key``
values, which must be exit 2). Every run must:

- exit with a documented code (0, 2-8), never 1 (a bug);
- on failure, print exactly one line on stderr, ``fetch-mid: error: ...``, and leave no
  file in the output folder (hidden temporary files included);
- with ``--json``, print one JSON document on stdout;
- print only printable text on stderr, and no ``fetch-mid: error:`` line on a success;
- online, show the key nowhere: not on stdout or stderr, not in the written files;
- finish within ``FUZZ_SLOW`` seconds (a blow-up is a failure too);
- offline, exit as the same options without ``--bpm auto``, ``--metre``, ``--key`` and
  ``--lead-in`` do: the estimates fall back, they never fail a conversion (``--key auto``
  on notes spanning more than 2 hours was exit 7).

The receiver must answer one of its documented statuses, write nothing for a refusal, and
never raise. Each distinct failure raises its own exception class, so hypothesis reports
and shrinks each separately.

    FUZZ_EXAMPLES=20000 nice -n 10 .venv/bin/python -m pytest tests/test_fuzz_records.py -q

The default is a short run for ``make test`` (``FUZZ_EXAMPLES``, 150). ``FUZZ_COLLECT=1``
makes a census instead (every failure recorded, none raised, so all examples run);
``FUZZ_FINDINGS=DIR`` keeps the smallest input of each distinct failure there.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from hostile import Connection, HostileServer, escape_key

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
SLOW = float(os.environ.get("FUZZ_SLOW", "20"))
COLLECT = os.environ.get("FUZZ_COLLECT") == "1"
FINDINGS = Path(os.environ["FUZZ_FINDINGS"]) if os.environ.get("FUZZ_FINDINGS") else None
DOCUMENTED = {0, 2, 3, 4, 5, 6, 7, 8}  # the README's table; 1 (a bug) is the failure
RECEIVER = {200, 400, 401, 404, 405, 413, 422, 503}
FAST_PATH = 640 * 1024
KEY = "sk-fuzz/KEY+0123456789"
TRIED: dict[str, int] = {"examples": 0, "offline": 0, "online": 0, "batch": 0, "receiver": 0,
                         "failing": 0}

DOCS = {p.name: json.loads(p.read_text()) for p in sorted(FIXTURES.glob("*.json"))}
OPTION_SETS = [
    [], ["--bpm", "auto"], ["--ppq", "24"], ["--ppq", "24", "--bpm", "auto"], ["--strict"],
    ["--json"], ["--json", "--bpm", "auto"], ["--split"], ["--quantize", "1/16"],
    ["--program", "Drums=Flute", "--bpm", "auto"], ["-v"],
    # the metre and key of issue 11: estimated, given, and given badly (exit 2, one line)
    ["--bpm", "auto", "--metre", "6/8", "--key", "F#m"], ["--bpm", "auto", "--metre", "12/8"],
    ["--bpm", "auto", "--metre", "3/4", "--lead-in", "shift", "--json"],
    ["--bpm", "auto", "--key", "none", "--quantize", "1/8t"],
    ["--bpm", "100", "--metre", "7/8", "--key", "auto"], ["--metre", "255/128", "--key", "Cb"],
    ["--metre", "1/1", "--ppq", "24", "--key", "auto", "--json"],
    ["--bpm", "auto", "--metre", "9/8", "--key", "auto", "--split"],
    ["--metre", "\u0663/\u0664", "--key", "NONE"], ["--key", "auto"],
]
BAD_OPTION_SETS = [  # usage errors whatever the record: exit 2, one line, nothing written
    ["--metre", "3/5"], ["--bpm", "auto", "--metre", "7/8"], ["--metre", "auto"],
    ["--key", "Fb"], ["--key", "x" * 5000], ["--bpm", "auto", "--metre", "99999/4"],
]
OPTION_SETS += BAD_OPTION_SETS


# --------------------------------------------------------------------------- documents


class Raw:
    """JSON text written as it is (NaN, deep nesting, big integers, escapes)."""

    def __init__(self, text: str) -> None:
        self.text = text


class Dup:
    """An object that repeats a key: ``items`` in order, duplicates included."""

    def __init__(self, items: list[tuple[str, Any]]) -> None:
        self.items = items


def emit(obj: Any, ascii_only: bool) -> str:
    if isinstance(obj, Raw):
        return obj.text
    if isinstance(obj, Dup):
        return "{" + ", ".join(f"{emit(k, ascii_only)}: {emit(v, ascii_only)}"
                               for k, v in obj.items) + "}"
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{emit(str(k), ascii_only)}: {emit(v, ascii_only)}"
                               for k, v in obj.items()) + "}"
    if isinstance(obj, list):
        return "[" + ", ".join(emit(v, ascii_only) for v in obj) + "]"
    if isinstance(obj, float) and not math.isfinite(obj):
        return "NaN" if obj != obj else ("Infinity" if obj > 0 else "-Infinity")
    return json.dumps(obj, ensure_ascii=ascii_only)


def paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in ``obj``, the root excluded (the first items of a list)."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append((*prefix, k))
            out.extend(paths(v, (*prefix, k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:6]):
            out.append((*prefix, i))
            out.extend(paths(v, (*prefix, i)))
    return out


def get(obj: Any, path: tuple[Any, ...]) -> Any:
    for k in path:
        obj = obj[k]
    return obj


def put(obj: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    get(obj, path[:-1])[path[-1]] = value
    return obj


def key_spelled(form: str) -> Raw:
    """The key inside a JSON string, in a spelling a server might echo it in."""
    if form == "json_u":
        return Raw('"Piano ' + "".join(f"\\u{ord(c):04x}" if c.isalpha() else
                                       json.dumps(c)[1:-1] for c in KEY) + '"')
    if form == "json_slash":
        return Raw('"bad key ' + KEY.replace("/", "\\/") + '"')
    return Raw(json.dumps("bad key " + escape_key(KEY, form)))


ODD_STRINGS = ["\ud800", "a\udc80b", "Piano\nfetch-mid: error: fake", "\x00\x1b[2J\x07",
               "\u202eevil", " 60", "1_0", "0x10", "1e400", "nan", "-0", "", "x" * 5000,
               "Drums", "Electric Bass (finger)", "60.5", "128", "-1", "\uff11\uff12",
               "Piano " + KEY]
KEY_SPELLINGS = ["raw", "json_u", "json_slash", "percent", "html"]
WRONG: list[Any] = [[], {}, "x", True, False, None, 0, [1, 2, 3], {"a": 1}, 1.5]
HUGE: list[Any] = [1e308, -1e308, 10**30, Raw("1" + "0" * 400), 5e-324, 2**63,
                   -(2**63) - 1, 1e16, Raw("1e400"), Raw("-1e400")]


@st.composite
def mutated(draw: Any) -> tuple[str, bytes, list[str]]:
    name = draw(st.sampled_from(sorted(DOCS)))
    doc = json.loads(json.dumps(DOCS[name]))
    log = [name]
    for _ in range(draw(st.integers(1, 4))):
        spots = paths(doc)
        if not spots:
            break
        path = draw(st.sampled_from(spots))
        value = get(doc, path)
        op = draw(st.sampled_from([
            "num_str", "huge", "nan", "negative", "wrong_type", "deep", "odd_string", "key",
            "dup_key", "delete", "replicate", "far_note", "pitch",
        ]))
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if op == "num_str" and number:
            new = draw(st.sampled_from([str(value), f" {value}", f"{value}x", str(value) * 2]))
        elif op == "huge":
            new = draw(st.sampled_from(HUGE))
        elif op == "nan":
            new = Raw(draw(st.sampled_from(["NaN", "Infinity", "-Infinity"])))
        elif op == "negative" and number:
            new = -abs(value) - draw(st.sampled_from([0, 1, 0.5, 1e9]))
        elif op == "wrong_type":
            new = copy.deepcopy(draw(st.sampled_from(WRONG)))
        elif op == "deep":
            depth = draw(st.sampled_from([3, 100, 999, 1000, 3000, 20000]))
            inner = emit(value, True) if not isinstance(value, (Raw, Dup)) else "0"
            opener, closer = draw(st.sampled_from([("[", "]"), ('{"a": ', "}")]))
            new = Raw(opener * depth + inner + closer * depth)
        elif op == "odd_string":
            new = draw(st.sampled_from(ODD_STRINGS))
        elif op == "key":
            new = key_spelled(draw(st.sampled_from(KEY_SPELLINGS)))
        elif op == "dup_key" and isinstance(value, dict) and value:
            key = draw(st.sampled_from(sorted(value)))
            other = copy.deepcopy(draw(st.sampled_from(WRONG + ODD_STRINGS[:4])))
            items = list(value.items())
            items.insert(draw(st.integers(0, len(items))), (key, other))
            new = Dup(items)
        elif op == "delete" and isinstance(get(doc, path[:-1]), dict):
            del get(doc, path[:-1])[path[-1]]
            log.append(f"delete {path}")
            continue
        elif op == "replicate" and isinstance(value, list) and value:
            new = value * draw(st.sampled_from([2, 50, 500, 3000]))
        elif op == "far_note" and isinstance(value, dict) and ("start" in value or "end" in value):
            far = draw(st.sampled_from([3600.0, 7300.0, 50_000.0, 250_000.0, 4e6, 1e308]))
            new = dict(value)
            which = draw(st.sampled_from(["start", "end", "both"]))
            if which in ("end", "both"):
                new["end"] = far + 0.1
            if which in ("start", "both"):
                new["start"] = far
        elif op == "pitch" and isinstance(value, dict) and "pitch" in value:
            new = dict(value, pitch=draw(st.sampled_from([60.5, -1, 128, "60", 1e308, None])))
        else:
            continue
        log.append(f"{op} at {path}")
        doc = put(doc, path, new)
    text = emit(doc, draw(st.booleans()))
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:
        cut = draw(st.integers(0, max(0, len(data) - 1)))
        data = data[:cut]
        log.append(f"truncated at {cut}")
    if draw(st.integers(0, 6)) == 0 and len(data) < FAST_PATH:
        data += b" " * (FAST_PATH + 1024 - len(data))
        log.append("padded past 640 KiB")
    if draw(st.integers(0, 19)) == 0:
        data = b"\xef\xbb\xbf" + data
        log.append("BOM")
    return " | ".join(log), data, draw(st.sampled_from(OPTION_SETS))


# --------------------------------------------------------------------------- checking


_BUG_CLASSES: dict[str, type[AssertionError]] = {}


def without_analysis(options: list[str]) -> list[str]:
    """The options less ``--bpm auto`` and the metre, key and lead-in options."""
    out: list[str] = []
    skip = False
    for i, arg in enumerate(options):
        if skip:
            skip = False
            continue
        value = options[i + 1] if i + 1 < len(options) else ""
        if arg in ("--metre", "--key", "--lead-in") or (arg == "--bpm" and value == "auto"):
            skip = True
            continue
        out.append(arg)
    return out


def bug(kind: str, detail: str) -> type[AssertionError]:
    """One exception class per distinct failure, so hypothesis keeps them apart."""
    sig = f"{kind}: {detail}"
    if sig not in _BUG_CLASSES:
        digest = hashlib.sha1(sig.encode()).hexdigest()[:8]
        _BUG_CLASSES[sig] = type(f"Fuzz_{re.sub(r'[^A-Za-z0-9]', '_', kind)}_{digest}",
                                 (AssertionError,), {})
    return _BUG_CLASSES[sig]


def normalise(line: str) -> str:
    line = re.sub(r"/[^\s:'\"]+", "<path>", line)
    line = re.sub(r"\d+(\.\d+)?(e[+-]?\d+)?", "N", line)
    line = re.sub(r"'[^']*'", "'…'", line)
    return line[:160]


def save_finding(sig: str, log: str, data: bytes, options: list[str], result: str) -> None:
    if FINDINGS is None:
        return
    FINDINGS.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(sig.encode()).hexdigest()[:10]
    meta = FINDINGS / f"{digest}.json"
    seen = 1
    if meta.exists():
        old = json.loads(meta.read_text())
        seen = old.get("seen", 1) + 1
        if old["size"] <= len(data):
            old["seen"] = seen
            meta.write_text(json.dumps(old, indent=1, ensure_ascii=False))
            return
    (FINDINGS / f"{digest}.input").write_bytes(data)
    meta.write_text(json.dumps({"signature": sig, "mutations": log, "options": options,
                                "size": len(data), "result": result, "seen": seen},
                               indent=1, ensure_ascii=False))


def report(problems: list[tuple[str, str]], log: str, data: bytes, options: list[str],
           summary: str) -> None:
    if not problems:
        return
    TRIED["failing"] += 1
    for kind, detail in problems:
        save_finding(f"{kind}: {detail}", log, data, options, summary)
    if COLLECT:
        return
    kind, detail = problems[0]
    raise bug(kind, detail)(f"{kind}: {detail}\n  {summary}\n  mutations: {log}\n"
                            f"  options: {options}")


class Served:
    """The local API: answers every request with the current document."""

    def __init__(self) -> None:
        self.body = b"{}"

    def __call__(self, conn: Connection) -> None:
        body = self.body
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                  + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Served, HostileServer]]:
    behaviour = Served()
    with HostileServer(behaviour) as server:
        yield behaviour, server


def run_cli(args: list[str]) -> tuple[Any, float]:
    from midi_export.cli import cli

    runner = CliRunner(env={"APIKLEY_API_KEY": None, "APIKLEY_BASE_URL": None})
    start = time.monotonic()
    # the fetcher's sleeps (rate limits, the not-found grace) would only slow the run down
    with mock.patch("midi_export.cli.online._interruptible_sleep", lambda seconds: None):
        result = runner.invoke(cli, args, catch_exceptions=True)
    return result, time.monotonic() - start


def check_cli(log: str, data: bytes, options: list[str], tmp: Path,
              served: tuple[Served, HostileServer] | None, mode: str) -> None:
    out = tmp / "out"
    out.mkdir()
    source = tmp / "record.json"
    source.write_bytes(data)
    if mode == "offline":
        result, took = run_cli(["--from-json", str(source), "-o", f"{out}/", *options])
    elif mode == "batch":  # -q: the summary table aside, only the error line
        result, took = run_cli(["convert", str(source), "-o", f"{out}/", "-q", *options])
    else:
        assert served is not None
        behaviour, server = served
        behaviour.body = data
        result, took = run_cli(["t1", "-o", f"{out}/", "--no-wait", "--retries", "0",
                                "--base-url", server.base_url, "--api-key", KEY, *options])
    lines = result.stderr.splitlines()
    first = lines[0] if lines else ""
    left = sorted(p.name for p in out.iterdir())
    summary = (f"{mode}: exit {result.exit_code} in {took:.2f} s;"
               f" stderr[0]={first[:200]!r}; {len(lines)} stderr lines; left {left[:3]}")
    note(log)
    note(summary)
    problems: list[tuple[str, str]] = []
    if result.exit_code not in DOCUMENTED:
        exc = result.exception
        detail = normalise(first) if first else type(exc).__name__
        if exc is not None and not isinstance(exc, SystemExit):
            detail = f"escaped {type(exc).__name__}: {normalise(str(exc))}"
        problems.append((f"exit{result.exit_code}", detail))
    if options in BAD_OPTION_SETS and result.exit_code != 2:
        problems.append(("bad_option_not_usage", f"{options[:4]} exit {result.exit_code}"))
    if result.exit_code != 0 and (len(lines) != 1 or not first.startswith("fetch-mid: error: ")):
        problems.append(("stderr_lines", f"{len(lines)} lines; "
                         + " / ".join(normalise(x)[:60] for x in lines[:3])))
    if result.exit_code == 0 and any(x.startswith("fetch-mid: error:") for x in lines):
        problems.append(("forged_error_line", "a success printed an error line"))
    if any(not x.isprintable() for x in lines):
        problems.append(("control_chars_on_stderr", "a stderr line holds non-printable text"))
    if result.exit_code != 0 and left:
        problems.append(("file_left", ", ".join(sorted({re.sub(r"[0-9]+", "N", n)
                                                       for n in left}))))
    if "--json" in options:
        try:
            json.loads(result.stdout)
        except ValueError:
            problems.append(("json_stdout", normalise(first) or "empty"))
    if mode == "online":
        written = b"".join(p.read_bytes() for p in out.iterdir() if p.is_file())
        shown = (result.stdout + result.stderr).encode("utf-8", "surrogatepass")
        for spelling in (KEY, *(escape_key(KEY, f) for f in ("percent", "html"))):
            if spelling.encode() in written or spelling.encode() in shown:
                problems.append(("key_shown", "the key reached the output or a file"))
    if took > SLOW:
        problems.append(("slow", f"{options} {normalise(log)[:80]}"))
    plain = without_analysis(options)
    if mode == "offline" and plain != options and options not in BAD_OPTION_SETS:
        # the estimates only add to a conversion: --bpm auto falls back, --key auto writes
        # no key, never a failure the plain conversion does not have
        again = tmp / "plain"
        again.mkdir()
        base, _ = run_cli(["--from-json", str(source), "-o", f"{again}/", *plain])
        if base.exit_code != result.exit_code:
            problems.append(("analysis_changed_exit", f"{options[:6]}: exit "
                             f"{result.exit_code}, {base.exit_code} without the estimates"))
    TRIED["examples"] += 1
    TRIED[mode] += 1
    report(problems, log, data, options, summary)


@pytest.mark.skipif(not DOCS, reason="no fixtures")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
          report_multiple_bugs=True, database=None)
@given(case=mutated(), mode=st.sampled_from(["offline", "online", "batch"]))
def test_any_mutated_record_fails_cleanly(case: tuple[str, bytes, list[str]], mode: str,
                                          served: tuple[Served, HostileServer]) -> None:
    log, data, options = case
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        check_cli(log, data, options, Path(tmp), served, mode)
    if FINDINGS is not None and TRIED["examples"] % 500 == 0:
        FINDINGS.mkdir(parents=True, exist_ok=True)
        (FINDINGS / "census.json").write_text(json.dumps(TRIED))


_RECEIVER_LOCK = threading.Lock()


@pytest.mark.skipif(not DOCS, reason="no fixtures")
@settings(max_examples=max(20, EXAMPLES // 3), deadline=None,
          suppress_health_check=list(HealthCheck), report_multiple_bugs=True, database=None)
@given(case=mutated())
def test_any_mutated_delivery_is_answered_cleanly(case: tuple[str, bytes, list[str]]) -> None:
    from midi_export.api.service import make_wsgi_app

    log, data, options = case
    convert: dict[str, Any] = {}
    if options not in BAD_OPTION_SETS:  # the bad ones are refused by make_wsgi_app itself
        for flag in ("--bpm", "--metre", "--key"):
            if flag in options:
                value = options[options.index(flag) + 1]
                convert[flag[2:]] = float(value) if value.isdigit() else value
    with tempfile.TemporaryDirectory(prefix="fuzz-serve-") as tmp, _RECEIVER_LOCK:
        app = make_wsgi_app(tmp, **convert)
        problems: list[tuple[str, str]] = []
        start = time.monotonic()
        try:
            result = app.handle(data)
        except Exception as exc:  # the receiver must never raise for a delivery
            problems.append(("receiver_raised", f"{type(exc).__name__}: {normalise(str(exc))}"))
            result = None
        finally:
            app.close()
        took = time.monotonic() - start
        left = sorted(p.name for p in Path(tmp).iterdir())
        summary = f"receiver: {result} in {took:.2f} s; left {left[:3]}"
        note(log)
        note(summary)
        if result is not None:
            if result.status not in RECEIVER:
                problems.append(("receiver_status", str(result.status)))
            if result.status != 200 and left:
                problems.append(("receiver_file_left", result.outcome))
            if result.outcome == "written" and not any(n.endswith(".mid") for n in left):
                problems.append(("receiver_written_without_mid", ", ".join(left)))
        if took > SLOW:
            problems.append(("receiver_slow", normalise(log)[:80]))
        TRIED["receiver"] += 1
        report(problems, log, data, options, summary)


def test_the_census_counts(request: pytest.FixtureRequest) -> None:
    """Prints what the runs above tried (``-s`` shows it); the long run's figures."""
    print(f"\nfuzz: {json.dumps(TRIED)}")
    if FINDINGS is not None:
        FINDINGS.mkdir(parents=True, exist_ok=True)
        (FINDINGS / "census.json").write_text(json.dumps(TRIED))
    assert TRIED["failing"] == 0 or COLLECT
