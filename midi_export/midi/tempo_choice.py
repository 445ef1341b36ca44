"""Which tempo map a file gets: a fixed tempo, the caller's map, or ``bpm="auto"`` (the tempo,
metre and first downbeat estimated from the notes, rounded when the music cannot tell the
difference, laid out with a pickup or a shift), with the fallback when the estimate is unsure.

The metre: with a fixed tempo, 4/4 unless one is given (any ``N/D``, written as given); with
``bpm="auto"`` estimated (``metre="auto"``, the default there) or given (one of
``music.estimates.AUTO_METRES``, the grid then laid out in it). An estimated metre other
than 4/4 is written as 4/4, with a warning, when 4/4 is not ruled out: when the confidence
that the song is not in 4/4 is below ``MetreEstimate.min_confidence`` (a band's
``music.metre.MIN_CONFIDENCE``, a lone melody's less). The file's tempo is in
quarter notes whatever the metre (a 12/8 whose dotted quarter runs at 80 is written as 120
BPM); the report gives both (``tempo.pulse_bpm``).

Round tempi (``round_tempo``): an estimate such as 95.9998 BPM is the least-squares fit of a
96 BPM song's onsets; written as it is (625001 us per quarter) every DAW shows 95.9998 and a
producer retypes 96. So the file gets the whole BPM nearest the estimate, else the nearest
one-decimal BPM, when that grid, laid from the first downbeat (where the bar lines are
anchored) over the whole song, moves no beat more than ``ROUND_TOLERANCE`` (5 ms) from the
estimate's grid; else the estimate itself. Why 5 ms: the record's times come on a 1/192 s
(5.2 ms) grid, so a smaller drift is below the data's own resolution; it is also below the
transcription's timing jitter (3-8 ms in the evaluation set) and well below what is heard as
early or late (about 10-20 ms for a beat against a click). The longer the song, the closer
the estimate must be: 120.002 BPM is written as 120 for a 30-second clip (0.5 ms), not for a
10-minute song (10 ms). A tempo given by the caller (``bpm=97.3``) is written as given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from .._check import brief
from ..errors import UsageError
from ..record import Record
from .pickup import LeadIn, pickup_layout, shift_layout
from .report import MetreReport, TempoReport
from .tempo_map import TempoMap, tempo_from_bpm

if TYPE_CHECKING:
    from ..music.analyse import Analysis
    from ..music.estimates import MetreEstimate
    from ..music.key import KeyEstimate

__all__ = [
    "AUTO_MIN_CONFIDENCE",
    "LEAD_IN_MODES",
    "ROUND_TOLERANCE",
    "RoundedTempo",
    "TempoChoice",
    "beat_drift",
    "choose_tempo",
    "parse_time_signature",
    "round_tempo",
]

AUTO_MIN_CONFIDENCE = 0.4
"""With ``bpm="auto"``, the least ``TempoEstimate.confidence`` whose tempo map is written.

Below it the file gets the fallback tempo and the report a warning. The confidence is how
much better than chance the onsets sit on the estimate's 16th (or triplet) grid: random
onsets score about 0 and, on short clips of a few dozen notes, up to about 0.38; every song
of the evaluation set whose tempo was found (within 2 %) scored 0.46 or more.
"""

ROUND_TOLERANCE = 0.005
"""Seconds: the most a round tempo may move any beat of the song against the estimate."""

LEAD_IN_MODES = ("pickup", "shift")
"""How the time before the first downbeat is written (``pickup.pickup_layout``,
``pickup.shift_layout``)."""


class RoundedTempo(NamedTuple):
    """The tempo to write for an estimate: ``bpm``, which rounding it is (``"whole"``,
    ``"one decimal"`` or ``"none"``) and how far its farthest beat moves (seconds)."""

    bpm: float
    rounding: str
    max_drift: float


def beat_drift(bpm: float, estimate: float, first_downbeat: float, end: float) -> float:
    """Seconds the farthest beat of ``[0, end]`` moves when the grid anchored at
    ``first_downbeat`` runs at ``bpm`` as the file stores it (whole microseconds per
    quarter) instead of at ``estimate``."""
    beats = max(end - first_downbeat, first_downbeat, 0.0) * estimate / 60.0
    return beats * abs(tempo_from_bpm(bpm) / 1e6 - 60.0 / estimate)


def round_tempo(
    estimate: float, first_downbeat: float, end: float, tolerance: float = ROUND_TOLERANCE
) -> RoundedTempo:
    """The whole BPM, else the one-decimal BPM, nearest ``estimate`` when its farthest beat
    over a song whose notes end at ``end`` seconds moves at most ``tolerance``; else the
    estimate (see the module docstring)."""
    candidates = (("whole", float(round(estimate))), ("one decimal", round(estimate, 1)))
    for rounding, candidate in candidates:
        if candidate <= 0:
            continue
        drift = beat_drift(candidate, estimate, first_downbeat, end)
        if drift <= tolerance:
            return RoundedTempo(candidate, rounding, drift)
    return RoundedTempo(estimate, "none", 0.0)


class TempoChoice(NamedTuple):
    """The tempo map to write, how it was chosen, warnings, the seconds every note is
    delayed by (``lead_in="shift"``; else 0.0), the metre written, and with ``bpm="auto"``
    the analysis of the notes (None otherwise)."""

    tempo_map: TempoMap
    report: TempoReport
    warnings: list[str]
    delay: float
    metre: MetreReport
    analysis: Analysis | None = None


_SIGNATURE_RE = r"^\s*(\d+)\s*/\s*(\d+)\s*$"  # compiled by re on first use


def parse_time_signature(text: str) -> tuple[int, int]:
    """``"7/8"`` -> (7, 8): any numerator 1..255 over a power of two 1..128 (``UsageError``
    otherwise, the value shown cut to 40 characters)."""
    match = re.match(_SIGNATURE_RE, text) if isinstance(text, str) else None
    if match is None:
        raise UsageError(f"metre {brief(text)} is not N/D (examples: 3/4, 6/8, 12/8)")
    # int() refuses 4,300 digits: a number longer than 3 digits is out of range anyway
    num, den = (int(g) if len(g) <= 3 else 1000 for g in match.groups())
    if not 1 <= num <= 255 or den < 1 or den & (den - 1) or den > 128:
        raise UsageError(f"metre {brief(text)}: the numerator must be 1..255 and the "
                         "denominator a power of two from 1 to 128 (a MIDI file stores "
                         "the denominator as a power of two)")
    return num, den


def _pulse_bpm(bpm: float, numerator: int, denominator: int) -> float:
    """The felt beat of a quarter-note tempo: dotted quarters in 6/8, 9/8, 12/8."""
    compound = denominator == 8 and numerator % 3 == 0 and numerator > 3
    return bpm / 1.5 if compound else bpm


def _fixed_metre(
    metre: str | None, tempo_map: TempoMap | None, bpm: float, ppq: int
) -> tuple[TempoMap, MetreReport]:
    if metre is not None and metre.strip().lower() == "auto":
        raise UsageError(
            "metre='auto' needs bpm='auto': with a fixed tempo there is no estimate; "
            "give the metre instead (3/4, 6/8...)"
        )
    if tempo_map is None:
        num, den = (4, 4) if metre is None else parse_time_signature(metre)
        tempo_map = TempoMap.constant(bpm, ppq, (num, den))
    elif not isinstance(tempo_map, TempoMap):
        raise UsageError(f"tempo_map must be a TempoMap, not {type(tempo_map).__name__}")
    elif metre is not None:
        raise UsageError("give either a metre or a tempo_map (with its time signatures)")
    signatures = tempo_map.time_signatures
    _, num, den = signatures[-1] if signatures else (0, 4, 4)
    return tempo_map, MetreReport("fixed", f"{num}/{den}", num, den)


def choose_tempo(
    record: Record,
    bpm: float | str,
    ppq: int,
    tempo_map: TempoMap | None,
    fallback_bpm: float,
    programs: Mapping[str, int | str] | None,
    lead_in: str = "pickup",
    metre: str | None = None,
    key: str | KeyEstimate = "auto",
) -> TempoChoice:
    """The tempo map to write (see ``TempoChoice``). ``lead_in="shift"`` needs ``bpm="auto"``.

    ``metre``: None (4/4 with a fixed tempo, estimated with ``bpm="auto"``), ``"auto"``
    (needs ``bpm="auto"``) or ``"N/D"``. ``key`` goes to the analysis with ``bpm="auto"``
    (``"auto"``, ``"none"`` or a given key, whose triad helps place the downbeats). Only
    ``bpm="auto"`` imports ``music.analyse`` (and numpy with it).
    """
    if lead_in not in LEAD_IN_MODES:
        raise UsageError(f"lead_in must be 'pickup' or 'shift', not {lead_in!r}")
    if metre is not None and not isinstance(metre, str):
        raise UsageError(f"metre must be 'auto' or a name such as '6/8', not {metre!r}")
    if not isinstance(bpm, str):
        if lead_in == "shift":
            raise UsageError(
                "lead_in='shift' needs bpm='auto': without an estimate there is no downbeat "
                "to move onto a bar line"
            )
        tempo_map, metre_report = _fixed_metre(metre, tempo_map, bpm, ppq)
        written = 60e6 / tempo_map.main_tempo_us
        report = TempoReport(
            mode="fixed",
            bpm=written,
            first_downbeat=0.0,
            fell_back=False,
            tempos=tempo_map.tempos,
            time_signatures=tempo_map.time_signatures,
            pulse_bpm=_pulse_bpm(written, metre_report.numerator, metre_report.denominator),
        )
        return TempoChoice(tempo_map, report, [], 0.0, metre_report)
    if bpm.strip().lower() != "auto":
        raise UsageError(f"bpm must be a number or 'auto', not {bpm!r}")
    if tempo_map is not None:
        raise UsageError("give either bpm='auto' or a tempo_map, not both")
    given = _auto_metre(metre)
    fallback_signature = (4, 4) if given is None else (given.numerator, given.denominator)
    # bad values are errors even if unused
    fallback = TempoMap.constant(fallback_bpm, ppq, fallback_signature)
    from ..music.analyse import analyse_within_limits
    from ..music.metre import MIN_CONFIDENCE

    analysis = analyse_within_limits(record.instruments, programs,
                                     metre="auto" if given is None else given, key=key)
    estimate = analysis.tempo
    fell_back = estimate.confidence < AUTO_MIN_CONFIDENCE
    warnings: list[str] = []
    rounded: RoundedTempo | None = None
    if not fell_back:
        first_onset, end = _song_span(record)
        downbeat, signature = estimate.first_downbeat, estimate.time_signature
        rounded = round_tempo(estimate.bpm, downbeat, end)
        if lead_in == "shift":
            layout = shift_layout(rounded.bpm, downbeat, ppq, *signature)
        else:
            layout = pickup_layout(rounded.bpm, downbeat, ppq, *signature,
                                   first_onset=first_onset)
        tempo_map = TempoMap(ppq, layout.tempos, layout.time_signatures)
    else:
        signature = fallback_signature
        tempo_map = fallback
        layout = LeadIn("none", tempo_map.tempos, tempo_map.time_signatures)
        warnings.append(_fallback_warning(estimate.source, estimate.bpm, estimate.confidence,
                                          tempo_map, lead_in, record))
    met = analysis.metre
    needed = met.min_confidence or MIN_CONFIDENCE  # a lone melody's threshold is lower
    if met.fell_back and not fell_back:
        warnings.append(
            f"metre: the best reading is {met.estimated} (confidence {met.confidence:.2f}) "
            f"but 4/4 is not ruled out (its readings keep more than "
            f"{max(0.0, 1.0 - needed):.2f} of the probability): written in 4/4 "
            f"(metre {met.estimated!r} writes it anyway)"
        )
    written = 60e6 / tempo_map.main_tempo_us
    metre_report = MetreReport(
        mode="auto" if given is None else "fixed",
        time_signature=f"{signature[0]}/{signature[1]}",
        numerator=signature[0],
        denominator=signature[1],
        beats_per_bar=estimate.beats_per_bar if not fell_back else None,
        division=estimate.division if not fell_back else None,
        confidence=met.confidence if given is None else None,
        estimated=(met.estimated or met.name) if given is None else None,
        runner_up=(met.runner_up or None) if given is None else None,
        runner_up_confidence=met.runner_up_confidence if given is None else None,
        fell_back=given is None and (met.fell_back or fell_back),
        min_confidence=needed if given is None else None,
    )
    report = TempoReport(
        mode="auto",
        bpm=60e6 / tempo_map.main_tempo_us,
        first_downbeat=0.0 if fell_back else round(estimate.first_downbeat, 6),
        fell_back=fell_back,
        tempos=tempo_map.tempos,
        time_signatures=tempo_map.time_signatures,
        estimated_bpm=round(estimate.bpm, 3),
        confidence=estimate.confidence,
        source=estimate.source,
        min_confidence=AUTO_MIN_CONFIDENCE,
        lead_in=lead_in,
        delay_seconds=round(layout.delay, 6),
        downbeat_tick=layout.downbeat_tick,
        rounding=None if rounded is None else rounded.rounding,
        round_drift_ms=None if rounded is None else round(rounded.max_drift * 1e3, 3),
        pulse_bpm=_pulse_bpm(written, *signature),
        candidates=estimate.candidates,
    )
    return TempoChoice(tempo_map, report, warnings, layout.delay, metre_report, analysis)


def _auto_metre(metre: str | None) -> MetreEstimate | None:
    """The metre given with ``bpm="auto"`` (None: estimate it)."""
    if metre is None or metre.strip().lower() == "auto":
        return None
    from ..music.estimates import parse_metre

    try:
        return parse_metre(metre)
    except ValueError as exc:
        raise UsageError(f"metre: {exc}") from None


def _song_span(record: Record) -> tuple[float, float]:
    """The earliest note start and the latest note end of the record, in seconds."""
    played = [ins for ins in record.instruments if len(ins)]
    first = min((min(ins.starts) for ins in played), default=0.0)
    return first, max((max(ins.ends) for ins in played), default=0.0)


def _fallback_warning(
    source: str, bpm: float, confidence: float, tempo_map: TempoMap, lead_in: str,
    record: Record,
) -> str:
    if source == "none":
        why = "too few notes to estimate the tempo"
    elif source == "too-long":
        why = _too_long(record)
    else:
        why = (
            f"the tempo estimate ({bpm:.1f} BPM) is too uncertain: confidence "
            f"{confidence:.2f}, below {AUTO_MIN_CONFIDENCE}"
        )
    shift = "; --lead-in shift delayed nothing (no downbeat)" if lead_in == "shift" else ""
    return (
        f"auto tempo: {why}; written at {60e6 / tempo_map.tempo_us:.6g} BPM instead, so "
        f"the file's bars do not follow the music (the notes keep their times){shift}"
    )


def _too_long(record: Record) -> str:
    """Why a record was not analysed: its notes' span against the estimator's limit."""
    from ..music.limits import AUTO_MAX_SPAN_SECONDS, clock, onset_span

    span = onset_span(record.instruments)
    return (f"the notes span {clock(span.seconds)} (from {span.first:g} s to {span.last:g} "
            f"s), more than the {clock(AUTO_MAX_SPAN_SECONDS)} the tempo estimate analyses")
