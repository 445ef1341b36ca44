"""quantize: grid names, snapping, strength, and quantized conversions read back with mido."""

from __future__ import annotations

import io
import json
import math
from fractions import Fraction
from pathlib import Path

import mido
import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from midi_export.errors import UsageError
from midi_export.midi.convert import convert
from midi_export.midi.quantize import (
    GRIDS,
    Grid,
    check_strength,
    grid_origin,
    move_stats,
    parse_grid,
    quantize_ticks,
    snap,
)
from midi_export.midi.tempo_map import TempoMap
from midi_export.record import Instrument, Record, RecordStatus

from conftest import run_cli
from grooves import groove, to_json
from strategies import records

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def make_record(*instruments: Instrument) -> Record:
    return Record(task_id="q", status=RecordStatus.SUCCESS, instruments=instruments)


def track_notes(data: bytes, track: int) -> list[tuple[int, int, int, int]]:
    """(start tick, end tick, pitch, velocity) of one track's notes; no pitch sounds twice."""
    midi = mido.MidiFile(file=io.BytesIO(data))
    tick = 0
    sounding: dict[int, tuple[int, int]] = {}
    out = []
    for msg in midi.tracks[track]:
        tick += msg.time
        if msg.type != "note_on":
            continue
        if msg.velocity:
            assert msg.note not in sounding, "two notes of one pitch sound at once"
            sounding[msg.note] = (tick, msg.velocity)
        else:
            start, velocity = sounding.pop(msg.note)
            assert tick > start
            out.append((start, tick, msg.note, velocity))
    assert not sounding
    return sorted(out)


# --------------------------------------------------------------------------- grids


@pytest.mark.parametrize(
    ("text", "ticks"),
    [("1/4", 480), ("1/8", 240), ("1/16", 120), ("1/32", 60), ("1/8t", 160), ("1/16t", 80),
     ("1/1", 1920), ("1/2", 960), ("1/64", 30), ("1/4t", 320), ("1/32t", 40), (" 1/16T ", 80)],
)
def test_grid_steps_in_ticks(text: str, ticks: int) -> None:
    grid = parse_grid(text)
    assert grid.step(480) == ticks
    assert parse_grid(grid.name) == grid
    assert str(grid) == grid.name


def test_the_usual_grids_all_parse() -> None:
    assert [parse_grid(g).name for g in GRIDS] == list(GRIDS)
    assert parse_grid(Grid(16, True)) == Grid(16, True)


@pytest.mark.parametrize(
    "text", ["1/12", "1/3", "2/16", "16", "", "1/128", "1/0", "1/16tt", "quarter", "1/-4", "1/16s"]
)
def test_bad_grids_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="quantize grid"):
        parse_grid(text)


@pytest.mark.parametrize("value", [16, None, 1.0 / 16])
def test_a_grid_must_be_text(value: object) -> None:
    with pytest.raises(UsageError):
        parse_grid(value)  # type: ignore[arg-type]


def test_grid_objects_check_themselves() -> None:
    for denominator in (0, 3, 128, True):
        with pytest.raises(UsageError):
            Grid(denominator)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0, 0.0, 0.25, 1, 1.0])
def test_strengths_from_0_to_1(value: float) -> None:
    assert check_strength(value) == float(value)


@pytest.mark.parametrize("value", [-0.1, 1.01, float("nan"), float("inf"), True, "0.5", None])
def test_bad_strengths_are_usage_errors(value: object) -> None:
    with pytest.raises(UsageError, match="strength"):
        check_strength(value)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- snapping


def test_snap_goes_to_the_nearest_point_and_halves_go_up() -> None:
    step = Fraction(120)
    assert [snap(t, step) for t in (0, 59, 60, 61, 119, 120, 179, 180)] == [
        0, 0, 120, 120, 120, 120, 120, 240
    ]


def test_snap_counts_from_the_origin_both_ways_and_never_before_0() -> None:
    step = Fraction(480)
    assert snap(200, step, origin=600) == 120  # counted back from the origin
    assert snap(10, step, origin=360) == 360  # the nearer point, -120, does not exist
    assert snap(1000, step, origin=360) == 840
    assert snap(1080, step, origin=360) == 1320  # halfway between 840 and 1320 goes up


def test_fractional_steps_round_each_point_once() -> None:
    step = Grid(16, triplet=True).step(100)  # 50/3 ticks
    assert step == Fraction(50, 3)
    points = [snap(t, step) for t in range(0, 101)]
    assert sorted(set(points)) == [0, 17, 33, 50, 67, 83, 100]


def test_quantize_at_full_strength_puts_starts_and_ends_on_the_grid() -> None:
    starts = [0, 5, 61, 119, 239, 250]
    ends = [10, 130, 62, 200, 250, 1000]
    new_starts, new_ends = quantize_ticks(starts, ends, Fraction(120))
    assert new_starts == [0, 0, 120, 120, 240, 240]
    # ends snap too, but at least one step after the start
    assert new_ends == [120, 120, 240, 240, 360, 960]


def test_strength_moves_part_of_the_way() -> None:
    starts, ends = [30, 100, 250], [200, 190, 470]
    full_starts, full_ends = quantize_ticks(starts, ends, Fraction(120))
    half_starts, half_ends = quantize_ticks(starts, ends, Fraction(120), strength=0.5)
    for old, full, half in zip(starts + ends, full_starts + full_ends, half_starts + half_ends,
                               strict=True):
        assert half - old == round(0.5 * (full - old))
    assert quantize_ticks(starts, ends, Fraction(120), strength=0.0) == (starts, ends)


def test_move_stats_count_notes_and_the_largest_move() -> None:
    before = ([0, 100, 250, 500], [50, 200, 470, 600])
    after = ([0, 120, 240, 500], [120, 240, 480, 600])
    stats = move_stats(before, after, lambda tick: tick / 960.0)  # 120 BPM at 480 ppq
    assert stats.moved == 3  # the first only by its end, the last not at all
    assert stats.max_ticks == 20  # onsets only: 100 -> 120
    assert stats.max_ms == pytest.approx(20 / 960 * 1000, abs=1e-3)
    assert move_stats(before, before, float).moved == 0


@SETTINGS
@given(
    notes=st.lists(
        st.tuples(st.integers(0, 100_000), st.integers(1, 5_000)), min_size=1, max_size=60
    ),
    grid=st.sampled_from([*GRIDS, "1/1", "1/64", "1/32t", "1/4t"]),
    ppq=st.sampled_from([480, 96, 100, 24, 960]),
    origin=st.integers(0, 3000),
    strength=st.floats(0, 1),
)
def test_quantize_properties(
    notes: list[tuple[int, int]], grid: str, ppq: int, origin: int, strength: float
) -> None:
    step = parse_grid(grid).step(ppq)
    starts = [s for s, _ in notes]
    ends = [s + length for s, length in notes]
    full_starts, full_ends = quantize_ticks(starts, ends, step, origin=origin)
    new_starts, new_ends = quantize_ticks(starts, ends, step, origin=origin, strength=strength)

    def points_near(tick: int) -> list[int]:
        """The grid points (each rounded half up, never before 0) around ``tick``."""
        k = math.floor((tick - origin) / step)
        near = (origin + math.floor(j * step + Fraction(1, 2)) for j in range(k - 2, k + 4))
        return [p for p in near if p >= 0]

    for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
        # full strength: the start on the nearest grid point (>= 0), the end on a grid point
        # at least one step after it, the nearest one unless that would be too early
        near = points_near(start)
        assert full_starts[i] in near
        assert abs(full_starts[i] - start) == min(abs(p - start) for p in near)
        assert full_ends[i] in points_near(full_ends[i])
        assert full_ends[i] >= full_starts[i] + int(step)
        next_point = min(p for p in points_near(full_starts[i]) if p > full_starts[i])
        if full_ends[i] > next_point:
            assert abs(full_ends[i] - end) == min(abs(p - end) for p in points_near(end))
        # any strength: that share of the way, rounded to a tick; still at least a tick long
        assert new_starts[i] == start + round(strength * (full_starts[i] - start))
        assert new_ends[i] > new_starts[i]
        assert new_ends[i] >= 0


# --------------------------------------------------------------------------- in convert


def off_grid_record() -> Record:
    piano = Instrument("Piano", [
        (60, 0.01, 0.2, 0.8),  # 120 BPM, 480 ppq: 960 ticks a second; 1/16 = 120 ticks
        (62, 0.27, 0.3, 0.8),
        (64, 0.52, 0.9, 0.8),
        (65, 1.0, 1.25, 0.8),  # on the grid already, start and end
    ])
    drums = Instrument("Drums", [(36, 0.0, 0.1, 0.9), (38, 0.49, 0.6, 0.9)])
    return make_record(piano, drums)


def test_quantized_onsets_are_on_the_grid_and_reported() -> None:
    conversion = convert(off_grid_record(), quantize="1/16")
    data = conversion.to_bytes()
    piano = track_notes(data, 1)
    assert [(start, end, pitch) for start, end, pitch, _ in piano] == [
        (0, 240, 60),  # 9.6 -> 0, 192 -> 240
        (240, 360, 62),  # 259.2 -> 240, 288 -> 240, then one step after the start
        (480, 840, 64),  # 499.2 -> 480, 864 -> 840
        (960, 1200, 65),  # untouched
    ]
    for start, end, _, _ in piano + track_notes(data, 2):
        assert start % 120 == 0 and end % 120 == 0
    report = conversion.report
    piano_report, drums_report = report.instruments
    assert piano_report.notes_moved == 3
    assert piano_report.max_move_ticks == 19  # onsets: 259 -> 240 and 499 -> 480
    assert piano_report.max_move_ms == pytest.approx(19 / 960 * 1000, abs=1e-3)
    assert (drums_report.notes_moved, drums_report.max_move_ticks) == (2, 10)
    quantize = report.quantize
    assert quantize is not None
    assert (quantize.grid, quantize.strength, quantize.step_ticks, quantize.origin_tick) == (
        "1/16", 1.0, 120.0, 0
    )
    assert quantize.notes_moved == 5
    assert quantize.max_move_ticks == 19
    assert quantize.max_move_ms == pytest.approx(19.792)
    facts = report.to_dict()
    assert json.loads(json.dumps(facts)) == facts
    assert facts["quantize"]["notes_moved"] == 5
    assert facts["instruments"][0]["notes_moved"] == 3


def test_half_strength_halves_the_distance() -> None:
    record = off_grid_record()
    plain = track_notes(convert(record).to_bytes(), 1)
    full = track_notes(convert(record, quantize="1/16").to_bytes(), 1)
    half = track_notes(convert(record, quantize="1/16", quantize_strength=0.5).to_bytes(), 1)
    for p, f, h in zip(plain, full, half, strict=True):
        assert h[0] - p[0] == round(0.5 * (f[0] - p[0]))
        assert h[1] - p[1] == round(0.5 * (f[1] - p[1]))


def test_triplet_grids() -> None:
    record = groove(100.0, 0.3, bars=4, seed=5)
    for grid, step in (("1/8t", 160), ("1/16t", 80), ("1/4t", 320)):
        data = convert(record, quantize=grid).to_bytes()
        for track in (1, 2, 3):
            for start, end, _, _ in track_notes(data, track):
                assert start % step == 0 and end % step == 0 and end - start >= step


def test_ends_keep_at_least_one_grid_step() -> None:
    short = Instrument("Piano", [(60 + i, 0.1 + i * 0.5, 0.1 + i * 0.5 + 0.01, 0.8)
                                 for i in range(8)])
    data = convert(make_record(short), quantize="1/8").to_bytes()
    for start, end, _, _ in track_notes(data, 1):
        assert end - start == 240


def test_cut_and_merge_still_hold_after_quantizing() -> None:
    # two notes of one pitch 30 ticks apart become one on the grid: they merge;
    # a note that then overlaps the next one of its pitch is cut at its onset.
    piano = Instrument("Piano", [
        (60, 0.0, 0.05, 0.5),
        (60, 0.03, 0.3, 0.9),  # onset 28.8 -> 0: same tick as the first, merged
        (62, 0.0, 0.4, 0.8),  # 384 -> 360 ...
        (62, 0.2, 0.5, 0.8),  # ... but this one starts at 192 -> 240: cuts the other
    ])
    conversion = convert(make_record(piano), quantize="1/16")
    notes = track_notes(conversion.to_bytes(), 1)
    assert notes == [(0, 240, 60, 114), (0, 240, 62, 102), (240, 480, 62, 102)]
    report = conversion.report.instruments[0]
    assert (report.merged, report.cut, report.notes_written) == (1, 1, 3)
    unquantized = convert(make_record(piano)).report.instruments[0]
    assert (unquantized.merged, unquantized.cut) == (0, 2)


@SETTINGS
@given(
    record=records(),
    grid=st.sampled_from(GRIDS),
    strength=st.sampled_from([1.0, 0.5, 0.25]),
    bpm=st.sampled_from([120.0, 97.0, 61.5]),
)
def test_quantized_files_keep_every_invariant(
    record: Record, grid: str, strength: float, bpm: float
) -> None:
    conversion = convert(record, bpm=bpm, quantize=grid, quantize_strength=strength)
    data = conversion.to_bytes()
    midi = mido.MidiFile(file=io.BytesIO(data))
    written = [r for r in conversion.report.instruments if r.written]
    assert len(midi.tracks) == 1 + len(written)
    step = parse_grid(grid).step(480)
    moved = 0
    for report in written:
        assert report.track is not None
        notes = track_notes(data, report.track)  # no same-pitch overlap, every note >= 1 tick
        assert len(notes) == report.notes_written
        if strength == 1.0:
            assert all(snap(start, step) == start for start, *_ in notes)
        moved += report.notes_moved
    quantize = conversion.report.quantize
    assert quantize is not None and quantize.notes_moved == moved


def test_the_grid_follows_the_bars_of_a_lead_in() -> None:
    record = groove(126.0, 1.014, pickup_beats=1.5, seed=1)
    conversion = convert(record, bpm="auto", quantize="1/8")
    tempo_map = conversion.tempo_map
    origin = grid_origin(tempo_map)
    assert origin == tempo_map.time_signatures[-1][0] > 0
    assert conversion.report.quantize is not None
    assert conversion.report.quantize.origin_tick == origin
    data = conversion.to_bytes()
    assert conversion.to_bytes() == data
    for track in (1, 2, 3):
        for start, _, _, _ in track_notes(data, track):
            assert (start - origin) % 240 == 0
    # the music was on its 8ths: quantizing to them moves no onset by more than the jitter
    assert conversion.report.quantize.max_move_ms < 30


def test_a_constant_map_counts_from_tick_0() -> None:
    assert grid_origin(TempoMap.constant(97)) == 0
    assert grid_origin(TempoMap(480, ((0, 500000),), ())) == 0


def test_quantize_off_changes_nothing() -> None:
    record = off_grid_record()
    assert convert(record).report.quantize is None
    assert convert(record, quantize_strength=0.3).to_bytes() == convert(record).to_bytes()
    assert convert(record, quantize="1/16", quantize_strength=0).to_bytes() == (
        convert(record).to_bytes()
    )


@pytest.mark.parametrize(
    "options",
    [{"quantize": "1/12"}, {"quantize": 16}, {"quantize": "1/16", "quantize_strength": 2},
     {"quantize_strength": -1}],
)
def test_bad_quantize_options_are_usage_errors(options: dict[str, object]) -> None:
    with pytest.raises(UsageError):
        convert(off_grid_record(), **options)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the CLI


def run(args: list[str], cwd: Path) -> Result:
    return run_cli(args, cwd)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "song.json"
    path.write_bytes(to_json(off_grid_record()))
    return path


def test_cli_quantize(tmp_path: Path, source: Path) -> None:
    result = run(["--from-json", str(source), "--quantize", "1/16"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "quantized to 1/16 at strength 1: 5 notes moved, the largest onset move 19 ticks " \
        "(19.8 ms)" in result.stderr
    assert "(3 moved)" in result.stderr
    data = (tmp_path / "q.mid").read_bytes()
    assert all(start % 120 == 0 for start, *_ in track_notes(data, 1))


def test_cli_quantize_strength_and_json(tmp_path: Path, source: Path) -> None:
    result = run(["--from-json", str(source), "--quantize", "1/8T", "--quantize-strength", "0.5",
                  "--json", "-q"], tmp_path)
    assert result.exit_code == 0, result.stderr
    facts = json.loads(result.stdout)["report"]["quantize"]
    assert facts["grid"] == "1/8t" and facts["strength"] == 0.5 and facts["step_ticks"] == 160


@pytest.mark.parametrize(
    "args",
    [
        ["--quantize", "1/12"],
        ["--quantize", "sixteenth"],
        ["--quantize", "1/16", "--quantize-strength", "1.5"],
        ["--quantize", "1/16", "--quantize-strength", "-0.5"],
        ["--quantize", "1/16", "--quantize-strength", "half"],
        ["--quantize-strength", "0.5"],  # without --quantize
    ],
)
def test_cli_bad_quantize_options_exit_2(tmp_path: Path, source: Path, args: list[str]) -> None:
    result = run(["--from-json", str(source), *args], tmp_path)
    assert result.exit_code == 2
    assert not list(tmp_path.glob("*.mid"))
