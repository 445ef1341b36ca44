"""The reports of the optional stages: quantizing, clean-up, the drum kit and the key.

Plain frozen dataclasses with a ``to_dict()`` each, parts of ``report.ConversionReport``
(each None when its stage is off). A module of their own so that a plain conversion, which
writes none of them, does not build their classes at start-up (a frozen dataclass costs
0.3-1 ms to create); ``report`` still exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["CleanReport", "DrumsReport", "KeyReport", "QuantizeReport"]


@dataclass(frozen=True)
class KeyReport:
    """The key signature of the file, and how it was chosen.

    ``mode`` is ``"fixed"`` (a key given) or ``"auto"`` (estimated). ``key`` is the key
    written (``"F#m"``; None when none was), with its ``tonic`` (pitch class, 0 = C),
    ``minor`` and ``sharps`` (-7..7, negative for flats). With ``"auto"``: ``estimated``
    (the best key, written or not), its ``confidence`` (0..1) and the ``runner_up``;
    ``tie_break`` says the relative major/minor tie-break decided; ``written`` is False when
    the confidence was below ``min_confidence`` (or there were too few pitched notes).
    """

    mode: Literal["fixed", "auto"]
    key: str | None
    written: bool
    tonic: int | None = None
    minor: bool | None = None
    sharps: int | None = None
    estimated: str | None = None
    confidence: float | None = None
    runner_up: str | None = None
    tie_break: bool = False
    min_confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields."""
        return {
            "mode": self.mode,
            "key": self.key,
            "written": self.written,
            "tonic": self.tonic,
            "minor": self.minor,
            "sharps": self.sharps,
            "estimated": self.estimated,
            "confidence": self.confidence,
            "runner_up": self.runner_up,
            "tie_break": self.tie_break,
            "min_confidence": self.min_confidence,
        }


@dataclass(frozen=True)
class QuantizeReport:
    """What quantizing did: the grid, its step in ticks, the tick it is counted from, the
    strength, and over all instruments the notes moved (start or end) and the largest move
    of an onset, in ticks and milliseconds."""

    grid: str
    strength: float
    step_ticks: float
    origin_tick: int
    notes_moved: int
    max_move_ticks: int
    max_move_ms: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields."""
        return {
            "grid": self.grid,
            "strength": self.strength,
            "step_ticks": self.step_ticks,
            "origin_tick": self.origin_tick,
            "notes_moved": self.notes_moved,
            "max_move_ticks": self.max_move_ticks,
            "max_move_ms": self.max_move_ms,
        }


@dataclass(frozen=True)
class CleanReport:
    """The clean-up rules that ran (each threshold, None when off; ``drums``: kits cleaned
    too) and, over all instruments, the notes each removed."""

    min_duration_ms: float | None
    merge_gap_ms: float | None
    min_velocity: float | None
    drums: bool
    gaps_merged: int
    too_short: int
    too_quiet: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields."""
        return {
            "min_duration_ms": self.min_duration_ms,
            "merge_gap_ms": self.merge_gap_ms,
            "min_velocity": self.min_velocity,
            "drums": self.drums,
            "gaps_merged": self.gaps_merged,
            "too_short": self.too_short,
            "too_quiet": self.too_quiet,
        }


@dataclass(frozen=True)
class DrumsReport:
    """What was done to the drum kit: split into pieces (``split``, and how many piece
    tracks were written), moved by a drum map (its ``drum_map`` name, ``notes_remapped``)."""

    split: bool
    pieces: int
    drum_map: str | None
    notes_remapped: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields."""
        return {
            "split": self.split,
            "pieces": self.pieces,
            "drum_map": self.drum_map,
            "notes_remapped": self.notes_remapped,
        }
