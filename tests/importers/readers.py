"""Other readers of a .mid file: ``midicsv``, FluidSynth and TiMidity++ renders, the programs
TiMidity++ sounds, and the notes mido and pretty_midi read (in seconds, through the file's
own tempo map).

What they do with a MIDI port event (``FF 21``), measured: TiMidity++ honours it (32
channels: two tracks on one channel but different ports keep their programs); FluidSynth's
file player ignores it (a render with ports is byte for byte the render without).
"""

from __future__ import annotations

import os
import re
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import Unavailable, need, run, soundfont

__all__ = [
    "WavStats",
    "midicsv_rows",
    "mido_notes",
    "pretty_midi_notes",
    "render_wav",
    "timidity_programs",
    "wav_stats",
]


def midicsv_rows(mid: str | os.PathLike[str], timeout: float = 30) -> list[list[str]]:
    """``midicsv``'s rows, each split into stripped fields (track, tick, type, ...)."""
    exe = need("midicsv", "midicsv")
    done = run([exe, str(mid)], timeout)
    if done.returncode != 0 or done.stderr.strip():
        raise RuntimeError(f"midicsv failed: {done.stderr.strip()}")
    return [[f.strip() for f in line.split(",")] for line in done.stdout.splitlines() if line]


@dataclass(frozen=True)
class WavStats:
    seconds: float
    peak: float  # 0..1 of full scale
    rms: float

    @property
    def silent(self) -> bool:
        return self.peak < 1e-3


def render_wav(mid: str | os.PathLike[str], wav: str | os.PathLike[str],
               synth: str = "fluidsynth", timeout: float = 120, rate: int = 22050) -> Path:
    """Render ``mid`` to ``wav`` with FluidSynth (its file player) or TiMidity++."""
    if synth == "fluidsynth":
        exe = need("fluidsynth", "fluidsynth")
        args = [exe, "-ni", "-q", "-r", str(rate), "-F", str(wav), soundfont(), str(mid)]
    elif synth == "timidity":
        exe = need("timidity", "timidity")
        args = [exe, "-Ow", "-s", str(rate), "-o", str(wav), str(mid)]
    else:
        raise ValueError(f"unknown synth {synth!r}")
    done = run(args, timeout)
    if done.returncode != 0 or not Path(wav).exists():
        raise RuntimeError(f"{synth} failed ({done.returncode}): {done.stderr[-300:]}")
    return Path(wav)


def wav_stats(wav: str | os.PathLike[str]) -> WavStats:
    """Length, peak and RMS of a 16-bit PCM wav (standard library only)."""
    with wave.open(str(wav)) as w:
        frames = w.readframes(w.getnframes())
        seconds = w.getnframes() / w.getframerate()
        if w.getsampwidth() != 2:
            raise ValueError("only 16-bit wav files")
    samples = array("h", frames)
    if not samples:
        return WavStats(seconds, 0.0, 0.0)
    peak = max(max(samples), -min(samples)) / 32768
    some = samples[::8]
    return WavStats(seconds, peak, (sum(s * s for s in some) / len(some)) ** 0.5 / 32768)


def timidity_programs(mid: str | os.PathLike[str],
                      timeout: float = 60) -> dict[tuple[str, int, int], int]:
    """``{("tone", bank, program) | ("drum", set, note): note-ons}`` that TiMidity++ sounds,
    from its ``-Ol`` event list."""
    exe = need("timidity", "timidity")
    done = run([exe, "-Ol", "-o", "-", str(mid)], timeout)
    found: dict[tuple[str, int, int], int] = {}
    for kind, bank, number, count in re.findall(
            r"(Tonebank|Drumset) (\d+) (\d+) \(start at [^,]*, (\d+) times",
            done.stdout + done.stderr):
        key = ("tone" if kind == "Tonebank" else "drum", int(bank), int(number))
        found[key] = found.get(key, 0) + int(count)
    if not found:
        why = done.stderr.strip()[-200:]
        raise Unavailable(f"timidity listed no instruments (is it configured?): {why}")
    return found


def mido_notes(mid: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Per track: name, channels, programs, ports and notes ``(pitch, start, end, velocity)``
    in seconds through the file's tempo map (note-offs matched per channel and pitch, first
    in, first out, as most players do)."""
    try:
        import mido
    except ImportError as exc:
        raise Unavailable("mido not installed: pip install mido") from exc
    midi = mido.MidiFile(str(mid), charset="utf-8")
    tempos = [(0, 500_000)]
    tick = 0
    for msg in midi.tracks[0]:
        tick += msg.time
        if msg.type == "set_tempo":
            tempos = [t for t in tempos if t[0] < tick] + [(tick, msg.tempo)]

    def seconds(at: int) -> float:
        total, last, tempo = 0.0, 0, tempos[0][1]
        for start, value in tempos:
            if start > at:
                break
            total += (start - last) * tempo / 1e6 / midi.ticks_per_beat
            last, tempo = start, value
        return total + (at - last) * tempo / 1e6 / midi.ticks_per_beat

    out: list[dict[str, Any]] = []
    for index, track in enumerate(midi.tracks):
        facts: dict[str, Any] = {"index": index, "name": "", "channels": set(), "programs": [],
                                 "ports": []}
        sounding: dict[tuple[int, int], list[tuple[int, int]]] = {}
        notes: list[tuple[int, float, float, int]] = []
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "track_name":
                facts["name"] = msg.name
            elif msg.type == "midi_port":
                facts["ports"].append(msg.port)
            elif msg.type == "program_change":
                facts["programs"].append(msg.program)
                facts["channels"].add(msg.channel)
            elif msg.type == "note_on" and msg.velocity:
                facts["channels"].add(msg.channel)
                sounding.setdefault((msg.channel, msg.note), []).append((tick, msg.velocity))
            elif msg.type in ("note_on", "note_off") and sounding.get((msg.channel, msg.note)):
                start, velocity = sounding[(msg.channel, msg.note)].pop(0)
                notes.append((msg.note, seconds(start), seconds(tick), velocity))
        facts["channels"] = sorted(facts["channels"])
        facts["notes"] = sorted(notes)
        out.append(facts)
    return out


def pretty_midi_notes(mid: str | os.PathLike[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """pretty_midi's view: its tempo changes and time signatures, then per instrument its
    name, program, drum flag and notes ``(pitch, start, end, velocity)``."""
    try:
        import pretty_midi
    except ImportError as exc:
        raise Unavailable("pretty_midi not installed: pip install pretty_midi") from exc
    pm = pretty_midi.PrettyMIDI(str(mid))
    times, tempi = pm.get_tempo_changes()
    head = {"tempo_changes": list(zip(map(float, times), map(float, tempi), strict=True)),
            "time_signatures": [(ts.time, ts.numerator, ts.denominator)
                                for ts in pm.time_signature_changes],
            "downbeats": [float(t) for t in pm.get_downbeats()[:4]]}
    instruments = [{"name": ins.name, "program": ins.program, "is_drum": ins.is_drum,
                    "notes": sorted((n.pitch, n.start, n.end, n.velocity) for n in ins.notes)}
                   for ins in pm.instruments]
    return head, instruments
