"""export_task end to end against the local stand-in, and safe file names for task ids."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mido
import pytest
from hypothesis import given
from hypothesis import strategies as st

from midi_export.api.client import Client
from midi_export.errors import (
    OutputError,
    OutputExistsError,
    TaskFailedError,
    TaskPendingError,
    UsageError,
)
from midi_export.export import ExportResult, export_task
from midi_export.midi.convert import convert
from midi_export.paths import safe_file_stem
from midi_export.record import RecordStatus, parse_record
from midi_export.testing import FakeRecordAPI, failed, pending, success

from conftest import fixture_path

SUCCESS_BODY = fixture_path("record-info-success").read_bytes()


@pytest.fixture
def api() -> Iterator[FakeRecordAPI]:
    with FakeRecordAPI({"5c79be8e": SUCCESS_BODY}) as server:
        yield server


@pytest.fixture
def client(api: FakeRecordAPI) -> Iterator[Client]:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with Client("test-key", base_url=api.base_url, sleep=sleep, clock=lambda: now[0]) as c:
        yield c


# ---------------------------------------------------------------------- file names


@pytest.mark.parametrize(
    ("task_id", "stem"),
    [
        ("5c79be8e", "5c79be8e"),
        ("5c79xxxxbe8e", "5c79xxxxbe8e"),
        ("a.b_c-d", "a.b_c-d"),
        ("../../x", "x"),
        ("..\\..\\x", "x"),
        ("/etc/passwd", "etc_passwd"),
        ("a/b c", "a_b_c"),
        ("-rf", "rf"),
        (".hidden", "hidden"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("chanson-été", "chanson-_t"),
    ],
)
def test_safe_file_stem(task_id: str, stem: str) -> None:
    assert safe_file_stem(task_id) == stem


@pytest.mark.parametrize("task_id", ["", ".", "..", "///", "é", "  "])
def test_safe_file_stem_never_empty(task_id: str) -> None:
    stem = safe_file_stem(task_id)
    assert re.fullmatch(r"task-[0-9a-f]{8}", stem)


def test_safe_file_stem_long_ids_keep_apart() -> None:
    a, b = "x" * 300 + "a", "x" * 300 + "b"
    assert len(safe_file_stem(a)) <= 100
    assert safe_file_stem(a) != safe_file_stem(b)


@given(st.text(max_size=300))
def test_safe_file_stem_stays_in_its_folder(task_id: str) -> None:
    stem = safe_file_stem(task_id)
    assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*", stem)
    assert stem not in (".", "..")
    assert 0 < len(stem) <= 100
    folder = Path("/out/folder")
    assert (folder / f"{stem}.mid").parent == folder


# ---------------------------------------------------------------------- export_task


def test_export_into_a_folder(api: FakeRecordAPI, client: Client, tmp_path: Path) -> None:
    result = export_task("5c79be8e", tmp_path, client=client)
    assert isinstance(result, ExportResult)
    assert result.midi_path == tmp_path / "5c79be8e.mid"
    assert result.json_path is None
    assert result.task_id == "5c79be8e"
    assert result.report.notes_written == 3
    midi = mido.MidiFile(result.midi_path)
    assert len(midi.tracks) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["5c79be8e.mid"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.task_id = "x"  # type: ignore[misc]


def test_export_to_a_file_with_convert_options(client: Client, tmp_path: Path) -> None:
    target = tmp_path / "song.mid"
    result = export_task("5c79be8e", str(target), client=client, bpm=90, ppq=960)
    assert result.midi_path == target
    assert (result.report.ppq, round(result.report.bpm)) == (960, 90)
    assert mido.MidiFile(target).ticks_per_beat == 960


def test_saved_json_is_the_body_and_converts_to_the_same_bytes(
    client: Client, tmp_path: Path
) -> None:
    out, keep = tmp_path / "out", tmp_path / "keep/"
    out.mkdir()
    result = export_task("5c79be8e", out, client=client, save_json=str(keep) + "/")
    assert result.json_path == keep / "5c79be8e.json"
    saved = result.json_path.read_bytes()
    assert saved == SUCCESS_BODY
    again = convert(parse_record(saved)).to_bytes()
    assert again == result.midi_path.read_bytes()  # what --from-json on it would write

    named = tmp_path / "record.json"
    result = export_task("5c79be8e", tmp_path / "b.mid", client=client, save_json=named)
    assert result.json_path == named and named.read_bytes() == SUCCESS_BODY


def test_a_task_id_cannot_escape_the_output_folder(api: FakeRecordAPI, client: Client,
                                                   tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"
    out.mkdir(parents=True)
    api.add_record("../../evil", SUCCESS_BODY)
    result = export_task("../../evil", out, client=client, save_json=out)
    assert result.midi_path == out / "evil.mid"
    assert result.json_path == out / "evil.json"
    assert sorted(p.name for p in out.iterdir()) == ["evil.json", "evil.mid"]
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["evil.json",
                                                                          "evil.mid"]
    assert api.requests[0].task_id == "../../evil"  # the id itself is sent as given


def test_waits_while_pending(api: FakeRecordAPI, client: Client, tmp_path: Path) -> None:
    api.script("5c79be8e", [pending(), pending(), success()])
    polls: list[RecordStatus] = []
    result = export_task("5c79be8e", tmp_path, client=client,
                         on_poll=lambda r, e: polls.append(r.status))
    assert polls == [RecordStatus.PENDING, RecordStatus.PENDING, RecordStatus.SUCCESS]
    assert result.midi_path.is_file()


def test_no_wait_reports_pending_at_once(api: FakeRecordAPI, client: Client,
                                         tmp_path: Path) -> None:
    api.script("5c79be8e", [pending(), success()])
    polls: list[Any] = []
    with pytest.raises(TaskPendingError):
        export_task("5c79be8e", tmp_path, client=client, wait=False,
                    on_poll=lambda r, e: polls.append(r))
    assert len(api.requests) == 1 and polls == []
    assert list(tmp_path.iterdir()) == []


def test_wait_timeout(api: FakeRecordAPI, client: Client, tmp_path: Path) -> None:
    api.script("5c79be8e", [pending()])
    with pytest.raises(TaskPendingError):
        export_task("5c79be8e", tmp_path, client=client, timeout=5, save_json=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_failed_task_writes_nothing(api: FakeRecordAPI, client: Client, tmp_path: Path) -> None:
    api.script("5c79be8e", [failed(3)])
    with pytest.raises(TaskFailedError):
        export_task("5c79be8e", tmp_path, client=client, save_json=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_existing_files_are_refused_before_fetching(
    api: FakeRecordAPI, client: Client, tmp_path: Path
) -> None:
    (tmp_path / "5c79be8e.mid").write_bytes(b"old")
    with pytest.raises(OutputExistsError) as info:
        export_task("5c79be8e", tmp_path, client=client)
    assert info.value.path == str(tmp_path / "5c79be8e.mid")
    assert info.value.exit_code == 8
    assert api.requests == []
    assert (tmp_path / "5c79be8e.mid").read_bytes() == b"old"

    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "5c79be8e.json").write_bytes(b"old")
    with pytest.raises(OutputExistsError):
        export_task("5c79be8e", tmp_path / "new.mid", client=client, save_json=keep)
    assert api.requests == []
    assert not (tmp_path / "new.mid").exists()

    result = export_task("5c79be8e", tmp_path, client=client, save_json=keep, overwrite=True)
    assert result.midi_path.read_bytes()[:4] == b"MThd"
    assert (keep / "5c79be8e.json").read_bytes() == SUCCESS_BODY


def test_an_output_folder_that_cannot_be_made(client: Client, tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(OutputError) as info:
        export_task("5c79be8e", str(tmp_path / "file" / "sub") + "/", client=client)
    assert info.value.path is not None and info.value.path.endswith("sub/")


def test_midi_and_json_on_the_same_path(client: Client, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        export_task("5c79be8e", tmp_path / "x", client=client, save_json=tmp_path / "x")
    with pytest.raises(UsageError):
        export_task("5c79be8e", "", client=client)
