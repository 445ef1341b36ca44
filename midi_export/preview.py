"""A piano-roll picture of a conversion (``--preview``): a matplotlib ``Figure``, or PNG bytes.

``preview_figure(conversion)`` draws what the file says, read back from
``conversion.to_bytes()`` (``midi.smf_read``), so quantizing, clean-up, split drums and the
same-pitch rules all show: every track in its own lane, first track on top, coloured per
instrument (a colour-blind-aware palette, opacity from velocity); a melodic lane is as many
semitones high as its range, so a semitone has one size everywhere; a drum kit is hits on
rows of pieces (kick, snare, hi-hat, toms, cymbals, percussion). Over it the written tempo
map's bar lines, numbered as a DAW numbers them (a pickup is bar 1), and its beats, drawn
light and only where they are far enough apart to read; the title has the task id, and a
line with the tempo, the time signature (and pickup), the key when the caller knows it, how
the tempo was found, the length and the note count. Time runs in seconds, as the notes do,
so the picture lines up with the audio.

matplotlib (the optional extra ``midi-export[preview]``) is imported inside these functions
only, and only its object API (``Figure`` on the Agg canvas): no pyplot and no global state,
so it is safe in a server or in worker processes. Without it, ``MissingDependencyError``
(exit code 2) names the install. ``preview_png`` gives the bytes; the writer writes them.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import MissingDependencyError
from .midi.bars import bar_lines
from .midi.smf_read import TrackNotes, read_tracks
from .music.drums import PIECE_GROUPS, PIECE_LABELS, piece_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .midi.conversion import Conversion
    from .midi.tempo_map import TempoMap

__all__ = ["DRUM_COLOUR", "INSTALL_HINT", "PALETTE", "preview_figure", "preview_png",
           "require_matplotlib"]

PALETTE: tuple[str, ...] = ("#3b75af", "#e1812c", "#3a923a", "#c03d3e", "#9372b2", "#845b53",
                            "#d684bd", "#7f7f7f", "#a9aa35", "#2ebdcc")
"""Melodic tracks take these in order (a colour-blind-aware qualitative palette)."""

DRUM_COLOUR = "#2f3542"
INK, MUTED, FAINT, BAR = "#22262e", "#5c6370", "#e3e6ea", "#b8bec8"
INSTALL_HINT = "pip install 'midi-export[preview]' (or pip install matplotlib)"
_LABEL_IN = 2.2  # inches left of the plot for the lane labels


def require_matplotlib() -> None:
    """Raise ``MissingDependencyError`` (exit 2, naming the install) without matplotlib."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise MissingDependencyError(
            f"--preview draws with matplotlib, which is not installed: {INSTALL_HINT}"
        ) from None


def _clock(seconds: float, _pos: object = None) -> str:
    minutes, rest = divmod(max(0.0, seconds), 60)
    return f"{int(minutes)}:{rest:04.1f}" if rest % 1 else f"{int(minutes)}:{int(rest):02d}"


def _subtitle(conversion: Conversion, key: str | None) -> str:
    report, sigs = conversion.report, conversion.tempo_map.time_signatures or ((0, 4, 4),)
    metre = f"{sigs[-1][1]}/{sigs[-1][2]}"
    if len(sigs) > 1:
        metre += f" (pickup {sigs[0][1]}/{sigs[0][2]})"
    parts = [f"{report.bpm:.4g} BPM", metre, *([key] if key else [])]
    tempo = report.tempo
    if tempo.mode == "auto":
        parts.append("auto tempo not found: fixed grid" if tempo.fell_back else
                     f"auto tempo from {tempo.source} ({tempo.confidence or 0:.2f})")
    if tempo.delay_seconds:  # --lead-in shift moved every note
        parts.append(f"notes delayed {tempo.delay_seconds:.3f} s")
    parts += [f"{_clock(report.duration_seconds)} long", f"{report.notes_written} notes"]
    if report.quantize is not None:
        parts.append(f"quantized {report.quantize.grid}")
    return "  ·  ".join(parts)


@dataclass
class _Lane:
    track: TrackNotes
    label: str
    program: str
    colour: str
    bottom: float
    height: float
    low: float = 0.0  # melodic: the pitch at the lane's bottom edge
    rows: list[str] = field(default_factory=list)  # drums: the piece groups shown, bottom up


def _lanes(tracks: Sequence[TrackNotes], conversion: Conversion) -> list[_Lane]:
    reports = {r.track: r for r in conversion.report.instruments if r.track is not None}
    lanes: list[_Lane] = []
    bottom = 0.0
    melodic = [n for n, t in enumerate(tracks, 1) if not t.is_drum]
    for number in range(len(tracks), 0, -1):  # the first track at the top
        track, rep = tracks[number - 1], reports.get(number)
        label = rep.name if rep else (track.name or f"track {number}")
        program = rep.program_name if rep else f"program {track.program}"
        if track.is_drum:
            present = {piece_of(p) for p in track.pitches}
            rows = [g for g in reversed(PIECE_GROUPS) if g in present] or ["percussion"]
            size = max(5.5 if len(rows) == 1 else 10.0, 3.4 * len(rows))  # a piece: one row
            lane = _Lane(track, label, program, DRUM_COLOUR, bottom, size, rows=rows)
        else:
            low, high = min(track.pitches, default=60), max(track.pitches, default=60)
            span = high - low + 1
            height = float(min(40, max(12, span + 4)))
            colour = PALETTE[melodic.index(number) % len(PALETTE)]
            lane = _Lane(track, label, program, colour, bottom, height, low - (height - span) / 2)
        lanes.append(lane)
        bottom += lane.height
    return lanes


def _seconds_of(tempo_map: TempoMap) -> Any:
    """ticks (a list) -> seconds (a numpy array), through the map's segments."""
    import numpy as np

    segments = tempo_map.segments()
    ticks0 = np.array([t for t, _, _ in segments], dtype=float)
    rate = np.array([u for _, u, _ in segments], dtype=float) / (tempo_map.ppq * 1e6)
    start = np.array([s for _, _, s in segments], dtype=float)

    def convert(ticks: Sequence[int]) -> Any:
        t = np.asarray(ticks, dtype=float)
        i = np.searchsorted(ticks0, t, side="right") - 1
        return start[i] + (t - ticks0[i]) * rate[i]

    return convert


def _draw_grid(ax: Axes, conversion: Conversion, end: float, total: float, px_per_s: float) -> None:
    from matplotlib.collections import LineCollection

    grid = bar_lines(conversion.tempo_map, end)
    gaps = sorted(b - a for a, b in zip(grid.bars, grid.bars[1:], strict=False)) or [end]
    bar_px = gaps[len(gaps) // 2] * px_per_s
    if grid.beats and bar_px / 4 >= 5:  # beats only where they are 5 px apart or more
        ax.add_collection(LineCollection([((t, 0), (t, total)) for t in grid.beats],
                                         colors=FAINT, linewidths=0.6, zorder=1))
    step = next((s for s in (1, 2, 4, 8, 16, 32, 64, 128) if bar_px * s >= 34), 256)
    numbered = [(t, n) for t, n in zip(grid.bars, grid.numbers, strict=True) if (n - 1) % step == 0]
    lines = grid.bars if bar_px >= 8 else [t for t, _ in numbered]
    ax.add_collection(LineCollection([((t, 0), (t, total)) for t in lines], colors=BAR,
                                     linewidths=0.8, zorder=1))
    for t, n in numbered:
        if t <= end * 1.005:
            ax.text(t, total, f" {n}", fontsize=7.5, color=MUTED, va="bottom", ha="left",
                    clip_on=False)


def _draw_notes(ax: Axes, lanes: list[_Lane], conversion: Conversion, end: float,
                axes_px: float) -> None:
    import numpy as np
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_rgba

    seconds = _seconds_of(conversion.tempo_map)
    for lane in lanes:
        tr = lane.track
        if not tr.pitches:
            continue
        starts, ends = seconds(tr.starts), seconds(tr.ends)
        rgba = np.tile(np.asarray(to_rgba(lane.colour)), (len(tr.pitches), 1))
        rgba[:, 3] = 0.45 + 0.55 * (np.asarray(tr.velocities, dtype=float) / 127.0)
        if tr.is_drum:
            row_of = {g: i for i, g in enumerate(lane.rows)}
            row_h = lane.height / len(lane.rows)
            mid = np.array([lane.bottom + (row_of[piece_of(p)] + 0.5) * row_h for p in tr.pitches])
            low, high = mid - row_h * 0.34, mid + row_h * 0.34
            right = starts + max(end / axes_px * 2.2, 0.004)  # a hit is ~2 px whatever its length
        else:
            ys = lane.bottom + (np.asarray(tr.pitches, dtype=float) - lane.low)
            low, high = ys + 0.08, ys + 0.92
            right = starts + np.maximum(ends - starts, end / axes_px)  # at least a pixel wide
        verts = np.stack([np.column_stack([starts, low]), np.column_stack([right, low]),
                          np.column_stack([right, high]), np.column_stack([starts, high])], axis=1)
        ax.add_collection(PolyCollection(verts, facecolors=rgba, edgecolors="none",  # type: ignore[arg-type]
                                         linewidths=0, zorder=2))


_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def _pitch_name(pitch: int) -> str:
    """MIDI 60 -> "C4" (the scientific pitch names most DAWs show; some say C3)."""
    return f"{_NAMES[pitch % 12]}{pitch // 12 - 1}"


def _draw_labels(ax: Axes, lanes: list[_Lane]) -> None:
    left: dict[str, Any] = {"xycoords": ("axes fraction", "data"), "textcoords": "offset points",
                            "ha": "right"}
    for lane in lanes:
        centre, tr = lane.bottom + lane.height / 2, lane.track
        where = f"ch {tr.channel + 1}" if tr.channel is not None else "no channel"
        if not tr.is_drum and tr.pitches:
            where += f" · {_pitch_name(min(tr.pitches))}\u2013{_pitch_name(max(tr.pitches))}"
        name = "\n".join(textwrap.wrap(lane.label, 18, max_lines=2, placeholder="…")) or "?"
        ax.annotate(name, xy=(0, centre), xytext=(-46, 3), va="bottom", fontsize=9,
                    fontweight="bold", color=INK, linespacing=1.1, **left)
        ax.annotate(where, xy=(0, centre), xytext=(-46, -1), va="top", fontsize=7, color=MUTED,
                    **left)
        rows = lane.rows
        if len(rows) == 1 and lane.label.endswith(PIECE_LABELS[rows[0]]):
            rows = []  # a piece of a split kit: its lane's name says it
        for i, group in enumerate(rows):
            ax.annotate(PIECE_LABELS[group], va="center", fontsize=6.5, color=MUTED,
                        xy=(0, lane.bottom + (i + 0.5) * lane.height / len(lane.rows)),
                        xytext=(-5, 0), **left)


def _legend(lanes: list[_Lane]) -> list[tuple[str, str]]:
    """(colour, text) per legend entry, top to bottom as the lanes read: the GM program each
    colour plays and its notes; the pieces of a split kit are one entry."""
    entries: list[tuple[str, str]] = []
    drums = [lane for lane in lanes if lane.track.is_drum]
    for lane in reversed(lanes):
        if not lane.track.is_drum:
            entries.append((lane.colour, f"{lane.program}  ({len(lane.track.pitches)} notes)"))
        elif lane is drums[-1]:  # the top drum lane stands for them all
            hits = sum(len(d.track.pitches) for d in drums)
            entries.append((DRUM_COLOUR, f"{lane.program}  ({hits} notes)"))
    return entries


def preview_figure(
    conversion: Conversion,
    *,
    title: str | None = None,
    key: str | None = None,
    width: float = 12.0,
    dpi: int = 100,
) -> Figure:
    """The piano roll of ``conversion`` as a matplotlib ``Figure`` (Agg canvas, no pyplot).

    ``title`` defaults to the task id; ``key`` (such as "A minor") is shown when given. The
    figure is ``width`` inches wide at ``dpi``; its height follows the lanes (3.6 to 11
    inches). Raises ``MissingDependencyError`` without matplotlib.
    """
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    lanes = _lanes(read_tracks(conversion.to_bytes()), conversion)
    total = sum(lane.height for lane in lanes) or 10.0
    end = max(conversion.report.duration_seconds, 1.0)
    height = min(11.0, max(3.6, 1.55 + 0.052 * total + 0.2 * len(lanes)))
    fig = Figure(figsize=(width, height), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    entries = _legend(lanes)
    columns = max(1, min(len(entries), int((width - _LABEL_IN) / 3.2)))  # ~3.2 in per entry
    legend_rows = -(-len(entries) // columns)
    fig.subplots_adjust(left=_LABEL_IN / width, right=1 - 0.25 / width, top=1 - 0.95 / height,
                        bottom=(0.45 + 0.2 * legend_rows) / height)
    ax = fig.add_subplot()
    pad = end * 0.005
    ax.set_xlim(-pad, end + pad)
    ax.set_ylim(0, total)
    for i, lane in enumerate(lanes):
        if i % 2 == 0:
            ax.axhspan(lane.bottom, lane.bottom + lane.height, color="#f6f7f9", zorder=0, lw=0)
        if i:
            ax.axhline(lane.bottom, color="#c9ced6", lw=0.8, zorder=1)
    axes_px = ax.get_position().width * width * dpi
    _draw_grid(ax, conversion, end, total, axes_px / (end + 2 * pad))
    _draw_notes(ax, lanes, conversion, end, axes_px)
    ax.set_yticks([])
    _draw_labels(ax, lanes)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=12, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(_clock))
    ax.tick_params(axis="x", labelsize=8, colors=MUTED, length=3)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color("#9aa1ab")

    name = title if title is not None else (conversion.report.task_id or "midi-export")
    x = _LABEL_IN / width
    fig.text(x, 1 - 0.3 / height, name, fontsize=13, fontweight="bold", color=INK, va="center")
    fig.text(x, 1 - 0.58 / height, _subtitle(conversion, key), fontsize=9, color=MUTED,
             va="center")
    if entries:
        handles = [Patch(facecolor=colour, edgecolor="none", label=text)
                   for colour, text in entries]
        fig.legend(handles=handles, loc="lower left", ncol=columns, frameon=False, fontsize=8,
                   bbox_to_anchor=(x - 0.01, 0.0), handlelength=1.2, handleheight=0.9,
                   columnspacing=1.6, labelcolor=INK)
    return fig


def preview_png(conversion: Conversion, **options: Any) -> bytes:
    """The preview as PNG bytes (``options`` as for ``preview_figure``)."""
    fig = preview_figure(conversion, **options)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, facecolor="white",
                metadata={"Software": "midi-export"})
    return buffer.getvalue()
