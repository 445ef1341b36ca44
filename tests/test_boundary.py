"""Public arguments are checked at the boundary (issue 12, class 9): a wrong type raises a
``TypeError`` (also a ``UsageError``) naming the argument, before any request is made and
before any file is written; hand-built records with wrong field types likewise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import midi_export as me
from midi_export.errors import InvalidRecordError, UsageError

from conftest import fixture_path
from hostile import HostileServer, record_bytes, respond

KEY = "k" * 20


@pytest.fixture(scope="module")
def rec() -> me.Record:
    return me.parse_record(fixture_path("record-info-success").read_bytes())


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer(respond(200, record_bytes())) as s:
        yield s


def hand_built(*instruments: Any, **fields: Any) -> me.Record:
    record = me.Record(task_id="t", status=me.RecordStatus.SUCCESS, instruments=instruments)
    for name, value in fields.items():
        setattr(record, name, value)  # what a caller who builds records by hand can do
    return record


def client(server: HostileServer) -> me.Client:
    return me.Client(KEY, base_url=server.base_url, max_retries=0)


Call = Callable[[me.Record, HostileServer, Path], Any]
CASES: list[tuple[str, Call, str]] = [
    ("convert programs str", lambda r, s, d: me.convert(r, programs="Piano=0"),
     "programs must be a mapping of instrument names"),
    ("convert programs float", lambda r, s, d: me.convert(r, programs={"Piano": 1.5}),
     "programs must map"),
    ("convert strict str", lambda r, s, d: me.convert(r, strict="no"),
     "strict must be True or False, not str"),
    ("convert ppq str", lambda r, s, d: me.convert(r, ppq="480"),
     "ppq must be a whole number, not str"),
    ("convert bpm list", lambda r, s, d: me.convert(r, bpm=[120]),
     "bpm must be a number or 'auto', not list"),
    ("convert record dict", lambda r, s, d: me.convert({"code": 200}),
     "record must be a Record"),
    ("gm_program None", lambda r, s, d: me.gm_program(None), "name must be a str, not None"),
    ("gm_program 5", lambda r, s, d: me.gm_program(5), "name must be a str, not int"),
    ("gm_program overrides list", lambda r, s, d: me.gm_program("x", ["Piano"]),
     "overrides must be a mapping"),
    ("estimate_tempo None", lambda r, s, d: me.estimate_tempo(None),
     "record_or_instruments must be a Record or an iterable of Instrument, not None"),
    ("estimate_tempo ints", lambda r, s, d: me.estimate_tempo([1, 2]),
     r"record_or_instruments\[0\] must be an Instrument, not int"),
    ("Client session str", lambda r, s, d: me.Client(KEY, base_url=s.base_url, session="x"),
     "session must be a requests.Session, not str"),
    ("Client max_retries 2.5", lambda r, s, d: me.Client(KEY, max_retries=2.5),
     "max_retries must be a whole number, not float"),
    ("Client sleep None", lambda r, s, d: me.Client(KEY, sleep=None),
     "sleep must be callable, not None"),
    ("wait on_poll 5", lambda r, s, d: client(s).wait_for_record("t1", on_poll=5),
     "on_poll must be callable or None, not int"),
    ("separation on_poll 5", lambda r, s, d: client(s).wait_for_separation("t1", on_poll=5),
     "on_poll must be callable or None, not int"),
    ("export client None", lambda r, s, d: me.export_task("t1", f"{d}/", client=None),
     "client must be a Client"),
    ("export output None", lambda r, s, d: me.export_task(
        "t1", None, client=client(s), save_json=f"{d}/"), "output must be a path"),
    ("export task_id 5", lambda r, s, d: me.export_task(5, f"{d}/", client=client(s)),
     "task_id must be a str, not int"),
    ("export wait str", lambda r, s, d: me.export_task("t1", f"{d}/", client=client(s),
                                                       wait="no"),
     "wait must be True or False"),
    ("export bad option", lambda r, s, d: me.export_task("t1", f"{d}/", client=client(s),
                                                         ppq="480"),
     "ppq must be a whole number"),
    ("Instrument notes str", lambda r, s, d: me.Instrument("x", "abc"),
     "notes must be \\(pitch, start, end, velocity\\) tuples, not str"),
    ("Instrument note text", lambda r, s, d: me.Instrument("x", [("sixty", 0, 1, 0.5)]),
     r"notes\[0\] must be a \(pitch, start, end, velocity\) tuple of numbers"),
    ("Instrument name int", lambda r, s, d: me.Instrument(5, [(60, 0.0, 1.0, 0.5)]),
     "Instrument name must be a str, not int"),
    ("columns of text", lambda r, s, d: me.convert(hand_built(me.Instrument.from_columns(
        "x", ["a", "b"], [0.0, 1.0], [1.0, 2.0], [0.5, 0.5]))),
     r"record.instruments\[0\].pitches\[0\] must be a whole number 0..127, not str"),
    ("column not a list", lambda r, s, d: me.convert(hand_built(me.Instrument.from_columns(
        "x", (60,), [0.0], [1.0], [0.5]))),  # type: ignore[arg-type]
     r"record.instruments\[0\].pitches must be a list, not tuple"),
    ("instruments None", lambda r, s, d: me.convert(hand_built(instruments=None)),
     "record.instruments must be a sequence of Instrument, not None"),
    ("instrument a dict", lambda r, s, d: me.convert(hand_built({"name": "x"})),
     r"record.instruments\[0\] must be an Instrument, not dict"),
    ("status str", lambda r, s, d: me.convert(hand_built(status="success")),
     "record.status must be a RecordStatus, not str"),
    ("write_midi None", lambda r, s, d: me.write_midi(me.convert(r), None),
     "target must be a path or a binary file object, not NoneType"),
]


@pytest.mark.parametrize(("label", "call", "message"), CASES, ids=[c[0] for c in CASES])
def test_a_wrong_type_fails_first_naming_the_argument(
    label: str, call: Call, message: str, rec: me.Record, server: HostileServer,
    tmp_path: Path,
) -> None:
    with pytest.raises(TypeError, match=message) as info:
        call(rec, server, tmp_path)
    assert isinstance(info.value, (TypeError, UsageError))
    assert server.requests == [], "a request was made before the check"
    assert list(tmp_path.iterdir()) == [], "a file was written before the check"


def test_a_wrong_type_is_a_usage_error_too(rec: me.Record) -> None:
    with pytest.raises(UsageError) as info:
        me.convert(rec, programs="Piano=0")
    assert info.value.exit_code == 2


@pytest.mark.parametrize(("values", "message"), [
    ({"starts": [math.nan]}, r"starts\[0\] must be a finite number >= 0, not nan"),
    ({"starts": [-1.0]}, r"starts\[0\] must be a finite number >= 0, not -1.0"),
    ({"ends": [math.inf]}, r"ends\[0\] must be a finite number, not inf"),
    ({"velocities": [math.nan]}, r"velocities\[0\] must be a finite number, not nan"),
    ({"pitches": [128]}, r"pitches\[0\] must be a whole number 0..127, not 128"),
])
def test_a_bad_value_in_a_hand_built_instrument_is_invalid_data(
    values: dict[str, list[Any]], message: str
) -> None:
    columns: dict[str, list[Any]] = {"pitches": [60], "starts": [0.0], "ends": [1.0],
                                     "velocities": [0.5]}
    columns.update(values)
    ins = me.Instrument.from_columns("Organ", **columns)
    with pytest.raises(InvalidRecordError, match=message) as info:
        me.convert(hand_built(ins))
    assert "'Organ'" in str(info.value) and info.value.exit_code == 7


def test_good_calls_still_work(rec: me.Record, server: HostileServer, tmp_path: Path) -> None:
    assert me.convert(rec, programs={"Drums": "drums"}).report.notes_written == 3
    assert me.gm_program("Violin").program == 40
    assert me.gm_program("Violin", {"Violin": 41}).program == 41
    with client(server) as c:
        result = me.export_task("t1", f"{tmp_path}/", client=c)
    assert result.midi_path is not None and result.midi_path.is_file()
    built = hand_built(me.Instrument("Piano", [(60, 0, 1, 0.5)]))
    assert me.convert(built).report.notes_written == 1
