"""Which tempo map a file gets: a fixed tempo, the caller's map, or ``bpm="auto"`` (the tempo
and first downbeat estimated from the notes), with the fallback when the estimate is unsure.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import UsageError
from ..record import Record
from .report import TempoReport
from .tempo_map import TempoMap, tempo_from_bpm

__all__ = ["AUTO_MIN_CONFIDENCE", "choose_tempo"]

AUTO_MIN_CONFIDENCE = 0.4
"""With ``bpm="auto"``, the least ``TempoEstimate.confidence`` whose tempo map is written.

Below it the file gets the fallback tempo and the report a warning. The confidence is how
much better than chance the onsets sit on the estimate's 16th (or triplet) grid: random
onsets score about 0 and, on short clips of a few dozen notes, up to about 0.38; every song
of the evaluation set whose tempo was found (within 2 %) scored 0.46 or more.
"""



def choose_tempo(
    record: Record,
    bpm: float | str,
    ppq: int,
    tempo_map: TempoMap | None,
    fallback_bpm: float,
    programs: Mapping[str, int | str] | None,
) -> tuple[TempoMap, TempoReport, list[str]]:
    """The tempo map to write, how it was chosen, and warnings (``bpm="auto"`` falling back).

    Only ``bpm="auto"`` imports ``music.tempo`` (and numpy with it).
    """
    if not isinstance(bpm, str):
        if tempo_map is None:
            tempo_map = TempoMap.constant(bpm, ppq)
        elif not isinstance(tempo_map, TempoMap):
            raise UsageError(f"tempo_map must be a TempoMap, not {type(tempo_map).__name__}")
        report = TempoReport(
            mode="fixed",
            bpm=60e6 / tempo_map.main_tempo_us,
            first_downbeat=0.0,
            fell_back=False,
            tempos=tempo_map.tempos,
            time_signatures=tempo_map.time_signatures,
        )
        return tempo_map, report, []
    if bpm.strip().lower() != "auto":
        raise UsageError(f"bpm must be a number or 'auto', not {bpm!r}")
    if tempo_map is not None:
        raise UsageError("give either bpm='auto' or a tempo_map, not both")
    tempo_from_bpm(fallback_bpm)  # a bad fallback is an error even when it is not needed
    if isinstance(ppq, bool) or not isinstance(ppq, int):
        raise UsageError(f"ppq must be a whole number, not {ppq!r}")
    from ..music.tempo import estimate_tempo

    estimate = estimate_tempo(record.instruments, programs=programs)
    fell_back = estimate.confidence < AUTO_MIN_CONFIDENCE
    warnings: list[str] = []
    if not fell_back:
        tempo_map = TempoMap.from_estimate(estimate, ppq)
    else:
        tempo_map = TempoMap.constant(fallback_bpm, ppq)
        if estimate.source == "none":
            why = "too few notes to estimate the tempo"
        else:
            why = (
                f"the tempo estimate ({estimate.bpm:.1f} BPM) is too uncertain: confidence "
                f"{estimate.confidence:.2f}, below {AUTO_MIN_CONFIDENCE}"
            )
        warnings.append(
            f"auto tempo: {why}; written at {60e6 / tempo_map.tempo_us:.6g} BPM instead, so "
            "the file's bars do not follow the music (the notes keep their times)"
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
    )
    return tempo_map, report, warnings
