"""Quantize: move note times (in ticks) onto the grid of the written tempo map.

The grid is a note value: ``1/4``, ``1/8``, ``1/16``, ``1/32`` (any power of two from ``1/1``
to ``1/64``), or its triplet form with a ``t`` (``1/8t``, ``1/16t``). In ticks one grid step
is ``ppq * 4 / denominator``, two thirds of that for triplets (120 and 80 ticks for ``1/16``
and ``1/16t`` at 480 ppq). A step that is not a whole number of ticks (``1/16t`` at 100 ppq)
is kept as an exact fraction; each grid point is then rounded to its nearest tick.

Where the grid starts: ticks are uniform across tempo changes (a tempo change moves the
seconds, not the ticks), so the grid is counted in ticks from one bar line, the *origin*:
the tick of the map's last time signature event (``grid_origin``). For a constant map that
is tick 0. For a map with a lead-in (``pickup.pickup_layout``: a pickup bar of a few 16ths,
then 4/4 from the bar line on) it is that bar line, and the grid is counted from it both
ways, so the main bars and the pickup's notes snap to the music's own beats. (Counting from
tick 0 would not do: a pickup of 3/16 puts the first downbeat at tick 360, off a 1/4 grid
from 0.) Grid points before tick 0 are not used.

How a note moves, with strength ``s`` (0..1):

- its fully quantized version starts on the grid point nearest its onset, and ends on the
  grid point nearest its end but at least one grid step after that start;
- the note moves ``s`` of the way to it: each time by ``round(s * (target - time))`` ticks
  (``s = 1`` puts it on the grid, ``s = 0.5`` halves the distance, ``s = 0`` leaves it);
- it still lasts at least one tick.

The report counts the notes whose start or end moved, and the largest move of an onset.

Quantizing happens on ticks, after the seconds -> ticks conversion and before the
same-pitch cut and merge rules (``notes``), so those rules hold for the quantized notes.

This module imports only the standard library (and the report types).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from numbers import Real
from typing import TYPE_CHECKING

from ..errors import UsageError
from .option_reports import QuantizeReport

if TYPE_CHECKING:
    from .report import InstrumentReport
    from .tempo_map import TempoMap

__all__ = [
    "GRIDS",
    "Grid",
    "MoveStats",
    "Quantizer",
    "check_strength",
    "grid_origin",
    "move_stats",
    "parse_grid",
    "quantize_ticks",
    "snap",
]

GRIDS = ("1/4", "1/8", "1/16", "1/32", "1/8t", "1/16t")
"""The usual grids (``parse_grid`` also takes 1/1, 1/2, 1/64 and every triplet form)."""

_GRID = re.compile(r"1/(\d{1,2})(t?)")
_MAX_DENOMINATOR = 64


@dataclass(frozen=True)
class Grid:
    """A quantize grid: ``1/denominator`` of a whole note, or its triplet (2/3 as long)."""

    denominator: int
    triplet: bool = False

    def __post_init__(self) -> None:
        d = self.denominator
        if isinstance(d, bool) or not isinstance(d, int) or d < 1 or d & (d - 1):
            raise UsageError(f"a grid denominator must be a power of two, not {d!r}")
        if d > _MAX_DENOMINATOR:
            raise UsageError(f"the finest grid is 1/{_MAX_DENOMINATOR}, not 1/{d}")

    @property
    def name(self) -> str:
        """The grid as it is written: ``"1/16"``, ``"1/8t"``."""
        return f"1/{self.denominator}{'t' if self.triplet else ''}"

    def step(self, ppq: int) -> Fraction:
        """One grid step in ticks, exactly: ``ppq * 4 / denominator`` (x 2/3 for triplets)."""
        step = Fraction(4 * ppq, self.denominator)
        return step * Fraction(2, 3) if self.triplet else step

    def __str__(self) -> str:
        return self.name


def parse_grid(value: str | Grid) -> Grid:
    """A ``Grid`` from its name: ``"1/16"``, ``"1/8t"`` (case and spaces do not matter).

    Raises ``UsageError`` for anything else.
    """
    if isinstance(value, Grid):
        return value
    if not isinstance(value, str):
        raise UsageError(f"a quantize grid must be a string such as '1/16', not {value!r}")
    match = _GRID.fullmatch(value.strip().lower().replace(" ", ""))
    if match is not None:
        denominator = int(match.group(1))
        if 1 <= denominator <= _MAX_DENOMINATOR and not denominator & (denominator - 1):
            return Grid(denominator, bool(match.group(2)))
    raise UsageError(
        f"{value!r} is not a quantize grid: use {', '.join(GRIDS)} "
        f"(1/1 to 1/{_MAX_DENOMINATOR}, 't' for triplets)"
    )


def check_strength(value: float) -> float:
    """The quantize strength as a float 0..1; ``UsageError`` for anything else."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise UsageError(f"the quantize strength must be a number from 0 to 1, not {value!r}")
    strength = float(value)
    if not 0.0 <= strength <= 1.0:
        raise UsageError(f"the quantize strength must be from 0 to 1, not {value!r}")
    return strength


def grid_origin(tempo_map: TempoMap) -> int:
    """The tick the grid is counted from: the map's last time signature (a bar line), or 0."""
    signatures = tempo_map.time_signatures
    return signatures[-1][0] if signatures else 0


def snap(tick: int, step: Fraction, origin: int = 0) -> int:
    """The grid point nearest ``tick`` (halves go up), never before tick 0."""
    p, q = step.numerator, step.denominator
    k = ((tick - origin) * 2 * q + p) // (2 * p)
    point = origin + (2 * k * p + q) // (2 * q)
    while point < 0:
        k += 1
        point = origin + (2 * k * p + q) // (2 * q)
    return point


def quantize_ticks(
    starts: Sequence[int],
    ends: Sequence[int],
    step: Fraction,
    *,
    origin: int = 0,
    strength: float = 1.0,
) -> tuple[list[int], list[int]]:
    """Quantized copies of the notes' start and end ticks (see the module's rules).

    ``step`` is one grid step in ticks (``Grid.step(ppq)``), ``origin`` a tick on the grid.
    """
    if step <= 0:
        raise UsageError(f"the grid step must be positive, not {step}")
    strength = check_strength(strength)
    p, q = step.numerator, step.denominator
    p2, q2 = 2 * p, 2 * q
    new_starts: list[int] = []
    new_ends: list[int] = []
    add_start, add_end = new_starts.append, new_ends.append
    for start, end in zip(starts, ends, strict=True):
        k = ((start - origin) * q2 + p) // p2
        target = origin + (k * p2 + q) // q2
        while target < 0:
            k += 1
            target = origin + (k * p2 + q) // q2
        j = max(((end - origin) * q2 + p) // p2, k + 1)  # at least one step after the start
        end_target = origin + (j * p2 + q) // q2
        if strength == 1.0:
            new_start, new_end = target, end_target
        else:
            new_start = start + round(strength * (target - start))
            new_end = end + round(strength * (end_target - end))
        add_start(new_start)
        add_end(new_end if new_end > new_start else new_start + 1)
    return new_starts, new_ends


@dataclass(frozen=True)
class MoveStats:
    """How far quantizing moved a set of notes: the notes whose start or end changed, and
    the largest move of a start (an onset) in ticks and in milliseconds.

    Ends are left out of the largest move on purpose: a short note's end that grows to one
    grid step would otherwise hide how far the onsets, which the ear follows, moved.
    """

    moved: int = 0
    max_ticks: int = 0
    max_ms: float = 0.0


def move_stats(
    before: tuple[Sequence[int], Sequence[int]],
    after: tuple[Sequence[int], Sequence[int]],
    seconds_of: Callable[[int], float],
) -> MoveStats:
    """Compare (starts, ends) before and after quantizing; times via ``seconds_of(tick)``.

    The milliseconds are measured as the file's reader hears them (through the tempo map),
    so the same tick move can weigh differently in a lead-in with its own tempo.
    """
    moved = max_ticks = 0
    max_seconds = 0.0
    for old_start, old_end, new_start, new_end in zip(*before, *after, strict=True):
        if old_start == new_start:
            if old_end != new_end:
                moved += 1
            continue
        moved += 1
        max_ticks = max(max_ticks, abs(new_start - old_start))
        max_seconds = max(max_seconds, abs(seconds_of(new_start) - seconds_of(old_start)))
    return MoveStats(moved, max_ticks, round(max_seconds * 1000.0, 3))


@dataclass(frozen=True)
class Quantizer:
    """The quantize settings of one conversion, resolved against its tempo map."""

    grid: Grid
    step: Fraction
    origin: int
    strength: float

    @classmethod
    def for_map(cls, grid: Grid, tempo_map: TempoMap, strength: float) -> Quantizer:
        """``grid`` on ``tempo_map``: its step in ticks, counted from ``grid_origin``."""
        return cls(grid, grid.step(tempo_map.ppq), grid_origin(tempo_map), strength)

    def apply(
        self, starts: list[int], ends: list[int], seconds_of: Callable[[int], float]
    ) -> tuple[list[int], list[int], MoveStats]:
        """Quantized copies of one instrument's start and end ticks, and how far they moved
        (``move_stats``, milliseconds through ``seconds_of``)."""
        snapped = quantize_ticks(
            starts, ends, self.step, origin=self.origin, strength=self.strength
        )
        return snapped[0], snapped[1], move_stats((starts, ends), snapped, seconds_of)

    def report(self, instruments: Sequence[InstrumentReport]) -> QuantizeReport:
        """The conversion's quantize report, from its instruments' moves."""
        return QuantizeReport(
            grid=self.grid.name,
            strength=self.strength,
            step_ticks=float(self.step),
            origin_tick=self.origin,
            notes_moved=sum(r.notes_moved for r in instruments),
            max_move_ticks=max((r.max_move_ticks for r in instruments), default=0),
            max_move_ms=max((r.max_move_ms for r in instruments), default=0.0),
        )
