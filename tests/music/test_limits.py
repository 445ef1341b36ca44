"""Size and span limits before allocating (issue 12, classes 2 and 3): a tiny record with a
far note, a note at 1e308, too many instruments, fuzzy matching of thousands of names,
JSON nested deeper than the decoders go.
"""

from __future__ import annotations

import json
import math
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from midi_export.cli import cli
from midi_export.errors import InvalidRecordError
from midi_export.midi.convert import convert
from midi_export.music import gm
from midi_export.music.limits import (
    AUTO_MAX_SPAN_SECONDS,
    MAX_INSTRUMENT_TRACKS,
    check_auto_span,
    check_convertible,
    onset_span,
)
from midi_export.music.tempo import estimate_tempo
from midi_export.record import parse_record


def drums(count: int, last: float, end: float | None = None) -> dict[str, Any]:
    notes = [{"pitch": 36, "start": i * 0.25, "end": i * 0.25 + 0.1, "velocity": 0.8}
             for i in range(count - 1)]
    notes.append({"pitch": 36, "start": last, "end": last + 0.1 if end is None else end,
                  "velocity": 0.8})
    return {"name": "Drums", "notes": notes}


def payload(*instruments: dict[str, Any]) -> dict[str, Any]:
    return {"code": 200, "msg": "ok", "data": {"taskId": "t", "successFlag": 1,
                                               "midiData": {"instruments": list(instruments)}}}


def record(*instruments: dict[str, Any]) -> Any:
    return parse_record(payload(*instruments))


def test_a_far_note_is_refused_before_anything_is_allocated() -> None:
    rec = record(drums(41, 250_000.0))  # 41 notes, 2.5 KB: --bpm auto took 2.8 GB before
    tracemalloc.start()
    try:
        with pytest.raises(InvalidRecordError) as info:
            convert(rec, bpm="auto")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000
    assert str(info.value) == (
        "a note ends at 250000 s (instruments[0].notes[40]), past the 24-hour limit of a "
        "converted record: the record is broken there")
    assert info.value.exit_code == 7 and info.value.where == "instruments[0].notes[40]"


@pytest.mark.parametrize("end", [4e6, 1e308])
def test_a_note_past_a_day_is_invalid_data_not_a_finite_number_error(end: float) -> None:
    for bpm in (120.0, "auto"):
        with pytest.raises(InvalidRecordError, match="past the 24-hour limit") as info:
            convert(record(drums(41, 1.0, end=end)), bpm=bpm, ppq=24)  # type: ignore[arg-type]
        assert "not a finite number" not in str(info.value)


def test_auto_on_a_long_span_falls_back_to_the_fixed_tempo_with_a_warning() -> None:
    rec = record(drums(41, 50_000.0))  # 13.9 h of onsets: fine for a fixed tempo
    tracemalloc.start()
    try:
        conversion = convert(rec, bpm="auto")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000  # analysing it would have taken ~600 MB
    tempo = conversion.report.tempo
    assert (tempo.mode, tempo.fell_back, tempo.source, tempo.bpm) == ("auto", True,
                                                                      "too-long", 120.0)
    assert conversion.report.warnings == (
        "auto tempo: the notes span 13:53:20 (from 0 s to 50000 s), more than the 2:00:00 "
        "the tempo estimate analyses; written at 120 BPM instead, so the file's bars do not "
        "follow the music (the notes keep their times)",)
    assert conversion.to_bytes() == convert(rec, bpm=120.0).to_bytes()


def test_estimate_tempo_itself_refuses_a_span_past_its_limit() -> None:
    with pytest.raises(InvalidRecordError, match="analyses at most 2:00:00"):
        estimate_tempo(record(drums(41, AUTO_MAX_SPAN_SECONDS + 60)))
    check_auto_span(onset_span(record(drums(41, AUTO_MAX_SPAN_SECONDS - 60)).instruments))


def test_too_many_instruments_is_known_before_matching_any_name(monkeypatch: Any) -> None:
    one = {"pitch": 60, "start": 0.0, "end": 0.5, "velocity": 0.5}
    rec = record(*({"name": f"odd {i}", "notes": [one]} for i in range(MAX_INSTRUMENT_TRACKS
                                                                         + 1)))
    matched: list[str] = []
    monkeypatch.setattr(gm, "_match_name", lambda name, fuzzy=True: matched.append(name))
    with pytest.raises(InvalidRecordError, match="65,535 instruments with notes; a MIDI file"):
        check_convertible(rec.instruments)
    with pytest.raises(InvalidRecordError):
        convert(rec)
    assert matched == []


def test_fuzzy_matching_is_tried_for_the_first_names_only(monkeypatch: Any) -> None:
    calls: list[str] = []
    real = gm._close_program
    monkeypatch.setattr(gm, "_close_program", lambda folded, tables: (
        calls.append(folded), real(folded, tables))[1])
    gm._match_name.cache_clear()
    one = {"pitch": 60, "start": 0.0, "end": 0.5, "velocity": 0.5}
    names = ["Violn", *(f"zzq odd name {i}" for i in range(gm.FUZZY_BUDGET + 99)), "Violn"]
    conversion = convert(record(*({"name": n, "notes": [one]} for n in names)))
    gm._match_name.cache_clear()
    assert len(calls) == gm.FUZZY_BUDGET
    assert conversion.report.instruments[0].program == 40  # the typo, found by difflib
    assert conversion.report.instruments[-1].program == 40  # the same name: the same match
    assert conversion.report.warnings[0].startswith(
        "100 instrument names were not tried against close General MIDI names: only the "
        f"first {gm.FUZZY_BUDGET} unknown names")


def test_a_record_nested_deeper_than_the_decoder_goes_is_invalid_data(tmp_path: Path) -> None:
    deep = "[" * 1000 + "0" + "]" * 1000
    text = json.dumps(payload(drums(3, 1.0))).replace('"ok"', deep, 1)
    for padding in (0, 641 * 1024):  # the stdlib path and the msgspec path (>= 640 KiB)
        source = tmp_path / f"deep{padding}.json"
        source.write_text(text + " " * padding)
        result = CliRunner().invoke(cli, ["--from-json", str(source), "-o", str(tmp_path)
                                          + "/out/"])
        assert result.exit_code == 7, result.output
        assert result.stderr == "fetch-mid: error: the JSON is nested too deeply to be a record\n"
        assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_the_cli_reports_each_limit_in_one_line(tmp_path: Path) -> None:
    far = tmp_path / "far.json"
    far.write_text(json.dumps(payload(drums(41, 250_000.0))))
    result = CliRunner().invoke(cli, ["--from-json", str(far), "-o", str(tmp_path / "x.mid"),
                                      "--bpm", "auto", "--ppq", "24"])
    assert result.exit_code == 7
    assert len(result.stderr.splitlines()) == 1 and "24-hour limit" in result.stderr
    assert not (tmp_path / "x.mid").exists()
    long = tmp_path / "long.json"
    long.write_text(json.dumps(payload(drums(41, 50_000.0))))
    result = CliRunner().invoke(cli, ["--from-json", str(long), "-o", str(tmp_path / "y.mid"),
                                      "--bpm", "auto"])
    assert result.exit_code == 0 and (tmp_path / "y.mid").is_file()
    assert "auto fell back: the notes span too long to analyse" in result.stderr
    assert "warning: auto tempo: the notes span 13:53:20" in result.stderr


def test_spans_are_read_from_the_columns() -> None:
    rec = record(drums(5, 7.5), {"name": "Bass", "notes": [
        {"pitch": 40, "start": 0.5, "end": 9.0, "velocity": 0.5}]})
    span = onset_span(rec.instruments)
    assert (span.first, span.last, span.seconds) == (0.0, 7.5, 7.5)
    assert onset_span([]).seconds == 0.0
    assert math.isclose(onset_span(record(drums(2, 3.0)).instruments).seconds, 3.0)


def test_thousands_of_instruments_of_one_program_convert(tmp_path: Path) -> None:
    """More than 128 tracks on one shared channel: the ports stop at 127 (before: exit 1,
    'port must be 0..127'), the summary names a few of the channel's other tracks."""
    one = {"pitch": 60, "start": 0.0, "end": 0.5, "velocity": 0.5}
    rec = record(*({"name": f"odd name {i}", "notes": [one]} for i in range(2100)))
    conversion = convert(rec)
    from midi_export.midi.channels import allocate_channels

    plan = allocate_channels([gm.gm_program(ins.name) for ins in rec.instruments])
    assert max(plan.ports) == 127 and plan.uses_ports
    assert conversion.report.notes_written == 2100
    assert all(len(w) < 1000 for w in conversion.report.warnings)
    source = tmp_path / "many.json"
    source.write_text(json.dumps(payload(*({"name": f"odd name {i}", "notes": [one]}
                                           for i in range(2100)))))
    result = CliRunner().invoke(cli, ["--from-json", str(source), "-o", str(tmp_path / "m.mid")])
    assert result.exit_code == 0
    assert max(len(line) for line in result.stderr.splitlines()) < 1000
    assert "and 132 more" in result.stderr  # 140 on a channel, 8 named


def test_render_refuses_a_song_longer_than_an_hour_before_running_anything(
    tmp_path: Path,
) -> None:
    """One note at 20 h would have made 12.7 GB of WAV, read into memory."""
    from midi_export.errors import RenderError
    from midi_export.render import Renderer

    ran = tmp_path / "ran"
    fake = tmp_path / "fluidsynth"
    fake.write_text(f"#!/bin/sh\ntouch {ran}\n")
    fake.chmod(0o755)
    renderer = Renderer(str(fake), tmp_path / "gm.sf2")
    with pytest.raises(RenderError, match=r"the song is 20:00:00 long; --render renders at "
                                          r"most 1:00:00") as info:
        renderer.render(convert(record(drums(41, 72_000.0))))
    assert info.value.exit_code == 8 and not ran.exists()
