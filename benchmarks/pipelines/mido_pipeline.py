"""Competitor: mido messages built by hand. json.load; per instrument, absolute ticks at
480 ppq / 120 BPM, events sorted (note-offs before note-ons at a tick), delta times,
one ``mido.Message`` per event; then ``MidiFile.save``.

Usage: python mido_pipeline.py RECORD.json OUT.mid
"""

from __future__ import annotations

import json
import sys

import mido
from _common import PPQ, TEMPO_US, channels, instruments, program_for, tick, velocity


def main(argv: list[str]) -> int:
    with open(argv[1], "rb") as f:
        payload = json.load(f)
    found = instruments(payload)
    programs = [program_for(name) for name, _ in found]
    mid = mido.MidiFile(type=1, ticks_per_beat=PPQ)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("set_tempo", tempo=TEMPO_US, time=0))
    conductor.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    conductor.append(mido.MetaMessage("end_of_track", time=0))
    mid.tracks.append(conductor)
    chans = channels(programs)
    for (name, notes), (program, _), channel in zip(found, programs, chans, strict=True):
        events = []  # (tick, 0 = off / 1 = on, pitch, velocity)
        for n in notes:
            pitch = int(n["pitch"])
            on = tick(n["start"])
            off = max(tick(n["end"]), on + 1)
            events.append((on, 1, pitch, velocity(n["velocity"])))
            events.append((off, 0, pitch, 0))
        events.sort()
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("track_name", name=name, time=0))
        track.append(mido.Message("program_change", channel=channel, program=program, time=0))
        now = 0
        for at, kind, pitch, vel in events:
            track.append(
                mido.Message(
                    "note_on" if kind else "note_off",
                    channel=channel,
                    note=pitch,
                    velocity=vel,
                    time=at - now,
                )
            )
            now = at
        track.append(mido.MetaMessage("end_of_track", time=0))
        mid.tracks.append(track)
    mid.save(argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
