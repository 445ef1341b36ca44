"""The records of issue 10 ("opens right in the DAW"), as the API would send them.

- ``rec17()``: drums and 17 melodic instruments at 120 BPM, four of them program 0
  (``Acoustic Grand Piano``, ``piano``, ``keyboard``, ``Acoustic Grand Piano``; the 2nd and
  the 4th play the same pitches a 16th apart, which a shared channel would cut);
- ``pickup()``: 110 BPM with the first downbeat at 0.95 s, a snare fill and a melodic pickup
  of three eighths before it;
- ``nonlatin()``: instrument names in several scripts and awkward names, for ``--split``.

Times are on the API's 1/192 s grid, velocities k/127. Deterministic (a seeded ``random``);
only the standard library, so the records never change. ``as_bytes`` gives the JSON.
"""

from __future__ import annotations

import json
import random
from typing import Any

__all__ = ["REC17_NAMES", "as_bytes", "nonlatin", "pickup", "rec17"]

_Q = 1 / 192

REC17_NAMES = (  # 17 melodic instruments: four of them program 0
    "Acoustic Grand Piano", "piano", "keyboard", "Acoustic Grand Piano",
    "Electric Bass (finger)", "String Ensemble 1", "Flute", "Trumpet", "Violin",
    "Cello", "Alto Sax", "Clarinet", "Vibraphone", "Church Organ",
    "Acoustic Guitar (nylon)", "Lead 1 (square)", "Pad 2 (warm)",
)


def _q(t: float) -> float:
    return round(t / _Q) * _Q


def _note(pitch: int, start: float, end: float, vel: int) -> dict[str, Any]:
    return {"pitch": pitch, "start": _q(start), "end": _q(end), "velocity": vel / 127}


def _envelope(task: str, instruments: list[dict[str, Any]]) -> dict[str, Any]:
    return {"code": 200, "msg": "success", "data": {
        "taskId": task, "successFlag": 1,
        "midiData": {"state": "complete", "instruments": instruments}}}


def _drums(bpm: float, start: float, bars: int) -> list[dict[str, Any]]:
    beat = 60 / bpm
    notes = []
    for b in range(bars * 4):
        t = start + b * beat
        notes.append(_note(36 if b % 4 in (0, 2) else 38, t, t + 0.1, 110 if b % 2 == 0 else 100))
        notes.append(_note(42, t, t + 0.05, 70))
        notes.append(_note(42, t + beat / 2, t + beat / 2 + 0.05, 60))
        if b % 16 == 0:
            notes.append(_note(49, t, t + beat * 2, 100))
    return notes


def rec17() -> dict[str, Any]:
    """Drums + 17 melodic instruments, 8 bars at 120 BPM."""
    bpm, bars = 120.0, 8
    beat = 60 / bpm
    rnd = random.Random(10)
    instruments = [{"name": "Drums", "notes": _drums(bpm, 0.0, bars)}]
    for k, name in enumerate(REC17_NAMES):
        notes = []
        base = 36 if "Bass" in name else 48 + (k % 5) * 2
        for b in range(bars * 4):
            t = b * beat
            if k in (1, 3):  # the 2nd and 4th program-0 tracks: same pitches, overlapping
                off = 0.0 if k == 1 else beat / 4
                notes.append(_note(60 + b % 3, t + off, t + off + beat * 0.9, 80))
            else:
                pitch = base + (0, 4, 7, 12)[b % 4]
                notes.append(_note(pitch, t, t + beat * 0.8, 60 + rnd.randrange(40)))
        instruments.append({"name": name, "notes": notes})
    return _envelope("rec17", instruments)


PICKUP_BPM = 110.0
PICKUP_DOWNBEAT = 0.95


def pickup() -> dict[str, Any]:
    """110 BPM, first downbeat at 0.95 s: a fill and a three-eighth pickup before it."""
    bpm, lead, bars = PICKUP_BPM, PICKUP_DOWNBEAT, 8
    beat = 60 / bpm
    sixteenth = beat / 4
    drums = [_note(38, lead - k * sixteenth, lead - k * sixteenth + 0.05, 70 + 5 * k)
             for k in (4, 3, 2, 1)]
    drums += _drums(bpm, lead, bars)
    bass = [_note((33, 33, 40, 38)[(b // 4) % 4], lead + b * beat, lead + b * beat + beat * 0.9, 90)
            for b in range(bars * 4)]
    melody = [_note(64 + k, lead - (3 - k) * beat / 2, lead - (3 - k) * beat / 2 + 0.2, 80)
              for k in range(3)]
    melody += [_note(69 + b % 5, lead + b * 2 * beat, lead + b * 2 * beat + beat * 1.5, 85)
               for b in range(bars * 2)]
    return _envelope("pickup", [
        {"name": "Drums", "notes": drums},
        {"name": "Electric Bass (finger)", "notes": bass},
        {"name": "Lead 1 (square)", "notes": melody},
    ])


NONLATIN_NAMES = (
    "Drums", "ベース", "Скрипка", "Acoustic Grand Piano", "ギター", "CON", "a/b:c*?", "🎹🎹",
    "Piano. ", "Скрипка", "鋼琴" * 40, "guitar",
)


def nonlatin() -> dict[str, Any]:
    """Twelve instruments with names in several scripts, emoji, path characters..."""
    return _envelope("nonlatin", [
        {"name": name, "notes": [_note(48 + k, t * 0.5, t * 0.5 + 0.4, 90) for t in range(8)]}
        for k, name in enumerate(NONLATIN_NAMES)
    ])


def as_bytes(payload: dict[str, Any]) -> bytes:
    """The record as the API's JSON text."""
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")
