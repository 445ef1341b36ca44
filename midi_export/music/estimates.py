"""What the analysis answers: ``TempoEstimate`` (with ``TempoCandidate``s) and ``MetreEstimate``.

Plain frozen dataclasses, and ``parse_metre`` for a metre given by name. The tempo is always
in quarter notes per minute, as a MIDI file stores it whatever the time signature; a compound
metre's felt pulse is the dotted quarter, so ``pulse_bpm = bpm / 1.5`` there (a 12/8 whose
dotted quarter runs at 80 is written as 120 quarter-note BPM). A ``MetreEstimate`` is one of
the six metres the estimator lays out, or it is not made (``UsageError``, as for a bad name:
a ``MetreEstimate(0, ...)`` given to ``analyse`` was an ``IndexError`` deep in the bar
evidence). This module imports only the standard library and the package's errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from .._check import WrongType, brief
from ..errors import UsageError

__all__ = [
    "AUTO_METRES",
    "MetreEstimate",
    "TempoCandidate",
    "TempoEstimate",
    "metre_name",
    "parse_metre",
]

Division = Literal["simple", "compound"]

AUTO_METRES = ("2/4", "3/4", "4/4", "6/8", "9/8", "12/8")
"""The metres the estimator tells apart (and the ones ``--metre`` takes with ``--bpm auto``)."""


def metre_name(division: str, beats_per_bar: int) -> str:
    """``"6/8"`` for two compound beats, ``"3/4"`` for three simple ones."""
    return f"{beats_per_bar * 3}/8" if division == "compound" else f"{beats_per_bar}/4"


@dataclass(frozen=True)
class TempoCandidate:
    """One reading of the notes the estimator weighed: a pulse, its division and a bar.

    ``bpm`` in quarter notes, ``pulse_bpm`` the felt beat (a dotted quarter in compound
    metres), ``metre`` the time signature it would write, ``p`` its probability among all the
    readings (a softmax of ``score``), ``chosen`` whether it is the one written, and ``why``
    the five features that moved its score most, ``(name, contribution)``, largest first:
    a half/double or 3/4-against-6/8 decision is read off as "``p`` and what made it".
    """

    bpm: float
    pulse_bpm: float
    metre: str
    p: float
    score: float
    chosen: bool
    why: tuple[tuple[str, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields (``why`` as an object)."""
        return {
            "bpm": self.bpm,
            "pulse_bpm": self.pulse_bpm,
            "metre": self.metre,
            "p": self.p,
            "score": self.score,
            "chosen": self.chosen,
            "why": dict(self.why),
        }


@dataclass(frozen=True)
class TempoEstimate:
    """A steady tempo with its beat phase and bar.

    ``bpm`` is quarter notes per minute (what the file stores); ``first_downbeat`` the time
    in seconds of the first bar line at or after the music starts; ``beats_per_bar`` the
    felt beats (pulses) per bar: 2, 3 or 4 (6/8 has 2, 12/8 has 4); ``division`` whether each
    beat divides in two (``"simple"``: the beat is a quarter) or in three (``"compound"``: a
    dotted quarter); ``confidence`` 0..1 how well the notes fit this grid; ``source`` which
    part of the music decided it (``"drums"``, ``"bass"``, ``"all"``, ``"none"`` when there
    was nothing to estimate from, or ``"too-long"``: ``analyse_within_limits`` did not
    analyse notes spanning more than ``limits.AUTO_MAX_SPAN_SECONDS``); ``candidates`` the
    readings weighed, best first.
    """

    bpm: float
    first_downbeat: float
    beats_per_bar: int = 4
    confidence: float = 0.0
    source: str = "none"
    division: Division = "simple"
    candidates: tuple[TempoCandidate, ...] = field(default=(), repr=False)

    @property
    def pulse_bpm(self) -> float:
        """The felt beat per minute: ``bpm``, or ``bpm / 1.5`` (dotted quarters) when compound."""
        return self.bpm / 1.5 if self.division == "compound" else self.bpm

    @property
    def time_signature(self) -> tuple[int, int]:
        """``(numerator, denominator)`` of the metre: (4, 4), (3, 4), (6, 8), (12, 8)..."""
        if self.division == "compound":
            return self.beats_per_bar * 3, 8
        return self.beats_per_bar, 4

    @property
    def beat_seconds(self) -> float:
        """The length of one quarter note in seconds (the file's beat)."""
        return 60.0 / self.bpm

    @property
    def pulse_seconds(self) -> float:
        """The length of one felt beat in seconds (a dotted quarter when compound)."""
        return 60.0 / self.pulse_bpm

    @property
    def bar_seconds(self) -> float:
        """The length of one bar in seconds."""
        return self.beats_per_bar * self.pulse_seconds

    def beat_time(self, beat: float) -> float:
        """The time in seconds of quarter note ``beat`` counted from the first downbeat (may
        be negative)."""
        return self.first_downbeat + beat * 60.0 / self.bpm


@dataclass(frozen=True)
class MetreEstimate:
    """Beats per bar (2, 3, 4) and their division (simple: in two; compound: in three).

    ``confidence`` is the probability mass of this metre among every reading weighed (1.0
    when the metre was given); ``runner_up`` the next most likely metre and its mass;
    ``fell_back`` True when the best reading was another metre (``estimated``) but the
    readings in 4/4 kept too much of the probability, so 4/4 is written instead;
    ``min_confidence`` the confidence that the song is not in 4/4 this song needed to leave
    4/4 (a band's ``metre.MIN_CONFIDENCE``, a lone melody's less; 0.0 when not estimated).
    """

    beats_per_bar: int = 4
    division: Division = "simple"
    confidence: float = 0.0
    fell_back: bool = False
    runner_up: str = ""
    runner_up_confidence: float = 0.0
    estimated: str = ""
    given: bool = False
    min_confidence: float = 0.0

    def __post_init__(self) -> None:
        bpb, division = self.beats_per_bar, self.division
        if not isinstance(bpb, int) or isinstance(bpb, bool):
            raise WrongType(f"MetreEstimate: beats_per_bar must be 2, 3 or 4, not {brief(bpb)}")
        if bpb not in (2, 3, 4) or division not in ("simple", "compound"):
            raise UsageError(
                f"MetreEstimate: the estimator lays out 2, 3 or 4 beats per bar, 'simple' or "
                f"'compound' ({', '.join(AUTO_METRES)}), not {brief(bpb)} "
                f"{brief(division)}")

    @property
    def numerator(self) -> int:
        """The time signature's numerator: 2, 3, 4, 6, 9 or 12."""
        return self.beats_per_bar * (3 if self.division == "compound" else 1)

    @property
    def denominator(self) -> int:
        """The time signature's denominator: 4 (simple) or 8 (compound)."""
        return 8 if self.division == "compound" else 4

    @property
    def name(self) -> str:
        """The time signature written: ``"3/4"``, ``"6/8"``, ``"12/8"``..."""
        return metre_name(self.division, self.beats_per_bar)

    @property
    def quarters_per_bar(self) -> float:
        """Quarter notes in one bar: 4.0 for 4/4, 3.0 for 6/8, 6.0 for 12/8."""
        return self.numerator * 4.0 / self.denominator

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields."""
        return {
            "time_signature": self.name,
            "beats_per_bar": self.beats_per_bar,
            "division": self.division,
            "confidence": self.confidence,
            "fell_back": self.fell_back,
            "estimated": self.estimated or self.name,
            "runner_up": self.runner_up or None,
            "runner_up_confidence": self.runner_up_confidence,
            "given": self.given,
            "min_confidence": self.min_confidence,
        }


_METRE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_metre(text: str) -> MetreEstimate:
    """A metre the estimator can lay out, by name: ``"2/4"``, ``"3/4"``, ``"4/4"``, ``"6/8"``,
    ``"9/8"``, ``"12/8"`` (a ``MetreEstimate`` with ``given=True``, confidence 1).

    Anything else raises ``UsageError`` (a ``ValueError``) with a one-line message;
    ``WrongType`` (also a ``TypeError``) for what is not a string.
    """
    if not isinstance(text, str):
        raise WrongType(f"a metre must be a string such as '6/8', not {type(text).__name__}")
    match = _METRE_RE.match(text)
    if match is None:
        raise UsageError(f"{brief(text)} is not a metre: write it as N/D, e.g. 3/4 or 6/8")
    if max(len(g) for g in match.groups()) > 3:  # int() refuses 4,300 digits; no metre has 4
        raise UsageError(f"the estimator lays out {', '.join(AUTO_METRES)}, not "
                         f"{brief(text.strip())}")
    num, den = int(match.group(1)), int(match.group(2))
    if den == 8 and num in (6, 9, 12):
        return MetreEstimate(num // 3, "compound", 1.0, given=True)
    if den == 4 and num in (2, 3, 4):
        return MetreEstimate(num, "simple", 1.0, given=True)
    raise UsageError(
        f"the estimator lays out {', '.join(AUTO_METRES)}, not {num}/{den} "
        "(with a fixed --bpm any N/D is written as given)"
    )
