"""A ``Record`` checked at the boundary of ``convert`` and ``estimate_tempo``: its types, and
the notes of hand-built instruments (``parse_record``'s are valid by construction).

A hand-built ``Record``/``Instrument`` with a wrong field type used to fail deep inside
(``AttributeError``, ``AssertionError``); now it is a ``TypeError`` naming the field
(``record.instruments[2].starts``), and a bad note value an ``InvalidRecordError`` (exit 7)
naming the instrument and the note. The structural checks
are one ``isinstance`` per instrument; the column checks of an instrument that is not
``validated`` run at C speed (``sum``, ``min``, ``bytes``), never a Python loop per note
unless there is something to name.
"""

from __future__ import annotations

import math
from typing import Any

from .._check import WrongType, check_type, kind
from ..errors import InvalidRecordError, UsageError
from .model import Instrument, Record, RecordStatus

__all__ = ["check_instrument", "check_record", "check_strict"]

_COLUMNS = ("pitches", "starts", "ends", "velocities")


def check_record(record: Any, name: str = "record") -> None:
    """``TypeError``/``UsageError`` unless ``record`` is a well-formed ``Record``."""
    check_type(name, record, Record, "a Record (see parse_record)")
    check_type(f"{name}.status", record.status, RecordStatus, "a RecordStatus")
    check_type(f"{name}.task_id", record.task_id, str, "a str", optional=True)
    check_type(f"{name}.instruments", record.instruments, (tuple, list),
               "a sequence of Instrument")
    for index, ins in enumerate(record.instruments):
        check_instrument(ins, f"{name}.instruments[{index}]")


def check_instrument(ins: Any, name: str = "instrument") -> None:
    """One instrument: a str name, four list columns of one length, and (unless
    ``validated``) whole pitches 0..127, finite times from 0 on, finite velocities."""
    check_type(name, ins, Instrument, "an Instrument")
    check_type(f"{name}.name", ins.name, str, "a str")
    columns = [getattr(ins, column) for column in _COLUMNS]
    for column, values in zip(_COLUMNS, columns, strict=True):
        check_type(f"{name}.{column}", values, list, "a list")
    if len({len(values) for values in columns}) != 1:
        raise UsageError(f"{name}: its four note columns differ in length")
    if getattr(ins, "validated", False) or not ins.pitches:
        return
    try:
        pitches_ok = bytes(ins.pitches).isascii()  # whole numbers 0..127, in C
    except (TypeError, ValueError):
        pitches_ok = False
    if not pitches_ok:
        _raise_first_bad(ins, name, "pitches", ins.pitches,
                         lambda p: type(p) is int and 0 <= p <= 127, "a whole number 0..127")
    for column in ("starts", "ends", "velocities"):
        values = getattr(ins, column)
        try:
            finite = math.isfinite(sum(values)) and (column != "starts" or min(values) >= 0)
        except TypeError:
            finite = False
        if not finite:
            _raise_first_bad(ins, name, column, values, _good_time if column != "velocities"
                             else _good_number, "a finite number"
                             + (" >= 0" if column == "starts" else ""))


def _good_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def _good_time(value: object) -> bool:
    return _good_number(value) and value >= 0  # type: ignore[operator]


def _raise_first_bad(ins: Instrument, name: str, column: str, values: list[Any], good: Any,
                     what: str) -> None:
    """Raise for the first value that is not ``good``: a number out of range is invalid data
    (``InvalidRecordError``), anything else a ``WrongType``; nothing when every value is good
    (a sum that overflowed: the converter's limits speak about such far notes)."""
    for index, value in enumerate(values):
        if good(value):
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise InvalidRecordError(
                f"instrument {ins.name!r} ({name}): {column}[{index}] must be {what}, "
                f"not {value!r}", where=f"{name.removeprefix('record.')}.notes[{index}]")
        raise WrongType(f"{name}.{column}[{index}] must be {what}, not {kind(value)}")


def check_strict(record: Record) -> None:
    """``strict``: ``InvalidRecordError`` naming the first instrument with invalid notes."""
    for index, ins in enumerate(record.instruments):
        if ins.dropped:
            first = ins.problems[0] if ins.problems else "no reason recorded"
            raise InvalidRecordError(
                f"instrument {ins.name!r} (instruments[{index}]) has {ins.dropped} invalid "
                f"note(s); the first: {first}",
                where=f"instruments[{index}]",
            )
