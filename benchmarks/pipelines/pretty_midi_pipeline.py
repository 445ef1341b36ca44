"""Competitor: the pretty_midi way. json.load, one ``pretty_midi.Instrument`` per record
instrument with its ``Note`` objects in seconds, then ``PrettyMIDI.write``.

Usage: python pretty_midi_pipeline.py RECORD.json OUT.mid
"""

from __future__ import annotations

import json
import sys

import pretty_midi
from _common import BPM, PPQ, instruments, program_for, velocity


def main(argv: list[str]) -> int:
    with open(argv[1], "rb") as f:
        payload = json.load(f)
    pm = pretty_midi.PrettyMIDI(resolution=PPQ, initial_tempo=BPM)
    for name, notes in instruments(payload):
        program, is_drum = program_for(name)
        inst = pretty_midi.Instrument(program=program, is_drum=is_drum, name=name)
        inst.notes = [
            pretty_midi.Note(
                velocity=velocity(n["velocity"]),
                pitch=int(n["pitch"]),
                start=float(n["start"]),
                end=float(n["end"]),
            )
            for n in notes
        ]
        pm.instruments.append(inst)
    pm.write(argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
