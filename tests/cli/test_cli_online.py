"""The online half of the CLI: real HTTP against the local stand-in, through click's runner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import mido
import pytest
from click.testing import Result

from midi_export.cli import online as cli_module
from midi_export.errors import ExitCode
from midi_export.testing import (
    FakeRecordAPI,
    body_code,
    empty,
    failed,
    http_error,
    not_found,
    pending,
    respond,
    success,
)

from conftest import fixture_path, run_cli

KEY = "sk-live-SECRET-7f3a9c21e4"
SUCCESS = fixture_path("record-info-success").read_bytes()


@pytest.fixture
def api() -> Iterator[FakeRecordAPI]:
    with FakeRecordAPI({"5c79be8e": SUCCESS, "other": SUCCESS}, api_key=KEY) as server:
        yield server


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every wait the CLI asks for, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(cli_module, "_interruptible_sleep", recorded.append)
    return recorded


def run(
    api: FakeRecordAPI | None,
    args: list[str],
    cwd: Path,
    *,
    key: str | None = KEY,
    env_key: str | None = None,
) -> Result:
    base = ["--base-url", api.base_url] if api is not None else []
    keyed = ["--api-key", key] if key is not None else []
    result = run_cli([*args, *base, *keyed], cwd, env={"APIKLEY_API_KEY": env_key})
    for text in (result.output, result.stdout, result.stderr):
        assert KEY not in text
        assert "Traceback" not in text
    for path in cwd.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes()
    return result


def test_fetches_and_writes_the_task(
    api: FakeRecordAPI, tmp_path: Path, sleeps: list[float]
) -> None:
    result = run(api, ["5c79be8e"], tmp_path)
    assert result.exit_code == 0, result.stderr
    midi = mido.MidiFile(tmp_path / "5c79be8e.mid")
    assert [t.name for t in midi.tracks] == ["5c79xxxxbe8e", "Drums", "Electric Bass (finger)"]
    assert "5c79be8e.mid" in result.stderr
    (request,) = api.requests
    assert request.authorized
    assert request.user_agent is not None and request.user_agent.startswith("midi-export/")


def test_the_key_can_come_from_the_environment(api: FakeRecordAPI, tmp_path: Path) -> None:
    result = run(api, ["5c79be8e"], tmp_path, key=None, env_key=KEY)
    assert result.exit_code == 0, result.stderr


def test_a_missing_key_is_a_usage_error_naming_the_variable(tmp_path: Path) -> None:
    result = run(None, ["5c79be8e"], tmp_path, key=None)
    assert result.exit_code == ExitCode.USAGE
    assert "APIKLEY_API_KEY" in result.stderr


def test_a_wrong_key_is_an_authentication_error(api: FakeRecordAPI, tmp_path: Path) -> None:
    result = run(api, ["5c79be8e"], tmp_path, key="sk-wrong-key-123456")
    assert result.exit_code == ExitCode.AUTH
    assert "sk-wrong-key-123456" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_plain_http_to_a_remote_host_is_refused(tmp_path: Path) -> None:
    result = run(None, ["5c79be8e", "--base-url", "http://api.example.com"], tmp_path)
    assert result.exit_code == ExitCode.USAGE
    assert "https" in result.stderr


@pytest.mark.parametrize(
    ("steps", "code", "words"),
    [
        (
            [failed(3, error_code="MIDI_GENERATION_FAILED")],
            ExitCode.TASK_UNUSABLE,
            "MIDI_GENERATION_FAILED",
        ),
        ([failed(2)], ExitCode.TASK_UNUSABLE, "failed"),
        ([empty()], ExitCode.TASK_UNUSABLE, "split_stem"),
        ([not_found()], ExitCode.TASK_UNUSABLE, "14 days"),
        ([body_code(500)], ExitCode.SERVICE, "500"),
        ([http_error(502)], ExitCode.SERVICE, "502"),
        ([body_code(455)], ExitCode.SERVICE, "maintenance"),
        (
            [respond(200, "<html>hello</html>", content_type="text/html")],
            ExitCode.INVALID_DATA,
            "200",
        ),
    ],
)
def test_each_failure_gets_its_exit_code(
    api: FakeRecordAPI, tmp_path: Path, sleeps: list[float], steps: list, code: int, words: str
) -> None:
    api.script("5c79be8e", steps)
    result = run(api, ["5c79be8e", "--retries", "2"], tmp_path)
    assert result.exit_code == code, result.stderr
    assert words.lower() in result.stderr.lower()
    assert len([line for line in result.stderr.splitlines() if "error:" in line]) == 1
    assert list(tmp_path.iterdir()) == []


def test_waits_while_pending_and_shows_progress(
    api: FakeRecordAPI, tmp_path: Path, sleeps: list[float]
) -> None:
    api.script("5c79be8e", [pending(), pending(), success()])
    result = run(api, ["5c79be8e"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert len(api.requests) == 3
    assert len(sleeps) == 2 and all(1.5 <= s <= 15 for s in sleeps)
    assert result.stderr.count("pending") == 2  # one plain line per poll off a terminal
    assert (tmp_path / "5c79be8e.mid").is_file()


def test_no_wait_reports_pending_without_polling(
    api: FakeRecordAPI, tmp_path: Path, sleeps: list[float]
) -> None:
    api.script("5c79be8e", [pending(), success()])
    result = run(api, ["5c79be8e", "--no-wait"], tmp_path)
    assert result.exit_code == ExitCode.PENDING
    assert len(api.requests) == 1 and sleeps == []
    assert "pending" in result.stderr


def test_a_task_still_pending_at_the_deadline_exits_5(
    api: FakeRecordAPI, tmp_path: Path, sleeps: list[float]
) -> None:
    api.script("5c79be8e", [pending()])
    result = run(api, ["5c79be8e", "--timeout", "0"], tmp_path)
    assert result.exit_code == ExitCode.PENDING
    assert list(tmp_path.iterdir()) == []


def test_retry_after_is_honoured(api: FakeRecordAPI, tmp_path: Path, sleeps: list[float]) -> None:
    api.script(
        "5c79be8e", [body_code(430, retry_after=7), http_error(429, retry_after=3), success()]
    )
    result = run(api, ["5c79be8e"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert sleeps[:2] == [7.0, 3.0]
    assert len(api.requests) == 3


def test_an_existing_file_is_refused_before_fetching(api: FakeRecordAPI, tmp_path: Path) -> None:
    (tmp_path / "5c79be8e.mid").write_bytes(b"keep me")
    result = run(api, ["5c79be8e"], tmp_path)
    assert result.exit_code == ExitCode.OUTPUT
    assert "--force" in result.stderr
    assert api.requests == []
    assert (tmp_path / "5c79be8e.mid").read_bytes() == b"keep me"
    assert run(api, ["5c79be8e", "--force"], tmp_path).exit_code == 0
    assert (tmp_path / "5c79be8e.mid").read_bytes()[:4] == b"MThd"


def test_a_batch_with_a_bad_id_still_writes_the_good_ones(
    api: FakeRecordAPI, tmp_path: Path, sleeps: list[float]
) -> None:
    api.script("broken", [failed(3)])
    result = run(api, ["5c79be8e", "broken", "other", "-o", "songs/", "--jobs", "3"], tmp_path)
    assert result.exit_code == ExitCode.TASK_UNUSABLE
    assert sorted(p.name for p in (tmp_path / "songs").iterdir()) == ["5c79be8e.mid", "other.mid"]
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "broken" in errors[0]
    assert "[3/3 done]" in result.stderr


def test_batch_exit_code_is_the_worst(
    api: FakeRecordAPI, tmp_path: Path, sleeps: list[float]
) -> None:
    api.script("a", [pending()])
    api.script("b", [failed(3)])
    result = run(api, ["a", "b", "--no-wait", "-o", "out/"], tmp_path)
    assert result.exit_code == ExitCode.PENDING  # 5 > 4


def test_batch_json_lists_every_result(
    api: FakeRecordAPI, tmp_path: Path, sleeps: list[float]
) -> None:
    api.script("broken", [failed(3)])
    result = run(api, ["5c79be8e", "broken", "--json", "-q", "-o", "out/"], tmp_path)
    obj = json.loads(result.stdout)
    assert obj["ok"] is False
    by_id = {r["task_id"]: r for r in obj["results"]}
    assert by_id["5c79be8e"]["ok"] is True
    assert by_id["5c79be8e"]["report"]["notes_written"] == 3
    assert by_id["broken"]["error"]["exit_code"] == ExitCode.TASK_UNUSABLE


def test_a_task_id_cannot_write_outside_the_output_folder(
    api: FakeRecordAPI, tmp_path: Path
) -> None:
    api.add_record("../../escape", SUCCESS)
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    result = run(api, ["../../escape", "-o", "out/"], work)
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in (work / "out").iterdir()] == ["escape.mid"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]


def test_saved_json_converts_offline_to_the_same_bytes(api: FakeRecordAPI, tmp_path: Path) -> None:
    result = run(api, ["5c79be8e", "--save-json", "keep/"], tmp_path)
    assert result.exit_code == 0, result.stderr
    saved = tmp_path / "keep" / "5c79be8e.json"
    assert saved.read_bytes() == SUCCESS
    again = run(None, ["--from-json", str(saved), "-o", "again.mid"], tmp_path)
    assert again.exit_code == 0, again.stderr
    assert (tmp_path / "again.mid").read_bytes() == (tmp_path / "5c79be8e.mid").read_bytes()


def test_the_raw_record_is_kept_even_when_conversion_fails(
    api: FakeRecordAPI, tmp_path: Path
) -> None:
    record = json.loads(SUCCESS)
    record["data"]["midiData"]["instruments"][0]["notes"].append(
        {"pitch": 300, "start": 0, "end": 1}
    )
    api.add_record("5c79be8e", json.dumps(record).encode())
    result = run(api, ["5c79be8e", "--strict", "--save-json", "keep/"], tmp_path)
    assert result.exit_code == ExitCode.INVALID_DATA
    assert (tmp_path / "keep" / "5c79be8e.json").is_file()
    assert not (tmp_path / "5c79be8e.mid").exists()


def test_stdout_output_for_one_task(api: FakeRecordAPI, tmp_path: Path) -> None:
    result = run(api, ["5c79be8e", "-o", "-"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes[:4] == b"MThd"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["a", "b", "-o", "-"],
        ["a", "b", "-o", "single.mid"],
        ["a", "b", "--save-json", "one.json"],
        ["a", "--json", "-o", "-"],
    ],
)
def test_batch_usage_errors(api: FakeRecordAPI, tmp_path: Path, args: list[str]) -> None:
    result = run(api, args, tmp_path)
    assert result.exit_code == ExitCode.USAGE
    assert api.requests == []


def test_json_names_the_saved_record(api: FakeRecordAPI, tmp_path: Path) -> None:
    result = run(api, ["5c79be8e", "--save-json", "keep/", "--json", "-q"], tmp_path)
    assert result.exit_code == 0, result.stderr
    obj = json.loads(result.stdout)
    assert list(obj) == ["ok", "task_id", "output", "saved_json", "preview", "audio", "stems",
                         "report"]
    assert obj["saved_json"] == str(Path("keep") / "5c79be8e.json")
    assert (tmp_path / obj["saved_json"]).read_bytes() == SUCCESS
    plain = json.loads(run(api, ["5c79be8e", "--json", "-q", "--force"], tmp_path).stdout)
    assert plain["saved_json"] is None
