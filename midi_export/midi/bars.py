"""The bar and beat lines of a tempo map, in seconds: the grid a DAW draws over the file.

``bar_lines(tempo_map, end_seconds)`` walks the map's time signatures: each starts a bar, its
bars last ``numerator * 4 * ppq / denominator`` ticks and its beats ``4 * ppq / denominator``
until the next signature. Ticks become seconds through the map (``tick_to_seconds``), as a
reader of the file places them. Bars are numbered from 1 as DAWs number them, so with a
pickup bar the first downbeat is bar 2. Pure; the preview draws it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .tempo_map import TempoMap

__all__ = ["BarLines", "bar_lines"]


class BarLines(NamedTuple):
    """Bar lines (seconds) with their DAW bar numbers, and the beat lines between them."""

    bars: list[float]
    numbers: list[int]
    beats: list[float]


def bar_lines(tempo_map: TempoMap, end_seconds: float) -> BarLines:
    """The bars and beats of ``tempo_map`` from 0 up to ``end_seconds``."""
    ppq = tempo_map.ppq
    signatures = list(tempo_map.time_signatures) or [(0, 4, 4)]
    end_tick = tempo_map.to_tick(max(0.0, end_seconds)) + 1
    bars: list[float] = []
    beats: list[float] = []
    for i, (tick, numerator, denominator) in enumerate(signatures):
        if tick >= end_tick and bars:
            break
        stop = signatures[i + 1][0] if i + 1 < len(signatures) else end_tick
        beat = 4 * ppq / denominator
        bar = numerator * beat
        t = float(tick)
        while t < stop:
            bars.append(tempo_map.tick_to_seconds(round(t)))
            beats.extend(
                tempo_map.tick_to_seconds(round(t + k * beat))
                for k in range(1, numerator)
                if t + k * beat < stop
            )
            t += bar
    return BarLines(bars, list(range(1, len(bars) + 1)), beats)
