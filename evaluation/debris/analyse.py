"""Step 4 of the debris measurement: what transcription debris looks like, and what each clean-up
rule of ``convert`` does to it, scored against the true notes.

    .venv/bin/python evaluation/debris/analyse.py            # tables; writes results.json

The truth of each stem is its notes as our converter wrote the .mid that FluidSynth played
(``make_songs.py`` -> ``convert``); the transcriptions are ``transcribed.json.gz`` (basic-pitch,
``transcribe.py``). A transcribed note *matches* when a true note of its pitch starts within
50 ms of it, one to one, nearest first (mir_eval's onset rule), after removing the stem's
median render + model latency. The others are debris, sorted by what sounds at their onset:

  split      the same pitch as a true note that is sounding (a held note cut in pieces)
  harmonic   7, 12, 19 or 24 semitones above, or 12 below, a sounding true note
  neighbour  1-2 semitones from a sounding true note (vibrato, bends)
  other      nothing true near it

The sweep runs every setting through ``convert(record, clean=...)`` itself (the same-pitch
rules included, as ``fetch-mid`` writes a file) and scores the notes read back from the file.
"""

from __future__ import annotations

import bisect
import gzip
import itertools
import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from midi_export import CleanSettings, Instrument, Record, RecordStatus, convert, parse_record
from midi_export.midi.smf_read import read_tracks

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_songs import make  # noqa: E402

TOL = 0.05
Note = tuple[int, float, float, float]  # pitch, start, end, velocity (0..1)

SWEEP: list[tuple[str, CleanSettings]] = [
    ("none (fetch-mid as is)", CleanSettings()),
    ("--min-duration 30", CleanSettings(min_duration_ms=30)),
    ("--min-duration 50 (= --clean)", CleanSettings(min_duration_ms=50)),
    ("--min-duration 70", CleanSettings(min_duration_ms=70)),
    ("--min-duration 100", CleanSettings(min_duration_ms=100)),
    ("--merge-gap 10", CleanSettings(merge_gap_ms=10)),
    ("--merge-gap 30", CleanSettings(merge_gap_ms=30)),
    ("--merge-gap 50", CleanSettings(merge_gap_ms=50)),
    ("--min-velocity 0.25", CleanSettings(min_velocity=0.25)),
    ("--min-velocity 0.3", CleanSettings(min_velocity=0.3)),
    ("--min-velocity 0.35", CleanSettings(min_velocity=0.35)),
    ("--min-velocity 0.4", CleanSettings(min_velocity=0.4)),
    ("--clean --min-velocity 0.35", CleanSettings(min_duration_ms=50, min_velocity=0.35)),
]


def written_notes(record: Record, **options: Any) -> list[list[Note]]:
    """Each written track's notes in seconds, as a reader of the file gets them."""
    conversion = convert(record, bpm=120, **options)
    seconds = conversion.tempo_map.tick_to_seconds
    return [[(p, seconds(s), seconds(e), v / 127) for p, s, e, v in
             zip(t.pitches, t.starts, t.ends, t.velocities, strict=True)]
            for t in read_tracks(conversion.to_bytes())]


def truths() -> dict[str, tuple[str, list[Note]]]:
    """``<song>-<NN>`` -> (instrument name, its true notes) for every pitched stem."""
    out = {}
    for song, payload in make().items():
        record = parse_record(payload)
        conversion = convert(record, bpm=120)
        tracks = written_notes(record)
        for ins in conversion.report.instruments:
            if ins.written and not ins.is_drum and ins.track is not None:
                out[f"{song}-{ins.track:02d}"] = (ins.name, tracks[ins.track - 1])
    return out


def match(true: Sequence[Note], est: Sequence[Note], offset: float) -> dict[int, int]:
    """One-to-one onset matches (same pitch, within 50 ms), nearest first: est -> true."""
    by_pitch: dict[int, list[tuple[float, int]]] = {}
    for i, (p, s, _, _) in enumerate(true):
        by_pitch.setdefault(p, []).append((s, i))
    for starts in by_pitch.values():
        starts.sort()
    pairs = []
    for j, (p, s, _, _) in enumerate(est):
        starts = by_pitch.get(p, [])
        t = s - offset
        k = bisect.bisect_left(starts, (t - TOL, -1))
        while k < len(starts) and starts[k][0] <= t + TOL:
            pairs.append((abs(starts[k][0] - t), j, starts[k][1]))
            k += 1
    pairs.sort()
    used_true: set[int] = set()
    out: dict[int, int] = {}
    for _, j, i in pairs:
        if j not in out and i not in used_true:
            out[j] = i
            used_true.add(i)
    return out


def classify(true: Sequence[Note], est: Sequence[Note], matched: dict[int, int],
             offset: float) -> list[str]:
    kinds = []
    for j, (p, s, _, _) in enumerate(est):
        if j in matched:
            kinds.append("matched")
            continue
        t = s - offset
        sounding = [tp for tp, ts, te, _ in true if ts - TOL <= t <= te + 0.03]
        if p in sounding:
            kinds.append("split")
        elif any(p - tp in (7, 12, 19, 24, -12) for tp in sounding):
            kinds.append("harmonic")
        elif any(0 < abs(p - tp) <= 2 for tp in sounding):
            kinds.append("neighbour")
        else:
            kinds.append("other")
    return kinds


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def analyse(setting: str, truth: dict[str, tuple[str, list[Note]]],
            transcribed: dict[str, list[dict[str, float]]]) -> dict[str, Any]:
    rows = []
    for stem, (name, true) in sorted(truth.items()):
        est: list[Note] = [(int(n["pitch"]), n["start"], n["end"], n["velocity"])
                           for n in transcribed[f"{stem}-{setting}"]]
        first = match(true, est, 0.0)
        offset = statistics.median(est[j][1] - true[i][1] for j, i in first.items())
        rows.append((stem, name, true, est, offset, classify(true, est, match(true, est, offset),
                                                             offset)))
    kinds: dict[str, list[tuple[float, float]]] = {}
    touching = {"both real": 0, "with debris": 0}
    for _, _, _, est, _, kind in rows:
        for note, k in zip(est, kind, strict=True):
            kinds.setdefault(k, []).append(((note[2] - note[1]) * 1000, note[3]))
        order = sorted(range(len(est)), key=lambda j: (est[j][0], est[j][1]))
        for a, b in itertools.pairwise(order):
            if est[a][0] == est[b][0] and abs(est[b][1] - est[a][2]) < 1e-6:
                real = kind[a] == kind[b] == "matched"
                touching["both real" if real else "with debris"] += 1
    buckets: dict[float, list[float]] = {}  # true velocity (to 0.1) -> transcribed, matched
    for _, _, true, est, offset, _ in rows:
        for j, i in match(true, est, offset).items():
            buckets.setdefault(round(true[i][3], 1), []).append(est[j][3])
    velocity_scale = {f"{b:.1f}": {"notes": len(v), "p50": round(pct(v, 0.5), 2)}
                      for b, v in sorted(buckets.items())}
    lowest = min(n[3] for r in rows for n in r[3])
    classes = {}
    for k in ("matched", "split", "harmonic", "neighbour", "other"):
        xs = kinds.get(k, [])
        lengths, vels = [x[0] for x in xs], [x[1] for x in xs]
        classes[k] = {"notes": len(xs),
                      "length_ms": [round(pct(lengths, q)) for q in (0.1, 0.5, 0.9)],
                      "velocity": [round(pct(vels, q), 2) for q in (0.1, 0.5, 0.9)],
                      "under_50ms": round(sum(x < 50 for x in lengths) / max(1, len(xs)), 3)}
    sweep = {}
    for label, settings in SWEEP:
        hits = written = wanted = 0
        for _, name, true, est, offset, _ in rows:
            record = Record(task_id=None, status=RecordStatus.SUCCESS,
                            instruments=[Instrument(name, est)])
            (notes,) = written_notes(record, clean=settings)
            hits += len(match(true, notes, offset))
            written += len(notes)
            wanted += len(true)
        p, r = hits / written, hits / wanted
        sweep[label] = {"precision": round(p, 3), "recall": round(r, 3),
                        "f1": round(2 * p * r / (p + r), 3), "notes": written}
    return {"stems": len(rows), "true_notes": sum(len(r[2]) for r in rows),
            "transcribed": sum(len(r[3]) for r in rows),
            "median_latency_ms": round(1000 * statistics.median(r[4] for r in rows), 1),
            "classes": classes, "touching_same_pitch_pairs": touching,
            "velocity_scale": velocity_scale, "lowest_velocity": round(lowest, 3), "sweep": sweep}


def show(setting: str, res: dict[str, Any]) -> None:
    print(f"\n### basic-pitch {setting}: {res['stems']} stems, {res['true_notes']} true notes, "
          f"{res['transcribed']} transcribed (median latency {res['median_latency_ms']} ms)\n")
    print("| transcribed note | notes | length p10 / p50 / p90 | velocity p10 / p50 / p90 "
          "| under 50 ms |\n|---|---:|---|---|---:|")
    for k, c in res["classes"].items():
        lengths = " / ".join(str(x) for x in c["length_ms"])
        vels = " / ".join(f"{x:.2f}" for x in c["velocity"])
        print(f"| {k} | {c['notes']:,} | {lengths} ms | {vels} | {100 * c['under_50ms']:.0f} % |")
    scale = ", ".join(f"{b}: {v['p50']:.2f}" for b, v in res["velocity_scale"].items())
    print(f"\ntranscribed velocity (median) by true velocity: {scale}; the lowest transcribed "
          f"velocity {res['lowest_velocity']:.3f}")
    t = res["touching_same_pitch_pairs"]
    print(f"\ntouching same-pitch pairs: {t['both real']} both real, {t['with debris']} with "
          "debris\n\n| setting | precision | recall | onset F1 | notes |")
    print("|---|---:|---:|---:|---:|")
    for label, s in res["sweep"].items():
        print(f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | "
              f"{s['notes']:,} |")


def main() -> None:
    transcribed = json.loads(gzip.decompress((HERE / "transcribed.json.gz").read_bytes()))
    truth = truths()
    results = {setting: analyse(setting, truth, transcribed) for setting in ("raw", "default")}
    for setting, res in results.items():
        show(setting, res)
    (HERE / "results.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
