"""``--metre`` and ``--key`` under hostile values (hostile11): on every verb, a bad value or
combination is one line ``fetch-mid: error: ...`` and exit 2 with nothing written, a long
value is not echoed whole; odd metres with a fixed tempo are written and read back by mido,
pretty_midi and midicsv; degenerate records say truthfully why no key was written.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import warnings
from pathlib import Path

import mido
import pytest
from click.testing import Result

from conftest import fixture_path, run_cli

DEMO = str(fixture_path("demo-song"))


def usage_error(result: Result, tmp_path: Path) -> str:
    lines = result.stderr.splitlines()
    assert result.exit_code == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("fetch-mid: error: "), lines
    assert len(lines[0]) < 400, lines[0][:400]
    assert not [p for p in tmp_path.rglob("*") if p.suffix in (".mid", ".tmp")]
    return lines[0]


@pytest.mark.parametrize("metre", ["0/4", "4/0", "3/5", "99999/4", "-3/4", "4/4/4", "", " ",
                                   "x" * 5000, "9" * 5000 + "/4", "256/4", "4/256", "1e1/4",
                                   "0x3/4"])
def test_a_bad_metre_with_a_fixed_tempo(tmp_path: Path, metre: str) -> None:
    result = run_cli(["--from-json", DEMO, "-o", f"{tmp_path}/", "--bpm", "100",
                      "--metre", metre], tmp_path)
    line = usage_error(result, tmp_path)
    assert "--metre" in line


@pytest.mark.parametrize("key", ["H", "Cbm", "C##", "x" * 10_000, "\uff23", "", "Fb", "B#",
                                 "C\x00", "\u202eC"])
def test_a_bad_key(tmp_path: Path, key: str) -> None:
    for tempo in ("100", "auto"):
        result = run_cli(["--from-json", DEMO, "-o", f"{tmp_path}/", "--bpm", tempo,
                          "--key", key], tmp_path)
        assert "--key" in usage_error(result, tmp_path)


@pytest.mark.parametrize("args", [
    ["--metre", "auto"],  # without --bpm auto
    ["--bpm", "100", "--metre", "AUTO"],
    ["--bpm", "auto", "--metre", "7/8"],  # with --bpm auto: one of the six
    ["--bpm", "auto", "--metre", "1/1"],
    ["--bpm", "auto", "--metre", "99999/4"],
])
@pytest.mark.parametrize("verb", ["fetch", "default", "convert", "generate", "serve"])
def test_a_bad_combination_on_every_verb(tmp_path: Path, args: list[str], verb: str) -> None:
    out = f"{tmp_path}/out/"
    argv = {
        "fetch": ["fetch", "--from-json", DEMO, "-o", out],
        "default": ["--from-json", DEMO, "-o", out],
        "convert": ["convert", DEMO, "-o", out],
        "generate": ["generate", "some-task", "-o", out],
        "serve": ["serve", "-o", out, "--port", "0"],
    }[verb]
    result = run_cli([*argv, *args], tmp_path, env={"APIKLEY_API_KEY": "sk-test-key-0000"})
    line = usage_error(result, tmp_path)
    # every verb in the words of the command line, not the library's (metre='auto')
    assert "metre=" not in line and "--metre" in line


@pytest.mark.parametrize("key", ["none", "NONE", "None", " none "])
def test_key_none_in_any_case_writes_no_key_signature(tmp_path: Path, key: str) -> None:
    result = run_cli(["--from-json", DEMO, "-o", "-", "--bpm", "auto", "--key", key], tmp_path)
    assert result.exit_code == 0, result.stderr
    midi = mido.MidiFile(file=io.BytesIO(result.stdout_bytes))
    assert not [m for t in midi.tracks for m in t if m.type == "key_signature"]


@pytest.mark.parametrize("metre", ["7/8", "12/8", "1/1", "255/128", "255/1", "13/16", "1/128"])
def test_odd_metres_read_back_everywhere(tmp_path: Path, metre: str) -> None:
    import pretty_midi

    target = tmp_path / "odd.mid"
    result = run_cli(["--from-json", DEMO, "-o", str(target), "--bpm", "100", "--metre",
                      metre, "--key", "F#m", "--json"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["report"]["metre"]["time_signature"] == metre
    num, den = (int(x) for x in metre.split("/"))
    midi = mido.MidiFile(target)
    assert [(m.numerator, m.denominator) for m in midi.tracks[0]
            if m.type == "time_signature"] == [(num, den)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the key signature on the melodic tracks too
        pm = pretty_midi.PrettyMIDI(str(target))
    assert [(t.numerator, t.denominator) for t in pm.time_signature_changes] == [(num, den)]
    assert sum(len(i.notes) for i in pm.instruments) == json.loads(
        result.stdout)["report"]["notes_written"]
    if shutil.which("midicsv"):
        csv = subprocess.run(["midicsv", str(target)], capture_output=True, text=True,
                             check=True, timeout=30).stdout
        signature = [line.split(", ")[3:5] for line in csv.splitlines()
                     if "Time_signature" in line]
        assert signature == [[str(num), str(den.bit_length() - 1)]]


def test_one_pitch_class_is_not_called_too_few_notes(tmp_path: Path) -> None:
    source = tmp_path / "octaves.json"
    notes = [{"pitch": 48 + 12 * (i % 4), "start": i * 0.5, "end": i * 0.5 + 0.3,
              "velocity": 0.8} for i in range(100)]
    source.write_text(json.dumps({"taskId": "o", "midiData": {"instruments": [
        {"name": "Piano", "notes": notes}]}}))
    result = run_cli(["--from-json", str(source), "-o", f"{tmp_path}/", "--bpm", "100",
                      "--key", "auto", "--json"], tmp_path)
    assert result.exit_code == 0
    warning = [w for w in json.loads(result.stdout)["report"]["warnings"] if "key" in w]
    assert warning and "pitch classes" in warning[0]


def test_a_downbeat_on_the_first_note_is_not_minus_zero(tmp_path: Path) -> None:
    source = tmp_path / "drums.json"
    notes = [{"pitch": (36, 42, 38, 42)[i % 4], "start": i * 0.25, "end": i * 0.25 + 0.05,
              "velocity": 0.8} for i in range(4000)]
    source.write_text(json.dumps({"taskId": "d", "midiData": {"instruments": [
        {"name": "Drums", "notes": notes}]}}))
    result = run_cli(["--from-json", str(source), "-o", f"{tmp_path}/", "--bpm", "auto"],
                     tmp_path)
    assert result.exit_code == 0
    assert "downbeat at " in result.stderr and "-0.000" not in result.stderr
