"""The command line of issue 10: ``--lead-in pickup|shift``, what the summary says of a shift
and of shared channels, and stem names in any script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from midi_export.errors import ExitCode

from conftest import run_cli
from daw_records import as_bytes, nonlatin, pickup, rec17


def write(tmp_path: Path, name: str, payload: dict[str, object]) -> str:
    path = tmp_path / f"{name}.json"
    path.write_bytes(as_bytes(payload))
    return str(path)


def test_help_shows_the_lead_in_option(tmp_path: Path) -> None:
    result = run_cli(["--help"], tmp_path)
    assert "--lead-in [pickup|shift]" in result.stdout
    assert "--lead-in shift" in result.stdout  # an example


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--lead-in", "shift"], "fetch-mid: error: --lead-in shift needs --bpm auto"),
     (["--lead-in", "shift", "--bpm", "97"], "fetch-mid: error: --lead-in shift needs --bpm auto"),
     (["--lead-in", "delay"],
      "fetch-mid: error: Invalid value for '--lead-in': 'delay' is not one of")],
)
def test_bad_lead_in_options_are_usage_errors(
    tmp_path: Path, args: list[str], message: str
) -> None:
    source = write(tmp_path, "pickup", pickup())
    result = run_cli(["--from-json", source, *args], tmp_path)
    assert result.exit_code == ExitCode.USAGE == 2
    assert sum(message in line for line in result.stderr.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pickup.json"]  # nothing written


def test_shift_needs_auto_before_anything_is_fetched(tmp_path: Path) -> None:
    result = run_cli(["sometask", "--lead-in", "shift"], tmp_path)  # no key given either
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.strip() == (
        "fetch-mid: error: --lead-in shift needs --bpm auto (a fixed tempo has no downbeat "
        "to move)"
    )


def test_shift_says_the_delay_in_the_summary_and_the_report(tmp_path: Path) -> None:
    source = write(tmp_path, "pickup", pickup())
    result = run_cli(["--from-json", source, "--bpm", "auto", "--lead-in", "shift", "--json"],
                     tmp_path)
    assert result.exit_code == 0, result.stderr
    tempo = json.loads(result.stdout)["report"]["tempo"]
    assert tempo["lead_in"] == "shift" and tempo["delay_seconds"] > 1.0
    assert tempo["tempos"] == [[0, 545455]] and tempo["time_signatures"] == [[0, 4, 4]]
    line = next(ln for ln in result.stderr.splitlines() if "delayed" in ln)
    assert line.strip() == (
        f"notes delayed by {tempo['delay_seconds']:.3f} s (--lead-in shift) so the first "
        "downbeat falls on a bar line: move the audio by as much"
    )


def test_the_default_pickup_says_nothing_of_a_delay(tmp_path: Path) -> None:
    source = write(tmp_path, "pickup", pickup())
    result = run_cli(["--from-json", source, "--bpm", "auto", "--json"], tmp_path)
    report = json.loads(result.stdout)["report"]
    assert report["tempo"]["lead_in"] == "pickup" and report["tempo"]["delay_seconds"] == 0.0
    assert report["tempo"]["tempos"][0] == [0, 545455]  # the song's tempo first
    assert report["tempo"]["rounding"] == "whole"
    assert "delayed" not in result.stderr
    assert result.stderr.splitlines()[0].startswith("pickup.mid: 3 instruments, 153 notes, 110 BPM")


def test_shared_channels_in_the_summary_the_warnings_and_the_report(tmp_path: Path) -> None:
    source = write(tmp_path, "rec17", rec17())
    result = run_cli(["--from-json", source, "--json"], tmp_path)
    assert result.exit_code == 0
    instruments = json.loads(result.stdout)["report"]["instruments"]
    assert [(i["track"], i["shared_with"], i["port"]) for i in instruments[1:5]] == [
        (2, [4], 0), (3, [5], 0), (4, [2], 1), (5, [3], 1)]
    assert all(i["port"] == 0 and i["shared_with"] == [] for i in instruments[5:])
    lines = result.stderr.splitlines()
    assert any(ln.startswith("  ch 2  piano") and ln.endswith(
        "(shares ch 2 with track 5, 32 cut there)") for ln in lines)
    warnings = [ln for ln in lines if ln.startswith("warning: channel")]
    assert [w.split(" is shared by ")[0] for w in warnings] == [
        "warning: channel 1", "warning: channel 2"]


def test_split_names_stems_after_their_instrument_in_any_script(tmp_path: Path) -> None:
    source = write(tmp_path, "nonlatin", nonlatin())
    result = run_cli(["--from-json", source, "--split", "-o", "out/"], tmp_path)
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "nonlatin-02-ベース.mid" in names and "nonlatin-03-скрипка.mid" in names
    assert "nonlatin-08-acoustic-grand-piano.mid" in names  # 🎹🎹 has no letter
    assert len(names) == 13
    assert "  stem  out/nonlatin-05-ギター.mid" in result.stderr.splitlines()


def many_unknown(count: int) -> dict[str, object]:
    """``count`` instruments no General MIDI name matches, each with one note and one invalid
    note: two warnings each."""
    instruments = [{"name": f"Widget {i}", "notes": [
        {"pitch": 60, "start": 0.0, "end": 0.5, "velocity": 0.5},
        {"pitch": 200, "start": 0.0, "end": 0.5, "velocity": 0.5}]} for i in range(count)]
    return {"code": 200, "msg": "success",
            "data": {"taskId": "many", "midiData": {"state": "complete",
                                                    "instruments": instruments}}}


def test_a_record_of_many_instruments_gets_a_readable_summary(tmp_path: Path) -> None:
    from midi_export.cli.summary import SHOWN_INSTRUMENTS, SHOWN_WARNINGS

    source = write(tmp_path, "many", many_unknown(100))
    lines = run_cli(["--from-json", source], tmp_path).stderr.splitlines()
    rows = [ln for ln in lines if ln.startswith("  ch")]
    assert [r.split()[2:4] for r in rows[:2]] == [["Widget", "0"], ["Widget", "1"]]
    assert len(rows) == SHOWN_INSTRUMENTS < 100
    assert f"  ... and {100 - SHOWN_INSTRUMENTS} more instruments (-v lists every one, and so " \
           "does --json)" in lines
    warnings = [ln for ln in lines if ln.startswith("warning: ")]
    # 15 channels shared, then two for each instrument: the record-wide ones come first
    assert sum(w.startswith("warning: channel") for w in warnings) == 15
    assert len(warnings) == SHOWN_WARNINGS + 1
    assert warnings[-1] == (f"warning: ... and {15 + 200 - SHOWN_WARNINGS} more warnings (-v "
                            "shows every one, and so does --json)")
    assert len(lines) == 1 + SHOWN_INSTRUMENTS + 1 + SHOWN_WARNINGS + 1

    verbose = run_cli(["--from-json", source, "-v", "--force"], tmp_path).stderr.splitlines()
    assert sum(ln.startswith("  ch") for ln in verbose) == 100
    assert sum(ln.startswith("warning: ") for ln in verbose) == 215
    assert not any("... and" in ln for ln in verbose)
    report = json.loads(run_cli(["--from-json", source, "--json", "--force"], tmp_path).stdout)
    assert len(report["report"]["instruments"]) == 100
    assert len(report["report"]["warnings"]) == 215


def test_a_record_at_the_limits_is_listed_whole(tmp_path: Path) -> None:
    from midi_export.cli.summary import SHOWN_INSTRUMENTS

    source = write(tmp_path, "few", many_unknown(SHOWN_INSTRUMENTS))
    lines = run_cli(["--from-json", source], tmp_path).stderr.splitlines()
    assert sum(ln.startswith("  ch") for ln in lines) == SHOWN_INSTRUMENTS
    assert not any(ln.startswith("  ... and") for ln in lines)
