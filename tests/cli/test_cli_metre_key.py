"""``--metre`` and ``--key`` (the conversion group every verb shares): what they write, what
the summary and ``--json`` say, and one-line usage errors for what they refuse."""

from __future__ import annotations

import io
import json
from pathlib import Path

import mido
import pytest
from click.testing import Result

from midi_export.record import Record, RecordStatus

from conftest import run_cli
from grooves import groove, to_json
from metres import six_eight


def run(args: list[str], cwd: Path) -> Result:
    return run_cli(args, cwd)


def conductor_types(path: Path) -> list[mido.MetaMessage]:
    midi = mido.MidiFile(file=io.BytesIO(path.read_bytes()))
    return [m for m in midi.tracks[0] if m.type in ("time_signature", "key_signature")]


@pytest.fixture
def jig(tmp_path: Path) -> Path:
    source = tmp_path / "jig.json"
    record = Record(task_id="jig", status=RecordStatus.SUCCESS, instruments=six_eight(70.0))
    source.write_bytes(to_json(record))
    return source


def test_bpm_auto_finds_the_metre_and_the_key_and_says_so(tmp_path: Path, jig: Path) -> None:
    result = run(["--from-json", str(jig), "--bpm", "auto"], tmp_path)
    assert result.exit_code == 0, result.stderr
    first = result.stderr.splitlines()[0]
    assert "105 BPM (auto from drums" in first
    assert "6/8 (dotted quarter = 70; auto, confidence" in first
    assert "key C (auto, confidence" in first
    events = conductor_types(tmp_path / "jig.mid")
    signatures = [(m.numerator, m.denominator) for m in events if m.type == "time_signature"]
    assert signatures[-1] == (6, 8)
    assert [m.key for m in events if m.type == "key_signature"] == ["C"]


def test_json_has_the_metre_and_the_key(tmp_path: Path, jig: Path) -> None:
    result = run(["--from-json", str(jig), "--bpm", "auto", "--json", "-q"], tmp_path)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)["report"]
    assert report["metre"]["time_signature"] == "6/8" and report["metre"]["mode"] == "auto"
    assert report["key"]["key"] == "C" and report["key"]["written"] is True
    assert report["tempo"]["pulse_bpm"] == pytest.approx(70, rel=0.02)
    assert any(c["chosen"] for c in report["tempo"]["candidates"])


def test_a_fixed_tempo_with_a_metre_and_a_key(tmp_path: Path) -> None:
    source = tmp_path / "song.json"
    source.write_bytes(to_json(groove(97.0, 0.0, task_id="song")))
    result = run(["--from-json", str(source), "--bpm", "120", "--metre", "12/8", "--key", "F#m"],
                 tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "120 BPM, 12/8 (dotted quarter = 80), key F#m, ppq 480" in result.stderr
    events = conductor_types(tmp_path / "song.mid")
    assert [(m.numerator, m.denominator) for m in events if m.type == "time_signature"] == [
        (12, 8)]
    assert [m.key for m in events if m.type == "key_signature"] == ["F#m"]


def test_plain_conversions_are_unchanged(tmp_path: Path) -> None:
    source = tmp_path / "song.json"
    source.write_bytes(to_json(groove(97.0, 0.0, task_id="song")))
    plain = run(["--from-json", str(source), "-o", "a.mid"], tmp_path)
    spelled = run(["--from-json", str(source), "-o", "b.mid", "--metre", "4/4", "--key", "none"],
                  tmp_path)
    assert plain.exit_code == spelled.exit_code == 0
    assert (tmp_path / "a.mid").read_bytes() == (tmp_path / "b.mid").read_bytes()
    assert b"\xff\x59" not in (tmp_path / "a.mid").read_bytes()
    assert "120 BPM, ppq 480" in plain.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--metre", "auto"], "--metre auto needs --bpm auto"),
    (["--bpm", "auto", "--metre", "5/4"], "with --bpm auto, --metre takes auto, 2/4"),
    (["--metre", "3/5"], "Invalid value for '--metre'"),
    (["--metre", "three"], "Invalid value for '--metre'"),
    (["--key", "H"], "Invalid value for '--key'"),
    (["--key", "Fb"], "would need 8 flats"),
])
def test_bad_values_are_one_line_usage_errors(
    tmp_path: Path, args: list[str], message: str
) -> None:
    source = tmp_path / "song.json"
    source.write_bytes(to_json(groove(97.0, 0.0, task_id="song")))
    result = run(["--from-json", str(source), *args], tmp_path)
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if "rror" in line]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert not list(tmp_path.glob("*.mid"))


@pytest.mark.parametrize("verb", [[], ["generate"], ["serve"], ["convert"]])
def test_every_verb_takes_metre_and_key(tmp_path: Path, verb: list[str]) -> None:
    result = run([*verb, "--help"], tmp_path)
    assert result.exit_code == 0
    assert "--metre auto|N/D" in result.output and "--key auto|none|KEY" in result.output
