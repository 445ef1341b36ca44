"""A tiny run of the benchmark (benchmarks/bench.py --smoke): the harness works end to end,
every pipeline writes a readable MIDI file with every note, and they all write the same
notes, so the comparison is fair (same work done).

The benchmark itself (`make bench`) is slow and not part of `make test`; this is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path
from typing import Any

import mido
import pytest

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks" / "bench.py"
sys.path.insert(0, str(REPO / "benchmarks" / "pipelines"))

from _common import program_for  # noqa: E402  (benchmarks/pipelines/_common.py)

PROCESS_PIPELINES = ("ours", "pretty_midi", "mido", "symusic")  # each writes a .mid
TOP_KEYS = {
    "schema", "command", "machine", "options", "records", "process", "inprocess",
    "startup", "targets", "skipped", "errors", "rss_floor_kb",
}
MACHINE_KEYS = {"nproc", "cpu_model", "memory_gb", "python", "packages", "date", "os"}

# (is_drum, program) -> [(pitch, on, off, velocity)]
Notes = dict[tuple[bool, int], list[tuple[int, int, int, int]]]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run ``bench.py --smoke`` once into a scratch folder; its decoded latest.json."""
    scratch = tmp_path_factory.mktemp("bench")
    out = scratch / "out"
    done = subprocess.run(
        [sys.executable, str(BENCH), "--smoke", "--out", str(out),
         "--data-dir", str(scratch / "data")],
        cwd=REPO, capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "target" in done.stdout
    assert (out / "latest.md").is_file()
    results: dict[str, Any] = json.loads((out / "latest.json").read_text())
    return results


def read_notes(path: Path) -> tuple[Notes, mido.MidiFile]:
    """Every note in a MIDI file, keyed by (drum channel?, program); note-offs pair FIFO."""
    mid = mido.MidiFile(path)
    notes: Notes = defaultdict(list)
    for track in mid.tracks:
        now = 0
        programs: dict[int, int] = {}
        sounding: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        for msg in track:
            now += msg.time
            if msg.type == "program_change":
                programs[msg.channel] = msg.program
            elif msg.type == "note_on" and msg.velocity > 0:
                sounding[msg.channel, msg.note].append((now, msg.velocity))
            elif msg.type in ("note_on", "note_off"):
                on, velocity = sounding[msg.channel, msg.note].pop(0)
                key = (True, 0) if msg.channel == 9 else (False, programs.get(msg.channel, 0))
                notes[key].append((msg.note, on, now, velocity))
        assert not any(sounding.values()), f"{path.name}: notes left sounding"
    return dict(notes), mid


def expected_notes(record: Path) -> Notes:
    """The record's notes at 480 ppq and 120 BPM (960 ticks a second), before any cutting."""
    payload = json.loads(record.read_text())
    notes: Notes = defaultdict(list)
    for ins in payload["data"]["midiData"]["instruments"]:
        program, is_drum = program_for(ins["name"])
        for n in ins["notes"]:
            on = round(float(n["start"]) * 960)
            off = max(round(float(n["end"]) * 960), on + 1)
            velocity = min(127, max(1, round(float(n["velocity"]) * 127)))
            notes[is_drum, 0 if is_drum else program].append((int(n["pitch"]), on, off, velocity))
    return dict(notes)


def by_pitch(notes: Iterable[tuple[int, int, int, int]]) -> dict[int, list[tuple[int, int, int]]]:
    out: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for pitch, on, off, velocity in notes:
        out[pitch].append((on, off, velocity))
    return {pitch: sorted(v) for pitch, v in out.items()}


def assert_same_notes(got: Notes, want: Notes, name: str) -> None:
    """Same notes within a tick. A note that a later same-pitch note starts under is only
    compared by onset and velocity: our converter cuts it at that onset, the competitors
    leave the overlap in (and a reader may then pair their note-offs either way)."""
    assert sorted(got) == sorted(want), f"{name}: instruments/programs differ"
    for key, notes in want.items():
        want_p, got_p = by_pitch(notes), by_pitch(got[key])
        assert sorted(want_p) == sorted(got_p), f"{name} {key}: pitches differ"
        for pitch, w in want_p.items():
            g = got_p[pitch]
            assert len(g) == len(w), f"{name} {key} pitch {pitch}: {len(g)} notes, want {len(w)}"
            for i, ((w_on, w_off, w_vel), (g_on, g_off, g_vel)) in enumerate(
                zip(w, g, strict=True)
            ):
                where = f"{name} {key} pitch {pitch} note {i}"
                assert abs(g_on - w_on) <= 1 and g_vel == w_vel, f"{where}: {g} != {w}"
                overlapped = (i + 1 < len(w) and w[i + 1][0] < w_off) or (
                    i > 0 and w_on < w[i - 1][1]
                )
                if not overlapped:
                    assert abs(g_off - w_off) <= 1, f"{where}: ends at {g_off}, want {w_off}"
                elif name == "ours":  # cut (or not), never longer
                    assert g_on < g_off <= w_off + 1, f"{where}: {g} != {w}"


def test_results_have_the_expected_keys(smoke: dict[str, Any]) -> None:
    assert smoke.keys() >= TOP_KEYS
    assert smoke["machine"].keys() >= MACHINE_KEYS
    assert smoke["machine"]["nproc"] >= 1
    assert smoke["options"]["smoke"] is True
    assert smoke["errors"] == []
    sizes = list(smoke["records"])
    assert len(sizes) >= 2
    for size in sizes:
        rec = smoke["records"][size]
        assert {"notes", "instruments", "path", "bytes", "sha256"} <= rec.keys()
        assert rec["notes"] == int(size)
        for name, res in smoke["process"][size].items():
            assert res["error"] is None, f"{size} {name}: {res['error']}"
            assert res["wall_median_s"] > 0 and res["maxrss_median_kb"] > 0
        for name, res in smoke["inprocess"][size].items():
            assert res["error"] is None, f"{size} {name}: {res['error']}"
            assert res["wall_median_s"] > 0 and res["notes_per_s"] > 0
    for name in ("help", "import_click"):
        assert smoke["startup"][name]["wall_median_s"] > 0
    assert len(smoke["targets"]) == 6
    for target in smoke["targets"]:
        assert {"target", "value", "limit", "shown", "need", "status", "enforced"} <= target.keys()
        assert target["enforced"] is False  # a smoke run enforces nothing
        assert target["status"] in ("n/a", "not enforced")


def test_every_pipeline_ran_or_was_skipped_with_a_reason(smoke: dict[str, Any]) -> None:
    skipped = {s["name"]: s["reason"] for s in smoke["skipped"]}
    for size, per in smoke["process"].items():
        for name in (*PROCESS_PIPELINES, "json_load"):
            assert name in per or name in skipped, f"{size}: {name} neither ran nor skipped"
    # only the [bench] extra and the optional JSON decoders may be absent
    assert set(skipped) <= {"symusic", "symusic_inproc", "orjson_loads", "msgspec_decode"}
    for size, per in smoke["inprocess"].items():
        for name in ("json_loads", "parse", "convert", "parse_convert"):
            assert name in per, f"{size}: in-process {name} missing"


def test_every_pipeline_writes_every_note_readably(smoke: dict[str, Any]) -> None:
    for size, per in smoke["process"].items():
        notes = smoke["records"][size]["notes"]
        for name in PROCESS_PIPELINES:
            if name not in per:
                continue
            path = Path(per[name]["output"])
            got, mid = read_notes(path)
            assert mid.ticks_per_beat == 480, f"{size} {name}"
            tempos = [m.tempo for t in mid.tracks for m in t if m.type == "set_tempo"]
            assert tempos[:1] == [500_000], f"{size} {name}: no 120 BPM tempo"
            assert sum(map(len, got.values())) == notes, f"{size} {name}: note count"
            assert per[name]["notes_written"] == notes


def test_all_pipelines_write_the_same_notes(smoke: dict[str, Any]) -> None:
    size = min(smoke["records"], key=int)  # the small record
    want = expected_notes(Path(smoke["records"][size]["path"]))
    per = smoke["process"][size]
    compared = 0
    for name in PROCESS_PIPELINES:
        if name in per:
            got, _ = read_notes(Path(per[name]["output"]))
            assert_same_notes(got, want, name)
            compared += 1
    assert compared >= 3


def test_the_record_has_what_makes_it_realistic(smoke: dict[str, Any]) -> None:
    size = max(smoke["records"], key=int)
    payload = json.loads(Path(smoke["records"][size]["path"]).read_text())
    assert payload["code"] == 200 and payload["data"]["successFlag"] == 1
    instruments = payload["data"]["midiData"]["instruments"]
    names = [ins["name"] for ins in instruments]
    assert "Drums" in names and any(not ins["notes"] for ins in instruments)
    notes = [n for ins in instruments for n in ins["notes"]]
    assert any(isinstance(n["start"], str) or isinstance(n["end"], str) for n in notes)
    assert sum(isinstance(n["start"], float) for n in notes) > 0.9 * len(notes)
    for n in notes[:500]:
        assert abs(float(n["start"]) * 192 - round(float(n["start"]) * 192)) < 1e-6
        assert abs(n["velocity"] * 127 - round(n["velocity"] * 127)) < 1e-9
    want = expected_notes(Path(smoke["records"][size]["path"]))
    overlaps = chords = 0
    for notes_ in want.values():
        for pitch_notes in by_pitch(notes_).values():
            overlaps += sum(b[0] < a[1] for a, b in pairwise(pitch_notes))
        onsets = [on for _, on, _, _ in notes_]
        chords += len(onsets) - len(set(onsets))
    assert overlaps > 0 and chords > 0


def test_the_batch_regime_ran_every_command(smoke: dict[str, Any]) -> None:
    batch = smoke["batch"]
    files = batch["files"]
    assert batch["written"] == {"separate": files, "jobs1": files, "jobs2": files}
    for regime in ("separate", "jobs1", "jobs2"):
        assert batch[regime]["wall_s"] > 0 and batch[regime]["cpu_s"] > 0
        assert batch[regime]["peak_rss_kb"] > 0
    assert batch["jobs1"]["peak_rss_small_kb"] > 0 and batch["resumed_all_skipped_s"] > 0
    assert batch["speedup_jobs1"] == batch["separate"]["wall_s"] / batch["jobs1"]["wall_s"]
    assert [t["status"] for t in batch["targets"]] == ["not enforced"] * 2
