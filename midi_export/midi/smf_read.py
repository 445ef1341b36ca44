"""A small Standard MIDI File reader: each track's name, channel, program and paired notes.

For the files ``convert`` writes (and any plain SMF): running status, a note_on of velocity
0 as a note-off, meta and sysex events skipped except track names; a note still sounding at
the end of its track ends there; same-pitch notes pair first in, first out. The preview
draws what the file says through it, and the tests read files back with it beside mido.
Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["TrackNotes", "read_tracks"]


@dataclass
class TrackNotes:
    """One track of a file: its name, channel index (9 = the drum kit; None when it has no
    channel event), program, and its notes in ticks (starts, ends, pitches, velocities
    1..127), in order of their note-offs."""

    name: str = ""
    channel: int | None = None
    program: int = 0
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    pitches: list[int] = field(default_factory=list)
    velocities: list[int] = field(default_factory=list)

    @property
    def is_drum(self) -> bool:
        """Whether the track plays on the GM drum channel (10, index 9)."""
        return self.channel == 9


def _vlq(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    while True:
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos


def read_tracks(smf: bytes) -> list[TrackNotes]:
    """The tracks after the first (the conductor's) of a Standard MIDI File, notes paired;
    tracks without channel events or notes are left out. ``ValueError`` when ``smf`` is not
    a Standard MIDI File or is cut short."""
    if smf[:4] != b"MThd" or len(smf) < 14:
        raise ValueError("not a Standard MIDI File")
    pos = 8 + int.from_bytes(smf[4:8], "big")
    tracks: list[TrackNotes] = []
    try:
        while pos + 8 <= len(smf):
            kind, length = smf[pos : pos + 4], int.from_bytes(smf[pos + 4 : pos + 8], "big")
            pos += 8
            end = pos + length
            if kind == b"MTrk":
                tracks.append(_read_track(smf, pos, min(end, len(smf))))
            pos = end
    except IndexError:
        raise ValueError("the MIDI file is cut short") from None
    return [t for t in tracks[1:] if t.channel is not None or t.pitches]


def _read_track(data: bytes, pos: int, end: int) -> TrackNotes:
    track = TrackNotes()
    tick = 0
    status = 0
    sounding: dict[int, list[tuple[int, int]]] = {}  # pitch -> [(start, velocity)]
    while pos < end:
        delta, pos = _vlq(data, pos)
        tick += delta
        byte = data[pos]
        if byte >= 0x80:
            status = byte
            pos += 1
        if status == 0xFF:
            meta = data[pos]
            length, pos = _vlq(data, pos + 1)
            if meta == 0x03 and not track.name:
                track.name = data[pos : pos + length].decode("utf-8", "replace")
            pos += length
            status = 0
            continue
        if status in (0xF0, 0xF7):
            length, pos = _vlq(data, pos)
            pos += length
            status = 0
            continue
        if status < 0x80:
            raise ValueError("a MIDI event without a status byte")
        kind, channel = status & 0xF0, status & 0x0F
        if kind in (0xC0, 0xD0):
            if kind == 0xC0:
                track.program = data[pos]
            if track.channel is None:
                track.channel = channel
            pos += 1
            continue
        a, b = data[pos], data[pos + 1]
        pos += 2
        if kind == 0x90 and b:
            if track.channel is None:
                track.channel = channel
            sounding.setdefault(a, []).append((tick, b))
        elif kind in (0x80, 0x90):
            started = sounding.get(a)
            if started:
                start, velocity = started.pop(0)
                track.starts.append(start)
                track.ends.append(tick)
                track.pitches.append(a)
                track.velocities.append(velocity)
    for pitch, started in sounding.items():
        for start, velocity in started:
            track.starts.append(start)
            track.ends.append(tick)
            track.pitches.append(pitch)
            track.velocities.append(velocity)
    return track
