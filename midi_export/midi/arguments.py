"""``convert``'s arguments checked at the boundary: their types, each a ``WrongType`` (a
``TypeError`` and a ``UsageError``) naming the argument, before any work (their ranges are
checked where they are used).
"""

from __future__ import annotations

from .._check import check_flag, check_mapping, check_number, check_type
from ..record.checks import check_record
from .tempo_map import TempoMap

__all__ = ["check_arguments"]


def check_arguments(record: object, bpm: object, ppq: object, programs: object,
                    strict: object, tempo_map: object, quantize_strength: object,
                    fallback_bpm: object, split_drums: object) -> None:
    """The types of ``convert``'s arguments (``record``: ``record.checks``)."""
    check_record(record)
    if not (isinstance(bpm, str) and bpm.strip().lower() == "auto"):
        check_type("bpm", bpm, (int, float), "a number or 'auto'")
    check_type("ppq", ppq, int, "a whole number")
    check_mapping("programs", programs, str, (int, str),
                  "instrument names to a program (0-127, a GM name or 'drums')",
                  hint="for the CLI's NAME=N text, use parse_program_option")
    check_flag("strict", strict)
    check_flag("split_drums", split_drums)
    check_type("tempo_map", tempo_map, TempoMap, "a TempoMap", optional=True)
    check_number("quantize_strength", quantize_strength)
    check_number("fallback_bpm", fallback_bpm)
