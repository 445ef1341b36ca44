"""The record-info response as msgspec Structs: how large records are decoded and checked.

``parse.parse_record`` hands JSON text of ``jsontext.MSGSPEC_MIN_SIZE`` bytes or more to
``decode_envelope`` first. msgspec then decodes each note into a small Struct, coercing and
range-checking its values in C as ``parse`` would in Python: a pitch that is a whole
number 0..127, times that are finite numbers from 0 on, a velocity 0..1, each also as a
numeric string (``"0.19"``, ``"60"``). What is left is one C pass for start <= end and the
columns. On a 300,000-note record that takes about 100 ms where untyped decoding plus the
Python loop of ``parse`` takes about 170 (``benchmarks/fallback.py``).

Only the API's own shape with plain notes fits: ``{code, msg, data: {..., midiData:
{instruments: [{name, notes: [{pitch, start, end, velocity}]}]}}}``, or the callback's
``data: {instruments}``. Anything else gives None and ``parse_record`` goes the usual
way, where such a record gets its exact treatment and wording: another shape or spelling,
a note to drop or a velocity to clamp or fill in, a number msgspec reads differently from
Python's ``float()`` (``" 60"``, ``"1_0"``, ``"nan"``: it refuses them all), text that is
not JSON. (The one value both accept and read differently is the string ``"-0"``:
msgspec reads 0.0, Python -0.0; both are tick 0 and MIDI velocity 1.)

Imported only for large records: it imports msgspec.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from operator import attrgetter, le
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from .model import NoteColumns

__all__ = ["decode_envelope"]

_Pitch = Annotated[int, Meta(ge=0, le=127)]
_Seconds = Annotated[float, Meta(ge=0.0, le=sys.float_info.max)]  # finite, from 0 on
_Velocity = Annotated[float, Meta(ge=0.0, le=1.0)]


class _Note(msgspec.Struct, gc=False):
    """A plain note. ``gc=False``: it holds no containers, and 300,000 of them need not be
    tracked by the cyclic GC."""

    pitch: _Pitch
    start: _Seconds
    end: _Seconds
    velocity: _Velocity


class _Instrument(msgspec.Struct):
    name: Any = UNSET
    notes: list[_Note] | UnsetType | None = UNSET


class _MidiData(msgspec.Struct):
    instruments: list[_Instrument] | UnsetType | None = UNSET
    state: Any = UNSET


class _Data(msgspec.Struct):
    """A record-info ``data`` object or a callback's: every key ``parse`` reads there."""

    midiData: _MidiData | UnsetType | None = UNSET
    instruments: list[_Instrument] | UnsetType | None = UNSET
    state: Any = UNSET
    successFlag: Any = UNSET
    taskId: Any = UNSET
    task_id: Any = UNSET
    errorCode: Any = UNSET
    errorMessage: Any = UNSET
    completeTime: Any = UNSET
    createTime: Any = UNSET


class _Envelope(msgspec.Struct):
    data: _Data
    code: Any = UNSET
    msg: Any = UNSET
    taskId: Any = UNSET
    task_id: Any = UNSET


# strict=False: numeric strings become numbers (the API sends times as strings in callbacks)
_DECODER = msgspec.json.Decoder(_Envelope, strict=False)
_COLUMNS = tuple(attrgetter(name) for name in _Note.__struct_fields__)


def decode_envelope(text: str | bytes | bytearray | memoryview) -> dict[str, Any] | None:
    """The envelope as nested dicts of the keys the JSON had, each instrument's ``notes``
    as ``NoteColumns``; None when the text is not the API's shape with plain notes."""
    try:
        envelope = _DECODER.decode(text)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None  # (ValidationError is a DecodeError; msgspec's depth limit a RecursionError)
    out = _present_fields(envelope)
    data = out["data"] = _present_fields(envelope.data)
    holders = [data]
    midi = data.get("midiData")
    if midi is not None:
        data["midiData"] = _present_fields(midi)
        holders.append(data["midiData"])
    for holder in holders:
        instruments = holder.get("instruments")
        if instruments is None:
            continue
        holder["instruments"] = items = [_present_fields(item) for item in instruments]
        for item in items:
            notes = item.get("notes")
            if notes is not None:
                columns = _columns(notes)
                if columns is None:
                    return None
                item["notes"] = columns
    return out


def _columns(notes: Sequence[_Note]) -> NoteColumns | None:
    """The notes' columns, or None when some note ends before it starts."""
    pitches, starts, ends, velocities = (list(map(get, notes)) for get in _COLUMNS)
    if not all(map(le, starts, ends)):
        return None
    return NoteColumns(pitches, starts, ends, velocities)


def _present_fields(struct: msgspec.Struct) -> dict[str, Any]:
    """A Struct's fields that the JSON object had, as a dict."""
    return {
        name: value
        for name in struct.__struct_fields__
        if (value := getattr(struct, name)) is not UNSET
    }
