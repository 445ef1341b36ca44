"""``fetch-mid generate`` through click's runner against the stand-in on 127.0.0.1: both forms,
the stages it prints, billing, failures, rate limits on the POST, interruptions, --no-wait."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import mido
import pytest
from click.testing import Result

from midi_export.cli import generate as generate_module
from midi_export.errors import ExitCode
from midi_export.testing import CREATE_THEN_DROP, FakeLoopAPI, body_code

from conftest import run_cli

KEY = "sk-live-SECRET-4d2e91b7c0"


@pytest.fixture
def api() -> Iterator[FakeLoopAPI]:
    with FakeLoopAPI(api_key=KEY, separation_polls=2, midi_polls=2) as server:
        yield server


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every wait the command asks for, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(generate_module, "_sleep", recorded.append)
    return recorded


def run(api: FakeLoopAPI, args: list[str], cwd: Path, *, stdin: bytes | None = None) -> Result:
    result = run_cli(["generate", *args], cwd, stdin=stdin,
                     env={"APIKLEY_API_KEY": KEY, "APIKLEY_BASE_URL": api.base_url})
    for text in (result.stdout, result.stderr):
        assert KEY not in text
    for path in cwd.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes()
    return result


def test_from_a_song_to_a_file(api: FakeLoopAPI, tmp_path: Path, sleeps: list[float]) -> None:
    result = run(api, ["--song", "music-1", "--audio-id", "track-1", "--yes", "-o", "songs/",
                       "--save-json", "keep/"], tmp_path)
    assert result.exit_code == 0, result.stderr
    err = result.stderr
    assert "separation task sep-0001 created (billed)" in err
    assert "separation sep-0001: pending after" in err
    created = err.index("MIDI task midi-0002 created; if interrupted: fetch-mid midi-0002")
    assert created < err.index("MIDI task midi-0002: pending after")  # the id comes first
    assert "songs/midi-0002.mid: 3 instruments" in err
    assert result.stdout == ""
    assert len(mido.MidiFile(tmp_path / "songs" / "midi-0002.mid").tracks) == 4
    assert json.loads((tmp_path / "keep" / "midi-0002.json").read_bytes())["code"] == 200
    assert api.billed == 1 and [w.kind for w in api.created] == ["separation", "midi"]
    assert api.created[0].payload["type"] == "split_stem"
    assert len(sleeps) == 4  # two pending polls per stage


def test_from_a_separation_with_one_stem_by_name(
    api: FakeLoopAPI, tmp_path: Path, sleeps: list[float]
) -> None:
    api.add_separation("sep-given")
    result = run(api, ["sep-given", "--stem", "bass", "--bpm", "auto", "--json", "-q"],
                 tmp_path)
    assert result.exit_code == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["ok"] and facts["separation_task_id"] == "sep-given"
    assert facts["midi_task_id"] == "midi-0001" and facts["output"] == "midi-0001.mid"
    assert facts["report"]["tempo"]["mode"] == "auto"
    assert api.billed == 0 and api.created[0].payload["audioId"] == "sep-given-stem3"
    assert (tmp_path / "midi-0001.mid").is_file()


def test_no_wait_prints_the_ids_and_exits_0(
    api: FakeLoopAPI, tmp_path: Path, sleeps: list[float]
) -> None:
    song = run(api, ["--song", "m", "--audio-id", "t", "--yes", "--no-wait", "-q"], tmp_path)
    assert (song.exit_code, song.stdout) == (0, "sep-0001\n")
    still = run(api, ["sep-0001", "--no-wait"], tmp_path)  # still pending: nothing created
    assert still.exit_code == ExitCode.PENDING and "still pending" in still.stderr
    api.add_separation("sep-ready")
    ready = run(api, ["sep-ready", "--no-wait"], tmp_path)
    assert (ready.exit_code, ready.stdout) == (0, "midi-0002\n")
    assert [w.task_id for w in api.created] == ["sep-0001", "midi-0002"]
    assert list(tmp_path.iterdir()) == []


def test_a_failed_separation_creates_no_midi_task(
    api: FakeLoopAPI, tmp_path: Path, sleeps: list[float]
) -> None:
    api.fail_next_separation()
    result = run(api, ["--song", "m", "--audio-id", "t", "--yes"], tmp_path)
    assert result.exit_code == ExitCode.TASK_UNUSABLE
    assert "GENERATE_AUDIO_FAILED" in result.stderr and "audio too short" in result.stderr
    assert [w.kind for w in api.created] == ["separation"]
    assert list(tmp_path.iterdir()) == []


def test_rate_limits_on_the_posts_are_retried_and_bill_once(
    api: FakeLoopAPI, tmp_path: Path, sleeps: list[float]
) -> None:
    api.script_create("separation", [body_code(430, retry_after=3), body_code(455)])
    api.script_create("midi", [body_code(405, retry_after=2)])
    result = run(api, ["--song", "m", "--audio-id", "t", "--yes"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert api.billed == 1 and api.posts() == 5
    assert sleeps[0] == 3  # Retry-After honoured
    assert (tmp_path / "midi-0002.mid").is_file()


def test_rate_limits_that_last_create_nothing(
    api: FakeLoopAPI, tmp_path: Path, sleeps: list[float]
) -> None:
    api.script_create("separation", [body_code(430)] * 10)
    result = run(api, ["--song", "m", "--audio-id", "t", "--yes", "--retries", "2"], tmp_path)
    assert result.exit_code == ExitCode.SERVICE
    assert "no separation was created" in result.stderr
    assert api.posts() == 3 and api.billed == 0


def test_a_create_that_may_have_happened_is_not_sent_again(
    api: FakeLoopAPI, tmp_path: Path, sleeps: list[float]
) -> None:
    api.script_create("separation", [CREATE_THEN_DROP])
    result = run(api, ["--song", "m", "--audio-id", "t", "--yes"], tmp_path)
    assert result.exit_code == ExitCode.SERVICE
    assert "may have been created (and billed)" in result.stderr
    assert "look at your tasks" in result.stderr
    assert api.posts() == 1 and api.billed == 1  # it was created, and only once
    assert result.stderr.count("fetch-mid: error:") == 1
    assert "resume with" not in result.stderr  # no rerun suggested before checking


def test_a_stage_pending_at_its_deadline_says_how_to_resume(
    api: FakeLoopAPI, tmp_path: Path, sleeps: list[float]
) -> None:
    result = run(api, ["--song", "m", "--audio-id", "t", "--yes", "--timeout", "0"], tmp_path)
    assert result.exit_code == ExitCode.PENDING
    assert "separation 'sep-0001' is still pending" in result.stderr
    assert "resume with: fetch-mid generate sep-0001" in result.stderr


@pytest.mark.parametrize(("interrupt_at", "resume"), [
    (1, "fetch-mid generate sep-0001"),  # while the separation is pending: nothing billed again
    (3, "fetch-mid midi-0002"),  # while the MIDI task is pending
])
def test_an_interrupted_wait_prints_how_to_resume(
    api: FakeLoopAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    interrupt_at: int, resume: str,
) -> None:
    calls: list[float] = []

    def sleep(seconds: float) -> None:
        calls.append(seconds)
        if len(calls) == interrupt_at:
            raise KeyboardInterrupt

    monkeypatch.setattr(generate_module, "_sleep", sleep)
    result = run(api, ["--song", "m", "--audio-id", "t", "--yes"], tmp_path)
    assert result.exit_code == 130
    assert f"resume with: {resume}" in result.stderr
    assert list(tmp_path.iterdir()) == []
    if interrupt_at == 1:  # resuming from the separation bills nothing more
        again = run(api, ["sep-0001"], tmp_path)
        assert again.exit_code == 0, again.stderr
        assert api.billed == 1 and (tmp_path / "midi-0002.mid").is_file()


def test_it_asks_before_billing_on_a_terminal(
    api: FakeLoopAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sleeps: list[float]
) -> None:
    monkeypatch.setattr(generate_module, "_on_terminal", lambda: True)
    declined = run(api, ["--song", "m", "--audio-id", "t"], tmp_path, stdin=b"n\n")
    assert declined.exit_code == 130 and api.created == []
    assert "bills every separation" in declined.stderr
    assert "cancelled: nothing was created" in declined.stderr
    accepted = run(api, ["--song", "m", "--audio-id", "t", "--no-wait"], tmp_path,
                   stdin=b"y\n")
    assert accepted.exit_code == 0 and api.billed == 1


def test_everything_is_checked_before_anything_is_billed(
    api: FakeLoopAPI, tmp_path: Path, sleeps: list[float]
) -> None:
    (tmp_path / "taken.mid").write_bytes(b"x")
    cases = [
        (["--song", "m", "--audio-id", "t", "--yes", "-o", "taken.mid"], ExitCode.OUTPUT),
        (["--song", "m", "--audio-id", "t", "--yes", "--bpm", "2"], ExitCode.USAGE),
        (["--song", "m", "--yes"], ExitCode.USAGE),
        (["sep-1", "--song", "m", "--audio-id", "t"], ExitCode.USAGE),
        ([], ExitCode.USAGE),
        (["--song", "m", "--audio-id", "t", "--yes", "--callback-url", "ftp://x/y"],
         ExitCode.USAGE),
        (["--song", "m", "--audio-id", "t", "--separation", "karaoke"], ExitCode.USAGE),
    ]
    for args, code in cases:
        result = run(api, args, tmp_path)
        assert result.exit_code == code, (args, result.stderr)
        assert result.stderr.strip().count("\n") <= 1 or "Usage:" in result.stderr, args
    assert api.created == [] and api.posts() == 0
    assert (tmp_path / "taken.mid").read_bytes() == b"x"


def test_the_callback_url_is_passed_through(
    api: FakeLoopAPI, tmp_path: Path, sleeps: list[float]
) -> None:
    url = "https://midi.example.org/callback/tok_0123456789abcdef"
    result = run(api, ["--song", "m", "--audio-id", "t", "--yes", "--no-wait",
                       "--callback-url", url], tmp_path)
    assert result.exit_code == 0
    assert api.created[0].payload["callBackUrl"] == url
    placeholder = run(api, ["--song", "m", "--audio-id", "t", "--yes", "--no-wait"], tmp_path)
    assert placeholder.exit_code == 0
    assert api.created[1].payload["callBackUrl"].startswith("https://callback.invalid/")


def test_help_says_what_is_billed(tmp_path: Path) -> None:
    text = run_cli(["generate", "--help"], tmp_path).stdout
    assert "BILLED" in text and "--yes" in text and "--no-wait" in text
    assert "--bpm" in text and "--split" in text and "--retries" in text  # shared groups
    listing = run_cli(["--help"], tmp_path).stdout
    commands = listing[listing.index("Commands:"):]
    assert "generate" in commands and "BILLED" in commands and "serve" in commands
