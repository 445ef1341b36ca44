"""Transcription clean-up on one instrument's ticks: join split notes, drop too short and too
quiet ones (``--merge-gap``, ``--min-duration``, ``--min-velocity``, ``--clean``).

Each rule is off unless given, and ``convert`` calls ``clean_notes`` only when one is on, so
the default output stays faithful to the record. The order, on the notes in ticks before
quantizing:

1. the same-pitch rules (``notes.same_pitch_rules``: a note that starts while the previous
   one of its pitch sounds cuts it; notes of one pitch on one tick merge), so the rules
   below see the notes as they would be written;
2. ``merge_gap_ms``: a note that starts less than that after the previous note of its pitch
   ended (touching notes included) is joined to it: one note from the first start to the
   later end, with the louder velocity; chains join into one. Before the length rule, so the
   pieces of a split note are joined rather than dropped;
3. ``min_duration_ms``: notes shorter than that are dropped;
4. ``min_velocity`` (0..1): notes whose written velocity (MIDI velocity / 127) is below it
   are dropped.

Lengths and gaps are measured in seconds through the file's tempo map, as a reader of the
file hears them. Drum kits are left alone unless ``drums`` (a hit's length means nothing,
rolls are real repeated notes, ghost strokes are real playing). ``CLEAN_DEFAULTS`` is what
``--clean`` means, measured on transcribed audio (``evaluation/debris/``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import compress
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import UsageError
from .notes import same_pitch_rules

if TYPE_CHECKING:
    from collections.abc import Callable

    from .tempo_map import TempoMap

__all__ = ["CLEAN_DEFAULTS", "CleanSettings", "CleanedNotes", "clean_notes"]

MAX_MS = 10_000.0


def _check_ms(name: str, value: float | None) -> None:
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not 0 <= value <= MAX_MS
    ):
        raise UsageError(f"{name} must be a number of milliseconds from 0 to 10000, not {value!r}")


@dataclass(frozen=True)
class CleanSettings:
    """Which clean-up rules run: each None (off) or its threshold; ``drums`` cleans drum
    kits too."""

    min_duration_ms: float | None = None
    merge_gap_ms: float | None = None
    min_velocity: float | None = None
    drums: bool = False

    def __post_init__(self) -> None:
        _check_ms("min_duration", self.min_duration_ms)
        _check_ms("merge_gap", self.merge_gap_ms)
        v = self.min_velocity
        if v is not None and (
            isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1
        ):
            raise UsageError(f"min_velocity must be a number from 0 to 1, not {v!r}")
        if not isinstance(self.drums, bool):
            raise UsageError(f"drums must be True or False, not {self.drums!r}")

    @property
    def active(self) -> bool:
        """Whether any rule is on."""
        return any(
            x is not None for x in (self.min_duration_ms, self.merge_gap_ms, self.min_velocity)
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields."""
        return {
            "min_duration_ms": self.min_duration_ms,
            "merge_gap_ms": self.merge_gap_ms,
            "min_velocity": self.min_velocity,
            "drums": self.drums,
        }


CLEAN_DEFAULTS = CleanSettings(min_duration_ms=50.0)
"""``--clean``: notes under 50 ms go; no gap joining, no velocity floor.

Measured on basic-pitch transcriptions of FluidSynth renders of GM songs
(``evaluation/debris/``): 50 ms is the knee of the length rule (onset F1 up about 5 points on
raw output, recall down 1.5; longer limits lose real short notes three times as fast). Gap
joining lowered F1 at every threshold (transcribed real repeats touch), and a velocity floor
removes real notes as soon as it removes ghosts, so both stay explicit options."""


class CleanedNotes(NamedTuple):
    """One instrument's notes once cleaned (in start order, MIDI velocities), what the
    same-pitch rules did to them first (``cut``, ``merged``) and what each rule removed."""

    pitches: bytes
    starts: list[int]
    ends: list[int]
    velocities: list[int]
    cut: int
    merged: int
    gaps_merged: int
    too_short: int
    too_quiet: int


def _ms_between(tempo_map: TempoMap) -> Callable[[int, int], float]:
    """(tick a, tick b) -> milliseconds from a to b through the map."""
    if tempo_map.is_constant:
        ms_per_tick = tempo_map.tempo_us / tempo_map.ppq / 1000.0
        return lambda a, b: (b - a) * ms_per_tick
    seconds = tempo_map.tick_to_seconds
    return lambda a, b: (seconds(b) - seconds(a)) * 1000.0


_EPSILON_MS = 1e-6  # a length of exactly the limit is kept whatever the float rounding


def clean_notes(
    pitches: bytes,
    starts: list[int],
    ends: list[int],
    velocities: list[int],
    settings: CleanSettings,
    tempo_map: TempoMap,
) -> CleanedNotes:
    """Apply ``settings``'s rules (see the module) to one instrument's notes in ticks."""
    notes = same_pitch_rules(pitches, starts, ends, velocities)
    ps, ss, es, vs = notes.pitches, notes.starts, notes.ends, list(notes.velocities)
    ms = _ms_between(tempo_map)
    keep = bytearray(b"\x01") * len(ps)
    joined = short = quiet = 0
    if settings.merge_gap_ms is not None:
        limit = settings.merge_gap_ms - _EPSILON_MS
        kept = [-1] * 128  # per pitch: the index of the note joined into, so far
        for i, pitch in enumerate(ps):
            k = kept[pitch]
            if k >= 0 and ms(es[k], ss[i]) < limit:
                es[k] = max(es[k], es[i])
                vs[k] = max(vs[k], vs[i])
                keep[i] = 0
                joined += 1
            else:
                kept[pitch] = i
    if settings.min_duration_ms is not None:
        limit = settings.min_duration_ms - _EPSILON_MS
        for i in range(len(ps)):
            if keep[i] and ms(ss[i], es[i]) < limit:
                keep[i] = 0
                short += 1
    if settings.min_velocity is not None:
        floor = settings.min_velocity * 127 - 1e-9
        for i in range(len(ps)):
            if keep[i] and vs[i] < floor:
                keep[i] = 0
                quiet += 1
    if joined or short or quiet:
        ps = bytes(compress(ps, keep))
        ss, es, vs = list(compress(ss, keep)), list(compress(es, keep)), list(compress(vs, keep))
    return CleanedNotes(ps, ss, es, vs, notes.cut, notes.merged, joined, short, quiet)
