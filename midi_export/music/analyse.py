"""What the notes say about their grid and key, in one call: ``analyse(record)``.

``analyse`` gives the tempo and first downbeat (with the readings it weighed), the metre
(beats per bar and their division) and the key (tonic, mode, runner-up), each with a
confidence; ``estimate_metre`` and ``estimate_key`` are its parts (``estimate_tempo``, in
``tempo``, too). The steps:

1. the onsets (``onsets``) and a first key from the pitch classes alone (``key``), whose
   tonic triad helps find the downbeats;
2. the grid: metre hypotheses scored by the fitted metre model, the tempo and the first
   downbeat on the best (``metre``), or on the best of a metre given;
3. the key again, now with metrical weights from that grid (notes on bar lines and beats
   count more) when the grid is trustworthy (confidence 0.3 or more).

Pure (no I/O, the input is not changed); numpy is imported when called. A 5-minute song
takes a few tens of milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._check import WrongType, check_mapping, check_number, kind
from ..errors import UsageError
from ..record import Instrument, Record
from ..record.checks import check_instrument, check_record
from .estimates import MetreEstimate, TempoEstimate, parse_metre
from .gm import match_programs
from .key import KeyEstimate, key_of_notes, parse_key
from .limits import AUTO_MAX_SPAN_SECONDS, check_auto_span, onset_span
from .metre import DEFAULT_BPM, estimate_grid
from .onsets import onset_events

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["Analysis", "analyse", "analyse_within_limits", "estimate_key", "estimate_metre",
           "pitched_notes"]

_GRID_FOR_KEY = 0.3  # the least grid confidence whose beats weigh the key's notes


@dataclass(frozen=True)
class Analysis:
    """What the notes say: the grid (``tempo``: tempo, first downbeat, readings weighed),
    the ``metre`` and the ``key`` (None when there are too few pitched notes, or when
    ``key="none"`` was asked)."""

    tempo: TempoEstimate
    metre: MetreEstimate
    key: KeyEstimate | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the tempo (with its candidates), the metre and the key."""
        t = self.tempo
        return {
            "tempo": {"bpm": t.bpm, "pulse_bpm": t.pulse_bpm,
                      "first_downbeat": t.first_downbeat, "confidence": t.confidence,
                      "source": t.source,
                      "candidates": [c.to_dict() for c in t.candidates]},
            "metre": self.metre.to_dict(),
            "key": None if self.key is None else self.key.to_dict(),
        }


def pitched_notes(
    instruments: Iterable[Instrument], programs: Mapping[str, int | str] | None = None
) -> npt.NDArray[np.float64]:
    """An (n, 5) array of pitch, start, end, velocity, is_bass of every note but the drums'
    (drums as the converter tells them: ``gm.match_programs(names, programs)``)."""
    import numpy as np

    instruments = list(instruments)
    matches, _ = match_programs([ins.name for ins in instruments], programs)
    parts = []
    for ins, match in zip(instruments, matches, strict=True):
        if match.is_drum or not ins.pitches:
            continue
        bass = 1.0 if 32 <= match.program < 40 else 0.0
        cols = [np.asarray(c, dtype=np.float64)
                for c in (ins.pitches, ins.starts, ins.ends, ins.velocities)]
        ok = np.isfinite(cols[1]) & np.isfinite(cols[2]) & np.isfinite(cols[3])
        rows = np.column_stack([*cols, np.full(cols[0].size, bass)])
        parts.append(rows[ok])
    return np.concatenate(parts) if parts else np.zeros((0, 5))


def _metre_option(metre: str | MetreEstimate) -> MetreEstimate | None:
    if isinstance(metre, MetreEstimate):
        return metre
    if not isinstance(metre, str):
        raise WrongType(f"metre must be 'auto', a name such as '6/8' or a MetreEstimate, "
                        f"not {type(metre).__name__}")
    return None if metre.strip().lower() == "auto" else parse_metre(metre)


def _key_option(key: str | KeyEstimate) -> KeyEstimate | str:
    if isinstance(key, KeyEstimate):
        return key
    if not isinstance(key, str):
        raise WrongType(f"key must be 'auto', 'none', a name such as 'F#m' or a KeyEstimate, "
                        f"not {type(key).__name__}")
    word = key.strip().lower()
    return word if word in ("auto", "none") else parse_key(key)


def _triad(key: KeyEstimate | None) -> tuple[int, ...]:
    if key is None:
        return ()
    third = 3 if key.mode == "minor" else 4
    return key.tonic, (key.tonic + third) % 12, (key.tonic + 7) % 12


def analyse(
    record: Record | Iterable[Instrument],
    *,
    programs: Mapping[str, int | str] | None = None,
    metre: str | MetreEstimate = "auto",
    key: str | KeyEstimate = "auto",
    min_bpm: float = 60.0,
    max_bpm: float = 200.0,
) -> Analysis:
    """Tempo, first downbeat, metre and key of a ``Record`` (or any iterable of
    ``Instrument``).

    ``metre``: ``"auto"``, or a metre to lay the grid out in (``"3/4"``, ``"6/8"``, ... see
    ``estimates.parse_metre``); the tempo and the downbeat are then the best in that metre.
    ``key``: ``"auto"``, ``"none"`` (not estimated: ``Analysis.key`` is None), or a key
    (``"F#m"``, see ``key.parse_key``), which is returned as given and whose tonic triad
    helps place the downbeats. ``programs`` are the converter's overrides (which
    instruments are drums). The tempo stays within ``min_bpm``..``max_bpm`` quarter notes
    per minute. A bad option raises ``UsageError`` (a ``ValueError``; ``WrongType``, also a
    ``TypeError``, for a wrong type); notes
    spanning more than ``limits.AUTO_MAX_SPAN_SECONDS`` (2 h) raise ``InvalidRecordError``
    before anything is allocated (the analysis grows with the span).
    """
    instruments = _instruments_of(record)
    check_number("min_bpm", min_bpm, minimum=1e-9)
    check_number("max_bpm", max_bpm, minimum=1e-9)
    check_mapping("programs", programs, str, (int, str), "instrument names to a program")
    if not 0 < min_bpm < max_bpm or not math.isfinite(max_bpm / min_bpm):
        # 1e-9..1e308: the tempo grid's span overflowed to inf (numpy's "Maximum allowed size")
        raise UsageError(f"need 0 < min_bpm < max_bpm with a finite ratio, got {min_bpm} and "
                         f"{max_bpm}")
    fixed_metre = _metre_option(metre)
    wanted = _key_option(key)
    check_auto_span(onset_span(instruments))
    notes = pitched_notes(instruments, programs)
    first_key = wanted if isinstance(wanted, KeyEstimate) else key_of_notes(notes)
    ev = onset_events(instruments, programs)
    tempo, met = estimate_grid(ev, instruments, programs=programs, metre=fixed_metre,
                               min_bpm=min_bpm, max_bpm=max_bpm, triad=_triad(first_key))
    found: KeyEstimate | None
    if isinstance(wanted, KeyEstimate):
        found = wanted
    elif wanted == "none":
        found = None
    else:
        grid = ((tempo.first_downbeat, tempo.pulse_seconds, tempo.beats_per_bar)
                if tempo.confidence >= _GRID_FOR_KEY else None)
        found = key_of_notes(notes, grid)
    return Analysis(tempo, met, found)


def analyse_within_limits(
    instruments: Iterable[Instrument],
    programs: Mapping[str, int | str] | None = None,
    *,
    metre: str | MetreEstimate = "auto",
    key: str | KeyEstimate = "auto",
) -> Analysis:
    """``analyse``, or, for notes spanning more than ``AUTO_MAX_SPAN_SECONDS``, a tempo of
    confidence 0 and source ``"too-long"`` (no grid analysed, nothing allocated per second):
    what ``bpm="auto"`` falls back from, with a warning; the key (``key="auto"``) is then
    the key of the pitch classes alone (``estimate_key``)."""
    instruments = list(instruments)
    if onset_span(instruments).seconds > AUTO_MAX_SPAN_SECONDS:
        fixed = _metre_option(metre) or MetreEstimate(4, "simple", 0.0)
        given = _key_option(key)
        found = given if isinstance(given, KeyEstimate) else (
            None if given == "none" else key_of_notes(pitched_notes(instruments, programs)))
        return Analysis(TempoEstimate(DEFAULT_BPM, 0.0, fixed.beats_per_bar, 0.0, "too-long",
                                      fixed.division), fixed, found)
    return analyse(instruments, programs=programs, metre=metre, key=key)


def _instruments_of(value: object) -> list[Instrument]:
    """The instruments of a ``Record`` or an iterable of them, checked."""
    if isinstance(value, Record):
        check_record(value)
        return list(value.instruments)
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise WrongType("record_or_instruments must be a Record or an iterable of "
                        f"Instrument, not {kind(value)}")
    instruments = list(value)
    for index, ins in enumerate(instruments):
        check_instrument(ins, f"record_or_instruments[{index}]")
    return instruments


def estimate_metre(
    record: Record | Iterable[Instrument],
    *,
    programs: Mapping[str, int | str] | None = None,
) -> MetreEstimate:
    """The metre of the notes: ``analyse(record).metre`` (see ``analyse``)."""
    return analyse(record, programs=programs).metre


def estimate_key(
    record: Record | Iterable[Instrument],
    *,
    programs: Mapping[str, int | str] | None = None,
) -> KeyEstimate | None:
    """The key of the notes (drums left out): ``analyse(record).key``; None when there are
    fewer than 8 pitched notes or only one pitch class. The key needs no grid, so notes
    spanning more than ``AUTO_MAX_SPAN_SECONDS`` (which ``analyse`` refuses) get the key of
    their pitch classes alone, without the metrical weights (its cost is per note, not per
    second)."""
    instruments = _instruments_of(record)
    if onset_span(instruments).seconds > AUTO_MAX_SPAN_SECONDS:
        check_mapping("programs", programs, str, (int, str), "instrument names to a program")
        return key_of_notes(pitched_notes(instruments, programs))
    return analyse(instruments, programs=programs).key
