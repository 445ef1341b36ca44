"""The time before a song's first downbeat: a pickup bar, or every note delayed to a bar line.

Two layouts, both with the bar lines exactly on the music's downbeats, for a song at ``bpm``
(quarter notes per minute, the tempo a MIDI file stores whatever the metre) in a metre of
``numerator/denominator`` (4/4 today; the bar is ``numerator/denominator`` of a whole note):

``pickup_layout`` (``lead_in="pickup"``, the default): every note keeps its time in seconds.
The lead-in becomes a pickup bar of ``n`` whole units (16ths; 32nds, 64ths or 128ths only
when the lead-in is shorter than one and a half of the coarser unit), written with its own
time signature (``7/16``, ``3/8``, ``2/4``...; whole bars of the metre first when it is
longer than a bar). The file's **first** tempo event is the song's tempo, so an importer
that keeps one tempo keeps the right one. Every unit runs at that tempo except one, whose
own tempo absorbs the odd remainder (it lasts between half and one and a half units): the
last unit of silence before the music's first note (``first_onset``), so that every note,
the pickup's too, falls on the grid counted from the downbeat; the last unit before the
downbeat when the music starts at once (or ``first_onset`` is not given); never the first
unit, which would put a second tempo at tick 0. The song's tempo then runs on to the
downbeat and beyond. An importer that ignores tempo changes shows every note after that
unit early or late by one small amount (under half a unit, ``tempo_ignoring_offset``), so
the music keeps its own timing and its grid; only the silence before it changes length. A
lead-in shorter than one and a half of the finest unit (a 128th: 23 ms at 120 BPM) is no
pickup at all: bar 1 starts at 0 s, that much before the downbeat.

``shift_layout`` (``lead_in="shift"``): one tempo and one time signature for the whole file,
and every note delayed by ``delay`` seconds so that the first downbeat falls on the next bar
line: every importer shows that the same way; the audio must be moved by the same delay to
line up. A lead-in within ``SHIFT_TOLERANCE`` (5 ms) of a bar line is not delayed.

Both return a ``LeadIn``. Every boundary is an integer tick and every tempo an integer number
of microseconds per quarter note; a reader that derives each segment's start in seconds from
them finds the first downbeat within a microsecond of ``first_downbeat`` (plus the delay).
This module imports only the standard library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "SHIFT_TOLERANCE",
    "LeadIn",
    "constant_layout",
    "pickup_layout",
    "shift_layout",
    "tempo_ignoring_offset",
]

SHIFT_TOLERANCE = 0.005
"""Seconds: a first downbeat this close to a bar line is not delayed by ``shift_layout``."""

_MAX_TEMPO_US = 0xFFFFFF
_UNITS_PER_QUARTER = (4, 8, 16, 32)  # 16ths, then 32nds, 64ths, 128ths for short lead-ins


@dataclass(frozen=True)
class LeadIn:
    """A tempo map's layout: ``mode`` (``"pickup"``, ``"shift"``, or ``"none"`` when there is
    nothing before the downbeat to write), tempo segments ``(tick, tempo_us)``, time
    signatures ``(tick, numerator, denominator)``, the seconds every note is delayed by
    (``shift``; else 0.0), the first downbeat's tick, and the pickup's length in units of
    ``unit_ticks`` (0: no pickup bar)."""

    mode: Literal["pickup", "shift", "none"]
    tempos: tuple[tuple[int, int], ...]
    time_signatures: tuple[tuple[int, int, int], ...]
    delay: float = 0.0
    downbeat_tick: int = 0
    units: int = 0
    unit_ticks: int = 0


def _tempo_us(bpm: float) -> int:
    return max(1, min(_MAX_TEMPO_US, round(60_000_000 / bpm)))


def _check_metre(numerator: int, denominator: int) -> None:
    if not 1 <= numerator <= 255:
        raise ValueError(f"a metre's numerator must be 1..255, not {numerator}")
    if denominator < 1 or denominator & (denominator - 1) or denominator > 128:
        raise ValueError(f"a metre's denominator must be a power of two to 128, not {denominator}")


def constant_layout(bpm: float, numerator: int = 4, denominator: int = 4) -> LeadIn:
    """One tempo and the metre from tick 0: no lead-in."""
    _check_metre(numerator, denominator)
    return LeadIn("none", ((0, _tempo_us(bpm)),), ((0, numerator, denominator),))


def _units_per_quarter(ppq: int) -> list[int]:
    """The lead-in units (per quarter note) a resolution has whole ticks for, coarsest
    first: 16ths and finer; when ``ppq`` is not a multiple of 4, eighths or whole beats."""
    units = [u for u in _UNITS_PER_QUARTER if ppq % u == 0]
    return units or [2 if ppq % 2 == 0 else 1]


def pickup_layout(
    bpm: float,
    first_downbeat: float,
    ppq: int = 480,
    numerator: int = 4,
    denominator: int = 4,
    first_onset: float | None = None,
) -> LeadIn:
    """The pickup layout (see the module docstring) of a song at ``bpm`` whose first downbeat
    is at ``first_downbeat`` seconds, in ``numerator/denominator``, and whose first note
    starts at ``first_onset`` seconds (None: unknown).

    The units are those ``ppq`` has whole ticks for (16ths and finer; eighths or whole beats
    when ``ppq`` is not a multiple of 4), and only those that divide the metre's bar (a 7/8
    bar at an odd ``ppq`` has none: no pickup then). An impossible metre raises ValueError.
    """
    if ppq <= 0:
        raise ValueError(f"ppq must be positive, not {ppq}")
    _check_metre(numerator, denominator)
    main_us = _tempo_us(bpm)
    lead_us = float(first_downbeat) * 1e6
    if not lead_us > 0:
        return constant_layout(bpm, numerator, denominator)
    choice = None
    for per_quarter in _units_per_quarter(ppq):
        bar_units, odd_bar = divmod(numerator * 4 * per_quarter, denominator)
        if odd_bar:
            continue  # the metre's bar is not whole units this coarse
        n = round(lead_us * per_quarter / main_us)
        if n >= 2:  # so that the first unit runs at the song's tempo
            choice = (per_quarter, n, bar_units)
            break
    if choice is None:
        return constant_layout(bpm, numerator, denominator)
    per_quarter, n, units_per_bar = choice
    unit_ticks = ppq // per_quarter
    downbeat = n * unit_ticks
    # the odd unit lasts what is left once the n - 1 others ran at the song's tempo
    last_us = round(lead_us * per_quarter - (n - 1) * main_us)
    last_us = max(1, min(_MAX_TEMPO_US, last_us))
    odd = _odd_unit(n, lead_us, main_us / per_quarter, first_onset)
    if last_us == main_us:
        tempos: tuple[tuple[int, int], ...] = ((0, main_us),)
    else:
        tempos = ((0, main_us), (odd * unit_ticks, last_us), ((odd + 1) * unit_ticks, main_us))
    rest = n % units_per_bar
    signatures: list[tuple[int, int, int]] = []
    if rest:
        num, den = rest, 4 * per_quarter  # the pickup bar: rest units of 1/den each
        while num % 2 == 0 and den > denominator:
            num, den = num // 2, den // 2
        signatures.append((0, num, den))
    signatures.append((rest * unit_ticks, numerator, denominator))
    return LeadIn("pickup", tempos, tuple(signatures), 0.0, downbeat, n, unit_ticks)


def _odd_unit(n: int, lead_us: float, unit_us: float, first_onset: float | None) -> int:
    """Which of the ``n`` units takes the odd tempo: the last one before the first note
    (counted on the music's grid, back from the downbeat), at least the second, at most the
    last."""
    if first_onset is None:
        return n - 1
    units_before_downbeat = round((lead_us - float(first_onset) * 1e6) / unit_us)
    return max(1, min(n - 1, n - 1 - units_before_downbeat))


def shift_layout(
    bpm: float,
    first_downbeat: float,
    ppq: int = 480,
    numerator: int = 4,
    denominator: int = 4,
    tolerance: float = SHIFT_TOLERANCE,
) -> LeadIn:
    """One tempo, one time signature, and the delay that puts the first downbeat on the next
    bar line (none when it is within ``tolerance`` seconds of one)."""
    from fractions import Fraction  # here: the module is imported by every conversion

    if ppq <= 0:
        raise ValueError(f"ppq must be positive, not {ppq}")
    _check_metre(numerator, denominator)
    main_us = _tempo_us(bpm)
    bar = Fraction(numerator * 4 * main_us, denominator * 1_000_000)  # seconds, as stored
    lead = Fraction(max(0.0, float(first_downbeat)))
    nearest = round(lead / bar)
    if abs(lead - nearest * bar) <= Fraction(tolerance):
        bars, delay = nearest, Fraction(0)
    else:
        bars = math.ceil(lead / bar)
        delay = bars * bar - lead
    downbeat = round(bars * Fraction(numerator * 4 * ppq, denominator))
    mode: Literal["shift", "none"] = "shift" if delay else "none"
    return LeadIn(
        mode, ((0, main_us),), ((0, numerator, denominator),), float(delay), downbeat
    )


def tempo_ignoring_offset(layout: LeadIn, ppq: int, first_downbeat: float) -> float:
    """Seconds by which an importer that keeps only the first tempo misplaces the first
    downbeat (and everything after it): positive when it shows it late."""
    first_us = layout.tempos[0][1]
    seen = layout.downbeat_tick * first_us / (ppq * 1e6)
    return seen - (first_downbeat + layout.delay)
