"""Which key signature a file gets: none, a key given by name, or the key estimated from the notes.

``key=None`` (the default) means ``"auto"`` with ``bpm="auto"`` and ``"none"`` otherwise, so
a plain conversion is byte for byte what it always was (and loads no numpy); ``"auto"``
writes the estimated key (``music.analyse``) when its confidence is at least
``KEY_MIN_CONFIDENCE``, else none, with a warning; a key given by name (``"F#m"``, ``"Bb"``)
is written as given, spelled as given (``music.key.parse_key``). The event is a key
signature in the conductor track at tick 0 (``FF 59``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from ..errors import UsageError
from ..record import Record

if TYPE_CHECKING:
    from ..music.analyse import Analysis
    from ..music.key import KeyEstimate
    from .option_reports import KeyReport

__all__ = ["KEY_MIN_CONFIDENCE", "KeyChoice", "choose_key", "key_option"]

KEY_MIN_CONFIDENCE = 0.2
"""With ``key="auto"``, the least ``KeyEstimate.confidence`` whose key signature is written."""


class KeyChoice(NamedTuple):
    """The key to write (None: no key signature), the report (None when no key was asked
    for) and warnings."""

    key: KeyEstimate | None
    report: KeyReport | None
    warnings: list[str]


def key_option(key: object, auto_tempo: bool) -> str | KeyEstimate:
    """``key`` as asked for: ``"auto"``, ``"none"`` or the key given (``UsageError`` for
    anything else); None is ``"auto"`` with an auto tempo, else ``"none"``."""
    if key is None:
        return "auto" if auto_tempo else "none"
    from ..music.key import KeyEstimate

    if isinstance(key, KeyEstimate):
        return key
    if not isinstance(key, str):
        raise UsageError(f"key must be 'auto', 'none' or a key such as 'F#m', not {key!r}")
    word = key.strip().lower()
    if word in ("auto", "none"):
        return word
    from ..music.key import parse_key

    try:
        return parse_key(key)
    except ValueError as exc:
        raise UsageError(f"key: {exc}") from None


def choose_key(
    option: str | KeyEstimate,
    record: Record,
    programs: Mapping[str, int | str] | None,
    analysis: Analysis | None,
) -> KeyChoice:
    """The key signature to write for ``option`` (from ``key_option``); the estimate is the
    analysis's when there is one (``bpm="auto"``), else made here."""
    if option == "none":
        return KeyChoice(None, None, [])
    if not isinstance(option, str):
        return KeyChoice(option, _report("fixed", option, option), [])
    if analysis is not None:
        found = analysis.key
    else:
        from ..music.analyse import estimate_key

        found = estimate_key(record.instruments, programs=programs)
    if found is None:
        from .option_reports import KeyReport

        report = KeyReport("auto", None, False, min_confidence=KEY_MIN_CONFIDENCE)
        warnings = []
        if _has_pitched_notes(record, programs):
            warnings.append("key: too few pitched notes (fewer than 8) or pitch classes "
                            "(one) to tell the key; no key signature written")
        return KeyChoice(None, report, warnings)
    if found.confidence < KEY_MIN_CONFIDENCE:
        report = _report("auto", None, found)
        return KeyChoice(None, report, [
            f"key: the best guess {found.name} (runner-up {found.runner_up}) is too uncertain "
            f"(confidence {found.confidence:.2f}, below {KEY_MIN_CONFIDENCE}): no key "
            "signature written"])
    return KeyChoice(found, _report("auto", found, found), [])


def _report(mode: str, written: KeyEstimate | None, found: KeyEstimate) -> KeyReport:
    from .option_reports import KeyReport

    auto = mode == "auto"
    return KeyReport(
        mode="auto" if auto else "fixed",
        key=None if written is None else written.name,
        written=written is not None,
        tonic=None if written is None else written.tonic,
        minor=None if written is None else written.mode == "minor",
        sharps=None if written is None else written.sharps,
        estimated=found.name if auto else None,
        confidence=found.confidence if auto else None,
        runner_up=(found.runner_up or None) if auto else None,
        tie_break=found.tie_break if auto else False,
        min_confidence=KEY_MIN_CONFIDENCE if auto else None,
    )


def _has_pitched_notes(record: Record, programs: Mapping[str, int | str] | None) -> bool:
    from ..music.gm import match_programs

    matches, _ = match_programs([ins.name for ins in record.instruments], programs)
    return any(len(ins) and not match.is_drum
               for ins, match in zip(record.instruments, matches, strict=True))
