"""Deterministic, realistic MIDI records for the benchmark (no network).

``make_record(notes, instruments, seed)`` builds a record-info envelope like the API's::

    {"code": 200, "msg": "success", "data": {"taskId": ..., "successFlag": 1,
     "midiData": {"state": "complete", "instruments": [{"name": ..., "notes": [
        {"pitch": 36, "start": 0.0, "end": 0.0625, "velocity": 0.8661417322834646}, ...]}]}}}

What makes it realistic (see ../shared/api/FACTS.md):

- drums plus General MIDI instruments under the names the API uses, one spelling variant
  ("String Ensembles 1") and one "SynthStrings 1"-style variant, and one instrument with
  an empty ``notes`` list (it happens; it is not counted);
- times are multiples of 1/192 s with a little timing jitter (the data is transcribed from
  audio), velocities are k/127; about 1 note in 100 has ``start`` and/or ``end`` as a JSON
  string, as callbacks deliver them; most are plain numbers, as record-info does;
- chords, drum hits on the same tick, and same-pitch notes that overlap (held chords
  repeated, legato bass, open hi-hats), which a converter must cut;
- never two notes of one instrument with the same pitch on the same tick: a converter
  merges those, and the benchmark wants every pipeline to write exactly ``notes`` notes.

The same (notes, instruments, seed) always gives the same bytes.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

GENERATOR_VERSION = 1  # bump when the output changes, so cached files are rebuilt

STEP = 1 / 192  # seconds; observed API times are multiples of this
BEAT = 96  # steps per beat (120 BPM)
BAR = 4 * BEAT
STRING_RATE = 0.01  # share of notes whose start and/or end are JSON strings

# (name as the API sends it, pattern, share of the notes)
INSTRUMENTS: tuple[tuple[str, str, float], ...] = (
    ("Drums", "drums", 3.0),
    ("Electric Bass (finger)", "bass", 1.0),
    ("Acoustic Grand Piano", "keys", 2.0),
    ("String Ensembles 1", "pad", 1.2),
    ("Distortion Guitar", "power", 1.5),
    ("SynthStrings 1", "pad", 1.0),
    ("Lead 1 (square)", "melody", 0.8),
    ("Electric Piano 1", "keys", 1.5),
    ("Trumpet", "melody", 0.7),
    ("Alto Sax", "melody", 0.7),
)
EMPTY_INSTRUMENT = "vocals"  # a separation stem with no notes

# I - V - vi - IV, as semitones above the key's root, one chord per bar
PROGRESSION = ((0, 4, 7), (7, 11, 14), (9, 12, 16), (5, 9, 12))
MAJOR = (0, 2, 4, 5, 7, 9, 11)

Event = tuple[int, int, int, int]  # (start step, duration in steps, pitch, velocity 1..127)


def default_instruments(notes: int) -> int:
    """How many instruments a record of this size has (300k and 1M: 10)."""
    if notes >= 300_000:
        return 10
    if notes >= 100_000:
        return 8
    if notes >= 10_000:
        return 6
    return 5


def _chord(step: int, key: int) -> tuple[int, ...]:
    return tuple(key + i for i in PROGRESSION[(step // BAR) % len(PROGRESSION)])


def _drums(rng: random.Random, key: int) -> Iterator[Event]:
    bar = 0
    while True:
        for sixteenth in range(16):
            t = bar * BAR + sixteenth * 24
            hits = []
            if sixteenth in (0, 8) or (sixteenth == 10 and rng.random() < 0.3):
                hits.append((36, rng.randint(100, 124)))
            if sixteenth in (4, 12):
                hits.append((38, rng.randint(95, 120)))
            if sixteenth % 2 == 0 or rng.random() < 0.4:
                hits.append((42 if rng.random() < 0.85 else 46, rng.randint(55, 100)))
            if sixteenth == 0 and bar % 8 == 0:
                hits.append((49, rng.randint(90, 120)))
            if bar % 4 == 3 and sixteenth >= 12:
                hits.append((rng.choice((45, 47, 48, 50)), rng.randint(80, 115)))
            if rng.random() < 0.05:
                hits.append((rng.choice((39, 51, 54, 56, 70)), rng.randint(50, 90)))
            jitter = rng.randint(-2, 2)
            for pitch, vel in hits:
                # hi-hats last up to 30 steps with 24 between them: same-pitch overlaps
                yield max(0, t + jitter + rng.randint(0, 1)), rng.randint(10, 30), pitch, vel
        bar += 1


def _bass(rng: random.Random, key: int) -> Iterator[Event]:
    t = 0
    while True:
        if rng.random() > 0.15:
            root = _chord(t, key)[0] - 24
            pitch = root + (12 if rng.random() < 0.15 else 0)
            if rng.random() < 0.1:
                pitch += 7
            # repeated roots held past the next eighth: legato, same-pitch overlap
            onset = max(0, t + rng.randint(-1, 1))
            dur = rng.randint(20, 46) if rng.random() < 0.85 else rng.randint(47, 90)
            yield onset, dur, pitch, rng.randint(70, 110)
        t += 48


def _keys(rng: random.Random, key: int) -> Iterator[Event]:
    t = 0
    while True:
        chord = _chord(t, key)
        voicing = [12 + p for p in chord]
        if rng.random() < 0.4:
            voicing.append(voicing[0] + 10)  # a seventh-ish colour
        if rng.random() < 0.5:
            voicing.insert(0, chord[0])  # left-hand root
        vel = rng.randint(50, 100)
        step = rng.choice((BEAT, BEAT, 2 * BEAT))
        dur = int(step * rng.uniform(0.5, 1.1))  # sometimes held into the next chord
        onset = t + rng.randint(0, 2)
        for pitch in voicing:
            yield onset, dur + rng.randint(-4, 4), pitch, max(1, min(127, vel + rng.randint(-6, 6)))
        if rng.random() < 0.6:  # a melody note on the off-beat
            pitch = key + 24 + rng.choice(MAJOR)
            onset = t + BEAT // 2 + rng.randint(0, 2)
            yield onset, rng.randint(30, 90), pitch, rng.randint(60, 105)
        t += step


def _pad(rng: random.Random, key: int) -> Iterator[Event]:
    t = 0
    while True:
        chord = _chord(t, key)
        vel = rng.randint(40, 80)
        step = BAR if rng.random() < 0.7 else BAR // 2
        for octave in (0, 12):
            for pitch in chord:
                # now and then held past the next chord: shared notes overlap
                yield t + rng.randint(0, 3), int(step * rng.uniform(0.8, 1.08)), pitch + octave, vel
        t += step


def _power(rng: random.Random, key: int) -> Iterator[Event]:
    t = 0
    while True:
        if rng.random() > 0.1:
            root = _chord(t, key)[0] - 12
            vel = rng.randint(80, 120)
            dur = rng.randint(24, 52)  # past the next eighth now and then
            onset = t + rng.randint(0, 1)
            for pitch in (root, root + 7, root + 12):
                yield onset, dur, pitch, vel
        t += 48


def _melody(rng: random.Random, key: int) -> Iterator[Event]:
    t = 0
    degree = 7
    while True:
        if rng.random() < 0.05:
            t += BAR  # a rest between phrases
            continue
        ioi = rng.choice((24, 48, 48, 72, 96))
        if rng.random() > 0.2:  # else repeat the pitch (overlapping when held)
            degree = max(0, min(20, degree + rng.choice((-2, -1, -1, 1, 1, 2, 3))))
        pitch = key + 12 + 12 * (degree // 7) + MAJOR[degree % 7]
        onset = max(0, t + rng.randint(-1, 1))
        yield onset, max(1, int(ioi * rng.uniform(0.6, 1.4))), pitch, rng.randint(60, 110)
        t += ioi


PATTERNS = {
    "drums": _drums,
    "bass": _bass,
    "keys": _keys,
    "pad": _pad,
    "power": _power,
    "melody": _melody,
}


def _seconds(steps: int) -> float:
    return steps / 192


def _notes(rng: random.Random, pattern: str, count: int, key: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[tuple[int, int]] = set()
    for start, dur, pitch, vel in PATTERNS[pattern](rng, key):
        if len(out) == count:
            break
        if not 0 <= pitch <= 127 or (pitch, start) in seen:
            continue
        seen.add((pitch, start))
        note: dict[str, Any] = {
            "pitch": pitch,
            "start": _seconds(start),
            "end": _seconds(start + max(1, dur)),
            "velocity": vel / 127,
        }
        if rng.random() < STRING_RATE:  # as callbacks send them, sometimes mixed in a note
            which = rng.choice(("start", "end", "both"))
            for field in ("start", "end"):
                if which in (field, "both"):
                    note[field] = repr(note[field])
        out.append(note)
    return out


def make_record(notes: int, instruments: int | None = None, seed: int = 0) -> dict[str, Any]:
    """A record-info envelope with exactly ``notes`` notes over ``instruments`` instruments."""
    if instruments is None:
        instruments = default_instruments(notes)
    if not 1 <= instruments <= len(INSTRUMENTS):
        raise ValueError(f"instruments must be 1..{len(INSTRUMENTS)}")
    rng = random.Random(f"midi-export-bench:{GENERATOR_VERSION}:{notes}:{instruments}:{seed}")
    chosen = INSTRUMENTS[:instruments]
    total = sum(share for _, _, share in chosen)
    quotas = [int(notes * share / total) for _, _, share in chosen]
    quotas[0] += notes - sum(quotas)
    key = rng.randint(0, 11) + 48  # the song's key, around C3
    parts = [
        {"name": name, "notes": _notes(rng, pattern, quota, key)}
        for (name, pattern, _), quota in zip(chosen, quotas, strict=True)
    ]
    parts.append({"name": EMPTY_INSTRUMENT, "notes": []})
    return {
        "code": 200,
        "msg": "success",
        "data": {
            "taskId": f"bench-{notes}-{instruments}-{seed}",
            "recordTaskId": -1,
            "audioId": f"bench-audio-{seed:08d}",
            "callbackUrl": None,
            "completeTime": 1760335255000,
            "midiData": {"state": "complete", "instruments": parts},
            "successFlag": 1,
            "createTime": 1760335251000,
            "errorCode": None,
            "errorMessage": None,
        },
    }


def dumps(record: dict[str, Any]) -> bytes:
    """The record as compact JSON bytes, as the API sends it."""
    return json.dumps(record, separators=(",", ":")).encode()
