"""What every competitor pipeline shares, so they all do the same work on the same input.

Standard library only (a pipeline's start-up cost must be its own library's): find the
instruments in a record-info envelope, pick a General MIDI program for a name, and turn
seconds and 0..1 velocities into the numbers MIDI wants. The rules match the ones
``midi_export`` uses, at 480 ticks per quarter and 120 BPM, so every pipeline writes the
same notes: tick = round(seconds * 960), velocity = round(v * 127) clamped to 1..127,
drums on channel 10 (index 9), every note at least one tick long.
"""

from __future__ import annotations

from typing import Any

PPQ = 480
BPM = 120.0
TICKS_PER_SECOND = PPQ * BPM / 60.0  # 960.0
TEMPO_US = 500_000  # microseconds per quarter at 120 BPM
DRUM_CHANNEL = 9

# The 128 General MIDI program names, in program order (as pretty_midi.constants has them;
# copied so that the mido and symusic pipelines need not import pretty_midi).
GM_NAMES = (
    "Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano",
    "Honky-tonk Piano", "Electric Piano 1", "Electric Piano 2", "Harpsichord", "Clavinet",
    "Celesta", "Glockenspiel", "Music Box", "Vibraphone", "Marimba", "Xylophone",
    "Tubular Bells", "Dulcimer", "Drawbar Organ", "Percussive Organ", "Rock Organ",
    "Church Organ", "Reed Organ", "Accordion", "Harmonica", "Tango Accordion",
    "Acoustic Guitar (nylon)", "Acoustic Guitar (steel)", "Electric Guitar (jazz)",
    "Electric Guitar (clean)", "Electric Guitar (muted)", "Overdriven Guitar",
    "Distortion Guitar", "Guitar Harmonics", "Acoustic Bass", "Electric Bass (finger)",
    "Electric Bass (pick)", "Fretless Bass", "Slap Bass 1", "Slap Bass 2", "Synth Bass 1",
    "Synth Bass 2", "Violin", "Viola", "Cello", "Contrabass", "Tremolo Strings",
    "Pizzicato Strings", "Orchestral Harp", "Timpani", "String Ensemble 1",
    "String Ensemble 2", "Synth Strings 1", "Synth Strings 2", "Choir Aahs", "Voice Oohs",
    "Synth Choir", "Orchestra Hit", "Trumpet", "Trombone", "Tuba", "Muted Trumpet",
    "French Horn", "Brass Section", "Synth Brass 1", "Synth Brass 2", "Soprano Sax",
    "Alto Sax", "Tenor Sax", "Baritone Sax", "Oboe", "English Horn", "Bassoon", "Clarinet",
    "Piccolo", "Flute", "Recorder", "Pan Flute", "Blown bottle", "Shakuhachi", "Whistle",
    "Ocarina", "Lead 1 (square)", "Lead 2 (sawtooth)", "Lead 3 (calliope)", "Lead 4 chiff",
    "Lead 5 (charang)", "Lead 6 (voice)", "Lead 7 (fifths)", "Lead 8 (bass + lead)",
    "Pad 1 (new age)", "Pad 2 (warm)", "Pad 3 (polysynth)", "Pad 4 (choir)",
    "Pad 5 (bowed)", "Pad 6 (metallic)", "Pad 7 (halo)", "Pad 8 (sweep)", "FX 1 (rain)",
    "FX 2 (soundtrack)", "FX 3 (crystal)", "FX 4 (atmosphere)", "FX 5 (brightness)",
    "FX 6 (goblins)", "FX 7 (echoes)", "FX 8 (sci-fi)", "Sitar", "Banjo", "Shamisen", "Koto",
    "Kalimba", "Bagpipe", "Fiddle", "Shanai", "Tinkle Bell", "Agogo", "Steel Drums",
    "Woodblock", "Taiko Drum", "Melodic Tom", "Synth Drum", "Reverse Cymbal",
    "Guitar Fret Noise", "Breath Noise", "Seashore", "Bird Tweet", "Telephone Ring",
    "Helicopter", "Applause", "Gunshot",
)
DRUM_NAMES = frozenset({"drums", "drumkit", "drumset", "percussion", "kit"})
# Spellings seen in other GM tables (folded), as in midi_export's own variant table.
VARIANTS = {"stringensembles1": 48, "stringensembles2": 49}


def fold(name: str) -> str:
    """Lower case, letters and digits only: "Electric Bass (finger)" -> "electricbassfinger"."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


_PROGRAMS = {fold(name): program for program, name in enumerate(GM_NAMES)}
_PROGRAMS.update(VARIANTS)


def program_for(name: str) -> tuple[int, bool]:
    """``(program, is_drum)`` for an instrument name; unknown names get program 0."""
    key = fold(name)
    if key in DRUM_NAMES:
        return 0, True
    return _PROGRAMS.get(key, 0), False


def instruments(payload: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """``(name, notes)`` for every instrument with notes in a record-info envelope."""
    midi = payload["data"]["midiData"] or {}
    return [(ins["name"], ins["notes"]) for ins in midi.get("instruments") or [] if ins["notes"]]


def tick(seconds: float | str) -> int:
    """Absolute tick of a time in seconds (numbers may arrive as JSON strings)."""
    return round(float(seconds) * TICKS_PER_SECOND)


def velocity(value: float | str) -> int:
    """MIDI velocity 1..127 of a 0..1 velocity (0 would be a note-off)."""
    return min(127, max(1, round(float(value) * 127)))


def channels(programs: list[tuple[int, bool]]) -> list[int]:
    """One channel per instrument: drums on 9, the others 0..15 in order, skipping 9."""
    free = [ch for ch in range(16) if ch != DRUM_CHANNEL]
    out = []
    melodic = 0
    for _program, is_drum in programs:
        if is_drum:
            out.append(DRUM_CHANNEL)
        else:
            out.append(free[melodic % len(free)])
            melodic += 1
    return out
