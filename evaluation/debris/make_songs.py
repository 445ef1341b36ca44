"""Step 1 of the debris measurement: five short GM songs (seeded), records in the API's shape.

    .venv/bin/python evaluation/debris/make_songs.py evaluation/debris/work/songs

Each song: three or four pitched instruments (no drums: basic-pitch transcribes pitched
sound), a tempo, a chord progression, and parts written the way records look: chords,
arpeggios, bass lines with repeated notes (legato and detached), a melody with repeated
notes, pads that tie common tones. Velocities vary (0.35..0.95) so that quiet real notes
exist beside any ghosts.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

CHORDS = {  # root (bass octave), triad/7th tones (middle octave)
    "Am": (45, (57, 60, 64)),
    "F": (41, (53, 57, 60)),
    "C": (48, (55, 60, 64)),
    "G": (43, (55, 59, 62)),
    "Dm": (50, (57, 62, 65)),
    "E": (40, (56, 59, 64)),
    "Em": (40, (55, 59, 64)),
    "D": (50, (54, 57, 62)),
    "Bm": (47, (54, 59, 62)),
    "A": (45, (57, 61, 64)),
    "Cmaj7": (48, (55, 59, 64)),
    "Fmaj7": (41, (57, 60, 64)),
}
SCALES = {
    "Am": [57, 59, 60, 62, 64, 65, 67, 69, 71, 72, 74, 76],
    "G": [55, 57, 59, 60, 62, 64, 66, 67, 69, 71, 72, 74, 76],
    "D": [62, 64, 66, 67, 69, 71, 73, 74, 76, 78, 79],
}

SONGS = [
    # name, bpm, progression, scale, parts: (instrument name, part kind)
    (
        "ballad",
        72,
        ["C", "G", "Am", "F"],
        "G",
        [
            ("Acoustic Grand Piano", "arpeggio"),
            ("Acoustic Bass", "bass_half"),
            ("String Ensemble 1", "pad"),
            ("Flute", "melody"),
        ],
    ),
    (
        "pop",
        112,
        ["Am", "F", "C", "G"],
        "Am",
        [
            ("Electric Piano 1", "chords_8th"),
            ("Electric Bass (finger)", "bass_8th"),
            ("Overdriven Guitar", "power"),
            ("Lead 2 (sawtooth)", "melody"),
        ],
    ),
    (
        "rock",
        136,
        ["Em", "C", "G", "D"],
        "G",
        [
            ("Distortion Guitar", "power"),
            ("Electric Bass (pick)", "bass_8th"),
            ("Drawbar Organ", "pad"),
            ("Trumpet", "melody"),
        ],
    ),
    (
        "folk",
        96,
        ["D", "G", "Bm", "A"],
        "D",
        [
            ("Acoustic Guitar (steel)", "strum"),
            ("Acoustic Bass", "bass_quarter"),
            ("Violin", "melody"),
            ("Clarinet", "counter"),
        ],
    ),
    (
        "lofi",
        84,
        ["Cmaj7", "Fmaj7", "Dm", "E"],
        "Am",
        [
            ("Electric Piano 2", "chords_off"),
            ("Synth Bass 1", "bass_quarter"),
            ("Vibraphone", "arpeggio"),
            ("Alto Sax", "melody"),
        ],
    ),
]


def part(kind: str, bpm: float, progression: list[str], scale: str, bars: int,
         rnd: random.Random) -> list[dict[str, float]]:
    beat = 60.0 / bpm
    notes = []

    def add(p: int, s: float, d: float, v: float) -> None:
        v = max(0.2, min(1.0, v + rnd.uniform(-0.06, 0.06)))
        notes.append(
            {
                "pitch": p,
                "start": round(s, 4),
                "end": round(s + d, 4),
                "velocity": round(round(v * 127) / 127, 6),
            }
        )

    for bar in range(bars):
        name = progression[bar % len(progression)]
        root, tones = CHORDS[name]
        t0 = bar * 4 * beat
        if kind == "arpeggio":
            seq = [
                tones[0],
                tones[1],
                tones[2],
                tones[0] + 12,
                tones[2],
                tones[1],
                tones[0] + 12,
                tones[1],
            ]
            for k, p in enumerate(seq):
                add(p, t0 + k * beat / 2, beat * 0.9, 0.55 if k % 2 else 0.7)
        elif kind == "pad":
            for p in tones:
                add(p, t0, 4 * beat, 0.5)
        elif kind in ("chords_8th", "chords_off"):
            offs = range(8) if kind == "chords_8th" else (1, 3, 4, 6)
            for k in offs:
                for p in tones:
                    add(
                        p + 12 if kind == "chords_off" else p,
                        t0 + k * beat / 2,
                        beat * (0.42 if k % 2 else 0.48),
                        0.62 if k % 2 else 0.78,
                    )
        elif kind == "power":
            for k in range(8):
                for p in (root, root + 7, root + 12):
                    add(p, t0 + k * beat / 2, beat * 0.45, 0.8 if k % 2 == 0 else 0.68)
        elif kind == "strum":
            for k in (0, 2, 3, 4, 6, 7):
                for j, p in enumerate(
                    (root - 12 + 12, tones[0], tones[1], tones[2], tones[0] + 12)
                ):
                    add(
                        p,
                        t0 + k * beat / 2 + j * 0.012,
                        beat * 0.5 - j * 0.012,
                        0.7 - 0.05 * (k % 2),
                    )
        elif kind == "bass_8th":
            for k in range(8):
                p = root - 12 if k != 7 else root - 12 + 7
                add(
                    p,
                    t0 + k * beat / 2,
                    beat * (0.5 if k % 4 == 3 else 0.42),
                    0.85 if k % 2 == 0 else 0.7,
                )
        elif kind == "bass_quarter":
            for k in range(4):
                p = root - 12 + (0, 0, 7, 5)[k]
                add(p, t0 + k * beat, beat * 0.92, 0.8)
        elif kind == "bass_half":
            add(root - 12, t0, beat * 2, 0.8)
            add(root - 12 + 7, t0 + 2 * beat, beat * 1.9, 0.7)
        elif kind in ("melody", "counter"):
            sc = SCALES[scale]
            pos = rnd.randrange(len(sc))
            t = t0
            end = t0 + 4 * beat
            while t < end - 1e-9:
                d = rnd.choice((0.5, 0.5, 1.0, 1.0, 1.5, 2.0, 0.25)) * beat
                d = min(d, end - t)
                if rnd.random() < 0.2:  # repeated note
                    pass
                else:
                    pos = max(0, min(len(sc) - 1, pos + rnd.choice((-2, -1, -1, 1, 1, 2, 3))))
                p = sc[pos] + (12 if kind == "melody" else -12 + 12)
                if rnd.random() > 0.12:
                    artic = rnd.choice((0.98, 0.9, 0.75, 0.5))
                    add(p if kind == "melody" else p - 12, t, d * artic, rnd.uniform(0.4, 0.95))
                t += d
    return notes


def make(seed_base: int = 0, bars: int = 12) -> dict[str, dict[str, object]]:
    out = {}
    for i, (name, bpm, prog, scale, parts) in enumerate(SONGS):
        rnd = random.Random(1000 + i + seed_base)
        instruments = [
            {"name": ins, "notes": part(kind, bpm, prog, scale, bars, rnd)} for ins, kind in parts
        ]
        out[name] = {
            "code": 200,
            "msg": "success",
            "data": {
                "taskId": f"debris-{name}",
                "successFlag": 1,
                "midiData": {"state": "complete", "instruments": instruments},
            },
        }
    return out


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "work/songs")
    folder.mkdir(parents=True, exist_ok=True)
    for name, rec in make().items():
        (folder / f"{name}.json").write_text(json.dumps(rec))
        n = sum(len(x["notes"]) for x in rec["data"]["midiData"]["instruments"])
        print(name, n, "notes")
