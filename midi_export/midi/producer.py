"""``convert``'s producer options, in one place: the clean-up rules (``clean``), the drum kit
in pieces (``split_drums``) and on another layout (``drum_map``), checked, applied and
reported.

``convert`` imports this module only when one of them is asked for, and calls it at three
points: ``arrange`` the instruments to write (``drum_pieces``), ``clean`` each instrument's
notes in ticks before quantizing (``clean``), and the ``report`` fields. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from .option_reports import CleanReport, DrumsReport
from .report import InstrumentReport

if TYPE_CHECKING:
    from ..music.drum_maps import DrumMap
    from ..music.gm import ProgramMatch
    from ..record import Instrument
    from .clean import CleanedNotes, CleanSettings
    from .drum_pieces import Part
    from .tempo_map import TempoMap

__all__ = ["Producer", "instrument_fields"]


@dataclass(frozen=True)
class Producer:
    """The producer options of one conversion: the clean-up rules (None: off), the drum
    map (None: none) and whether the kit is split into pieces."""

    cleaner: CleanSettings | None
    drum_map: DrumMap | None
    split_drums: bool

    @classmethod
    def of(
        cls,
        clean: CleanSettings | bool | None,
        split_drums: bool,
        drum_map: DrumMap | Mapping[int, int] | str | None,
    ) -> Producer:
        """The options as ``convert`` takes them, checked (``UsageError``); ``clean=True``
        is ``CLEAN_DEFAULTS`` (``--clean``)."""
        from .clean import CLEAN_DEFAULTS, CleanSettings

        if not isinstance(split_drums, bool):
            raise UsageError(f"split_drums must be True or False, not {split_drums!r}")
        cleaner = None
        if clean is True:
            cleaner = CLEAN_DEFAULTS
        elif isinstance(clean, CleanSettings):
            cleaner = clean if clean.active else None
        elif clean is not None and clean is not False:
            raise UsageError(f"clean must be a CleanSettings or True, not {type(clean).__name__}")
        kit_map = None
        if drum_map is not None:
            from ..music.drum_maps import resolve_drum_map

            kit_map = resolve_drum_map(drum_map)
        return cls(cleaner, kit_map, split_drums)

    def arrange(
        self, instruments: Sequence[Instrument], matches: Sequence[ProgramMatch]
    ) -> list[Part] | None:
        """The instruments to write when the kit is split or remapped, else None."""
        if not self.split_drums and self.drum_map is None:
            return None
        from .drum_pieces import arrange_drums

        return arrange_drums(instruments, matches, split=self.split_drums,
                             drum_map=self.drum_map)

    def clean(
        self,
        pitches: bytes,
        starts: list[int],
        ends: list[int],
        velocities: list[int],
        is_drum: bool,
        tempo_map: TempoMap,
    ) -> CleanedNotes | None:
        """One instrument's notes cleaned, or None when no rule applies to it (a drum kit is
        left alone unless the settings say ``drums``)."""
        if self.cleaner is None or (is_drum and not self.cleaner.drums):
            return None
        from .clean import clean_notes

        return clean_notes(pitches, starts, ends, velocities, self.cleaner, tempo_map)

    def report(self, reports: Sequence[InstrumentReport]) -> dict[str, Any]:
        """``ConversionReport``'s ``clean`` and ``drums``."""
        cleaner, kit_map = self.cleaner, self.drum_map
        clean = None if cleaner is None else CleanReport(
            min_duration_ms=cleaner.min_duration_ms, merge_gap_ms=cleaner.merge_gap_ms,
            min_velocity=cleaner.min_velocity, drums=cleaner.drums,
            gaps_merged=sum(r.gaps_merged for r in reports),
            too_short=sum(r.too_short for r in reports),
            too_quiet=sum(r.too_quiet for r in reports),
        )
        drums = None
        if self.split_drums or kit_map is not None:
            drums = DrumsReport(
                split=self.split_drums,
                pieces=sum(1 for r in reports if r.piece is not None and r.written),
                drum_map=None if kit_map is None else kit_map.name,
                notes_remapped=sum(r.drum_notes_remapped for r in reports),
            )
        return {"clean": clean, "drums": drums}


def instrument_fields(part: Part | None, cleaned: tuple[int, int, int]) -> dict[str, Any]:
    """``InstrumentReport``'s producer fields for one instrument: what each clean-up rule
    removed (gaps merged, too short, too quiet) and, for a drum part, its kit and piece."""
    return {
        "gaps_merged": cleaned[0],
        "too_short": cleaned[1],
        "too_quiet": cleaned[2],
        "drum_notes_remapped": 0 if part is None else part.remapped,
        "kit": None if part is None else part.kit,
        "piece": None if part is None else part.piece,
    }
