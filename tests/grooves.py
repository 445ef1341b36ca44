"""Small synthetic songs with a known tempo and first downbeat, for the tempo-map tests.

``groove(97.0, 1.2)`` is 16 bars of 4/4 at 97 BPM whose first downbeat is at 1.2 s: drums
(kick on 1 and 3, snare on 2 and 4, 8th-note hats, a crash every 4 bars), a bass on every
beat and a piano chord per half bar, the chords changing every bar. ``pickup_beats`` adds a
bass run before the first downbeat; ``drums=False`` leaves the drums out. Every note moves
by a seeded gaussian of ``jitter_ms`` and is rounded to 1/192 s, as the API sends times.
Only the standard library is used, so the songs never change.
"""

from __future__ import annotations

import json
import random
from typing import Any

from midi_export.record import Instrument, Record, RecordStatus

__all__ = ["groove", "random_onsets", "to_json"]

TICK = 1.0 / 192.0
_ROOTS = (0, 5, 7, 3)  # I IV V bIII, one per bar
_CHORD = (0, 4, 7)


def _q(seconds: float) -> float:
    return max(0.0, round(seconds / TICK) * TICK)


def groove(
    bpm: float,
    first_downbeat: float,
    *,
    bars: int = 16,
    pickup_beats: float = 0.0,
    drums: bool = True,
    jitter_ms: float = 4.0,
    seed: int = 0,
    task_id: str = "groove",
) -> Record:
    """A record of a steady 4/4 song (see the module); its notes never overlap per pitch."""
    rng = random.Random(f"groove:{seed}")
    spb = 60.0 / bpm
    if first_downbeat < pickup_beats * spb:
        raise ValueError("the pickup would start before 0 s")

    def at(beat: float) -> float:
        return _q(first_downbeat + beat * spb + rng.gauss(0.0, jitter_ms / 1000.0))

    kit: list[tuple[int, float, float, float]] = []
    bass: list[tuple[int, float, float, float]] = []
    keys: list[tuple[int, float, float, float]] = []
    for bar in range(bars):
        root = _ROOTS[bar % len(_ROOTS)]
        b0 = 4.0 * bar
        for beat in range(4):
            t = b0 + beat
            if drums:
                if beat in (0, 2):
                    kit.append((36, at(t), at(t) + 0.08, 0.9))
                else:
                    kit.append((38, at(t), at(t) + 0.08, 0.85))
                for half in (0.0, 0.5):
                    kit.append((42, at(t + half), at(t + half) + 0.05, 0.5 if half == 0 else 0.3))
                if beat == 0 and bar % 4 == 0:
                    kit.append((49, at(t), at(t) + 0.5, 0.8))
            start = at(t)
            bass.append((36 + root + (12 if beat == 2 else 0), start, start + 0.45 * spb, 0.8))
        for half_bar in (0.0, 2.0):
            start = at(b0 + half_bar)
            for interval in _CHORD:
                keys.append((60 + root + interval, start, start + 1.8 * spb, 0.6))
    beat = -pickup_beats
    step = 0
    while beat < -1e-9:
        start = at(beat)
        bass.append((43 + 2 * step, start, start + 0.4 * spb, 0.7))
        beat += 0.5
        step += 1
    instruments = [Instrument("Bass", bass), Instrument("Piano", keys)]
    if drums:
        instruments.insert(0, Instrument("Drums", kit))
    return Record(task_id=task_id, status=RecordStatus.SUCCESS, instruments=instruments)


def random_onsets(seed: int = 0, *, notes: int = 120, seconds: float = 40.0) -> Record:
    """Notes at random times (no tempo at all), for the low-confidence fallback."""
    rng = random.Random(f"random:{seed}")
    instruments = []
    for name in ("Piano", "Bass", "Drums"):
        starts = sorted(_q(rng.uniform(0.0, seconds)) for _ in range(notes // 3))
        instruments.append(
            Instrument(name, [(rng.randint(36, 84), s, s + rng.uniform(0.05, 0.4), 0.7)
                              for s in starts])
        )
    return Record(task_id="random", status=RecordStatus.SUCCESS, instruments=instruments)


def to_json(record: Record) -> bytes:
    """The record as the record-info endpoint answers it, for ``fetch-mid --from-json``."""
    instruments: list[dict[str, Any]] = [
        {
            "name": ins.name,
            "notes": [
                {"pitch": n.pitch, "start": n.start, "end": n.end, "velocity": n.velocity}
                for n in ins.notes
            ],
        }
        for ins in record.instruments
    ]
    envelope = {
        "code": 200,
        "msg": "success",
        "data": {
            "taskId": record.task_id,
            "midiData": {"state": "complete", "instruments": instruments},
        },
    }
    return json.dumps(envelope).encode()
