"""Drum maps for ``--drum-map``: GM kit keys moved onto another layout, built in or from JSON.

A drum map is ``{gm_note: target_note}``; keys it does not name keep their note. Two are
built in (``DRUM_MAPS``): ``gm`` (no change) and ``basic`` (the kit folded onto the pads of a
small drum machine: kick 36, snare 38, hi-hats 42/44/46, toms 41/45/48, crash 49, ride 51;
percussion kept). Vendor layouts come as JSON files, which the caller reads and gives to
``parse_drum_map``: we do not guess them from memory. Pure: this module reads no files.

A file is one JSON object: keys are GM keys as digit strings (``"38"``) or GM drum names
(``"Acoustic Snare"``, matched ignoring case, spaces and punctuation), values note numbers
0..127 (a whole float such as ``40.0`` is accepted); ``"name"`` and ``"comment"`` entries
with text values are allowed and name the map. Anything else is a ``UsageError`` that says
which entry is wrong.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Final

from ..errors import UsageError
from .drums import GM_DRUM_NAMES, drum_name

__all__ = ["DRUM_MAPS", "DrumMap", "builtin_drum_map", "parse_drum_map", "resolve_drum_map"]


@dataclasses.dataclass(frozen=True)
class DrumMap:
    """A named ``{gm_note: target_note}`` map (``notes``), checked."""

    name: str
    notes: Mapping[int, int]

    def __post_init__(self) -> None:
        for source, target in self.notes.items():
            for value in (source, target):
                if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 127:
                    raise UsageError(
                        f"drum map {self.name}: {value!r} is not a note number 0..127"
                    )
        object.__setattr__(self, "notes", dict(self.notes))


# fmt: off
DRUM_MAPS: Final[Mapping[str, DrumMap]] = {
    "gm": DrumMap("gm", {}),
    "basic": DrumMap("basic", {
        35: 36, 37: 38, 40: 38,                          # kicks, snares
        43: 41, 47: 45, 50: 48,                          # toms onto low, mid, high
        52: 49, 55: 49, 57: 49,                          # crashes, china, splash
        53: 51, 59: 51,                                  # rides
    }),
}
# fmt: on
"""The built-in maps by name."""

_NAME_KEYS: Final[Mapping[str, int]] = {
    "".join(ch for ch in name.casefold() if ch.isalnum()): key
    for key, name in GM_DRUM_NAMES.items()
}
_TEXT_ENTRIES = ("name", "comment", "_comment")


def builtin_drum_map(name: str) -> DrumMap | None:
    """The built-in map called ``name`` (any case), or None."""
    return DRUM_MAPS.get(name.strip().casefold())


def _note(value: object, where: str, *, names: bool) -> int:
    """A note number from a JSON key or value: 0..127 as a number or a digit string, or
    (``names``: the key side) a GM drum name."""
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit() and text.isascii():
            value = int(text)
        elif names:
            folded = "".join(ch for ch in text.casefold() if ch.isalnum())
            if folded in _NAME_KEYS:
                return _NAME_KEYS[folded]
            raise UsageError(
                f"{where}: {value!r} is neither a note number 0..127 nor a GM drum name "
                '(such as "Acoustic Snare")'
            )
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 127:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise UsageError(f"{where}: {shown} is not a note number 0..127")
    return value


def parse_drum_map(data: object, *, origin: str = "drum map") -> DrumMap:
    """Check a decoded ``{gm_note: target_note}`` object (see the module) and name it by its
    ``"name"`` entry, else ``origin`` (a file name); ``UsageError`` names what is wrong."""
    if not isinstance(data, dict):
        raise UsageError(
            f"{origin}: a drum map is a JSON object of {{gm_note: target_note}}, "
            f'such as {{"38": 40}}, not a {type(data).__name__}'
        )
    notes: dict[int, int] = {}
    name = origin
    for raw_key, raw_value in data.items():
        if raw_key in _TEXT_ENTRIES and isinstance(raw_value, str):
            if raw_key == "name" and raw_value.strip():
                name = " ".join(raw_value.split())[:60]
            continue
        key = _note(raw_key, f"{origin}: key {str(raw_key)[:40]!r}", names=True)
        target = _note(raw_value, f"{origin}: the value of {str(raw_key)[:40]!r}", names=False)
        if key in notes:
            raise UsageError(f"{origin}: note {key} ({drum_name(key)}) is mapped twice")
        notes[key] = target
    return DrumMap(name, notes)


def resolve_drum_map(value: DrumMap | Mapping[int, int] | str) -> DrumMap:
    """``convert``'s ``drum_map``: a ``DrumMap``, a plain ``{gm_note: note}`` mapping
    (named "custom"), or a built-in map's name."""
    if isinstance(value, DrumMap):
        return value
    if isinstance(value, str):
        found = builtin_drum_map(value)
        if found is None:
            known = ", ".join(sorted(DRUM_MAPS))
            raise UsageError(f"unknown drum map {value!r} (built in: {known}; or a JSON file)")
        return found
    if isinstance(value, Mapping):
        return DrumMap("custom", dict(value))
    raise UsageError(f"drum_map must be a map name or a mapping, not {type(value).__name__}")
