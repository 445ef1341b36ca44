"""A record's JSON values -> its numbers, times, velocities and texts (and the words for them).

The API sends numbers as numbers or as strings, mixed within one note; every value a record
holds is read here the same way, whichever path (``parse`` or a caller) reads it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import InvalidRecordError
from .model import RecordStatus

__all__ = [
    "MISSING",
    "CheckedNote",
    "check_note",
    "epoch_ms",
    "first_present",
    "instrument_name",
    "join_path",
    "kind_of",
    "number_of",
    "odd_note",
    "safe_str",
    "seconds_of",
    "server_text",
    "shown",
    "status_of",
    "task_id_of",
    "time_keys",
    "unit_velocity",
    "whole_number",
]

_DEFAULT_VELOCITY = 100 / 127
_INF = math.inf
MISSING: Any = object()
_STATUS_BY_FLAG = {
    0: RecordStatus.PENDING,
    1: RecordStatus.SUCCESS,
    2: RecordStatus.CREATE_FAILED,
    3: RecordStatus.GENERATION_FAILED,
}
_TIME_KEYS = (("start", "end"), ("start_time", "end_time"), ("startTime", "endTime"))
_START_KEYS = tuple(start for start, _ in _TIME_KEYS)
_END_KEYS = tuple(end for _, end in _TIME_KEYS)


def time_keys(notes: Sequence[Any]) -> tuple[str, str]:
    """The start/end key names this instrument uses, judged from its first note."""
    first = notes[0] if notes else None
    if isinstance(first, Mapping):
        for keys in _TIME_KEYS:
            if keys[0] in first:
                return keys
    return _TIME_KEYS[0]


CheckedNote = tuple[int, float, float, float, bool] | str


def odd_note(note: Any, index: int, j: int, name: str) -> CheckedNote:
    """Read a note that lacks a plain key (or is a list) and check it with ``check_note``.
    A note that is not an object (nor a 3- or 4-item list) cannot be read and raises."""
    if isinstance(note, Mapping):
        pitch = note.get("pitch", MISSING)
        start = first_present(note, *_START_KEYS)
        end = first_present(note, *_END_KEYS)
        velocity = note.get("velocity")
    elif isinstance(note, (list, tuple)) and len(note) in (3, 4):
        pitch, start, end = note[0], note[1], note[2]
        velocity = note[3] if len(note) == 4 else None
    else:
        raise InvalidRecordError(
            f"instruments[{index}] ({name!r}).notes[{j}] is {kind_of(note)}, "
            "expected an object with pitch, start, end and velocity",
            where=f"instruments[{index}].notes[{j}]",
        )
    return check_note(pitch, start, end, velocity)


def check_note(pitch: Any, start: Any, end: Any, velocity: Any) -> CheckedNote:
    """Coerce a note's values: ``(pitch, start, end, velocity, velocity_was_set)``, or the
    reason the note is invalid (``MISSING`` marks a value that is not there)."""
    if pitch is MISSING:
        return "pitch is missing"
    midi_pitch = whole_number(pitch)
    if midi_pitch is None or not 0 <= midi_pitch <= 127:
        return f"pitch {shown(pitch)} is not a whole number 0-127"
    seconds = seconds_of(start, "start")
    if isinstance(seconds, str):
        return seconds
    until = seconds_of(end, "end")
    if isinstance(until, str):
        return until
    if seconds < 0:
        return f"start {shown(start)} is negative"
    if until < seconds:
        return f"end {shown(end)} is before start {shown(start)}"
    return (midi_pitch, seconds, until, *unit_velocity(velocity))


def number_of(value: Any) -> int | float | None:
    """The number a JSON value stands for, or None: ints and floats as they are (the same
    object), numeric strings as floats; booleans, null, other text and containers are not
    numbers. Numeric types of other decoders (Decimal, NumPy scalars) are converted."""
    kind = type(value)
    if kind is float or kind is int:
        return value  # type: ignore[no-any-return]
    if kind is str:
        # float() reads every JSON number ("60", "0.19", "1e1") in one attempt; whole numbers
        # that matter here (pitch, flag, code, epoch ms) are far below 2**53, so exact.
        if "_" in value:
            return None  # Python reads "1_0" as 10; no JSON number looks like that
        try:
            return float(value)
        except ValueError:
            return None
    if kind is bool or value is None:
        return None
    try:
        if hasattr(kind, "__index__"):
            return int(value.__index__())
        if hasattr(kind, "__float__"):
            return float(value)
    except (TypeError, ValueError, ArithmeticError):
        pass
    return None


def whole_number(value: Any) -> int | None:
    """``value`` as a whole number (``60``, ``60.0``, ``"60"``, ``"60.0"``), else None."""
    number = number_of(value)
    if isinstance(number, float):
        return int(number) if number.is_integer() else None
    return number


def seconds_of(value: Any, label: str) -> float | str:
    """A start or end time as a finite float, or the reason it is not one."""
    if value is MISSING:
        return f"{label} is missing"
    number = number_of(value)
    if number is None:
        return f"{label} {shown(value)} is not a number"
    try:
        seconds = number if type(number) is float else float(number)
    except OverflowError:
        seconds = _INF
    if not math.isfinite(seconds):
        return f"{label} {shown(value)} is not finite"
    return seconds


def unit_velocity(value: Any) -> tuple[float, bool]:
    """A velocity in 0..1 and whether it had to be set: clamped when out of range, 100/127
    when missing or not a number."""
    number = number_of(value)
    if number is None or number != number:
        return _DEFAULT_VELOCITY, True
    if 0 <= number <= 1:
        # An int here is 0 or 1: use the float constants rather than a new float per note.
        return (number if type(number) is float else (1.0 if number else 0.0)), False
    return (0.0 if number < 0 else 1.0), True


def status_of(flag: Any, where: str) -> RecordStatus:
    """The status for a ``successFlag`` (0-3, also as a string)."""
    number = whole_number(flag)
    status = None if number is None else _STATUS_BY_FLAG.get(number)
    if status is None:
        raise InvalidRecordError(
            f"unknown successFlag {shown(flag)}: expected 0 (pending), 1 (success), "
            "2 (create failed) or 3 (generation failed)",
            where=where,
        )
    return status


def epoch_ms(value: Any) -> int | None:
    """An epoch-milliseconds time (number or numeric string); None when absent or unreadable:
    a time is informative only, so it never makes a record unreadable."""
    number = number_of(value)
    if isinstance(number, float):
        return int(number) if math.isfinite(number) else None
    return number


def task_id_of(data: Mapping[Any, Any]) -> str | None:
    """The task id at ``taskId`` or ``task_id`` (a non-empty string or an integer)."""
    for key in ("taskId", "task_id"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
        if type(value) is int:
            return str(value)
    return None


def first_present(mapping: Mapping[Any, Any], *keys: str) -> Any:
    """The value at the first of ``keys`` present, else ``MISSING``."""
    for key in keys:
        if key in mapping:
            return mapping[key]
    return MISSING


def instrument_name(value: Any, index: int) -> str:
    """An instrument's name: as given, through ``str()``, or "Instrument N" when blank."""
    name = "" if value is None else value if isinstance(value, str) else safe_str(value)
    return name if name.strip() else f"Instrument {index + 1}"


def server_text(value: Any) -> str | None:
    """A server string (error code or message): None when null or empty."""
    if value is None:
        return None
    return (value if isinstance(value, str) else safe_str(value)) or None


def safe_str(value: Any) -> str:
    """``str(value)``, which Python refuses for integers of more than 4300 digits."""
    try:
        return str(value)
    except ValueError:
        return f"<a {type(value).__name__}>"


def shown(value: Any) -> str:
    """A short rendering of a value for a message, in JSON's words for null and booleans."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, Mapping):
        return "{...}"
    if isinstance(value, (list, tuple)):
        return "[...]"
    try:
        text = repr(value)
    except ValueError:
        text = f"<a {type(value).__name__}>"
    return text if len(text) <= 40 else text[:37] + "..."


def kind_of(value: Any) -> str:
    """What a JSON value is, in words: "a string", "a number", "an object", "null"..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def join_path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
