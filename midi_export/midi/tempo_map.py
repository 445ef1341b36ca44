"""Time in seconds -> MIDI ticks, through a tempo map.

A ``TempoMap`` is what the conductor track (track 0) of a file says about time: the
resolution (``ppq``, ticks per quarter note), the tempo segments ``(tick, tempo_us)`` and the
time signatures ``(tick, numerator, denominator)``. It converts the record's absolute times in
seconds to absolute ticks.

Exactness: every tick is computed from the event's *absolute* time and rounded once, never
accumulated from deltas, and always with the tempo exactly as the file stores it (whole
microseconds per quarter note). For a constant tempo::

    tick = round(seconds * ppq * 1e6 / tempo_us)      where tempo_us = round(60e6 / bpm)

which is ``round(seconds * ppq * bpm / 60)`` with the BPM as written in the file. A reader that
turns ticks back into seconds with the file's tempo (mido, pretty_midi, any DAW) therefore
finds every event within half a tick of its time, an hour into the song as in its first
second, and at tempos such as 97 BPM whose quarter note is not a whole number of
microseconds. Rounding is Python's ``round`` (half to even).

With several tempo segments the time of each segment's first tick is computed exactly (in
integers) from the segments before it, and an event in segment ``i`` gets
``tick_i + round((seconds - seconds_i) * ppq * 1e6 / tempo_i)``.

This module imports only the standard library and ``pickup`` (the lead-in layout); it knows
no estimator: ``from_estimate`` reads the estimate's tempo, downbeat and metre.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from numbers import Real
from operator import mul
from typing import TYPE_CHECKING, NamedTuple

from .._check import brief
from ..errors import InvalidRecordError, UsageError
from .pickup import pickup_layout

if TYPE_CHECKING:
    from ..music.estimates import TempoEstimate

__all__ = [
    "MAX_PPQ",
    "MAX_TEMPO_US",
    "TempoChange",
    "TempoMap",
    "TimeSignature",
    "tempo_from_bpm",
]

MAX_PPQ = 0x7FFF
"""The largest ticks-per-quarter-note a Standard MIDI File header can hold (15 bits)."""

MAX_TEMPO_US = 0xFFFFFF
"""The largest tempo a set_tempo meta event can hold: microseconds per quarter (24 bits)."""

_MAX_DENOMINATOR_EXPONENT = 7  # time signature denominators 1, 2, 4, ... 128


class TempoChange(NamedTuple):
    """A set_tempo event of the conductor track: from ``tick`` on, ``tempo_us`` per quarter."""

    tick: int
    tempo_us: int


class TimeSignature(NamedTuple):
    """A time_signature event of the conductor track (``denominator`` a power of two)."""

    tick: int
    numerator: int
    denominator: int


def tempo_from_bpm(bpm: float) -> int:
    """The tempo a file stores for ``bpm``: ``round(60e6 / bpm)`` microseconds per quarter.

    Raises ``UsageError`` when ``bpm`` is not a finite positive number or gives a tempo
    that does not fit the file (1 to 0xFFFFFF microseconds: about 3.58 to 60,000,000 BPM).
    """
    if isinstance(bpm, bool) or not isinstance(bpm, Real):
        raise UsageError(f"bpm must be a number, not {bpm!r}")
    value = float(bpm)
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"bpm must be a finite number above 0, not {bpm!r}")
    tempo_us = round(60e6 / value)
    if not 1 <= tempo_us <= MAX_TEMPO_US:
        raise UsageError(
            f"bpm {bpm!r} is out of range: a MIDI file can hold about "
            f"{60e6 / MAX_TEMPO_US:.2f} to 60000000 BPM"
        )
    return tempo_us


_round_float = float.__round__


def _scaled_and_rounded(seconds: Iterable[float], rate: float) -> list[int]:
    """``[round(s * rate) for s in seconds]``, without a Python bytecode per value.

    ``round(x)`` on a float is ``float.__round__(x)``; calling that directly through ``map``
    skips ``round``'s lookup of the method, a third of the time. A product that is not a
    float (or not a number) goes to ``round`` itself, so it is rounded, or refused with the
    same error, exactly as the plain expression would.
    """
    values = seconds if isinstance(seconds, (list, tuple)) else list(seconds)
    try:
        return list(map(_round_float, map(mul, values, repeat(rate))))
    except TypeError:
        return [round(s * rate) for s in values]


def _check_int(value: object, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise UsageError(f"{what} must be a whole number from {low} to {high}, not {value!r}")
    return value


@dataclass(frozen=True)
class TempoMap:
    """Resolution, tempo segments and time signatures of one file (immutable).

    ``tempos`` is a sequence of ``(tick, tempo_us)`` starting at tick 0 with strictly
    increasing ticks; ``time_signatures`` a sequence of ``(tick, numerator, denominator)``
    with strictly increasing ticks (it may be empty: readers then assume 4/4). Invalid
    values raise ``UsageError``. ``TempoMap.constant(97)`` is the usual one-tempo map.
    """

    ppq: int
    tempos: tuple[tuple[int, int], ...]
    time_signatures: tuple[tuple[int, int, int], ...] = ((0, 4, 4),)
    # seconds at which each tempo segment starts, and its ticks per second
    _starts: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _rates: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_int(self.ppq, "ppq (ticks per quarter note)", 1, MAX_PPQ)
        try:
            tempos = tuple((t, u) for t, u in self.tempos)
            signatures = tuple((t, n, d) for t, n, d in self.time_signatures)
        except (TypeError, ValueError) as exc:
            raise UsageError(
                "tempos must be (tick, tempo_us) pairs and time signatures "
                "(tick, numerator, denominator) triples"
            ) from exc
        if not tempos:
            raise UsageError("a tempo map needs at least one tempo")
        previous = -1
        for tick, tempo_us in tempos:
            _check_int(tick, "a tempo change's tick", 0, 2**63)
            _check_int(tempo_us, "a tempo (microseconds per quarter note)", 1, MAX_TEMPO_US)
            if tick <= previous:
                raise UsageError("tempo changes must have strictly increasing ticks")
            previous = tick
        if tempos[0][0] != 0:
            raise UsageError("the first tempo must start at tick 0")
        previous = -1
        for tick, numerator, denominator in signatures:
            _check_int(tick, "a time signature's tick", 0, 2**63)
            _check_int(numerator, "a time signature's numerator", 1, 255)
            if (
                isinstance(denominator, bool)
                or not isinstance(denominator, int)
                or denominator < 1
                or denominator & (denominator - 1)
                or denominator.bit_length() - 1 > _MAX_DENOMINATOR_EXPONENT
            ):
                raise UsageError(
                    "a time signature's denominator must be a power of two from 1 to "
                    f"{2**_MAX_DENOMINATOR_EXPONENT}, not {denominator!r}"
                )
            if tick <= previous:
                raise UsageError("time signatures must have strictly increasing ticks")
            previous = tick
        object.__setattr__(self, "tempos", tempos)
        object.__setattr__(self, "time_signatures", signatures)

        starts: list[float] = []
        elapsed = 0  # ticks * microseconds per quarter: an exact integer
        for i, (tick, _) in enumerate(tempos):
            if i:
                prev_tick, prev_tempo = tempos[i - 1]
                elapsed += (tick - prev_tick) * prev_tempo
            starts.append(elapsed / (self.ppq * 1_000_000))  # int / int: correctly rounded
        object.__setattr__(self, "_starts", tuple(starts))
        object.__setattr__(
            self, "_rates", tuple(self.ppq * 1e6 / tempo_us for _, tempo_us in tempos)
        )

    @classmethod
    def constant(
        cls, bpm: float, ppq: int = 480, time_signature: tuple[int, int] = (4, 4)
    ) -> TempoMap:
        """One tempo for the whole file: ``bpm`` as the nearest whole-microsecond tempo."""
        if not isinstance(time_signature, (tuple, list)) or len(time_signature) != 2:
            raise UsageError("time_signature must be a (numerator, denominator) pair, not "
                             f"{brief(time_signature)}")
        numerator, denominator = time_signature
        return cls(ppq, ((0, tempo_from_bpm(bpm)),), ((0, numerator, denominator),))

    @classmethod
    def from_estimate(cls, estimate: TempoEstimate, ppq: int = 480) -> TempoMap:
        """The map of a tempo estimate: its grid on the beats, a bar line on each downbeat.

        Laid out by ``pickup.pickup_layout`` in the estimate's metre (a pickup bar before
        the first downbeat when that is not at 0 s; the estimate's tempo as it is,
        unrounded: ``convert(bpm="auto")`` rounds it first, see ``tempo_choice``). Every
        note keeps its time in seconds.
        """
        _check_int(ppq, "ppq (ticks per quarter note)", 1, MAX_PPQ)
        numerator, denominator = estimate.time_signature
        layout = pickup_layout(
            estimate.bpm, estimate.first_downbeat, ppq, numerator, denominator
        )
        return cls(ppq, layout.tempos, layout.time_signatures)

    @property
    def main_tempo_us(self) -> int:
        """The tempo from the last tempo change on (after a lead-in: the music's tempo)."""
        return self.tempos[-1][1]

    @property
    def tempo_us(self) -> int:
        """The first segment's tempo in microseconds per quarter note."""
        return self.tempos[0][1]

    @property
    def bpm(self) -> float:
        """The first segment's tempo in BPM as written in the file: ``60e6 / tempo_us``."""
        return 60e6 / self.tempos[0][1]

    @property
    def is_constant(self) -> bool:
        """True when the whole file has one tempo."""
        return len(self.tempos) == 1

    def to_ticks(self, seconds: Iterable[float]) -> list[int]:
        """Absolute ticks for absolute times in seconds, each rounded once.

        Raises ``InvalidRecordError`` for a time that is not a finite number or lies
        before 0.
        """
        try:
            if len(self.tempos) == 1:
                ticks = _scaled_and_rounded(seconds, self._rates[0])
            else:
                ticks = self._piecewise_ticks(seconds)
        except (ValueError, OverflowError, TypeError) as exc:
            raise InvalidRecordError(f"a note time is not a finite number: {exc}") from exc
        if ticks and min(ticks) < 0:
            raise InvalidRecordError("a note time lies before 0 seconds")
        return ticks

    def to_tick(self, seconds: float) -> int:
        """The absolute tick of one time in seconds (see ``to_ticks``)."""
        return self.to_ticks((seconds,))[0]

    def _piecewise_ticks(self, seconds: Iterable[float]) -> list[int]:
        starts, rates, tempos = self._starts, self._rates, self.tempos
        last = len(starts) - 1
        last_start, last_rate, last_tick = starts[last], rates[last], tempos[last][0]
        ticks: list[int] = []
        append = ticks.append
        for s in seconds:
            if s >= last_start:
                append(last_tick + round((s - last_start) * last_rate))
                continue
            i = bisect_right(starts, s) - 1
            if i < 0:  # before 0 s (NaN never gets here: it compares false)
                append(-1)
                continue
            append(tempos[i][0] + round((s - starts[i]) * rates[i]))
        return ticks

    def tick_to_seconds(self, tick: int) -> float:
        """The time in seconds of an absolute tick, as a reader of the file computes it."""
        if tick < 0:
            raise ValueError(f"tick must be 0 or more, not {tick}")
        if len(self.tempos) == 1:
            return tick / self._rates[0]
        i = bisect_right(self.tempos, (tick, MAX_TEMPO_US + 1)) - 1
        return self._starts[i] + (tick - self.tempos[i][0]) / self._rates[i]

    def conductor_events(self) -> list[TempoChange | TimeSignature]:
        """The tempo and time signature events of track 0, by tick (tempo first on a tie)."""
        events: list[tuple[int, int, TempoChange | TimeSignature]] = [
            (tick, 0, TempoChange(tick, tempo_us)) for tick, tempo_us in self.tempos
        ]
        events += (
            (tick, 1, TimeSignature(tick, numerator, denominator))
            for tick, numerator, denominator in self.time_signatures
        )
        events.sort(key=lambda item: (item[0], item[1]))
        return [event for _, _, event in events]

    def segments(self) -> Sequence[tuple[int, int, float]]:
        """Each tempo segment as ``(tick, tempo_us, start_seconds)``."""
        return [(t, u, s) for (t, u), s in zip(self.tempos, self._starts, strict=True)]
