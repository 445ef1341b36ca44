"""The whole loop (``midi_export.loop.generate``), both forms, against the stand-in on
127.0.0.1: the stages, the billing, the failures, the deadlines, and what is checked first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import mido
import pytest

from midi_export.api.client import Client
from midi_export.errors import OutputError, TaskFailedError, TaskPendingError, UsageError
from midi_export.loop import GenerateProgress, generate, resume_command
from midi_export.testing import FakeLoopAPI, body_code

KEY = "test-key-0123456789"


@pytest.fixture
def api() -> Iterator[FakeLoopAPI]:
    with FakeLoopAPI(api_key=KEY, separation_polls=2, midi_polls=2) as server:
        yield server


@pytest.fixture
def client(api: FakeLoopAPI) -> Iterator[Client]:
    with Client(KEY, base_url=api.base_url, sleep=lambda s: None) as c:
        yield c


def stages(events: list[GenerateProgress]) -> list[str]:
    return [e.stage for e in events]


def test_from_a_song_to_a_file(api: FakeLoopAPI, client: Client, tmp_path: Path) -> None:
    events: list[GenerateProgress] = []
    result = generate(client, f"{tmp_path}/", song_task_id="music-1", audio_id="track-1",
                      on_progress=events.append, save_json=f"{tmp_path}/json/", bpm="auto")
    assert stages(events) == (["separation-created"] + ["separation-waiting"] * 3
                              + ["separation-done", "midi-created"] + ["midi-waiting"] * 3
                              + ["written"])
    assert [e.status for e in events if e.stage == "separation-waiting"] == [
        "PENDING", "PENDING", "SUCCESS"]
    assert result.export is not None and result.export.midi_path == tmp_path / "midi-0002.mid"
    midi = mido.MidiFile(tmp_path / "midi-0002.mid")
    assert [t.name for t in midi.tracks][1:] == ["Drums", "Electric Bass (finger)",
                                                 "Acoustic Grand Piano"]
    assert (tmp_path / "json" / "midi-0002.json").exists()
    assert api.billed == 1 and [w.kind for w in api.created] == ["separation", "midi"]
    assert api.created[0].payload["type"] == "split_stem"


def test_from_a_separation_with_one_stem(api: FakeLoopAPI, client: Client,
                                         tmp_path: Path) -> None:
    api.add_separation("sep-given")
    result = generate(client, tmp_path, separation_task_id="sep-given", audio_id="stem-9")
    assert result.midi_task_id == "midi-0001" and (tmp_path / "midi-0001.mid").exists()
    assert api.billed == 0 and api.created[0].payload["audioId"] == "stem-9"


def test_stem_by_name(api: FakeLoopAPI, client: Client, tmp_path: Path) -> None:
    generate(client, tmp_path, song_task_id="m", audio_id="t", stem="drums")
    assert api.created[1].payload["audioId"] == "sep-0001-stem2"
    with pytest.raises(UsageError, match="no stem 'flute'"):
        generate(client, tmp_path, song_task_id="m", audio_id="t", stem="flute")


def test_failed_separation_creates_no_midi(api: FakeLoopAPI, client: Client,
                                           tmp_path: Path) -> None:
    api.fail_next_separation()
    with pytest.raises(TaskFailedError, match="GENERATE_AUDIO_FAILED"):
        generate(client, tmp_path, song_task_id="m", audio_id="t")
    assert [w.kind for w in api.created] == ["separation"]


def test_failed_midi(api: FakeLoopAPI, client: Client, tmp_path: Path) -> None:
    api.fail_next_midi()
    with pytest.raises(TaskFailedError):
        generate(client, tmp_path, song_task_id="m", audio_id="t")
    assert list(tmp_path.iterdir()) == []


def test_rate_limits_on_both_posts_bill_once(api: FakeLoopAPI, client: Client,
                                             tmp_path: Path) -> None:
    api.script_create("separation", [body_code(430, retry_after=0), body_code(455)])
    api.script_create("midi", [body_code(430, retry_after=0)])
    generate(client, tmp_path, song_task_id="m", audio_id="t")
    assert api.billed == 1 and api.posts() == 5


def test_no_wait(api: FakeLoopAPI, client: Client, tmp_path: Path) -> None:
    result = generate(client, tmp_path, song_task_id="m", audio_id="t", wait=False)
    assert result.separation_task_id == "sep-0001" and result.midi_task_id is None
    with pytest.raises(TaskPendingError):  # from a separation still pending: nothing created
        generate(client, tmp_path, separation_task_id="sep-0001", wait=False)
    assert len(api.created) == 1
    api.add_separation("sep-ready")
    result = generate(client, tmp_path, separation_task_id="sep-ready", wait=False)
    assert result.midi_task_id == "midi-0002" and list(tmp_path.iterdir()) == []


def test_interrupted_wait_knows_how_to_resume(api: FakeLoopAPI, client: Client,
                                              tmp_path: Path) -> None:
    events: list[GenerateProgress] = []

    def stop_in_midi_wait(progress: GenerateProgress) -> None:
        events.append(progress)
        if progress.stage == "midi-waiting":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate(client, tmp_path, song_task_id="m", audio_id="t", on_progress=stop_in_midi_wait)
    assert resume_command(events[-1]) == "fetch-mid midi-0002"
    assert resume_command(events[0]) == "fetch-mid generate sep-0001"
    assert resume_command(None) is None


def test_each_stage_has_its_deadline(api: FakeLoopAPI, client: Client,
                                     tmp_path: Path) -> None:
    with pytest.raises(TaskPendingError) as caught:
        generate(client, tmp_path, song_task_id="m", audio_id="t", timeout=0)
    assert caught.value.task_id == "sep-0001"


def test_checked_before_anything_is_billed(api: FakeLoopAPI, client: Client,
                                          tmp_path: Path) -> None:
    taken = tmp_path / "song.mid"
    taken.write_bytes(b"x")
    with pytest.raises(OutputError):
        generate(client, taken, song_task_id="m", audio_id="t")
    with pytest.raises(UsageError):
        generate(client, tmp_path, song_task_id="m", audio_id="t", bpm=0)
    with pytest.raises(UsageError, match="--audio-id"):
        generate(client, tmp_path, song_task_id="m")
    with pytest.raises(UsageError, match="not both"):
        generate(client, tmp_path, song_task_id="m", audio_id="t", separation_task_id="s")
    assert api.created == []
