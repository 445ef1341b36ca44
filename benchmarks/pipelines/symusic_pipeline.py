"""Competitor: json + symusic (C++). json.load; per instrument, numpy arrays in ticks
(int32 onset and duration, int8 pitch and velocity), ``Note.from_numpy`` into a tick
``Track``; a ``Score`` at 480 ticks per quarter with a 120 BPM tempo and 4/4; then
``Score.dump_midi``.

Usage: python symusic_pipeline.py RECORD.json OUT.mid
"""

from __future__ import annotations

import json
import sys

import numpy as np
from _common import BPM, PPQ, TICKS_PER_SECOND, instruments, program_for
from symusic import Note, Score, Tempo, TimeSignature, Track


def main(argv: list[str]) -> int:
    with open(argv[1], "rb") as f:
        payload = json.load(f)
    score = Score(PPQ)
    score.tempos.append(Tempo(0, qpm=BPM))
    score.time_signatures.append(TimeSignature(0, 4, 4))
    for name, notes in instruments(payload):
        program, is_drum = program_for(name)
        # np.array(..., dtype=float64) also converts numbers given as JSON strings.
        starts = np.array([n["start"] for n in notes], dtype=np.float64)
        ends = np.array([n["end"] for n in notes], dtype=np.float64)
        pitch = np.array([n["pitch"] for n in notes], dtype=np.float64).astype(np.int8)
        vel = np.array([n["velocity"] for n in notes], dtype=np.float64)
        on = np.rint(starts * TICKS_PER_SECOND).astype(np.int32)
        off = np.rint(ends * TICKS_PER_SECOND).astype(np.int32)
        duration = np.maximum(off - on, 1).astype(np.int32)
        velocity = np.clip(np.rint(vel * 127), 1, 127).astype(np.int8)
        track = Track(name=name, program=program, is_drum=is_drum)
        track.notes = Note.from_numpy(on, duration, pitch, velocity)
        score.tracks.append(track)
    score.dump_midi(argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
