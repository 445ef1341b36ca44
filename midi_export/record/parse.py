"""Any payload shape of the MIDI record API -> ``Record``: ``parse_record`` and its readers.

The shapes (record-info responses, callbacks, bare ``midiData``, other providers' variants)
are told apart here; each note's values are read by ``values``, large text of the API's own
shape is first tried by ``schema`` (msgspec, in C).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidRecordError
from .jsontext import decode_json, is_large
from .model import Instrument, NoteColumns, Record, RecordStatus
from .values import (
    check_note,
    epoch_ms,
    instrument_name,
    join_path,
    kind_of,
    odd_note,
    safe_str,
    server_text,
    shown,
    status_of,
    task_id_of,
    time_keys,
    unit_velocity,
    whole_number,
)

__all__ = ["parse_record"]

_MAX_PROBLEMS = 5  # reasons kept per instrument for the report
_INF = math.inf

def parse_record(payload: str | bytes | bytearray | Any, *, strict: bool = False) -> Record:
    """Read a record from any shape the data arrives in.

    ``payload`` is JSON text (``str``, ``bytes``, ``bytearray`` or ``memoryview``) or an
    already-decoded object, which is kept as ``Record.raw`` as it is (not copied). Shapes:

    - the record-info response ``{code, msg, data: {taskId, successFlag, midiData, ...}}``,
      or its ``data`` object alone (``successFlag`` 0/1/2/3, also as a string, gives the
      status; ``errorCode``, ``errorMessage``, ``completeTime``, ``createTime`` are read);
    - a callback body: ``{task_id, code, msg, data: {state, instruments}}`` or
      ``{code, msg, data: {taskId, state, instruments}}``; a ``code`` other than 200 with a
      task id is a generation failure whose ``error_code`` is the code and ``error_message``
      the ``msg`` (unless ``data`` has ``errorCode``/``errorMessage``);
    - bare ``midiData`` (``{state, instruments}``) or a bare list of instruments;
    - other providers' variants: ``instruments`` as a mapping name -> notes list (or
      name -> ``{notes: [...]}``), ``data`` (or ``midiData``) as a list of midiData objects
      whose instruments are joined in order, ``start_time``/``end_time`` or
      ``startTime``/``endTime`` for ``start``/``end``, a note as a list
      ``[pitch, start, end]`` or ``[pitch, start, end, velocity]``.

    The task id is read from ``taskId``, ``task_id``, ``data.taskId`` or ``data.task_id``.
    Without ``successFlag`` a record that carries note data is a success. ``midiData`` that
    is null, ``{}`` or has no instruments gives a record without instruments (see
    ``Record.raise_for_status``).

    Numbers may be JSON strings (``"0.19"``, ``"60"``), mixed within one note. A note is
    invalid when its pitch is not a whole number 0..127 (``60.0`` and ``"60"`` are fine;
    ``60.5``, booleans and null are not), or its start or end is missing, not a number, not
    finite, when start < 0 or end < start (end == start is allowed). Invalid notes are
    dropped and counted in ``Instrument.dropped``, the first few reasons kept in
    ``Instrument.problems``; with ``strict=True`` the first one raises
    ``InvalidRecordError`` whose ``where`` is ``"instruments[I].notes[J]"`` (``I`` the index
    in ``Record.instruments``). A velocity outside 0..1 is clamped into range; a missing,
    null, non-numeric or NaN velocity becomes 100/127 (MIDI velocity 100). Both count in
    ``Instrument.clamped``. A missing or blank instrument name becomes ``"Instrument N"``
    (1-based); other non-string names go through ``str()``.

    Anything that cannot be read raises ``InvalidRecordError`` saying where: text that is
    not JSON or is cut short (``where`` is ``"line L column C"``), an API error response
    (a ``code`` other than 200 and no task id), ``instruments`` or ``notes`` of the wrong
    type, a note that is not an object, an unknown ``successFlag``. Paths in ``where`` above
    the instruments are counted from the payload's top (``"data.successFlag"``); from an
    instrument down they are ``"instruments[I]..."``.

    Text is decoded by ``decode_json``: msgspec for large text (fast, and no more memory
    than the stdlib), the stdlib's json for small text and for whatever msgspec refuses,
    so ``NaN`` and ``Infinity`` literals are read and error positions are the stdlib's.
    Large text of the API's own shape whose notes are all valid is first tried with
    ``schema``, which decodes and checks the notes in C; the record is the same.
    """
    if isinstance(payload, (str, bytes, bytearray, memoryview)):
        if is_large(payload):
            record = _parse_large(payload, strict)
            if record is not None:
                return record
        payload = decode_json(payload)
    if isinstance(payload, Mapping):
        if "code" in payload or "data" in payload:
            return _from_envelope(payload, strict)
        return _from_data(payload, "", None, payload, strict)
    if isinstance(payload, (list, tuple)):
        return Record(
            task_id=None,
            status=RecordStatus.SUCCESS,
            instruments=_read_midi(payload, "", strict),
            raw=payload,
        )
    raise InvalidRecordError(
        f"the top level is {kind_of(payload)}, expected an object (a record) or a list"
    )


def _parse_large(text: str | bytes | bytearray | memoryview, strict: bool) -> Record | None:
    """A large record of the API's own shape whose notes are all plain, decoded and checked
    by msgspec (``schema``): the same ``Record``, sooner. None for anything else, which
    ``parse_record`` then reads the usual way (and words any error as for small records)."""
    from .schema import decode_envelope

    envelope = decode_envelope(text)
    if envelope is None:
        return None
    try:
        record = _from_envelope(envelope, strict)
    except InvalidRecordError:
        return None
    # ``raw`` would be the schema's dicts and columns: decode the text if someone asks
    record._raw = None
    record._raw_text = text if isinstance(text, (bytes, str)) else bytes(text)
    return record


def _from_envelope(envelope: Mapping[Any, Any], strict: bool) -> Record:
    """A ``{code, msg, data}`` body: a record-info response or a callback."""
    raw_code = envelope.get("code")
    code = 200 if raw_code is None else whole_number(raw_code)
    if code is None:
        raise InvalidRecordError(f"code {shown(raw_code)} is not a whole number", where="code")
    msg = server_text(envelope.get("msg"))
    data = envelope.get("data")
    info: Mapping[Any, Any] = data if isinstance(data, Mapping) else {}
    task_id = task_id_of(envelope) or task_id_of(info)
    if code != 200:
        if task_id is None:
            said = f"code {code}: {msg}" if msg else f"code {code}"
            raise InvalidRecordError(
                f"this is an API error response ({said}), not a record", where="code"
            )
        return Record(
            task_id=task_id,
            status=RecordStatus.GENERATION_FAILED,
            error_code=server_text(info.get("errorCode")) or str(code),
            error_message=server_text(info.get("errorMessage")) or msg,
            raw=envelope,
        )
    if isinstance(data, Mapping):
        return _from_data(data, "data.", task_id, envelope, strict)
    if isinstance(data, (list, tuple)):
        return Record(
            task_id=task_id,
            status=RecordStatus.SUCCESS,
            instruments=_read_midi(data, "data", strict),
            raw=envelope,
        )
    if data is None:
        raise InvalidRecordError(
            "code 200 but data is null or missing: this response holds no record", where="data"
        )
    raise InvalidRecordError(f"data is {kind_of(data)}, expected an object or a list", where="data")


def _from_data(
    data: Mapping[Any, Any], prefix: str, task_id: str | None, raw: Any, strict: bool
) -> Record:
    """A record-info ``data`` object, a callback's ``data``, or bare ``midiData``."""
    if "midiData" in data:
        midi, midi_where = data["midiData"], prefix + "midiData"
    elif "instruments" in data or "state" in data:
        midi, midi_where = data, prefix[:-1]
    else:
        midi = midi_where = None
    flag = data.get("successFlag")
    if flag is not None:
        status = status_of(flag, prefix + "successFlag")
    elif midi_where is not None:
        status = RecordStatus.SUCCESS
    else:
        keys = ", ".join(sorted(safe_str(key) for key in data)[:8]) or "none"
        raise InvalidRecordError(
            f"{prefix[:-1] or 'the top level'} is not a record: it has no successFlag, "
            f"midiData or instruments (keys: {keys})",
            where=prefix[:-1] or None,
        )
    return Record(
        task_id=task_id or task_id_of(data),
        status=status,
        instruments=_read_midi(midi, midi_where or "", strict),
        error_code=server_text(data.get("errorCode")),
        error_message=server_text(data.get("errorMessage")),
        complete_time=epoch_ms(data.get("completeTime")),
        create_time=epoch_ms(data.get("createTime")),
        raw=raw,
    )


def _read_midi(midi: Any, where: str, strict: bool) -> list[Instrument]:
    """The instruments of a midiData object, or of a list of midiData and instrument objects."""
    out: list[Instrument] = []
    if midi is None:
        pass
    elif isinstance(midi, Mapping):
        _read_instruments(midi.get("instruments"), join_path(where, "instruments"), out, strict)
    elif isinstance(midi, (list, tuple)):
        for k, item in enumerate(midi):
            if (isinstance(item, Mapping) and "notes" not in item
                    and ("instruments" in item or "state" in item)):
                items_where = join_path(f"{where}[{k}]", "instruments")
                _read_instruments(item.get("instruments"), items_where, out, strict)
            else:
                out.append(_read_instrument(item, len(out), strict))
    else:
        raise InvalidRecordError(
            f"{where or 'the MIDI data'} is {kind_of(midi)}, expected an object with instruments",
            where=where or None,
        )
    return out


def _read_instruments(value: Any, where: str, out: list[Instrument], strict: bool) -> None:
    """Append to ``out`` the instruments of an ``instruments`` list or name -> notes mapping."""
    if value is None:
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            out.append(_read_instrument(item, len(out), strict))
    elif isinstance(value, Mapping):
        for key, notes in value.items():
            index = len(out)
            if isinstance(notes, Mapping):
                notes = notes.get("notes")
            elif notes is not None and not isinstance(notes, (list, tuple)):
                raise InvalidRecordError(
                    f"instruments[{index}] ({safe_str(key)!r}) is {kind_of(notes)}, "
                    "expected a list of notes",
                    where=f"instruments[{index}]",
                )
            out.append(_read_notes(notes, index, instrument_name(key, index), strict))
    else:
        raise InvalidRecordError(
            f"{where} is {kind_of(value)}, expected a list of instruments", where=where
        )


def _read_instrument(item: Any, index: int, strict: bool) -> Instrument:
    """One ``{name, notes}`` object."""
    if not isinstance(item, Mapping):
        raise InvalidRecordError(
            f"instruments[{index}] is {kind_of(item)}, expected an object with a name and notes",
            where=f"instruments[{index}]",
        )
    return _read_notes(item.get("notes"), index, instrument_name(item.get("name"), index), strict)


def _read_notes(notes: Any, index: int, name: str, strict: bool) -> Instrument:
    """Validate one instrument's notes into columns: the hot loop of the whole tool.

    Most notes are plain: an int pitch in range, float start <= end, float velocity in 0..1.
    They take the fast path, which appends the very objects the decoder made (no new floats,
    no object per note). Anything else goes to ``odd_note``.
    """
    if type(notes) is NoteColumns:
        return Instrument.from_columns(name, *notes, validated=True)
    if notes is None:
        notes = ()
    elif not isinstance(notes, (list, tuple)):
        raise InvalidRecordError(
            f"instruments[{index}] ({name!r}).notes is {kind_of(notes)}, expected a list of notes",
            where=f"instruments[{index}].notes",
        )
    start_key, end_key = time_keys(notes)
    pitches: list[int] = []
    starts: list[float] = []
    ends: list[float] = []
    velocities: list[float] = []
    add_pitch, add_start = pitches.append, starts.append
    add_end, add_velocity = ends.append, velocities.append
    dropped = clamped = 0
    problems: list[str] = []
    inf = _INF
    for note in notes:
        try:
            pitch = note["pitch"]
            start = note[start_key]
            end = note[end_key]
            velocity = note["velocity"]
        except (LookupError, TypeError):
            # A key missing, or not an object. Every note so far was kept or dropped, so
            # this one's index is their sum.
            read = odd_note(note, index, len(pitches) + dropped, name)
        else:
            # `type(x) is int` rather than isinstance: it is faster and refuses bools.
            # The chained comparison also refuses NaN, and `< inf` refuses infinity.
            if (type(pitch) is int and 0 <= pitch <= 127 and type(start) is float
                    and type(end) is float and 0.0 <= start <= end < inf):
                if type(velocity) is not float or not 0.0 <= velocity <= 1.0:
                    velocity, fixed = unit_velocity(velocity)
                    clamped += fixed
                add_pitch(pitch)
                add_start(start)
                add_end(end)
                add_velocity(velocity)
                continue
            read = check_note(pitch, start, end, velocity)  # strings, ints, or invalid
        if isinstance(read, str):
            j = len(pitches) + dropped
            if strict:
                raise InvalidRecordError(
                    f"invalid note at instruments[{index}] ({name!r}) notes[{j}]: {read}",
                    where=f"instruments[{index}].notes[{j}]",
                )
            dropped += 1
            if len(problems) < _MAX_PROBLEMS:
                problems.append(f"notes[{j}]: {read}")
            continue
        pitch, start, end, velocity, fixed = read
        clamped += fixed
        add_pitch(pitch)
        add_start(start)
        add_end(end)
        add_velocity(velocity)
    return Instrument.from_columns(
        name, pitches, starts, ends, velocities,
        dropped=dropped, clamped=clamped, problems=problems, validated=True,
    )
