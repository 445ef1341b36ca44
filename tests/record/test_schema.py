"""The large-record path (``schema``): msgspec decodes and checks plain notes in C; whatever
it accepts must read exactly as ``parse_record``'s Python path reads it (values and types),
and whatever else must fall back to that path."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from midi_export.midi.convert import convert
from midi_export.record import Instrument, Record, jsontext, parse, parse_record

from conftest import fixture_path


def envelope(instruments: list[dict[str, Any]], **data: Any) -> dict[str, Any]:
    return {"code": 200, "msg": "success",
            "data": {"taskId": "t1", "successFlag": 1,
                     "midiData": {"state": "complete", "instruments": instruments}, **data}}


def text_of(notes: list[dict[str, Any]], **data: Any) -> str:
    return json.dumps(envelope([{"name": "Piano", "notes": notes}], **data))


def exactly(record: Record) -> list[Any]:
    """What two reads of a record must share: every column value with its type."""
    def typed(column: list[Any]) -> list[tuple[type, Any]]:
        return [(type(x), x) for x in column]

    return [(ins.name, typed(ins.pitches), typed(ins.starts), typed(ins.ends),
             typed(ins.velocities), ins.dropped, ins.clamped, ins.problems)
            for ins in record.instruments]


def python_path(text: str, strict: bool = False) -> Record:
    return parse_record(json.loads(text), strict=strict)


# Ways a valid value is written: numbers, whole floats, numeric strings in several forms.
def pitch_texts(pitch: int) -> st.SearchStrategy[Any]:
    return st.sampled_from([pitch, float(pitch), str(pitch), f"{pitch}.0", f"{pitch}e0"])


def number_texts(value: float) -> st.SearchStrategy[Any]:
    forms: list[Any] = [value, repr(value), format(value, ".17g"), format(value, ".3f")]
    if value.is_integer():
        forms += [int(value), str(int(value))]
    return st.sampled_from(forms)


seconds = st.one_of(st.integers(0, 192 * 600).map(lambda k: k / 192),
                    st.floats(0.0, 1e7, allow_nan=False, allow_infinity=False),
                    st.sampled_from([0.0, 5e-324, 1e-7, 1e300]))
unit = st.one_of(st.integers(0, 127).map(lambda k: k / 127), st.floats(0.0, 1.0),
                 st.sampled_from([0.0, 1.0]))


@st.composite
def plain_note(draw: st.DrawFn) -> dict[str, Any]:
    start, length = draw(seconds), draw(st.one_of(st.just(0.0), seconds))
    end = start + length
    if math.isinf(end):
        end = start
    # a number written with 3 decimals may round the start above the end: keep them apart
    start_text, end_text = draw(number_texts(start)), draw(number_texts(end))
    if float(start_text) > float(end_text):
        start_text, end_text = start, end
    return {"pitch": draw(st.integers(0, 127).flatmap(pitch_texts)),
            "start": start_text, "end": end_text,
            "velocity": draw(unit.flatmap(number_texts))}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(plain_note(), max_size=12), min_size=1, max_size=4))
def test_plain_notes_in_any_spelling_take_the_schema_path(
    notes: list[list[dict[str, Any]]],
) -> None:
    text = json.dumps(envelope([{"name": f"I{k}", "notes": n} for k, n in enumerate(notes)]))
    fast = parse._parse_large(text, strict=False)
    assert fast is not None
    assert exactly(fast) == exactly(python_path(text))
    assert fast == python_path(text)


# Any value a note field may hold, valid or not, in every spelling that tests a parser.
odd_values = st.sampled_from([
    True, False, None, "", " 60", "60 ", "1_0", "0x10", "+1", ".5", "5.", "nan", "NaN", "inf",
    "-inf", "Infinity", "1e400", "-1", -1, -0.5, 128, 127.5, "127.5", 2**70, "sixty", [], {},
    0, 1, "0", "1", 1.5, "1.5", 60, "60", "6e1", "-0.0", -0.0, 1e-400,
])
field = st.one_of(odd_values, st.integers(-2, 130), st.floats(-0.5, 2.0, allow_nan=False),
                  st.floats(-0.5, 2.0, allow_nan=False).map(str))


# Values at and just past the edges of each field's range, as numbers and as strings.
near_edges = {
    "pitch": st.one_of(st.integers(-3, 130), st.sampled_from(
        [127, 128, -1, 127.0, 128.0, -1.0, "127", "128", "-1", 127.5])),
    "start": st.one_of(st.floats(-1.0, 1.0), st.sampled_from([-0.0, -5e-324, 5e-324, "-1e-9"])),
    "end": st.one_of(st.floats(-1.0, 1.0), st.sampled_from([-0.0, -5e-324, 5e-324, "-1e-9"])),
    "velocity": st.one_of(st.floats(-0.1, 1.1), st.sampled_from(
        [1.0000000000000002, "1.0000000000000002", -1e-12, "-1e-12", 1, 0, "1", "0"])),
}


@st.composite
def changed_note(draw: st.DrawFn) -> dict[str, Any]:
    """A plain note with one thing changed: a value near or past its range's edge, an odd
    value, a key left out, another spelling added."""
    note = draw(plain_note())
    change = draw(st.integers(0, 5))
    key = draw(st.sampled_from(sorted(note)))
    if change < 3:
        note[key] = draw(near_edges[key])
    elif change == 3:
        note[key] = draw(field)
    elif change == 4:
        del note[key]
    else:
        note[draw(st.sampled_from(["start_time", "end_time", "startTime", "endTime"]))] = 1.0
    return note


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(plain_note(), max_size=5), changed_note(), st.integers(0, 5),
       st.lists(st.lists(plain_note(), max_size=4), max_size=2), st.booleans())
@example([], {"pitch": 60, "start": "-0.0", "end": 1, "velocity": 1}, 0, [], False)
def test_any_note_reads_as_the_python_path_reads_it_or_falls_back(
    plain: list[dict[str, Any]], odd: dict[str, Any], where: int,
    others: list[list[dict[str, Any]]], strict: bool,
) -> None:
    plain.insert(min(where, len(plain)), odd)
    notes = [plain, *others]
    text = json.dumps(envelope([{"name": f"I{k}", "notes": n} for k, n in enumerate(notes)]))
    fast = parse._parse_large(text, strict=strict)
    if fast is None:
        return
    assert exactly(fast) == exactly(python_path(text, strict))
    for ins in fast.instruments:  # the schema only takes plain notes
        assert (ins.dropped, ins.clamped) == (0, 0)


@pytest.mark.parametrize("note", [
    {"pitch": 60, "start": 2.0, "end": 1.0, "velocity": 0.5},  # ends before it starts
    {"pitch": 128, "start": 0.0, "end": 1.0, "velocity": 0.5},  # out of range ...
    {"pitch": "128", "start": 0.0, "end": 1.0, "velocity": 0.5},
    {"pitch": 128.0, "start": 0.0, "end": 1.0, "velocity": 0.5},
    {"pitch": -1, "start": 0.0, "end": 1.0, "velocity": 0.5},
    {"pitch": 60, "start": -5e-324, "end": 1.0, "velocity": 0.5},
    {"pitch": 60, "start": 0.0, "end": 1.0, "velocity": 1.0000000000000002},  # ... just
    {"pitch": 60, "start": 0.0, "end": 1.0, "velocity": "-1e-12"},
    {"pitch": 60, "start": -0.5, "end": 1.0, "velocity": 0.5},  # starts before 0
    {"pitch": 60, "start": 0.0, "end": 1.0, "velocity": 1.5},  # a velocity to clamp
    {"pitch": 60, "start": 0.0, "end": 1.0, "velocity": -0.5},
    {"pitch": 60, "start": 0.0, "end": 1.0},  # a velocity to fill in
    {"pitch": 60, "start": 0.0, "end": 1.0, "velocity": None},
    {"pitch": True, "start": 0.0, "end": 1.0, "velocity": 0.5},
    {"pitch": " 60", "start": 0.0, "end": 1.0, "velocity": 0.5},  # float() reads it, msgspec not
    {"pitch": 60, "start": "nan", "end": 1.0, "velocity": 0.5},
    {"pitch": 60.5, "start": 0.0, "end": 1.0, "velocity": 0.5},
    {"pitch": 60, "start_time": 0.0, "end_time": 1.0, "velocity": 0.5},  # another spelling
    [60, 0.0, 1.0, 0.5],  # a note as a list
])
def test_notes_that_are_not_plain_fall_back_to_the_python_path(note: Any) -> None:
    good = {"pitch": 62, "start": 0.0, "end": 0.5, "velocity": 0.5}
    text = text_of([good, note])
    assert parse._parse_large(text, strict=False) is None
    assert exactly(parse_record(text)) == exactly(python_path(text))


@pytest.mark.parametrize("payload", [
    [{"name": "Piano", "notes": []}],  # a bare list of instruments
    {"state": "complete", "instruments": []},  # bare midiData
    {"code": 200, "msg": "success", "data": None},
    {"code": 200, "data": {"midiData": {"instruments": {"Piano": []}}}},  # a mapping
    {"code": 200, "data": [{"instruments": []}]},  # data as a list
])
def test_other_shapes_fall_back_to_the_python_path(payload: Any) -> None:
    assert parse._parse_large(json.dumps(payload), strict=False) is None


def test_the_strings_fixture_falls_back_for_its_padded_number() -> None:
    text = fixture_path("strings-for-numbers").read_text()
    assert '" 8 "' in text
    assert parse._parse_large(text, strict=False) is None
    assert parse._parse_large(text.replace('" 8 "', '"8"'), strict=False) is not None


@pytest.mark.parametrize("name", [
    "record-info-success", "callback-success-task_id-top", "callback-success-taskId-in-data",
    "callback-failed-taskId-in-data", "record-info-pending", "record-info-generation-failed",
    "record-info-empty-midi", "demo-song"])
def test_the_api_shapes_take_the_schema_path(name: str) -> None:
    text = fixture_path(name).read_text()
    fast, slow = parse._parse_large(text, strict=True), python_path(text, strict=True)
    assert fast is not None
    assert fast == slow  # status, task id, error fields, times and instruments
    assert exactly(fast) == exactly(slow)


def test_a_minus_zero_string_is_the_one_difference_and_makes_no_difference() -> None:
    text = text_of([{"pitch": 60, "start": "-0", "end": 1, "velocity": "-0"}])
    fast, slow = parse._parse_large(text, strict=False), python_path(text)
    assert fast is not None
    assert (fast.instruments[0].starts, slow.instruments[0].starts) == ([0.0], [0.0])
    assert math.copysign(1, fast.instruments[0].starts[0]) == 1.0
    assert math.copysign(1, slow.instruments[0].starts[0]) == -1.0
    assert convert(fast).to_bytes() == convert(slow).to_bytes()


def large_text(notes: int = 9000) -> str:
    note = {"pitch": 60, "start": "0.5", "end": 0.75, "velocity": 0.5}
    text = text_of([{**note, "start": f"{k / 192!r}", "end": k / 192 + 0.25}
                    for k in range(notes)])
    assert len(text) >= jsontext.MSGSPEC_MIN_SIZE
    return text


class TestLargeRecords:
    def test_parse_record_takes_the_schema_path_for_large_text(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        text = large_text()
        monkeypatch.delitem(sys.modules, "midi_export.record.schema", raising=False)
        record = parse_record(text)
        assert "midi_export.record.schema" in sys.modules
        assert exactly(record) == exactly(python_path(text))
        assert convert(record).to_bytes() == convert(python_path(text)).to_bytes()

    @pytest.mark.parametrize("kind", [str, bytes, bytearray, memoryview])
    def test_raw_is_decoded_from_the_text_when_asked_for(self, kind: type) -> None:
        text = large_text()
        payload = text if kind is str else kind(text.encode())
        record = parse_record(payload)
        assert record._raw_text is not None  # not decoded yet
        if isinstance(payload, bytearray):
            payload[:] = b"{}"  # the record keeps its own copy of mutable text
        assert record.raw == json.loads(text)
        assert record._raw_text is None and record.raw is record.raw

    def test_an_invalid_note_in_a_large_record_is_reported_as_for_small_ones(self) -> None:
        text = large_text()
        bad = text.replace('"pitch": 60', '"pitch": 600', 1)
        with pytest.raises(parse.InvalidRecordError) as fast:
            parse_record(bad, strict=True)
        with pytest.raises(parse.InvalidRecordError) as slow:
            python_path(bad, strict=True)
        assert (str(fast.value), fast.value.where) == (str(slow.value), slow.value.where)
        kept = parse_record(bad)
        assert kept.instruments[0].dropped == 1
        assert kept == python_path(bad)


def test_instrument_equality_sees_the_columns_the_schema_builds() -> None:
    text = text_of([{"pitch": "60", "start": "0.25", "end": 1, "velocity": 1}])
    fast = parse._parse_large(text, strict=False)
    assert fast is not None
    assert fast.instruments == (Instrument("Piano", [(60, 0.25, 1.0, 1.0)]),)
