"""parse_record: every shape a record arrives in, coercion, validation, errors that say where."""

from __future__ import annotations

import copy
import importlib.util
import itertools
import json
import math
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from midi_export.errors import (
    EmptyMidiDataError,
    InvalidRecordError,
    TaskFailedError,
    TaskPendingError,
)
from midi_export.record import Instrument, Note, Record, RecordStatus, jsontext, parse_record

from conftest import FIXTURES, fixture_path, load_fixture

SUCCESS, PENDING = RecordStatus.SUCCESS, RecordStatus.PENDING
CREATE_FAILED, GENERATION_FAILED = RecordStatus.CREATE_FAILED, RecordStatus.GENERATION_FAILED
DEFAULT_VELOCITY = 100 / 127

# The two instruments of the provider's own example record.
EXAMPLE = [
    ("Drums", [Note(73, 0.036458333333333336, 0.18229166666666666, 1.0),
               Note(61, 0.046875, 0.19270833333333334, 1.0)]),
    ("Electric Bass (finger)", [Note(44, 7.6875, 7.911458333333333, 1.0)]),
]


def shape(record: Record) -> list[tuple[str, list[Note]]]:
    return [(ins.name, list(ins.notes)) for ins in record.instruments]


def one_note(note: Any) -> Instrument:
    """Parse a bare midiData holding one instrument with this one note."""
    return parse_record({"instruments": [{"name": "P", "notes": [note]}]}).instruments[0]


MISSING = object()


def note(**fields: Any) -> dict[str, Any]:
    """A valid note object with ``fields`` changed (``MISSING`` leaves a key out)."""
    base: dict[str, Any] = {"pitch": 60, "start": 0.5, "end": 1.0, "velocity": 0.5}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not MISSING}


# --- every shape -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "task_id", "status", "notes"),
    [
        ("record-info-success", "5c79xxxxbe8e", SUCCESS, [2, 1]),
        ("record-info-data-only", "5c79xxxxbe8e", SUCCESS, [2, 1]),
        ("callback-success-taskId-in-data", "5c79xxxxbe8e", SUCCESS, [2, 1]),
        ("callback-success-task_id-top", "5c79xxxxbe8e", SUCCESS, [2, 2]),
        ("bare-midi-data", None, SUCCESS, [2, 1]),
        ("bare-instruments-list", None, SUCCESS, [2, 1]),
        ("record-info-empty-midi", "5c79xxxxbe8e", SUCCESS, []),
        ("record-info-pending", "5c79xxxxbe8e", PENDING, []),
        ("record-info-create-failed", "5c79xxxxbe8f", CREATE_FAILED, []),
        ("record-info-generation-failed", "5c79xxxxbe8e", GENERATION_FAILED, []),
        ("callback-failed-null-data", "5c79xxxxbe8e", GENERATION_FAILED, []),
        ("callback-failed-taskId-in-data", "5c79xxxxbe8e", GENERATION_FAILED, []),
        ("variant-instruments-mapping", "variant-mapping", SUCCESS, [2, 3, 0]),
        ("variant-data-list", "variant-data-list", SUCCESS, [1, 2, 1]),
        ("variant-start-time", "variant-start-time", SUCCESS, [2, 1]),
        ("strings-for-numbers", "strings-for-numbers", SUCCESS, [5]),
        ("notes-as-lists", "notes-as-lists", SUCCESS, [3]),
        ("invalid-notes", "invalid-notes", SUCCESS, [6, 1, 0]),
        ("demo-song", "demo-song", SUCCESS, [212, 128, 208, 64]),
    ],
)
def test_fixture_shapes(name: str, task_id: str | None, status: RecordStatus,
                        notes: list[int]) -> None:
    record = parse_record(fixture_path(name).read_bytes())
    assert record.task_id == task_id
    assert record.status is status
    assert [len(ins) for ins in record.instruments] == notes


@pytest.mark.parametrize(
    "name",
    ["record-info-success", "record-info-data-only", "callback-success-taskId-in-data",
     "bare-midi-data", "bare-instruments-list"],
)
def test_every_shape_of_the_example_gives_the_same_notes(name: str) -> None:
    assert shape(parse_record(load_fixture(name))) == EXAMPLE


def test_record_info_fields() -> None:
    record = parse_record(load_fixture("record-info-success"))
    assert (record.complete_time, record.create_time) == (1760335255000, 1760335251000)
    assert (record.error_code, record.error_message) == (None, None)
    assert record.note_count == 3
    assert [(i.dropped, i.clamped, i.problems) for i in record.instruments] == [(0, 0, ())] * 2


def test_data_only_coerces_flag_and_time_strings() -> None:
    record = parse_record(load_fixture("record-info-data-only"))
    assert record.status is SUCCESS
    assert record.complete_time == 1760335255000


def test_callback_strings_equal_the_numbers() -> None:
    record = parse_record(load_fixture("callback-success-task_id-top"))
    assert shape(record)[0] == EXAMPLE[0]
    assert list(record.instruments[1].notes) == [
        Note(44, 7.6875, 7.911458333333333, 1.0),
        Note(56, 7.6875, 7.911458333333333, 0.49606299212598426),
    ]


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("record-info-generation-failed", "MIDI_GENERATION_FAILED", "MIDI generation failed"),
        ("record-info-create-failed", "CREATE_TASK_FAILED", "Failed to create task"),
        ("callback-failed-null-data", "500", "MIDI generation failed"),
        ("callback-failed-taskId-in-data", "500", "MIDI generation failed"),
    ],
)
def test_failures_carry_code_and_message(name: str, code: str, message: str) -> None:
    record = parse_record(load_fixture(name))
    assert (record.error_code, record.error_message) == (code, message)
    assert record.instruments == ()


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("error-record-null-422", "code 422: recordInfo is null"),
        ("error-unauthorized", "code 401: You do not have access permissions"),
        ("error-maintenance-455", "code 455: System maintenance"),
        ("error-rate-limited-430",
         "code 430: Your call frequency is too high. Please try again later."),
    ],
)
def test_api_error_response_is_not_a_record(name: str, said: str) -> None:
    with pytest.raises(InvalidRecordError) as info:
        parse_record(fixture_path(name).read_text())
    assert str(info.value) == f"this is an API error response ({said}), not a record"
    assert info.value.where == "code"


def test_error_response_without_message() -> None:
    with pytest.raises(InvalidRecordError, match=r"^this is an API error response \(code 404\)"):
        parse_record({"code": 404, "data": None})


@pytest.mark.parametrize(
    "payload",
    [
        {"taskId": "T", "code": 500, "msg": "boom", "data": None},
        {"task_id": "T", "code": 500, "msg": "boom", "data": None},
        {"code": 500, "msg": "boom", "data": {"taskId": "T"}},
        {"code": 500, "msg": "boom", "data": {"task_id": "T"}},
        {"code": "500", "msg": "boom", "data": {"task_id": "T"}},
    ],
)
def test_task_id_of_a_failure_callback_anywhere(payload: dict[str, Any]) -> None:
    record = parse_record(payload)
    assert (record.task_id, record.status, record.error_code, record.error_message) == (
        "T", GENERATION_FAILED, "500", "boom")


@pytest.mark.parametrize(
    ("payload", "task_id"),
    [
        ({"taskId": "A", "code": 200, "data": {"state": "complete", "instruments": []}}, "A"),
        ({"task_id": "B", "code": 200, "data": {"state": "complete", "instruments": []}}, "B"),
        ({"code": 200, "data": {"taskId": "C", "instruments": []}}, "C"),
        ({"code": 200, "data": {"task_id": "D", "instruments": []}}, "D"),
        ({"code": 200, "data": {"taskId": 1234, "instruments": []}}, "1234"),
        ({"taskId": "", "code": 200, "data": {"instruments": []}}, None),
        ({"taskId": True, "instruments": []}, None),
    ],
)
def test_task_id_places(payload: dict[str, Any], task_id: str | None) -> None:
    assert parse_record(payload).task_id == task_id


def test_instruments_as_a_mapping() -> None:
    record = parse_record(load_fixture("variant-instruments-mapping"))
    assert [ins.name for ins in record.instruments] == [
        "Drums", "Acoustic Grand Piano", "Pad 2 (warm)"]
    assert record.instruments[1].notes[2] == Note(64, 0.0, 0.8854166666666666,
                                                  0.6299212598425197)


def test_data_as_a_list_of_midi_data_joins_instruments_in_order() -> None:
    record = parse_record(load_fixture("variant-data-list"))
    assert [ins.name for ins in record.instruments] == [
        "Drums", "Electric Bass (finger)", "String Ensembles 1"]
    assert record.instruments[2].notes[0] == Note(45, 0.0, 2.625, 0.4409448818897638)


def test_start_time_and_start_time_camel_case() -> None:
    record = parse_record(load_fixture("variant-start-time"))
    assert shape(record) == [
        ("Acoustic Grand Piano", [Note(60, 0.5, 1.0, 0.6299212598425197),
                                  Note(64, 1.0, 1.5, 0.6299212598425197)]),
        ("Violin", [Note(76, 2.0, 3.25, 0.5039370078740157)]),
    ]


def test_start_time_keys_in_a_note_after_plain_ones() -> None:
    ins = one_note({"pitch": 60, "start_time": 1.0, "end_time": 2.0, "velocity": 0.5})
    assert list(ins.notes) == [Note(60, 1.0, 2.0, 0.5)]
    mixed = parse_record({"instruments": [{"notes": [
        note(), {"pitch": 62, "startTime": 1.0, "endTime": 2.0, "velocity": 0.5}]}]})
    assert list(mixed.instruments[0].notes) == [Note(60, 0.5, 1.0, 0.5), Note(62, 1.0, 2.0, 0.5)]


def test_strings_for_numbers() -> None:
    ins = parse_record(load_fixture("strings-for-numbers")).instruments[0]
    assert list(ins.notes) == [
        Note(44, 7.6875, 7.911458333333333, 1.0),
        Note(56, 7.6875, 7.911458333333333, 0.49606299212598426),
        Note(57, 8.0, 8.25, 0.5),
        Note(60, 9.0, 9.0, 1.0),
        Note(62, 10.0, 10.5, 0.0),
    ]
    assert (ins.dropped, ins.clamped) == (0, 0)
    assert all(type(p) is int for p in ins.pitches)
    assert all(type(x) is float for col in (ins.starts, ins.ends, ins.velocities) for x in col)


def test_notes_as_lists() -> None:
    ins = parse_record(load_fixture("notes-as-lists")).instruments[0]
    assert list(ins.notes) == [
        Note(60, 0.0, 0.5, 0.6299212598425197),
        Note(64, 0.5, 1.0, 0.6299212598425197),
        Note(67, 1.0, 1.5, DEFAULT_VELOCITY),
    ]
    assert ins.clamped == 1


@pytest.mark.parametrize(
    "midi_data", [None, {}, {"state": "complete"}, {"state": "complete", "instruments": []},
                  {"instruments": None}, []],
)
def test_empty_midi_data_on_success(midi_data: Any) -> None:
    record = parse_record({"code": 200, "data": {"taskId": "T", "successFlag": 1,
                                                 "midiData": midi_data}})
    assert (record.status, record.instruments) == (SUCCESS, ())


def test_instrument_with_null_or_missing_notes_is_empty() -> None:
    record = parse_record({"instruments": [{"name": "A", "notes": None}, {"name": "B"}]})
    assert [(i.name, len(i), i.dropped) for i in record.instruments] == [("A", 0, 0), ("B", 0, 0)]


# --- status, times, names --------------------------------------------------------------------

@pytest.mark.parametrize(
    ("flag", "status"),
    [(0, PENDING), (1, SUCCESS), (2, CREATE_FAILED), (3, GENERATION_FAILED),
     ("0", PENDING), ("1", SUCCESS), ("2", CREATE_FAILED), ("3", GENERATION_FAILED),
     (1.0, SUCCESS), (" 3 ", GENERATION_FAILED)],
)
def test_success_flag(flag: Any, status: RecordStatus) -> None:
    payload = {"code": 200, "msg": "success", "data": {"taskId": "T", "successFlag": flag,
                                                        "midiData": None}}
    assert parse_record(payload).status is status


@pytest.mark.parametrize("flag", [4, -1, "x", "", True, False, 1.5, [1], {"v": 1}, "NaN"])
def test_unknown_success_flag(flag: Any) -> None:
    with pytest.raises(InvalidRecordError, match="unknown successFlag") as info:
        parse_record({"code": 200, "data": {"taskId": "T", "successFlag": flag}})
    assert info.value.where == "data.successFlag"
    with pytest.raises(InvalidRecordError) as bare:
        parse_record({"taskId": "T", "successFlag": flag})
    assert bare.value.where == "successFlag"


def test_no_success_flag_and_no_notes_is_not_a_record() -> None:
    with pytest.raises(InvalidRecordError) as info:
        parse_record({"code": 200, "msg": "success", "data": {"taskId": "T"}})
    assert str(info.value) == (
        "data is not a record: it has no successFlag, midiData or instruments (keys: taskId)")
    assert info.value.where == "data"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1760335255000, 1760335255000), ("1760335255000", 1760335255000),
     (1760335255000.0, 1760335255000), (None, None), ("soon", None), (True, None),
     (math.inf, None), ([1], None)],
)
def test_times(value: Any, expected: int | None) -> None:
    record = parse_record({"taskId": "T", "successFlag": 1, "completeTime": value,
                           "createTime": value})
    assert record.complete_time == record.create_time == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Violin", "Violin"), (None, "Instrument 2"), ("", "Instrument 2"), ("  ", "Instrument 2"),
     (7, "7"), (1.5, "1.5"), (False, "False"), (MISSING, "Instrument 2")],
)
def test_instrument_names(name: Any, expected: str) -> None:
    second = {"notes": []} if name is MISSING else {"name": name, "notes": []}
    record = parse_record({"instruments": [{"name": "First", "notes": []}, second]})
    assert record.instruments[1].name == expected


# --- notes: coercion and validity ------------------------------------------------------------

@pytest.mark.parametrize(
    ("pitch", "expected"),
    [(60, 60), (60.0, 60), ("60", 60), ("60.0", 60), (" 60 ", 60), (0, 0), (127, 127),
     ("1e1", 10), (-0.0, 0)],
)
def test_pitch_coercion(pitch: Any, expected: int) -> None:
    ins = one_note(note(pitch=pitch))
    assert ins.pitches == [expected] and type(ins.pitches[0]) is int
    assert ins.dropped == 0


@pytest.mark.parametrize(
    ("pitch", "shown"),
    [(60.5, "60.5"), ("x", "'x'"), (True, "true"), (False, "false"), (None, "null"),
     (128, "128"), (-1, "-1"), ("", "''"), ([60], "[...]"), ({"v": 60}, "{...}"),
     ("NaN", "'NaN'"), ("inf", "'inf'"), (1e300, "1e+300"), ("6_0", "'6_0'"),
     (math.nan, "nan")],
)
def test_invalid_pitch(pitch: Any, shown: str) -> None:
    ins = one_note(note(pitch=pitch))
    assert (len(ins), ins.dropped) == (0, 1)
    assert ins.problems == (f"notes[0]: pitch {shown} is not a whole number 0-127",)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 0.0), (0.0, 0.0), ("0.5", 0.5), (1, 1.0), (" 2.5 ", 2.5), ("1e-3", 0.001),
     (-0.0, 0.0)],
)
def test_time_coercion(value: Any, expected: float) -> None:
    ins = one_note(note(start=value, end=value))
    assert (ins.starts, ins.ends) == ([expected], [expected])
    assert type(ins.starts[0]) is float and type(ins.ends[0]) is float


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"pitch": MISSING}, "pitch is missing"),
        ({"start": MISSING}, "start is missing"),
        ({"end": MISSING}, "end is missing"),
        ({"start": "abc"}, "start 'abc' is not a number"),
        ({"start": None}, "start null is not a number"),
        ({"end": True}, "end true is not a number"),
        ({"start": [0.5]}, "start [...] is not a number"),
        ({"start": "1_0"}, "start '1_0' is not a number"),
        ({"start": "NaN"}, "start 'NaN' is not finite"),
        ({"start": math.nan}, "start nan is not finite"),
        ({"end": "Infinity"}, "end 'Infinity' is not finite"),
        ({"end": math.inf}, "end inf is not finite"),
        ({"end": 10**400}, f"end 1{'0' * 36}... is not finite"),  # shown cut to 40 chars
        ({"start": -0.25}, "start -0.25 is negative"),
        ({"start": "-1"}, "start '-1' is negative"),
        ({"start": 1.0, "end": 0.5}, "end 0.5 is before start 1.0"),
        ({"start": "2", "end": 1}, "end 1 is before start '2'"),
    ],
)
def test_invalid_times(fields: dict[str, Any], reason: str) -> None:
    ins = one_note(note(**fields))
    assert (len(ins), ins.dropped, ins.problems) == (0, 1, (f"notes[0]: {reason}",))


def test_end_equal_to_start_is_valid() -> None:
    assert list(one_note(note(start=2.0, end=2.0)).notes) == [Note(60, 2.0, 2.0, 0.5)]


@pytest.mark.parametrize(
    ("velocity", "expected", "clamped"),
    [(0.5, 0.5, 0), (1, 1.0, 0), (0, 0.0, 0), (1.0, 1.0, 0), ("0.25", 0.25, 0),
     (1.5, 1.0, 1), (-0.2, 0.0, 1), (127, 1.0, 1), ("2", 1.0, 1), (math.inf, 1.0, 1),
     (None, DEFAULT_VELOCITY, 1), (MISSING, DEFAULT_VELOCITY, 1), ("loud", DEFAULT_VELOCITY, 1),
     ("NaN", DEFAULT_VELOCITY, 1), (math.nan, DEFAULT_VELOCITY, 1), (True, DEFAULT_VELOCITY, 1),
     ([1], DEFAULT_VELOCITY, 1)],
)
def test_velocity(velocity: Any, expected: float, clamped: int) -> None:
    ins = one_note(note(velocity=velocity))
    assert ins.velocities == [expected] and type(ins.velocities[0]) is float
    assert (ins.clamped, ins.dropped) == (clamped, 0)


def test_invalid_notes_fixture() -> None:
    record = parse_record(load_fixture("invalid-notes"))
    piano, unnamed, empty = record.instruments
    assert (piano.name, unnamed.name, empty.name) == ("Acoustic Grand Piano", "Instrument 2", "7")
    assert list(piano.notes) == [
        Note(60, 0.0, 0.5, 0.5),
        Note(64, 1.0, 1.0, 0.5),
        Note(65, 1.0, 1.5, 1.0),
        Note(67, 1.0, 1.5, 0.0),
        Note(69, 1.0, 1.5, DEFAULT_VELOCITY),
        Note(71, 1.0, 1.5, DEFAULT_VELOCITY),
    ]
    assert (piano.dropped, piano.clamped) == (11, 4)
    # Only the first five reasons are kept, each with the note's index in the record.
    assert piano.problems == (
        "notes[1]: pitch 60.5 is not a whole number 0-127",
        "notes[2]: pitch 'x' is not a whole number 0-127",
        "notes[3]: pitch true is not a whole number 0-127",
        "notes[4]: pitch null is not a whole number 0-127",
        "notes[5]: pitch 128 is not a whole number 0-127",
    )
    assert (unnamed.dropped, empty.dropped) == (0, 0)


def test_problem_indexes_count_kept_and_dropped_notes() -> None:
    notes = [note(pitch=60.5), note(), note(), note(start=-1), note(), note(pitch=None)]
    ins = parse_record({"instruments": [{"name": "P", "notes": notes}]}).instruments[0]
    assert [p.split(":")[0] for p in ins.problems] == ["notes[0]", "notes[3]", "notes[5]"]
    assert (len(ins), ins.dropped) == (3, 3)


def test_valid_floats_are_kept_not_copied() -> None:
    payload = load_fixture("demo-song")
    given_notes = payload["data"]["midiData"]["instruments"][2]["notes"]
    ins = parse_record(payload).instruments[2]
    assert all(a is b["start"] for a, b in zip(ins.starts, given_notes, strict=True))
    assert all(a is b["end"] for a, b in zip(ins.ends, given_notes, strict=True))
    assert all(a is b["velocity"] for a, b in zip(ins.velocities, given_notes, strict=True))


# --- strict ----------------------------------------------------------------------------------

def test_strict_names_instrument_and_note() -> None:
    with pytest.raises(InvalidRecordError) as info:
        parse_record(load_fixture("invalid-notes"), strict=True)
    assert str(info.value) == ("invalid note at instruments[0] ('Acoustic Grand Piano') "
                               "notes[1]: pitch 60.5 is not a whole number 0-127")
    assert info.value.where == "instruments[0].notes[1]"


def test_strict_index_counts_instruments_across_a_data_list() -> None:
    payload = load_fixture("variant-data-list")
    payload["data"][1]["instruments"][0]["notes"].append(note(start=3.0, end=2.0))
    with pytest.raises(InvalidRecordError) as info:
        parse_record(payload, strict=True)
    assert info.value.where == "instruments[2].notes[1]"
    assert "('String Ensembles 1')" in str(info.value)
    lenient = parse_record(payload)
    assert lenient.instruments[2].problems == ("notes[1]: end 2.0 is before start 3.0",)


@pytest.mark.parametrize("name", ["record-info-success", "strings-for-numbers", "demo-song",
                                  "variant-start-time", "notes-as-lists"])
def test_strict_accepts_valid_records_unchanged(name: str) -> None:
    payload = load_fixture(name)
    assert parse_record(payload, strict=True) == parse_record(payload)


def test_strict_still_clamps_velocity() -> None:
    record = parse_record({"instruments": [{"notes": [note(velocity=3)]}]}, strict=True)
    assert (record.instruments[0].velocities, record.instruments[0].clamped) == ([1.0], 1)


# --- structures that cannot be read ----------------------------------------------------------

@pytest.mark.parametrize(
    ("payload", "where", "message"),
    [
        ({"instruments": "piano"}, "instruments",
         "instruments is a string, expected a list of instruments"),
        ({"instruments": 3}, "instruments", "instruments is a number"),
        ({"code": 200, "data": {"successFlag": 1, "midiData": {"instruments": "x"}}},
         "data.midiData.instruments", "data.midiData.instruments is a string"),
        ({"code": 200, "data": {"successFlag": 1, "midiData": 5}}, "data.midiData",
         "data.midiData is a number, expected an object with instruments"),
        ({"code": 200, "data": [{"instruments": "x"}]}, "data[0].instruments",
         "data[0].instruments is a string"),
        ({"instruments": [{"name": "P", "notes": "C4 E4 G4"}]}, "instruments[0].notes",
         "instruments[0] ('P').notes is a string, expected a list of notes"),
        ({"instruments": [{"name": "P", "notes": {"pitch": 60}}]}, "instruments[0].notes",
         "instruments[0] ('P').notes is an object, expected a list of notes"),
        ({"instruments": [{"name": "P", "notes": [note(), "C4"]}]}, "instruments[0].notes[1]",
         "instruments[0] ('P').notes[1] is a string, expected an object with pitch, start, "
         "end and velocity"),
        ({"instruments": [{"notes": [None]}]}, "instruments[0].notes[0]",
         "notes[0] is null"),
        ({"instruments": [{"notes": [42]}]}, "instruments[0].notes[0]", "notes[0] is a number"),
        ({"instruments": [{"notes": [[60, 0.5]]}]}, "instruments[0].notes[0]",
         "notes[0] is a list"),
        ({"instruments": [{"notes": []}, "Piano"]}, "instruments[1]",
         "instruments[1] is a string, expected an object with a name and notes"),
        ({"instruments": {"Piano": "C4"}}, "instruments[0]",
         "instruments[0] ('Piano') is a string, expected a list of notes"),
        ({"code": 200, "data": "nope"}, "data", "data is a string, expected an object or a list"),
        ({"code": 200, "msg": "success", "data": None}, "data",
         "code 200 but data is null or missing"),
        ({"code": 200, "msg": "success"}, "data", "code 200 but data is null or missing"),
        ({"code": "OK", "data": {}}, "code", "code 'OK' is not a whole number"),
        ({"hello": "world", "notes": []}, None,
         "the top level is not a record: it has no successFlag, midiData or instruments "
         "(keys: hello, notes)"),
        (42, None, "the top level is a number, expected an object (a record) or a list"),
        ("42", None, "the top level is a number"),
        ('"text"', None, "the top level is a string"),
        ("null", None, "the top level is null"),
        (None, None, "the top level is null"),
        (True, None, "the top level is a boolean"),
        (3.5, None, "the top level is a number"),
        ({1, 2}, None, "the top level is a set"),
    ],
)
def test_unreadable_structure(payload: Any, where: str | None, message: str) -> None:
    with pytest.raises(InvalidRecordError) as info:
        parse_record(payload)
    assert message in str(info.value)
    assert info.value.where == where


# --- JSON text -------------------------------------------------------------------------------

def test_str_bytes_bytearray_memoryview_and_mapping_are_equal() -> None:
    text = fixture_path("callback-success-task_id-top").read_text()
    data = text.encode()
    obj = json.loads(text)
    records = [parse_record(text), parse_record(data), parse_record(bytearray(data)),
               parse_record(memoryview(data)), parse_record(obj)]
    assert all(r == records[0] for r in records)
    assert records[0].raw == obj and records[0].raw is not obj


def test_raw_is_the_payload_itself() -> None:
    obj = load_fixture("record-info-success")
    assert parse_record(obj).raw is obj
    listed = load_fixture("bare-instruments-list")
    assert parse_record(listed).raw is listed


def test_every_cut_short_prefix_says_so_with_line_and_column() -> None:
    text = fixture_path("record-info-success").read_text().rstrip()
    for end in range(1, len(text)):
        piece = text[:end]
        with pytest.raises(json.JSONDecodeError) as expected:
            json.loads(piece)
        with pytest.raises(InvalidRecordError) as info:
            parse_record(piece)
        where = f"line {expected.value.lineno} column {expected.value.colno}"
        assert info.value.where == where, piece
        assert "cut short" in str(info.value) and where in str(info.value), piece


def test_cut_short_message() -> None:
    with pytest.raises(InvalidRecordError) as info:
        parse_record(b'{\n "code": 200,\n "data": {"taskId": "x"')
    assert str(info.value) == ("the JSON ends too early (Expecting ',' delimiter at line 3 "
                               "column 24): the record was cut short")
    assert info.value.where == "line 3 column 24"


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        ("<html><body>502 Bad Gateway</body></html>",
         "this is not valid JSON: Expecting value at line 1 column 1", "line 1 column 1"),
        ("{'code': 200}", "this is not valid JSON: Expecting property name enclosed in double "
         "quotes at line 1 column 2", "line 1 column 2"),
        ('{"code": 200}\n{"code": 200}', "this is not valid JSON: Extra data at line 2 column 1",
         "line 2 column 1"),
        ("", "the record is empty: there is no JSON text", "line 1 column 1"),
        ("  \n ", "the record is empty: there is no JSON text", "line 2 column 2"),
    ],
)
def test_not_json(text: str, message: str, where: str) -> None:
    with pytest.raises(InvalidRecordError) as info:
        parse_record(text)
    assert (str(info.value), info.value.where) == (message, where)


def test_not_utf8() -> None:
    with pytest.raises(InvalidRecordError, match=r"not UTF-8 text \(byte 21") as info:
        parse_record(b'{"instruments": [], "\xff": 1}')
    assert info.value.where == "byte 21"


def test_nested_too_deeply() -> None:
    with pytest.raises(InvalidRecordError, match="nested too deeply"):
        parse_record("[" * 100_000)


def test_integer_beyond_the_digit_limit() -> None:
    with pytest.raises(InvalidRecordError, match="the JSON cannot be read"):
        parse_record('{"code": ' + "1" * 5000 + "}")


def test_byte_order_mark() -> None:
    text = fixture_path("record-info-success").read_text()
    expected = parse_record(text)
    assert parse_record("\ufeff" + text) == expected
    assert parse_record(b"\xef\xbb\xbf" + text.encode()) == expected


def test_stdlib_literals_nan_and_infinity() -> None:
    text = ('{"instruments": [{"name": "P", "notes": ['
            '{"pitch": 60, "start": 0, "end": 1, "velocity": NaN},'
            '{"pitch": 62, "start": 0, "end": Infinity, "velocity": 0.5}]}]}')
    ins = parse_record(text).instruments[0]
    assert list(ins.notes) == [Note(60, 0.0, 1.0, DEFAULT_VELOCITY)]
    assert ins.problems == ("notes[1]: end inf is not finite",)


class TestDecoderChoice:
    """msgspec for large text, the stdlib for small; the same records either way."""

    @pytest.fixture
    def no_msgspec(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delitem(sys.modules, "msgspec", raising=False)
        # and the module that imported it, if an earlier test parsed a large record
        monkeypatch.delitem(sys.modules, "midi_export.record.schema", raising=False)

    def test_small_text_does_not_import_msgspec(self, no_msgspec: None) -> None:
        parse_record(fixture_path("demo-song").read_bytes())
        assert "msgspec" not in sys.modules

    def test_large_text_uses_msgspec(self, no_msgspec: None) -> None:
        text = render_demo(bars=200)
        assert len(text) >= jsontext.MSGSPEC_MIN_SIZE
        record = parse_record(text)
        assert "msgspec" in sys.modules
        assert record == parse_record(json.loads(text))

    @pytest.mark.parametrize("name", ["record-info-success", "callback-success-task_id-top",
                                      "invalid-notes", "strings-for-numbers", "demo-song"])
    def test_msgspec_and_stdlib_agree(self, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        data = fixture_path(name).read_bytes()
        monkeypatch.setattr(jsontext, "MSGSPEC_MIN_SIZE", 0)
        fast = parse_record(data)
        monkeypatch.setattr(jsontext, "MSGSPEC_MIN_SIZE", math.inf)
        assert fast == parse_record(data)

    def test_msgspec_errors_fall_back_to_the_stdlib(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(jsontext, "MSGSPEC_MIN_SIZE", 0)
        # msgspec refuses NaN literals and a UTF-16 text; the stdlib reads both.
        ins = parse_record('[{"name": "P", "notes": [[60, 0, 1, NaN]]}]').instruments[0]
        assert (ins.velocities, ins.clamped) == ([DEFAULT_VELOCITY], 1)
        utf16 = fixture_path("record-info-success").read_text().encode("utf-16")
        assert shape(parse_record(utf16)) == EXAMPLE
        # ...and its messages (line and column) are the ones users see.
        with pytest.raises(InvalidRecordError) as info:
            parse_record('{\n "code": 200,\n "data": {"taskId": "x"')
        assert info.value.where == "line 3 column 24"


def test_importing_records_loads_no_json_decoder() -> None:
    code = ("import sys, midi_export.record; "
            "print(sorted(m for m in ('json', 'msgspec', 'orjson') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


# --- raise_for_status ------------------------------------------------------------------------

def test_raise_for_status_pending() -> None:
    record = parse_record(load_fixture("record-info-pending"))
    with pytest.raises(TaskPendingError) as info:
        record.raise_for_status()
    assert str(info.value) == "task '5c79xxxxbe8e' is still pending"
    assert info.value.task_id == "5c79xxxxbe8e"


def test_raise_for_status_pending_without_task_id() -> None:
    with pytest.raises(TaskPendingError, match=r"^the task is still pending$"):
        Record(task_id=None, status=PENDING).raise_for_status()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("record-info-generation-failed", "task '5c79xxxxbe8e' failed to generate MIDI "
         "(errorCode MIDI_GENERATION_FAILED: MIDI generation failed)"),
        ("record-info-create-failed", "task '5c79xxxxbe8f' could not be created "
         "(errorCode CREATE_TASK_FAILED: Failed to create task)"),
        ("callback-failed-null-data", "task '5c79xxxxbe8e' failed to generate MIDI "
         "(errorCode 500: MIDI generation failed)"),
    ],
)
def test_raise_for_status_failed(name: str, message: str) -> None:
    record = parse_record(load_fixture(name))
    with pytest.raises(TaskFailedError) as info:
        record.raise_for_status()
    err = info.value
    assert str(err) == message
    assert (err.task_id, err.status, err.error_code, err.error_message) == (
        record.task_id, record.status.value, record.error_code, record.error_message)


def test_raise_for_status_failed_without_reason() -> None:
    record = parse_record({"taskId": "T", "successFlag": 3})
    with pytest.raises(TaskFailedError, match=r"^task 'T' failed to generate MIDI \(no reason"):
        record.raise_for_status()


@pytest.mark.parametrize(
    ("payload", "found"),
    [
        (load_fixture("record-info-empty-midi"), "no instruments"),
        ({"code": 200, "data": {"taskId": "5c79xxxxbe8e", "successFlag": 1, "midiData": None}},
         "no instruments"),
        ({"taskId": "5c79xxxxbe8e", "instruments": [{"name": "A", "notes": []},
                                                    {"name": "B"}]},
         "2 instruments, none with notes"),
        ({"taskId": "5c79xxxxbe8e", "instruments": [{"name": "A"}]}, "1 instrument, with no notes"),
    ],
)
def test_raise_for_status_empty(payload: Any, found: str) -> None:
    with pytest.raises(EmptyMidiDataError) as info:
        parse_record(payload).raise_for_status()
    assert str(info.value) == (
        f"task '5c79xxxxbe8e' succeeded but its MIDI data is empty ({found}); this can happen "
        "when the audio comes from a split_stem vocal separation")
    assert info.value.task_id == "5c79xxxxbe8e"


def test_raise_for_status_all_notes_invalid() -> None:
    record = parse_record({"instruments": [
        {"name": "Empty", "notes": []},
        {"name": "P", "notes": [note(pitch=60.5), note(start=-1)]},
        {"name": "Q", "notes": [note(end=None)]},
    ]})
    with pytest.raises(InvalidRecordError) as info:
        record.raise_for_status()
    assert str(info.value) == ("no valid notes: 3 dropped; first problem: instruments[1] ('P') "
                               "notes[0]: pitch 60.5 is not a whole number 0-127")
    assert info.value.where == "instruments[1]"


def test_raise_for_status_all_invalid_built_by_hand() -> None:
    record = Record(task_id="T", status=SUCCESS, instruments=[Instrument("P", dropped=2)])
    with pytest.raises(InvalidRecordError, match=r"first problem: instruments\[0\] \('P'\) not"):
        record.raise_for_status()


@pytest.mark.parametrize("name", ["record-info-success", "invalid-notes", "demo-song"])
def test_raise_for_status_passes_with_valid_notes(name: str) -> None:
    assert parse_record(load_fixture(name)).raise_for_status() is None


# --- the bundled demo song -------------------------------------------------------------------

def _demo_module() -> Any:
    spec = importlib.util.spec_from_file_location("make_demo_song",
                                                  FIXTURES / "make_demo_song.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def render_demo(bars: int) -> str:
    demo = _demo_module()
    return str(demo.render(demo.build(bars)) + "\n")


def test_demo_song_is_reproducible() -> None:
    assert render_demo(16) == fixture_path("demo-song").read_text(encoding="utf-8")


def test_demo_song_looks_like_a_real_record() -> None:
    path = fixture_path("demo-song")
    assert path.stat().st_size < 150_000
    record = parse_record(path.read_bytes(), strict=True)
    assert [i.name for i in record.instruments] == [
        "Drums", "Electric Bass (finger)", "Acoustic Grand Piano", "String Ensembles 1"]
    overlaps = 0
    for ins in record.instruments:
        assert (ins.dropped, ins.clamped) == (0, 0)
        for n in ins.notes:
            assert all(abs(t * 192 - round(t * 192)) < 1e-9 for t in (n.start, n.end))
            assert abs(n.velocity * 127 - round(n.velocity * 127)) < 1e-9
        by_pitch = sorted(ins.notes, key=lambda n: (n.pitch, n.start))
        overlaps += sum(a.pitch == b.pitch and b.start < a.end
                        for a, b in itertools.pairwise(by_pitch))
    assert overlaps > 0
    # 16 bars of 4 beats at 96 BPM: 40 seconds (pads ring 1/8 s past the end).
    assert max(max(ins.ends) for ins in record.instruments) == 40.125


# --- fuzzing ---------------------------------------------------------------------------------

# Integers of any size: msgspec and the stdlib both keep them exact.
scalars = (st.none() | st.booleans() | st.integers() | st.floats()
           | st.text(max_size=6)
           | st.sampled_from(["60", "60.0", "0.5", "-1", "NaN", "1e400", " 3 ", "1_0", "", "x"]))
values = st.recursive(
    scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=6), kids,
                                                              max_size=4),
    max_leaves=8,
)
# Note fields lean to numbers near the valid ranges, so that many notes are valid and many
# are just outside (fast path, slow path and rejection all get exercised).
field = (st.integers(-2, 130) | st.floats(-0.5, 2.0) | st.floats(-0.5, 2.0).map(str)
         | st.integers(-2, 130).map(str) | scalars)
time_keys = ("start_time", "end_time", "startTime", "endTime")
a_note = (st.fixed_dictionaries({"pitch": field, "start": field, "end": field},
                                 optional={"velocity": field})
          | st.fixed_dictionaries({}, optional={k: field for k in (
              "pitch", "start", "end", "velocity", *time_keys)})
          | st.lists(field, max_size=5) | values)
some_notes = st.lists(a_note, max_size=5) | values
an_instrument = st.fixed_dictionaries({}, optional={"name": values, "notes": some_notes}) | values
some_instruments = (st.lists(an_instrument, max_size=4)
                    | st.dictionaries(st.text(max_size=5),
                                      some_notes | st.fixed_dictionaries({"notes": some_notes}),
                                      max_size=3)
                    | values)
midi = (st.fixed_dictionaries({}, optional={"state": values, "instruments": some_instruments})
        | st.lists(an_instrument | st.fixed_dictionaries({"instruments": some_instruments}),
                   max_size=3)
        | values)
ids = st.sampled_from(["T", 7, ""]) | values
flags = st.sampled_from([0, 1, 2, 3, "1"]) | values
data = (st.fixed_dictionaries({}, optional={
    "taskId": ids, "task_id": ids, "successFlag": flags, "midiData": midi, "state": values,
    "instruments": some_instruments, "errorCode": values, "errorMessage": values,
    "completeTime": values, "createTime": values})
    | st.lists(midi, max_size=3) | values)
envelope = st.fixed_dictionaries({}, optional={
    "code": st.sampled_from([200, "200", 500, 422]) | values, "msg": values, "data": data,
    "taskId": ids, "task_id": ids})
payloads = envelope | data | midi | some_instruments | values


def outcome(payload: Any, strict: bool = False) -> Record | tuple[str, str | None]:
    """The record, or the InvalidRecordError's message and where; anything else fails."""
    try:
        return parse_record(payload, strict=strict)
    except InvalidRecordError as exc:
        return str(exc), exc.where


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads, st.booleans())
def test_fuzz_any_json_like_value_parses_or_raises_invalid_record(payload: Any,
                                                                  strict: bool) -> None:
    result = outcome(payload, strict)
    if isinstance(payload, str):  # a str payload is JSON text, not a value: that is the next test
        return
    if isinstance(result, Record):
        assert result.raw is payload
        for ins in result.instruments:
            assert isinstance(ins.name, str)
            assert len(ins.pitches) == len(ins.starts) == len(ins.ends) == len(ins.velocities)
            for n in ins.notes:
                assert type(n.pitch) is int and 0 <= n.pitch <= 127
                assert 0.0 <= n.start <= n.end < math.inf
                assert 0.0 <= n.velocity <= 1.0
    # As JSON text the same payload gives the same record or the same error, by either decoder.
    text = json.dumps(payload)
    for msgspec_from in (math.inf, 0):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(jsontext, "MSGSPEC_MIN_SIZE", msgspec_from)
            assert outcome(text, strict) == result


@settings(deadline=None)
@given(st.text(max_size=40) | st.binary(max_size=40))
def test_fuzz_any_text_parses_or_raises_invalid_record(text: str | bytes) -> None:
    outcome(text)


@settings(deadline=None)
@given(st.integers(0, 1091), st.integers(1, 40))
def test_fuzz_damaged_record_text(at: int, length: int) -> None:
    text = fixture_path("record-info-success").read_text()
    for damaged in (text[:at], text[:at] + text[at + length:], text[:at] + "}" + text[at:]):
        outcome(damaged)


dict_notes = st.lists(
    st.fixed_dictionaries({}, optional={k: field for k in ("pitch", "start", "end", "velocity")}),
    max_size=8,
)


@settings(deadline=None)
@given(st.lists(st.tuples(values, dict_notes), max_size=4))
def test_fuzz_every_object_note_is_kept_or_dropped(parts: list[tuple[Any, list[Any]]]) -> None:
    payload = {"code": 200, "msg": "success", "data": {"taskId": "T", "successFlag": 1,
               "midiData": {"instruments": [{"name": n, "notes": ns} for n, ns in parts]}}}
    record = parse_record(payload)
    assert [len(ins) + ins.dropped for ins in record.instruments] == [len(ns) for _, ns in parts]
    assert all(len(ins.problems) == min(ins.dropped, 5) for ins in record.instruments)
    assert all(ins.clamped <= len(ins) for ins in record.instruments)


valid_numbers = st.floats(0, 1e5, allow_nan=False)


@st.composite
def valid_notes(draw: st.DrawFn) -> tuple[dict[str, Any], Note]:
    pitch = draw(st.integers(0, 127))
    start = draw(valid_numbers)
    end = start + draw(valid_numbers)
    velocity = draw(st.integers(0, 127)) / 127

    def spell(x: float | int) -> Any:
        return draw(st.sampled_from([x, str(x), repr(float(x))]))

    given_note = {"pitch": spell(pitch), "start": spell(start), "end": spell(end),
                  "velocity": spell(velocity)}
    return given_note, Note(pitch, float(start), float(end), velocity)


@settings(deadline=None)
@given(st.lists(valid_notes(), max_size=20))
def test_fuzz_valid_notes_in_any_spelling_are_all_kept(pairs: list[tuple[dict[str, Any],
                                                                          Note]]) -> None:
    payload = {"instruments": [{"name": "P", "notes": [given for given, _ in pairs]}]}
    ins = parse_record(copy.deepcopy(payload), strict=True).instruments[0]
    assert list(ins.notes) == [expected for _, expected in pairs]
    assert (ins.dropped, ins.clamped) == (0, 0)
