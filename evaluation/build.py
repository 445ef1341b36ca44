"""Build the evaluation tiers: clean records and transcribed records, with their answers.

    .venv/bin/python evaluation/build.py [--groups synthetic,debian,freedoom,mma,m21]
                                         [--seconds 90] [--clean-only] [--limit N]

Writes ``evaluation/sets/clean/`` and ``evaluation/sets/transcribed/`` (git-ignored): one
record-info envelope per song (``<name>.json``, the API's shape) and its ground truth
(``<name>.truth.json``), then ``answers.json`` (all truths) in each. The clean tier is the
songs' own notes (real files cut at 300 s as make_set.py does). The transcribed tier is
what an audio-to-MIDI service returns for the same songs, cut at ``--seconds``:

- the melodic instruments are grouped into the stems a separator gives (keyboard, guitar,
  bass, strings, brass, woodwinds, synth, fx: by GM family), each stem rendered alone with
  FluidSynth and the FluidR3 GM soundfont (22050 Hz, reverb and chorus as FluidSynth
  defaults), and transcribed by basic-pitch's ONNX model with its default thresholds; the
  stem is named like its busiest instrument;
- the drums are not transcribed (basic-pitch is no drum transcriber) but simulated from the
  true hits: misses by family (kick 6 %, snare 8 %, toms 12 %, crashes 10 %, hats and rides
  25 %, other percussion 35 %, ghost notes 60 %), confusions within a family, 2 % doubled
  hits, a per-song scatter of 6-16 ms plus a per-family offset of +-12 ms (so 10-30 ms off
  is common), and re-estimated velocities;
- times rounded to 1/192 s, velocities to k/127, instrument names kept (GM names, "Drums").

Transcriptions are cached in ``evaluation/cache/bp/<sha256>.json`` (git-ignored), keyed by
the stem's MIDI bytes, the soundfont (path, size), FluidSynth's version, basic-pitch's
version and this builder's transcription settings, so a changed input rebuilds and nothing
is computed twice. The transcribed tier needs the ``eval`` extra (``pip install -e
'.[eval]'``: basic-pitch, onnxruntime, music21, soundfile, scipy) and Debian's
``fluidsynth`` and ``fluid-soundfont-gm``; without them only the clean tier is built. The
``dev-*`` groups are the development split (other seeds, charts and tunes), written to
``sets/dev-clean`` and ``sets/dev-transcribed``: the metre weights are fitted there
(``fit_metre.py``), never on the evaluation songs.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import itertools
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from evaluation import sources  # noqa: E402
from evaluation.make_set import TICK, Song, Track, _q192  # noqa: E402

SF2 = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
CACHE = HERE / "cache" / "bp"
SETS = HERE / "sets"
SETTINGS = "bp-onnx onset0.5 frame0.3 min127.7 melodia sr22050 fs-default v1"

STEMS = ((0, 24, "keyboard"), (24, 32, "guitar"), (32, 40, "bass"), (40, 56, "strings"),
         (56, 64, "brass"), (64, 80, "woodwinds"), (80, 96, "synth"), (96, 104, "fx"),
         (104, 112, "guitar"), (112, 128, "fx"))


def _stem_of(program: int) -> str:
    for lo, hi, name in STEMS:
        if lo <= program < hi:
            return name
    return "fx"


def _fluidsynth_version() -> str:
    exe = shutil.which("fluidsynth")
    if exe is None:
        raise SystemExit("fluidsynth not found: apt-get install fluidsynth fluid-soundfont-gm")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30).stdout
    return out.splitlines()[0] if out else "?"


def _bp_version() -> str:
    from importlib.metadata import version

    return version("basic-pitch")


def stem_midi(tracks: list[Track], seconds: float) -> bytes:
    import pretty_midi

    from midi_export import gm_program

    pm = pretty_midi.PrettyMIDI(resolution=480, initial_tempo=120.0)
    for tr in tracks:
        ins = pretty_midi.Instrument(program=gm_program(tr.name).program, name=tr.name)
        for p, s, e, v in tr.notes:
            if s < seconds:
                ins.notes.append(pretty_midi.Note(max(1, round(v * 127)), p, s,
                                                  min(e, seconds + 0.5)))
        pm.instruments.append(ins)
    buf = io.BytesIO()
    pm.write(buf)
    return buf.getvalue()


def render_and_transcribe(mid: bytes, key: str) -> list[tuple[float, float, int, float]]:
    path = CACHE / f"{key}.json"
    if path.is_file():
        return [tuple(x) for x in json.loads(path.read_text())["events"]]  # type: ignore[misc]
    import numpy as np
    import soundfile as sf

    from evaluation import transcribe as bp

    with tempfile.TemporaryDirectory() as tmp:
        mpath, wpath = Path(tmp) / "stem.mid", Path(tmp) / "stem.wav"
        mpath.write_bytes(mid)
        subprocess.run(["fluidsynth", "-ni", "-q", "-r", "22050", "-F", str(wpath), str(SF2),
                        str(mpath)], check=True, capture_output=True, timeout=600)
        audio, sr = sf.read(str(wpath), dtype="float32")
    if audio.ndim == 2:
        audio = audio.mean(axis=1)
    assert sr == 22050, sr
    events = bp.transcribe(np.ascontiguousarray(audio))
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp_path = path.with_suffix(".tmp")
    tmp_path.write_text(json.dumps({"settings": SETTINGS, "seconds": audio.size / sr,
                                    "events": events}))
    tmp_path.replace(path)
    return events


_KICK = {35, 36}
_SNARE = {37, 38, 39, 40}
_TOM = {41, 43, 45, 47, 48, 50}
_CRASH = {49, 52, 55, 57}
_HAT = {42, 44, 46, 51, 53, 59}


def simulate_drums(notes: list[tuple[int, float, float, float]], rng: random.Random,
                   seconds: float) -> list[tuple[int, float, float, float]]:
    sigma = rng.uniform(0.006, 0.016)
    bias = {fam: rng.uniform(-0.012, 0.012) for fam in ("k", "s", "t", "c", "h", "o")}
    out = []
    for p, s, _e, v in notes:
        if s >= seconds:
            continue
        fam = ("k" if p in _KICK else "s" if p in _SNARE else "t" if p in _TOM else
               "c" if p in _CRASH else "h" if p in _HAT else "o")
        miss = {"k": 0.06, "s": 0.08, "t": 0.12, "c": 0.10, "h": 0.25, "o": 0.35}[fam]
        if v * 127 < 45:
            miss = 0.6
        if rng.random() < miss:
            continue
        if fam == "h" and rng.random() < 0.10:
            p = rng.choice((42, 46, 51))
        elif fam == "s" and rng.random() < 0.05:
            p = rng.choice((38, 39, 40))
        elif fam == "k" and rng.random() < 0.05:
            p = 35
        t = max(0.0, s + bias[fam] + rng.gauss(0.0, sigma))
        vel = min(127, max(1, round(v * 127 * rng.uniform(0.7, 1.2))))
        out.append((p, t, vel))
        if rng.random() < 0.02:
            out.append((p, t + rng.uniform(0.02, 0.04), max(1, vel // 2)))
    res = []
    for p, t, vel in out:
        st = _q192(t)
        res.append((int(p), st, st + _q192(0.0625), vel / 127.0))
    res.sort(key=lambda n: (n[1], n[0]))
    return res


def transcribed_song(song: Song, seconds: float, env_key: str) -> Song:
    from midi_export import gm_program

    rng = random.Random(f"drums:{song.name}")
    groups: dict[str, list[Track]] = {}
    drums: list[Track] = []
    for tr in song.tracks:
        match = gm_program(tr.name)
        if match.is_drum:
            drums.append(tr)
        elif any(n[1] < seconds for n in tr.notes):
            groups.setdefault(_stem_of(match.program), []).append(tr)
    tracks: list[Track] = []
    for tr in drums:
        notes = simulate_drums(tr.notes, rng, seconds)
        if notes:
            tracks.append(Track(tr.name, notes))
    used: set[str] = set()
    for _stem, trs in groups.items():
        mid = stem_midi(trs, seconds)
        key = hashlib.sha256(mid + env_key.encode()).hexdigest()
        events = render_and_transcribe(mid, key)
        name = max(trs, key=lambda t: len(t.notes)).name
        while name in used:
            name += " "
        used.add(name)
        notes = []
        for s, e, p, a in events:
            if s >= seconds:
                continue
            st = _q192(s)
            notes.append((int(p), st, max(st + TICK, _q192(e)),
                          max(1, min(127, round(a * 127))) / 127.0))
        notes.sort(key=lambda n: (n[1], n[0]))
        if notes:
            tracks.append(Track(name.strip(), notes))
    return Song(name=song.name, style=song.style, bpm=song.bpm, first_downbeat=song.first_downbeat,
                beats_per_bar=song.beats_per_bar, has_drums=song.has_drums, swing=song.swing,
                swing_level=song.swing_level, jitter_ms=song.jitter_ms, lead=song.lead,
                pickup_beats=song.pickup_beats, tracks=tracks, source=song.source, key=song.key)


def _write(folder: Path, song: Song, truth: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{song.name}.json").write_text(json.dumps(song.to_envelope(),
                                                         separators=(",", ":")))
    (folder / f"{song.name}.truth.json").write_text(json.dumps(truth, indent=1))


def collect_answers(folder: Path) -> list[dict[str, Any]]:
    answers = [json.loads(p.read_text()) for p in sorted(folder.glob("*.truth.json"))]
    (folder / "answers.json").write_text(json.dumps(answers, indent=1) + "\n")
    return answers


def transcription_missing() -> str:
    """What the transcribed tier lacks on this machine ('' when nothing)."""
    import importlib.util

    lacking = [m for m in ("basic_pitch", "onnxruntime", "soundfile")
               if importlib.util.find_spec(m) is None]
    if lacking:
        return f"no {', '.join(lacking)} (pip install -e '.[eval]')"
    if shutil.which("fluidsynth") is None or not SF2.is_file():
        return "no fluidsynth or FluidR3_GM.sf2 (apt-get install fluidsynth fluid-soundfont-gm)"
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", default="synthetic,debian,freedoom,mma,m21",
                        help="also dev-synthetic, dev-mma, dev-m21 (the split the weights are "
                             "fitted on; written to sets/dev-*)")
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--clean-only", action="store_true")
    parser.add_argument("--limit", type=int, default=0, help="songs per group (0: all)")
    args = parser.parse_args(argv)
    env_key = ""
    if not args.clean_only:
        missing = transcription_missing()
        if missing:
            print(f"transcribed tier skipped: {missing}")
            args.clean_only = True
        else:
            env_key = "|".join((str(SF2), str(SF2.stat().st_size), _fluidsynth_version(),
                                _bp_version(), SETTINGS))
    t_start = time.time()
    for group in args.groups.split(","):
        t0 = time.time()
        n = 0
        try:
            songs = iter(sources.GROUPS[group]())
            first = next(songs, None)
        except ImportError as exc:
            print(f"== {group}: skipped ({exc}: pip install -e '.[eval]')")
            continue
        for song, truth in itertools.chain([first] if first else [], songs):
            if args.limit and n >= args.limit:
                break
            n += 1
            dev = group.startswith("dev")
            _write(SETS / ("dev-clean" if dev else "clean"), song, truth)
            if args.clean_only:
                continue
            t1 = time.time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tsong = transcribed_song(song, args.seconds, env_key)
            ttruth = dict(truth, notes=tsong.note_count, duration=round(tsong.duration, 3),
                          tier="transcribed", seconds=args.seconds)
            _write(SETS / ("dev-transcribed" if dev else "transcribed"), tsong, ttruth)
            print(f"{group} {n:3d} {song.name}: {len(tsong.tracks)} tracks, "
                  f"{tsong.note_count} notes, {time.time() - t1:.1f} s", flush=True)
        print(f"== {group}: {n} songs in {time.time() - t0:.0f} s", flush=True)
    for tier in ("clean", "transcribed", "dev-clean", "dev-transcribed"):
        if (SETS / tier).is_dir():
            print(f"{tier}: {len(collect_answers(SETS / tier))} songs")
    print(f"total {time.time() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
