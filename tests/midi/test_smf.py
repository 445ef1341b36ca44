"""smf: our bytes are mido's bytes for the same messages (mido is the reference writer)."""

from __future__ import annotations

import io
from typing import Any

import mido
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mido.midifiles.meta import encode_variable_int

from midi_export.errors import InvalidRecordError
from midi_export.midi import note_keys, smf
from midi_export.midi.convert import convert
from midi_export.record import Record

from strategies import records

# --------------------------------------------------------------------------- VLQ


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, b"\x00"),
        (1, b"\x01"),
        (127, b"\x7f"),
        (128, b"\x81\x00"),
        (16383, b"\xff\x7f"),
        (16384, b"\x81\x80\x00"),
        (2097151, b"\xff\xff\x7f"),
        (2097152, b"\x81\x80\x80\x00"),
        (0x0FFFFFFF, b"\xff\xff\xff\x7f"),
    ],
)
def test_vlq_edge_values(value: int, encoded: bytes) -> None:
    assert smf.vlq(value) == encoded
    assert bytes(encode_variable_int(value)) == encoded


@given(st.integers(0, smf.MAX_DELTA))
def test_vlq_matches_mido(value: int) -> None:
    assert smf.vlq(value) == bytes(encode_variable_int(value))


def test_vlq_too_big_is_an_invalid_record_with_a_clear_message() -> None:
    with pytest.raises(InvalidRecordError, match="longer than a MIDI file can hold"):
        smf.vlq(0x10000000)


def test_vlq_negative_is_a_bug() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        smf.vlq(-1)


def test_a_gap_too_long_for_the_file_raises_from_the_writer() -> None:
    track = smf.TrackWriter()
    track.note_on(0, 0, 60, 100)
    with pytest.raises(InvalidRecordError, match="268435455"):
        track.note_on(0x10000000, 0, 60, 0)
    track = smf.TrackWriter()
    keys = [note_keys.note_key(0, 60, 100), note_keys.note_key(0x10000000, 60, 0)]
    with pytest.raises(InvalidRecordError):
        track.note_events(keys, 0)


def test_events_out_of_order_are_a_bug() -> None:
    track = smf.TrackWriter()
    track.note_on(10, 0, 60, 100)
    with pytest.raises(ValueError):
        track.note_on(5, 0, 60, 0)


# --------------------------------------------------------------------------- hand-checked bytes


def test_a_small_file_byte_by_byte() -> None:
    conductor = smf.TrackWriter()
    conductor.track_name(0, "t")
    conductor.tempo(0, 500_000)
    conductor.time_signature(0, 4, 4)
    notes = smf.TrackWriter()
    notes.program_change(0, 9, 0)
    notes.note_events([note_keys.note_key(0, 36, 100), note_keys.note_key(96, 36, 0)], 9)
    data = smf.file_bytes(480, [conductor.end_of_track(), notes.end_of_track()])
    assert data == bytes.fromhex(
        "4d546864 00000006 0001 0002 01e0"  # MThd, length 6, type 1, 2 tracks, 480 ppq
        "4d54726b 00000018"  # MTrk, 24 bytes
        "00 ff03 01 74"  # track_name "t"
        "00 ff51 03 07a120"  # set_tempo 500000
        "00 ff58 04 04 02 18 08"  # time_signature 4/4, 24 clocks, 8 32nds
        "00 ff2f 00"  # end_of_track
        "4d54726b 0000000e"  # MTrk, 14 bytes
        "00 c9 00"  # program_change channel 10, program 0
        "00 99 24 64"  # note_on 36 velocity 100
        "60 24 00"  # 96 ticks later, running status: note_on 36 velocity 0 (note-off)
        "00 ff2f 00"  # end_of_track
    )


def test_a_midi_port_event_byte_by_byte() -> None:
    track = smf.TrackWriter()
    track.midi_port(0, 3)
    assert track.end_of_track() == bytes.fromhex("4d54726b 00000009 00ff2101 03 00ff2f00")
    with pytest.raises(ValueError, match="port"):
        smf.TrackWriter().midi_port(0, 128)


# the 30 key signatures as mido names them: 7 flats .. 7 sharps, major then minor
KEY_NAMES = ("Cb", "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#",
             "Abm", "Ebm", "Bbm", "Fm", "Cm", "Gm", "Dm", "Am", "Em", "Bm", "F#m", "C#m", "G#m",
             "D#m", "A#m")


def test_a_key_signature_event_byte_by_byte() -> None:
    track = smf.TrackWriter()
    track.key_signature(0, -3, True)  # C minor: 3 flats
    track.key_signature(0, 6, False)  # F# major: 6 sharps
    assert track.end_of_track() == bytes.fromhex(
        "4d54726b 00000010 00ff5902 fd01 00ff5902 0600 00ff2f00")
    for bad in (-8, 8):
        with pytest.raises(ValueError, match="key signature"):
            smf.TrackWriter().key_signature(0, bad, False)


@pytest.mark.parametrize("name", KEY_NAMES)
def test_every_key_signature_is_what_mido_writes(name: str) -> None:
    index = KEY_NAMES.index(name)
    sharps, minor = index % 15 - 7, index >= 15
    ours = smf.TrackWriter()
    ours.key_signature(0, sharps, minor)
    assert ours.end_of_track() == _mido_bytes(
        [[mido.MetaMessage("key_signature", key=name, time=0)]], 480)[14:]


def test_note_key_order_is_by_tick_then_offs_then_pitch() -> None:
    keys = [
        note_keys.note_key(10, 64, 90),
        note_keys.note_key(10, 60, 0),
        note_keys.note_key(10, 50, 100),
        note_keys.note_key(9, 70, 0),
        note_keys.note_key(10, 40, 0),
    ]
    keys.sort()
    shift, pitch_shift = note_keys.NOTE_TICK_SHIFT, note_keys.NOTE_PITCH_SHIFT
    assert [(k >> shift, (k >> pitch_shift) & 127, k & 127) for k in keys] == [
        (9, 70, 0),
        (10, 40, 0),
        (10, 60, 0),
        (10, 50, 100),
        (10, 64, 90),
    ]


def test_track_names_are_utf8() -> None:
    track = smf.TrackWriter()
    track.track_name(0, "Flûte 🎶")
    chunk = track.end_of_track()
    assert "Flûte 🎶".encode() in chunk
    data = smf.file_bytes(480, [chunk])
    assert mido.MidiFile(file=io.BytesIO(data), charset="utf-8").tracks[0].name == "Flûte 🎶"


def test_a_name_utf8_cannot_encode_is_written_with_replacement_marks() -> None:
    track = smf.TrackWriter()
    track.track_name(0, "a\ud800b")  # a lone surrogate (json.loads can produce one)
    data = smf.file_bytes(480, [track.end_of_track()])
    assert mido.MidiFile(file=io.BytesIO(data), charset="utf-8").tracks[0].name == "a?b"


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.program_change(0, 16, 0),
        lambda t: t.note_on(0, -1, 60, 1),
        lambda t: t.note_events([], 16),
        lambda t: t.channel_message(0, 0xF0, 1),
        lambda t: t.channel_message(0, 0x90, 60, 128),
        lambda t: t.tempo(0, 0x1000000),
        lambda t: t.time_signature(0, 4, 3),
        lambda t: t.meta(0, 0x80, b""),
    ],
)
def test_out_of_range_values_are_refused(call: Any) -> None:
    with pytest.raises(ValueError):
        call(smf.TrackWriter())


@pytest.mark.parametrize("args", [(3, 1, 480), (1, 70000, 480), (1, 1, 0), (1, 1, 32768)])
def test_bad_headers_are_refused(args: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError):
        smf.header_chunk(*args)


# --------------------------------------------------------------------------- against mido

_channels = st.integers(0, 15)
_data = st.integers(0, 127)
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)

_messages = st.one_of(
    st.builds(lambda c, n, v: mido.Message("note_on", channel=c, note=n, velocity=v),
              _channels, _data, _data),
    st.builds(lambda c, n, v: mido.Message("note_off", channel=c, note=n, velocity=v),
              _channels, _data, _data),
    st.builds(lambda c, n, v: mido.Message("polytouch", channel=c, note=n, value=v),
              _channels, _data, _data),
    st.builds(lambda c, n, v: mido.Message("control_change", channel=c, control=n, value=v),
              _channels, _data, _data),
    st.builds(lambda c, p: mido.Message("program_change", channel=c, program=p),
              _channels, _data),
    st.builds(lambda c, v: mido.Message("aftertouch", channel=c, value=v), _channels, _data),
    st.builds(lambda c, v: mido.Message("pitchwheel", channel=c, pitch=v),
              _channels, st.integers(-8192, 8191)),
    st.builds(lambda name: mido.MetaMessage("track_name", name=name), _text),
    st.builds(lambda text: mido.MetaMessage("text", text=text), _text),
    st.builds(lambda tempo: mido.MetaMessage("set_tempo", tempo=tempo),
              st.integers(0, 0xFFFFFF)),
    st.builds(lambda port: mido.MetaMessage("midi_port", port=port), st.integers(0, 127)),
    st.builds(lambda key: mido.MetaMessage("key_signature", key=key), st.sampled_from(KEY_NAMES)),
    st.builds(
        lambda n, d, c, b: mido.MetaMessage(
            "time_signature", numerator=n, denominator=2**d, clocks_per_click=c,
            notated_32nd_notes_per_beat=b,
        ),
        st.integers(1, 255), st.integers(0, 7), st.integers(0, 255), st.integers(0, 255),
    ),
)
# mostly small deltas (running status, 1-byte VLQs), some of every VLQ size
_deltas = st.one_of(
    st.just(0), st.integers(0, 127), st.integers(0, 20_000), st.integers(0, smf.MAX_DELTA)
)
_tracks = st.lists(st.lists(st.tuples(_deltas, _messages), max_size=30), min_size=1, max_size=4)


def _write_like_mido(writer: smf.TrackWriter, tick: int, msg: Any) -> None:
    if msg.type == "track_name":
        writer.track_name(tick, msg.name)
    elif msg.type == "text":
        writer.text(tick, 0x01, msg.text)
    elif msg.type == "set_tempo":
        writer.tempo(tick, msg.tempo)
    elif msg.type == "midi_port":
        writer.midi_port(tick, msg.port)
    elif msg.type == "key_signature":
        sf, mi = msg.bytes()[3:]
        writer.key_signature(tick, sf - 256 if sf > 127 else sf, mi == 1)
    elif msg.type == "time_signature":
        writer.time_signature(tick, msg.numerator, msg.denominator, msg.clocks_per_click,
                              msg.notated_32nd_notes_per_beat)
    elif msg.type == "note_on":
        writer.note_on(tick, msg.channel, msg.note, msg.velocity)
    elif msg.type == "program_change":
        writer.program_change(tick, msg.channel, msg.program)
    else:
        status, *data = msg.bytes()
        writer.channel_message(tick, status, *data)


def _mido_bytes(tracks: list[list[Any]], ppq: int) -> bytes:
    mf = mido.MidiFile(type=1, ticks_per_beat=ppq, charset="utf-8")
    for track in tracks:
        mf.tracks.append(mido.MidiTrack(track))
    out = io.BytesIO()
    mf.save(file=out)
    return out.getvalue()


@settings(max_examples=150)
@given(tracks=_tracks, ppq=st.integers(1, 32767))
def test_any_event_list_encodes_as_mido_saves_it(
    tracks: list[list[tuple[int, Any]]], ppq: int
) -> None:
    chunks = []
    mido_tracks = []
    for events in tracks:
        writer = smf.TrackWriter()
        tick = 0
        messages = []
        for delta, msg in events:
            tick += delta
            _write_like_mido(writer, tick, msg)
            messages.append(msg.copy(time=delta))
        chunks.append(writer.end_of_track())
        mido_tracks.append(messages)
    assert smf.file_bytes(ppq, chunks) == _mido_bytes(mido_tracks, ppq)


@settings(max_examples=150)
@given(
    notes=st.lists(
        st.tuples(st.one_of(st.integers(0, 200), st.integers(0, 5_000_000)), _data,
                  st.integers(0, 127)),
        max_size=200,
    ),
    channel=_channels,
    program=_data,
    name=_text,
)
def test_the_note_fast_path_encodes_as_mido_saves_it(
    notes: list[tuple[int, int, int]], channel: int, program: int, name: str
) -> None:
    keys = sorted(note_keys.note_key(t, p, v) for t, p, v in notes)
    writer = smf.TrackWriter()
    writer.track_name(0, name)
    writer.program_change(0, channel, program)
    writer.note_events(keys, channel)
    ours = smf.file_bytes(480, [writer.end_of_track()])

    messages = [
        mido.MetaMessage("track_name", name=name),
        mido.Message("program_change", channel=channel, program=program),
    ]
    previous = 0
    for key in keys:
        tick = key >> note_keys.NOTE_TICK_SHIFT
        pitch = (key >> note_keys.NOTE_PITCH_SHIFT) & 127
        messages.append(mido.Message("note_on", channel=channel, note=pitch,
                                     velocity=key & 127, time=tick - previous))
        previous = tick
    assert ours == _mido_bytes([messages], 480)


def test_end_of_track_can_come_later_than_the_last_event() -> None:
    writer = smf.TrackWriter()
    writer.note_on(10, 0, 60, 1)
    chunk = writer.end_of_track(100)
    track = mido.MidiFile(file=io.BytesIO(smf.file_bytes(480, [chunk]))).tracks[0]
    assert track[-1] == mido.MetaMessage("end_of_track", time=90)


def test_fast_path_after_other_note_ons_keeps_running_status() -> None:
    writer = smf.TrackWriter()
    writer.note_on(0, 3, 60, 100)
    writer.note_events([note_keys.note_key(5, 60, 0)], 3)
    chunk = writer.end_of_track()
    assert chunk.endswith(bytes.fromhex("00 93 3c 64 05 3c 00 00 ff2f00"))


@settings(max_examples=60, deadline=None)
@given(record=records(max_instruments=20, max_notes=30), bpm=st.floats(30, 300),
       ppq=st.sampled_from([96, 480, 960]))
def test_a_conversion_is_what_mido_writes_when_it_resaves_it(
    record: Record, bpm: float, ppq: int
) -> None:
    data = convert(record, bpm=bpm, ppq=ppq).to_bytes()
    out = io.BytesIO()
    mido.MidiFile(file=io.BytesIO(data), charset="utf-8").save(file=out)
    assert out.getvalue() == data
