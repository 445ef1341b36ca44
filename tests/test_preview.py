"""--preview: the piano roll is a matplotlib Figure (no pyplot), its PNG opens with the right
size, is not blank, and shows each lane in its colour; the grid follows the tempo map."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from midi_export import (
    Instrument,
    MissingDependencyError,
    Record,
    RecordStatus,
    TempoMap,
    convert,
    parse_record,
    preview_figure,
    preview_png,
)
from midi_export import preview as preview_module
from midi_export.midi.bars import bar_lines

from conftest import fixture_path, run_cli


@pytest.fixture(scope="module")
def demo() -> Any:
    return convert(parse_record(fixture_path("demo-song").read_bytes()), bpm="auto")


@pytest.fixture(scope="module")
def demo_png(demo: Any) -> bytes:
    return preview_png(demo, key="A minor")


def pixels(png: bytes) -> np.ndarray:
    from matplotlib.image import imread

    return imread(io.BytesIO(png), format="png")


def has_colour(rgb: np.ndarray, hex_colour: str, tol: float = 0.06, least: int = 200) -> bool:
    """Whether at least ``least`` pixels show this colour over white at any opacity (notes
    are drawn with an alpha from their velocity): 1 - pixel points the way 1 - colour does."""
    target = 1 - np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    d = 1 - rgb.reshape(-1, 3).astype(float)
    length = np.linalg.norm(d, axis=1)
    cos = d @ target / (np.maximum(length, 1e-9) * np.linalg.norm(target))
    return int(((cos > 1 - tol * tol) & (length > 0.4 * np.linalg.norm(target))).sum()) >= least


def test_importing_the_module_loads_no_matplotlib() -> None:
    code = "import sys, midi_export.preview; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_figure_on_the_agg_canvas_without_pyplot(demo: Any) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = preview_figure(demo)
    assert isinstance(fig, Figure) and isinstance(fig.canvas, FigureCanvasAgg)
    assert "matplotlib.pyplot" not in sys.modules


def test_the_png_opens_with_its_size_and_is_not_blank(demo_png: bytes) -> None:
    assert demo_png[:8] == b"\x89PNG\r\n\x1a\n"
    px = pixels(demo_png)
    height, width = px.shape[:2]
    assert width == 1200 and 360 <= height <= 1100
    inked = (px[..., :3].min(axis=2) < 0.9).mean()
    assert 0.03 < inked < 0.6  # notes and labels, on a mostly white page


def test_each_lane_in_its_colour(demo_png: bytes) -> None:
    rgb = pixels(demo_png)[..., :3]
    for colour in preview_module.PALETTE[:3]:  # bass, piano, strings
        assert has_colour(rgb, colour), colour
    assert has_colour(rgb, preview_module.DRUM_COLOUR, tol=0.1)
    assert not has_colour(rgb, preview_module.PALETTE[4])  # only three melodic tracks


def test_the_title_has_the_tempo_the_metre_and_the_key(demo: Any) -> None:
    texts = [t.get_text() for t in preview_figure(demo, key="A minor").texts]
    assert "demo-song" in texts
    subtitle = next(t for t in texts if "BPM" in t)
    for part in ("96 BPM", "4/4", "A minor", "auto tempo from drums", "612 notes", "0:40"):
        assert part in subtitle


def test_the_lanes_are_labelled_with_names_channels_and_pieces(demo: Any) -> None:
    ax = preview_figure(demo).axes[0]
    labels = [t.get_text() for t in ax.texts]
    for text in ("Drums", "ch 10", "Kick", "Snare", "Hi-Hat", "Cymbals", "ch 1 · E1\u2013D3"):
        assert text in labels, text
    numbers = [int(t) for t in labels if t.strip().isdigit()]
    assert numbers == list(range(1, len(numbers) + 1)) and numbers[-1] >= 16  # bars, as a DAW


def test_bar_lines_of_a_constant_map() -> None:
    grid = bar_lines(TempoMap.constant(120), 8.0)
    assert grid.bars[:5] == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert grid.beats[:3] == [0.5, 1.0, 1.5] and grid.numbers[:3] == [1, 2, 3]


def test_a_pickup_is_bar_1_and_the_first_downbeat_bar_2() -> None:
    tempo_map = TempoMap(480, ((0, 628545), (120, 625001)), ((0, 3, 16), (360, 4, 4)))
    grid = bar_lines(tempo_map, 10.0)
    assert grid.bars[0] == 0.0
    assert grid.bars[1] == pytest.approx(tempo_map.tick_to_seconds(360))
    assert grid.bars[2] - grid.bars[1] == pytest.approx(2.5, abs=1e-4)  # a 4/4 bar at 96 BPM
    assert grid.beats[:2] == pytest.approx([tempo_map.tick_to_seconds(120),
                                            tempo_map.tick_to_seconds(240)])


def test_the_pickup_of_an_auto_tempo_shows_in_the_title() -> None:
    rec = parse_record(fixture_path("demo-song").read_bytes())
    shifted = Record(task_id="late", status=RecordStatus.SUCCESS, instruments=[
        Instrument.from_columns(i.name, i.pitches, [s + 0.47 for s in i.starts],
                                [e + 0.47 for e in i.ends], i.velocities)
        for i in rec.instruments])
    conv = convert(shifted, bpm="auto")
    assert len(conv.tempo_map.time_signatures) == 2
    subtitle = next(t.get_text() for t in preview_figure(conv).texts if "BPM" in t.get_text())
    assert "(pickup " in subtitle


def test_an_empty_lane_and_a_single_note_still_draw() -> None:
    rec = Record(task_id="one", status=RecordStatus.SUCCESS,
                 instruments=[Instrument("Flute", [(72, 0.0, 0.5, 0.5)]), Instrument("Piano")])
    png = preview_png(convert(rec))
    assert has_colour(pixels(png)[..., :3], preview_module.PALETTE[0], least=20)


def test_split_drums_draws_one_lane_per_piece() -> None:
    rec = parse_record(fixture_path("demo-song").read_bytes())
    labels = [t.get_text() for t in preview_figure(convert(rec, split_drums=True)).axes[0].texts]
    assert {"Kick", "Snare", "Hi-Hat", "Cymbals"} <= set(labels)


def test_without_matplotlib_one_line_names_the_install() -> None:
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from midi_export import convert, parse_record, MissingDependencyError\n"
        "from midi_export.preview import preview_png\n"
        f"conv = convert(parse_record(open({str(fixture_path('demo-song'))!r}, 'rb').read()))\n"
        "try:\n"
        "    preview_png(conv)\n"
        "except MissingDependencyError as exc:\n"
        "    print(int(exc.exit_code), exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("2 ") and "pip install 'midi-export[preview]'" in out.stdout
    assert out.stdout.count("\n") == 1
    assert issubclass(MissingDependencyError, RuntimeError)


def test_the_command_writes_the_preview_and_refuses_to_overwrite_it(tmp_path: Path) -> None:
    demo = str(fixture_path("demo-song"))
    result = run_cli(["--from-json", demo, "--preview", "look/", "-o", "song.mid"], tmp_path)
    assert result.exit_code == 0, result.output
    png = (tmp_path / "look" / "demo-song.png").read_bytes()
    assert pixels(png).shape[1] == 1200 and "preview  look/demo-song.png" in result.stderr
    (tmp_path / "song.mid").unlink()
    again = run_cli(["--from-json", demo, "--preview", "look/", "-o", "song.mid"], tmp_path)
    assert again.exit_code == 8 and "already exists" in again.stderr
    assert not (tmp_path / "song.mid").exists()  # checked before anything was written
    assert sorted(p.name for p in (tmp_path / "look").iterdir()) == ["demo-song.png"]


def test_without_matplotlib_the_command_exits_2_before_writing(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from midi_export.cli import main\n"
        f"main(['--from-json', {str(fixture_path('demo-song'))!r}, '--preview', 'x.png'])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.startswith("fetch-mid: error: --preview draws with matplotlib")
    assert list(tmp_path.iterdir()) == []


def test_a_shifted_lead_in_says_how_far_the_notes_moved() -> None:
    rec = parse_record(fixture_path("demo-song").read_bytes())
    shifted = Record(task_id="late", status=RecordStatus.SUCCESS, instruments=[
        Instrument.from_columns(i.name, i.pitches, [s + 0.47 for s in i.starts],
                                [e + 0.47 for e in i.ends], i.velocities)
        for i in rec.instruments])
    conv = convert(shifted, bpm="auto", lead_in="shift")
    delay = conv.report.tempo.delay_seconds
    assert delay > 0
    subtitle = next(t.get_text() for t in preview_figure(conv).texts if "BPM" in t.get_text())
    assert f"notes delayed {delay:.3f} s" in subtitle and "pickup" not in subtitle
