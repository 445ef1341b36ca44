"""The producer options on ``fetch`` (offline and online) and ``generate``: --clean and its
rules, --split-drums, --drum-map, --preview; the default output stays byte for byte."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import mido
import pretty_midi
import pytest

from midi_export import parse_record
from midi_export.cli import generate as generate_module
from midi_export.cli import online as online_module
from midi_export.testing import FakeLoopAPI, FakeRecordAPI

from conftest import fixture_path, run_cli

KEY = "sk-live-SECRET-1b2c3d4e5f"
DEMO = str(fixture_path("demo-song"))


def offline(args: list[str], cwd: Path) -> tuple[int, dict[str, object], str]:
    result = run_cli(["--from-json", DEMO, "-o", "out/", "--force", "--json", *args], cwd)
    return result.exit_code, json.loads(result.stdout), result.stderr


def test_help_lists_the_new_options(tmp_path: Path) -> None:
    text = run_cli(["--help"], tmp_path).stdout
    for word in ("--clean", "--min-duration", "--merge-gap", "--min-velocity", "--split-drums",
                 "--drum-map", "--preview", "--render", "--soundfont", "convert"):
        assert word in text, word


def test_the_default_file_is_the_same_with_the_rules_off(tmp_path: Path) -> None:
    run_cli(["--from-json", DEMO, "-o", "plain.mid"], tmp_path)
    run_cli(["--from-json", DEMO, "-o", "gm.mid", "--drum-map", "gm", "--merge-gap", "0",
             "--min-velocity", "0"], tmp_path)
    assert (tmp_path / "plain.mid").read_bytes() == (tmp_path / "gm.mid").read_bytes()


def test_clean_options_reach_the_report_and_the_summary(tmp_path: Path) -> None:
    code, doc, err = offline(["--clean", "--min-velocity", "0.6", "--merge-gap", "100"], tmp_path)
    assert code == 0
    report = doc["report"]
    assert isinstance(report, dict)
    clean, instruments = report["clean"], report["instruments"]
    assert (clean["min_duration_ms"], clean["merge_gap_ms"], clean["min_velocity"]) == (
        50.0, 100.0, 0.6)
    for rule in ("gaps_merged", "too_short", "too_quiet"):
        assert clean[rule] == sum(i[rule] for i in instruments)
    assert clean["gaps_merged"] > 0 and clean["too_quiet"] > 0
    record = parse_record(fixture_path("demo-song").read_bytes())
    for ins, original in zip(instruments, record.instruments, strict=True):
        removed = ins["gaps_merged"] + ins["too_short"] + ins["too_quiet"] + ins["merged"]
        assert ins["notes_written"] == len(original) - removed
    assert instruments[0]["notes_written"] == len(record.instruments[0])  # the kit is left alone
    assert "gaps merged" in err and "too quiet" in err


def test_an_explicit_rule_overrides_the_clean_default(tmp_path: Path) -> None:
    _, doc, _ = offline(["--clean", "--min-duration", "300"], tmp_path)
    report = doc["report"]
    assert isinstance(report, dict) and report["clean"]["min_duration_ms"] == 300.0
    assert report["clean"]["too_short"] > 0


def test_split_drums_with_split_writes_a_stem_per_piece(tmp_path: Path) -> None:
    code, doc, _ = offline(["--split-drums", "--split", "--drum-map", "basic"], tmp_path)
    assert code == 0
    stems = [Path(p).name for p in doc["stems"]]  # type: ignore[union-attr]
    assert stems[:4] == ["demo-song-01-kick.mid", "demo-song-02-snare.mid",
                         "demo-song-03-hi-hat.mid", "demo-song-04-cymbals.mid"]
    kick = mido.MidiFile(tmp_path / "out" / "demo-song-01-kick.mid")
    assert {m.channel for m in kick.tracks[1] if m.type == "note_on"} == {9}
    assert doc["report"]["drums"]["drum_map"] == "basic"  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--min-duration", "-1"], "--min-duration"),
        (["--min-velocity", "2"], "--min-velocity"),
        (["--merge-gap", "x"], "--merge-gap"),
        (["--drum-map", "nope"], "not a built-in map (basic, gm)"),
    ],
)
def test_bad_values_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli(["--from-json", DEMO, *args], tmp_path)
    assert result.exit_code == 2 and message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_drum_map_file(tmp_path: Path) -> None:
    (tmp_path / "kit.json").write_text(json.dumps({"name": "pads", "Bass Drum 1": 24,
                                                   "38": 26, "42": 30}))
    code, doc, _ = offline(["--drum-map", "kit.json"], tmp_path)
    kit = parse_record(fixture_path("demo-song").read_bytes()).instruments[0]
    moved = sum(1 for p in kit.pitches if p in (36, 38, 42))
    assert code == 0 and doc["report"]["drums"] == {  # type: ignore[index]
        "split": False, "pieces": 0, "drum_map": "pads", "notes_remapped": moved}
    pitches = {n.pitch for n in pretty_midi.PrettyMIDI(str(tmp_path / "out" / "demo-song.mid")
                                                        ).instruments[0].notes}
    assert {24, 26, 30} <= pitches and not pitches & {36, 38, 42}


@pytest.fixture
def record_api() -> Iterator[FakeRecordAPI]:
    demo = fixture_path("demo-song").read_bytes()
    with FakeRecordAPI({"5c79be8e": demo, "other": demo}, api_key=KEY) as server:
        yield server


def test_fetch_writes_the_preview_with_the_song(record_api: FakeRecordAPI, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(online_module, "_interruptible_sleep", lambda s: None)
    result = run_cli(["5c79be8e", "other", "-o", "songs/", "--preview", "looks/", "--clean",
                      "--json", "--base-url", record_api.base_url, "--api-key", KEY], tmp_path)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [r["preview"] for r in doc["results"]] == ["looks/5c79be8e.png", "looks/other.png"]
    assert (tmp_path / "looks" / "other.png").read_bytes()[:4] == b"\x89PNG"
    assert doc["results"][0]["report"]["clean"]["min_duration_ms"] == 50.0


def test_several_tasks_need_a_folder_for_the_preview(record_api: FakeRecordAPI,
                                                      tmp_path: Path) -> None:
    result = run_cli(["5c79be8e", "other", "--preview", "one.png", "--base-url",
                      record_api.base_url, "--api-key", KEY], tmp_path)
    assert result.exit_code == 2 and "--preview must be a folder" in result.stderr
    assert record_api.requests == []  # nothing was fetched


def test_an_existing_preview_is_refused_before_fetching(record_api: FakeRecordAPI,
                                                         tmp_path: Path) -> None:
    (tmp_path / "5c79be8e.png").write_bytes(b"mine")
    result = run_cli(["5c79be8e", "--preview", "5c79be8e.png", "--base-url",
                      record_api.base_url, "--api-key", KEY], tmp_path)
    assert result.exit_code == 8 and record_api.requests == []
    assert (tmp_path / "5c79be8e.png").read_bytes() == b"mine"
    assert not (tmp_path / "5c79be8e.mid").exists()


def test_generate_writes_the_preview_of_its_song(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generate_module, "_sleep", lambda s: None)
    with FakeLoopAPI(api_key=KEY, separation_polls=1, midi_polls=1) as api:
        result = run_cli(["generate", "--song", "music-1", "--audio-id", "track-1", "--yes",
                          "-o", "songs/", "--preview", "songs/", "--split-drums"], tmp_path,
                         env={"APIKLEY_API_KEY": KEY, "APIKLEY_BASE_URL": api.base_url})
    assert result.exit_code == 0, result.stderr
    assert "preview  songs/midi-0002.png" in result.stderr
    assert (tmp_path / "songs" / "midi-0002.png").read_bytes()[:4] == b"\x89PNG"


def test_generate_checks_the_preview_target_before_billing(tmp_path: Path) -> None:
    (tmp_path / "taken.png").write_bytes(b"mine")
    with FakeLoopAPI(api_key=KEY) as api:
        result = run_cli(["generate", "--song", "music-1", "--audio-id", "track-1", "--yes",
                          "--preview", "taken.png"], tmp_path,
                         env={"APIKLEY_API_KEY": KEY, "APIKLEY_BASE_URL": api.base_url})
        assert result.exit_code == 8 and not api.requests
