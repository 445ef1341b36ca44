"""The small SMF reader the preview draws from agrees with mido, note for note."""

from __future__ import annotations

import io

import mido
import pytest
from hypothesis import HealthCheck, given, settings

from midi_export import convert, parse_record
from midi_export.midi.smf_read import read_tracks

from conftest import fixture_path
from strategies import records


def mido_notes(data: bytes) -> list[list[tuple[int, int, int, int]]]:
    """Each track's (start, end, pitch, velocity), paired first in first out, by mido."""
    out = []
    for track in mido.MidiFile(file=io.BytesIO(data)).tracks[1:]:
        tick, sounding, notes = 0, {}, []
        for msg in track:
            tick += msg.time
            if msg.type == "note_on" and msg.velocity:
                sounding.setdefault(msg.note, []).append((tick, msg.velocity))
            elif msg.type in ("note_on", "note_off") and sounding.get(msg.note):
                start, velocity = sounding[msg.note].pop(0)
                notes.append((start, tick, msg.note, velocity))
        out.append(sorted(notes))
    return out


def ours(data: bytes) -> list[list[tuple[int, int, int, int]]]:
    return [sorted(zip(t.starts, t.ends, t.pitches, t.velocities, strict=True))
            for t in read_tracks(data)]


def test_the_demo_song_reads_as_mido_reads_it() -> None:
    data = convert(parse_record(fixture_path("demo-song").read_bytes()), bpm="auto").to_bytes()
    tracks = read_tracks(data)
    mid = mido.MidiFile(file=io.BytesIO(data))
    assert [t.name for t in tracks] == [t.name for t in mid.tracks[1:]]
    assert [t.is_drum for t in tracks] == [True, False, False, False]
    assert [t.channel for t in tracks] == [9, 0, 1, 2]
    assert [t.program for t in tracks] == [0, 33, 0, 48]
    assert ours(data) == mido_notes(data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_any_converted_record_reads_as_mido_reads_it(record: object) -> None:
    data = convert(record).to_bytes()  # type: ignore[arg-type]
    assert ours(data) == mido_notes(data)


def test_what_is_not_a_midi_file() -> None:
    with pytest.raises(ValueError, match="not a Standard MIDI File"):
        read_tracks(b"RIFF....")
    data = convert(parse_record(fixture_path("demo-song").read_bytes())).to_bytes()
    with pytest.raises(ValueError, match="cut short"):
        read_tracks(data[:200])
