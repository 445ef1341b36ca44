"""Score tempo, downbeat, metre and key per tier, group and metre, peers side by side, in one run.

    .venv/bin/python evaluation/tiers.py [--tiers clean,transcribed] [--groups ...]
                                         [--details] [--misses] [--no-peers]
                                         [--out evaluation/music_results.json]

For every song of ``evaluation/sets/<tier>/`` (built by ``build.py``): our ``analyse`` (tempo,
first downbeat, metre, key), the same with the metre fixed to 4/4 (what ``--bpm auto`` wrote
before metres), pretty_midi's ``estimate_tempo`` and music21's ``analyze('key')`` on the same
notes (a music21 stream of the pitched notes at 120 BPM: 1 s = 2 quarter lengths). The
peers' answers are cached in ``evaluation/cache/peers/`` (music21 takes about 0.5 s a song).

- tempo: within 2 % of the true quarter-note tempo; else double / half / 3:2 / 2:3 / other;
- downbeat: our first bar line within 60 ms of a true bar line (all songs; in brackets
  among the songs whose tempo is right);
- metre: the class written (2/4 3/4 4/4 6/8 9/8 12/8) right on the songs whose truth is not
  4/4 (other metres are left out), and the share of 4/4 songs written in another metre;
- key: exact and MIREX-weighted (1 exact, 0.5 a fifth, 0.3 relative, 0.2 parallel) on the
  songs with a known key;
- time: our whole analysis per song (mean, and the slowest).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from evaluation.score import tempo_class  # noqa: E402  (the quick set's classes)
from midi_export import analyse, gm_program, parse_record  # noqa: E402
from midi_export.music.key import mirex_score  # noqa: E402

BAR_TOL = 0.060
SETS = HERE / "sets"
PEERS = HERE / "cache" / "peers"
GROUPS = ("synthetic", "debian", "freedoom", "mma", "m21")
METRES = ("4/4", "2/4", "3/4", "6/8", "9/8", "12/8", "other")
CLASSES = ("double", "half", "3:2", "2:3", "other")


def near_bar(t: float, origin: float, bar: float, tol: float = BAR_TOL) -> bool:
    u = (t - origin) / bar
    return abs(u - round(u)) * bar <= tol


def pretty_midi_tempo(record: Any) -> float:
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(resolution=480, initial_tempo=120.0)
    for ins in record.instruments:
        match = gm_program(ins.name)
        out = pretty_midi.Instrument(program=match.program, is_drum=match.is_drum, name=ins.name)
        for p, s, e, v in ins.notes:
            out.notes.append(pretty_midi.Note(max(1, round(v * 127)), p, s, max(e, s + 1e-3)))
        pm.instruments.append(out)
    try:
        return float(pm.estimate_tempo())
    except ValueError:
        return 120.0


def music21_key(record: Any) -> tuple[int, str] | None:
    from music21 import note, stream

    s = stream.Stream()
    n = 0
    for ins in record.instruments:
        if gm_program(ins.name).is_drum:
            continue
        for p, st, e, _v in ins.notes:
            x = note.Note(int(p))
            x.quarterLength = max(0.0625, round(2 * (e - st) * 16) / 16)
            s.insert(round(2 * st * 16) / 16, x)
            n += 1
    if n < 8:
        return None
    k = s.analyze("key")
    return int(k.tonic.pitchClass), str(k.mode)


def peers(raw: bytes, record: Any, compute: bool) -> dict[str, Any]:
    """pretty_midi's tempo and music21's key of a record, cached by the record's bytes."""
    path = PEERS / f"{hashlib.sha256(raw).hexdigest()}.json"
    if path.is_file():
        return json.loads(path.read_text())  # type: ignore[no-any-return]
    if not compute:
        return {}
    try:
        import music21  # noqa: F401
        import pretty_midi  # noqa: F401
    except ImportError:
        return {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        pm = pretty_midi_tempo(record)
        t1 = time.perf_counter()
        mk = music21_key(record)
        t2 = time.perf_counter()
    out = {"pm_bpm": pm, "pm_s": t1 - t0, "m21_key": list(mk) if mk else None, "m21_s": t2 - t1}
    PEERS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out))
    return out


def score_song(folder: Path, truth: dict[str, Any], want_peers: bool) -> dict[str, Any]:
    """One row: the truth, our answers (and with 4/4 bars), the peers'."""
    raw = (folder / f"{truth['name']}.json").read_bytes()
    record = parse_record(json.loads(raw))
    t0 = time.perf_counter()
    a = analyse(record)
    ours_s = time.perf_counter() - t0
    four = analyse(record, metre="4/4", key="none").tempo
    p = peers(raw, record, want_peers)
    bar = float(truth["bar_seconds"])
    down = float(truth["first_downbeat"])
    row: dict[str, Any] = {
        "name": truth["name"], "group": truth["group"], "metre": truth["metre"],
        "metre_class": truth["metre_class"], "true_bpm": truth["bpm"], "true_downbeat": down,
        "true_key": truth.get("key"), "has_drums": truth.get("has_drums"),
        "duration": truth.get("duration"), "notes": truth.get("notes"),
        "ours_bpm": round(a.tempo.bpm, 3), "ours_class": tempo_class(a.tempo.bpm, truth["bpm"]),
        "ours_downbeat": round(a.tempo.first_downbeat, 4),
        "ours_downbeat_ok": near_bar(a.tempo.first_downbeat, down, bar),
        "ours_metre": a.metre.name, "ours_metre_conf": a.metre.confidence,
        "ours_metre_estimated": a.metre.estimated or a.metre.name,
        "ours_key": [a.key.tonic, a.key.mode] if a.key else None,
        "ours_key_conf": a.key.confidence if a.key else None,
        "ours_s": ours_s,
        "four_bpm": round(four.bpm, 3), "four_class": tempo_class(four.bpm, truth["bpm"]),
        "four_downbeat_ok": near_bar(four.first_downbeat, down, bar),
    }
    if p:
        row.update(pm_bpm=round(p["pm_bpm"], 3), pm_class=tempo_class(p["pm_bpm"], truth["bpm"]),
                   pm_s=p["pm_s"], m21_key=p["m21_key"], m21_s=p["m21_s"])
    tk = truth.get("key")
    if tk:
        key = (int(tk[0]), str(tk[1]))
        row["ours_key_score"] = mirex_score(tuple(row["ours_key"]), key) if row["ours_key"] else 0.0
        if p:
            row["m21_key_score"] = mirex_score(tuple(p["m21_key"]), key) if p["m21_key"] else 0.0
    return row


def _share(rows: Sequence[dict[str, Any]], test: Callable[[dict[str, Any]], bool]) -> float:
    return sum(map(test, rows)) / len(rows) if rows else math.nan


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The rates of one group of rows (NaN where a rate has no songs)."""
    out: dict[str, Any] = {"songs": len(rows)}
    if not rows:
        return out
    for who in ("ours", "four", "pm"):
        rs = [r for r in rows if f"{who}_class" in r]
        out[f"{who}_tempo"] = _share(rs, lambda r, w=who: r[f"{w}_class"] == "within 2%")
        out[f"{who}_classes"] = {c: sum(r[f"{who}_class"] == c for r in rs) for c in CLASSES}
    for who in ("ours", "four"):
        out[f"{who}_downbeat"] = _share(rows, lambda r, w=who: r[f"{w}_downbeat_ok"])
        good = [r for r in rows if r[f"{who}_class"] == "within 2%"]
        out[f"{who}_downbeat_good"] = _share(good, lambda r, w=who: r[f"{w}_downbeat_ok"])
    non44 = [r for r in rows if r["metre_class"] not in ("4/4", "other")]
    f44 = [r for r in rows if r["metre_class"] == "4/4"]
    out["non44"], out["n44"] = len(non44), len(f44)
    out["metre_non44"] = _share(non44, lambda r: r["ours_metre"] == r["metre_class"])
    out["metre_44_wrong"] = _share(f44, lambda r: r["ours_metre"] != "4/4")
    keyed = [r for r in rows if r.get("true_key")]
    out["keyed"] = len(keyed)
    for who in ("ours", "m21"):
        ks = [r for r in keyed if f"{who}_key_score" in r]
        out[f"{who}_key_exact"] = _share(ks, lambda r, w=who: r[f"{w}_key_score"] == 1.0)
        out[f"{who}_key_mirex"] = (statistics.fmean(r[f"{who}_key_score"] for r in ks)
                                   if ks else math.nan)
    out["ms_mean"] = 1000 * statistics.fmean(r["ours_s"] for r in rows)
    out["ms_max"] = 1000 * max(r["ours_s"] for r in rows)
    return out


def pct(x: float) -> str:
    return "-" if x != x else f"{100 * x:.1f}%"


def num(x: float) -> str:
    return "-" if x != x else f"{x:.3f}"


HEADER = (
    "| tier: set | songs | tempo 2%: ours | ours, 4/4 bars | pretty_midi "
    "| ours dbl/half/3:2/2:3/other | first bar line 60 ms (tempo right) | ours, 4/4 bars "
    "| metre right, non-4/4 (n) | 4/4 written otherwise (n) | key exact: ours / music21 (n) "
    "| MIREX: ours / music21 | ms mean / max |\n"
    "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"
)


def table(groups: dict[str, dict[str, Any]]) -> str:
    lines = [HEADER]
    for name, s in groups.items():
        if not s["songs"]:
            continue
        c = s["ours_classes"]
        keyed = s["keyed"]
        key = (f"{pct(s['ours_key_exact'])} / {pct(s['m21_key_exact'])} ({keyed})"
               if keyed else "-")
        mirex = f"{num(s['ours_key_mirex'])} / {num(s['m21_key_mirex'])}" if keyed else "-"
        non44 = f"{pct(s['metre_non44'])} ({s['non44']})" if s["non44"] else "-"
        wrong44 = f"{pct(s['metre_44_wrong'])} ({s['n44']})" if s["n44"] else "-"
        lines.append(
            f"| {name} | {s['songs']} | {pct(s['ours_tempo'])} | {pct(s['four_tempo'])} "
            f"| {pct(s.get('pm_tempo', math.nan))} "
            f"| {c['double']}/{c['half']}/{c['3:2']}/{c['2:3']}/{c['other']} "
            f"| {pct(s['ours_downbeat'])} ({pct(s['ours_downbeat_good'])}) "
            f"| {pct(s['four_downbeat'])} | {non44} | {wrong44} | {key} | {mirex} "
            f"| {s['ms_mean']:.0f} / {s['ms_max']:.0f} |"
        )
    return "\n".join(lines)


def is_miss(r: dict[str, Any]) -> bool:
    return (r["ours_class"] != "within 2%" or not r["ours_downbeat_ok"]
            or (r["metre_class"] != "other" and r["ours_metre"] != r["metre_class"])
            or r.get("ours_key_score", 1.0) < 1.0)


def detail(r: dict[str, Any]) -> str:
    return (f"{r['tier'][:5]} {r['name'][:44]:<44} {r['metre']:>5} true {r['true_bpm']:7.2f} "
            f"ours {r['ours_bpm']:7.2f} {r['ours_class']:<9} "
            f"db {'ok' if r['ours_downbeat_ok'] else 'NO'} metre {r['ours_metre']:>5} "
            f"({r['ours_metre_estimated']} {r['ours_metre_conf']:.2f}) "
            f"key {r.get('true_key')}->{r.get('ours_key')} m21 {r.get('m21_key')}")


def group(row: dict[str, Any]) -> str:
    """The song's group, the development split's (``dev-mma``) as its evaluation twin's."""
    name: str = row["group"]
    return name.removeprefix("dev-")


def groups_of(tier: str, rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    real = ("debian", "freedoom", "mma", "m21")
    return {
        f"{tier}: synthetic": [r for r in rows if group(r) == "synthetic"],
        f"{tier}: real GM (Debian, Freedoom)": [r for r in rows if group(r) in ("debian",
                                                                                "freedoom")],
        f"{tier}: MMA grooves": [r for r in rows if group(r) == "mma"],
        f"{tier}: music21 corpus": [r for r in rows if group(r) == "m21"],
        f"{tier}: all real (not synthetic)": [r for r in rows if group(r) in real],
        f"{tier}: all": rows,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tiers", default="clean,transcribed",
                    help="also dev-clean, dev-transcribed: the development split")
    ap.add_argument("--groups", default=",".join(GROUPS))
    ap.add_argument("--details", action="store_true", help="one line per song")
    ap.add_argument("--misses", action="store_true", help="one line per song with a miss")
    ap.add_argument("--no-peers", action="store_true", help="use cached peer answers only")
    ap.add_argument("--only", default="", help="songs whose name contains this")
    ap.add_argument("--out", type=Path, default=HERE / "music_results.json")
    args = ap.parse_args(argv)
    wanted = args.groups.split(",")
    summary: dict[str, dict[str, Any]] = {}
    by_metre: dict[str, dict[str, Any]] = {}
    every: list[dict[str, Any]] = []
    for tier in args.tiers.split(","):
        folder = SETS / tier
        truths = [json.loads(p.read_text()) for p in sorted(folder.glob("*.truth.json"))]
        if not truths:
            print(f"{tier}: no songs in {folder} (run evaluation/build.py)")
            continue
        rows = []
        for t in truths:
            if (t["group"].removeprefix("dev-") not in wanted
                    or (args.only and args.only not in t["name"])):
                continue
            rows.append({**score_song(folder, t, not args.no_peers), "tier": tier})
        every += rows
        for name, rs in groups_of(tier, rows).items():
            summary[name] = summarize(rs)
        metres = defaultdict(list)
        for r in rows:
            metres[r["metre_class"]].append(r)
        for m in METRES:
            if metres.get(m):
                by_metre[f"{tier}: {m}"] = summarize(metres[m])
    for r in every:
        if args.details or (args.misses and is_miss(r)):
            print(detail(r))
    print(table(summary))
    print()
    print(table(by_metre))
    keep = ("name", "tier", "group", "metre_class", "true_bpm", "ours_bpm", "ours_class",
            "ours_downbeat_ok", "ours_metre", "ours_metre_conf", "true_key", "ours_key",
            "ours_key_conf", "m21_key", "pm_bpm")
    args.out.write_text(json.dumps({
        "command": "evaluation/tiers.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "summary": summary, "by_metre": by_metre,
        "songs": [{k: r.get(k) for k in keep} for r in every],
    }, indent=None, separators=(",", ":")) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
