"""Small probe files that show what a reader does with a feature of the format."""

from __future__ import annotations

from pathlib import Path

__all__ = ["two_tracks_on_one_channel"]


def two_tracks_on_one_channel(path: Path, *, ports: bool, ppq: int = 480) -> Path:
    """A piano and a trumpet track, both on channel 1, eight notes each, with or without
    MIDI port events (port 0 and port 1)."""
    import mido

    midi = mido.MidiFile(type=1, ticks_per_beat=ppq)
    midi.tracks.append(mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500_000)]))
    for k, program in enumerate((0, 56)):
        track = mido.MidiTrack([mido.MetaMessage("track_name", name=f"t{k}")])
        if ports:
            track.append(mido.MetaMessage("midi_port", port=k))
        track.append(mido.Message("program_change", channel=0, program=program))
        for n in range(8):
            track.append(mido.Message("note_on", note=60 + 12 * k, velocity=90,
                                      time=0 if n == 0 else 80))
            track.append(mido.Message("note_on", note=60 + 12 * k, velocity=0, time=400))
        midi.tracks.append(track)
    midi.save(path)
    return path
