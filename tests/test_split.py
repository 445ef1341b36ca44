"""``--split`` / ``export_task(split=True)``: one file per instrument beside the song.

Each stem is a valid file (mido, and Debian's midicsv where installed) with the song's
conductor track and exactly one instrument track, the same as in the song; names follow
``<stem>-<NN>-<instrument-slug>.mid``; a clash writes nothing at all.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import mido
import pytest
from click.testing import Result

from midi_export import writer
from midi_export.api.client import Client
from midi_export.errors import OutputError, OutputExistsError, UsageError
from midi_export.export import export_task, write_conversion
from midi_export.midi.conversion import Conversion
from midi_export.midi.convert import convert
from midi_export.paths import instrument_slug, stem_paths
from midi_export.record import Instrument, Record, RecordStatus
from midi_export.testing import FakeRecordAPI
from midi_export.writer import write_files

from conftest import run_cli
from grooves import groove, to_json

MIDICSV = shutil.which("midicsv")
KEY = "sk-test-split"


def odd_record() -> Record:
    """Drums, a bass, a name with accents, one with no ASCII at all, a skipped instrument and
    two instruments of the same name."""
    return Record(
        task_id="5c79be8e",
        status=RecordStatus.SUCCESS,
        instruments=[
            Instrument("Drums", [(36, 0.0, 0.1, 0.9), (38, 0.5, 0.6, 0.8)]),
            Instrument("Electric Bass (finger)", [(40, 0.0, 0.45, 0.8)]),
            Instrument("Empty", []),
            Instrument("Guitarra Eléctrica", [(64, 0.25, 0.5, 0.7)]),
            Instrument("ベース", [(45, 1.0, 1.5, 0.6)]),
            Instrument("Piano", [(60, 0.0, 1.0, 0.5)]),
            Instrument("Piano", [(72, 0.5, 1.0, 0.5)]),
        ],
    )


EXPECTED_NAMES = [
    "5c79be8e-01-drums.mid",
    "5c79be8e-02-electric-bass-finger.mid",
    "5c79be8e-03-guitarra-eléctrica.mid",  # the instrument's own letters, in any script
    "5c79be8e-04-ベース.mid",
    "5c79be8e-05-piano.mid",
    "5c79be8e-06-piano.mid",
]


def tracks_of(data: bytes) -> list[mido.MidiTrack]:
    return list(mido.MidiFile(file=io.BytesIO(data), charset="utf-8").tracks)


def midicsv_ok(path: Path) -> None:
    if MIDICSV is None:
        return
    result = subprocess.run([MIDICSV, str(path)], capture_output=True, check=False)
    assert result.returncode == 0 and result.stderr == b""
    assert result.stdout.count(b"Start_track") == 2


def check_stems(song: Path, stems: list[Path], conversion_report_instruments: list[dict]) -> None:
    """Each stem: the song's conductor, then exactly the song's track of its instrument."""
    song_tracks = tracks_of(song.read_bytes())
    written = [ins for ins in conversion_report_instruments if ins["written"]]
    assert len(stems) == len(written) == len(song_tracks) - 1
    for stem, ins in zip(stems, written, strict=True):
        midicsv_ok(stem)
        midi = mido.MidiFile(stem, charset="utf-8")
        assert midi.type == 1 and len(midi.tracks) == 2
        conductor, track = midi.tracks
        assert conductor == song_tracks[0]
        assert track == song_tracks[ins["track"]]
        assert track.name == ins["name"]
        programs = [m for m in track if m.type == "program_change"]
        assert [(m.program, m.channel + 1) for m in programs] == [(ins["program"], ins["channel"])]
        notes = [m for m in track if m.type == "note_on" and m.velocity]
        assert len(notes) == ins["notes_written"]
        assert {m.channel + 1 for m in notes} == {ins["channel"]}


# --------------------------------------------------------------------------- names


def test_stem_names_keep_the_instruments_letters_the_program_only_without_any() -> None:
    assert instrument_slug("Guitarra Eléctrica") == "guitarra-eléctrica"
    assert instrument_slug("ベース", "Electric Bass (finger)") == "ベース"
    assert instrument_slug("🎹🎹", "Acoustic Grand Piano") == "acoustic-grand-piano"
    assert instrument_slug("", "") == "track"  # (tests/test_paths.py: every rule)


def test_stem_paths_follow_the_song_and_the_track_numbers(tmp_path: Path) -> None:
    conversion = convert(odd_record())
    paths = stem_paths(tmp_path / "5c79be8e.mid", conversion.report)
    assert [track for track, _ in paths] == [1, 2, 3, 4, 5, 6]
    assert [p.name for _, p in paths] == EXPECTED_NAMES
    assert all(p.parent == tmp_path for _, p in paths)
    assert [p.name for _, p in stem_paths("out/song.midi", conversion.report)][:1] == [
        "song-01-drums.mid"
    ]


def test_more_than_99_tracks_get_3_digits(tmp_path: Path) -> None:
    record = Record(
        task_id="many",
        status=RecordStatus.SUCCESS,
        instruments=[Instrument(f"Piano {i}", [(60, 0.0, 1.0, 0.5)]) for i in range(101)],
    )
    names = [p.name for _, p in stem_paths(tmp_path / "many.mid", convert(record).report)]
    assert names[0] == "many-01-piano-0.mid" and names[-1] == "many-101-piano-100.mid"


# --------------------------------------------------------------------------- writing


def test_write_conversion_writes_the_song_and_its_stems(tmp_path: Path) -> None:
    conversion = convert(odd_record(), bpm="auto")
    song, stems = write_conversion(conversion, tmp_path / "5c79be8e.mid", split=True)
    assert song == tmp_path / "5c79be8e.mid"
    assert [p.name for p in stems] == EXPECTED_NAMES
    assert song.read_bytes() == conversion.to_bytes()
    facts = conversion.report.to_dict()["instruments"]
    check_stems(song, list(stems), facts)
    assert write_conversion(conversion, tmp_path / "alone.mid") == (tmp_path / "alone.mid", ())


def test_a_clash_writes_nothing(tmp_path: Path) -> None:
    conversion = convert(odd_record())
    clash = tmp_path / EXPECTED_NAMES[3]
    clash.write_bytes(b"mine")
    with pytest.raises(OutputExistsError) as info:
        write_conversion(conversion, tmp_path / "5c79be8e.mid", split=True)
    assert info.value.path == str(clash)
    assert sorted(p.name for p in tmp_path.iterdir()) == [clash.name]
    assert clash.read_bytes() == b"mine"
    write_conversion(conversion, tmp_path / "5c79be8e.mid", split=True, overwrite=True)
    assert clash.read_bytes() == conversion.stem_bytes(4)


def test_a_failure_part_way_removes_what_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = writer._write_path
    calls = []

    def flaky(data: bytes, path: Path, *, overwrite: bool) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise OutputError(f"cannot write {path}: disk full")
        real(data, path, overwrite=overwrite)

    monkeypatch.setattr(writer, "_write_path", flaky)
    with pytest.raises(OutputError, match="disk full"):
        write_conversion(convert(odd_record()), tmp_path / "5c79be8e.mid", split=True)
    assert list(tmp_path.iterdir()) == []


def test_write_files_refuses_one_path_twice(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="twice"):
        write_files([(b"MThd", tmp_path / "a.mid"), (b"MThd", tmp_path / "." / "a.mid")])
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- the CLI, offline


def run(args: list[str], cwd: Path, *, api: FakeRecordAPI | None = None) -> Result:
    extra = ["--base-url", api.base_url, "--api-key", KEY] if api is not None else []
    return run_cli([*args, *extra], cwd)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "in" / "record.json"
    path.parent.mkdir()
    path.write_bytes(to_json(odd_record()))
    return path


def test_cli_split_offline(tmp_path: Path, source: Path) -> None:
    result = run(["--from-json", str(source), "--split", "-o", "out/", "--bpm", "auto",
                  "--quantize", "1/16", "--json"], tmp_path)
    assert result.exit_code == 0, result.stderr
    facts = json.loads(result.stdout)
    out = tmp_path / "out"
    assert facts["stems"] == [str(Path("out") / name) for name in EXPECTED_NAMES]
    assert sorted(p.name for p in out.iterdir()) == sorted(["5c79be8e.mid", *EXPECTED_NAMES])
    for name in EXPECTED_NAMES:
        assert f"  stem  {Path('out') / name}" in result.stderr
    check_stems(out / "5c79be8e.mid", [out / n for n in EXPECTED_NAMES],
                facts["report"]["instruments"])


def test_cli_split_names_follow_the_output_file(tmp_path: Path, source: Path) -> None:
    result = run(["--from-json", str(source), "--split", "-o", "song.mid", "-q"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "song-01-drums.mid").is_file()
    assert (tmp_path / "song-06-piano.mid").is_file()


def test_cli_without_split_lists_no_stems(tmp_path: Path, source: Path) -> None:
    result = run(["--from-json", str(source), "--json", "-q"], tmp_path)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["stems"] == []
    assert sorted(p.name for p in tmp_path.glob("*.mid")) == ["5c79be8e.mid"]


def test_cli_split_refuses_an_existing_stem_and_writes_nothing(
    tmp_path: Path, source: Path
) -> None:
    clash = tmp_path / EXPECTED_NAMES[-1]
    clash.write_bytes(b"mine")
    result = run(["--from-json", str(source), "--split"], tmp_path)
    assert result.exit_code == 8
    assert f"{clash.name} already exists" in result.stderr
    assert sorted(p.name for p in tmp_path.glob("*.mid")) == [clash.name]
    assert clash.read_bytes() == b"mine"

    result = run(["--from-json", str(source), "--split", "--force"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert len(list(tmp_path.glob("*.mid"))) == 1 + len(EXPECTED_NAMES)


def test_cli_split_to_stdout_is_a_usage_error(tmp_path: Path, source: Path) -> None:
    result = run(["--from-json", str(source), "--split", "-o", "-"], tmp_path)
    assert result.exit_code == 2
    assert result.stdout_bytes == b""
    assert "--split" in result.stderr


# --------------------------------------------------------------------------- online


@pytest.fixture
def api() -> Iterator[FakeRecordAPI]:
    body = to_json(odd_record())
    with FakeRecordAPI({"5c79be8e": body, "other": to_json(groove(97.0, 0.0))},
                       api_key=KEY) as server:
        yield server


def test_cli_split_online(api: FakeRecordAPI, tmp_path: Path) -> None:
    result = run(["5c79be8e", "--split", "--json", "--save-json", "keep/", "--bpm", "auto",
                  "--quantize", "1/8"], tmp_path, api=api)
    assert result.exit_code == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["stems"] == EXPECTED_NAMES
    assert facts["report"]["tempo"]["mode"] == "auto"  # too few notes: it fell back
    assert facts["report"]["quantize"]["grid"] == "1/8"
    check_stems(tmp_path / "5c79be8e.mid", [tmp_path / n for n in EXPECTED_NAMES],
                facts["report"]["instruments"])
    assert (tmp_path / "keep" / "5c79be8e.json").is_file()


def test_cli_split_online_several_tasks(api: FakeRecordAPI, tmp_path: Path) -> None:
    result = run(["5c79be8e", "other", "--split", "-o", "out/", "--json", "--bpm", "auto"],
                 tmp_path, api=api)
    assert result.exit_code == 0, result.stderr
    results = json.loads(result.stdout)["results"]
    assert [len(r["stems"]) for r in results] == [6, 3]
    assert re.search(r"other.mid: .* 97(\.\d+)? BPM \(auto from drums", result.stderr)
    assert not (tmp_path / "out" / "groove-01-drums.mid").exists()  # named by the task id
    assert (tmp_path / "out" / "other-01-drums.mid").is_file()
    assert "stem  out/other-03-piano.mid" in result.stderr


def test_cli_split_online_clash_writes_nothing(api: FakeRecordAPI, tmp_path: Path) -> None:
    clash = tmp_path / EXPECTED_NAMES[0]
    clash.write_bytes(b"mine")
    result = run(["5c79be8e", "--split", "--save-json", "keep/"], tmp_path, api=api)
    assert result.exit_code == 8
    assert sorted(p.name for p in tmp_path.glob("*.mid")) == [clash.name]
    assert not (tmp_path / "keep" / "5c79be8e.json").exists()  # nothing at all
    assert clash.read_bytes() == b"mine"


def test_export_task_split(api: FakeRecordAPI, tmp_path: Path) -> None:
    with Client(KEY, base_url=api.base_url) as client:
        result = export_task("5c79be8e", tmp_path, client=client, split=True, bpm="auto")
        assert result.midi_path == tmp_path / "5c79be8e.mid"
        assert [p.name for p in result.stem_paths] == EXPECTED_NAMES
        assert result.report.tempo.mode == "auto"
        plain = export_task("other", tmp_path, client=client)
        assert plain.stem_paths == ()
        with pytest.raises(UsageError):
            export_task("5c79be8e", io.BytesIO(), client=client, split=True)


def test_stem_bytes_match_the_song(tmp_path: Path) -> None:
    conversion: Conversion = convert(odd_record())
    song = tracks_of(conversion.to_bytes())
    for track in range(1, conversion.track_count):
        stem = tracks_of(conversion.stem_bytes(track))
        assert stem == [song[0], song[track]]
