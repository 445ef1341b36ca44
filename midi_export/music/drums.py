"""The General MIDI percussion kit: which key numbers (channel 10) belong to which piece.

Two tables for two purposes, both over GM Level 1's percussion map (keys 35-81):

- **the tempo estimator's groups** (``KICKS``, ``SNARES``, ``HATS``, ``CRASHES``, ``TOMS``):
  what keeps time. Kicks and snares mark the beat, crashes the bar, and a ride keeps time
  the way a hi-hat does, so the rides count as ``HATS`` and the hand clap as a snare;
- **a producer's pieces** (``PIECE_GROUPS``, ``piece_of``): how drum libraries and producers
  split a kit into tracks, for ``--split-drums``. Here a ride is a cymbal and the hand clap
  (its own sample in every library) is percussion::

      kick        35 36
      snare       37 38 40                  side stick, acoustic, electric
      hihat       42 44 46                  closed, pedal, open
      toms        41 43 45 47 48 50
      cymbals     49 51 52 53 55 57 59      crashes, rides, ride bell, china, splash
      percussion  39 54 56 58 60-81, and every key outside 35-81 (GM2's 27-34, 82-87)

Kicks and toms are the same keys in both tables (a test holds them together).
``GM_DRUM_NAMES`` are the 47 names of GM 1's key map, as pretty_midi's ``DRUM_MAP`` spells
them (a test compares them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = [
    "CRASHES",
    "GM_DRUM_NAMES",
    "HATS",
    "KICKS",
    "PIECE_GROUPS",
    "PIECE_KEYS",
    "PIECE_LABELS",
    "SNARES",
    "TOMS",
    "drum_name",
    "piece_of",
]

# ------------------------------------------------------------------ the tempo estimator's

KICKS = frozenset((35, 36))  # acoustic bass drum, bass drum 1
SNARES = frozenset((37, 38, 39, 40))  # side stick, acoustic snare, hand clap, electric snare
CRASHES = frozenset((49, 52, 55, 57))  # crash 1, chinese, splash, crash 2
HATS = frozenset((42, 44, 46, 51, 53, 59))  # closed, pedal, open hi-hat; ride 1, bell, ride 2
TOMS = frozenset((41, 43, 45, 47, 48, 50))  # low floor ... high tom

# ------------------------------------------------------------------ a producer's pieces

PIECE_GROUPS: Final[tuple[str, ...]] = ("kick", "snare", "hihat", "toms", "cymbals",
                                        "percussion")
"""The piece groups, in the order ``--split-drums`` writes their tracks."""

PIECE_LABELS: Final[Mapping[str, str]] = {
    "kick": "Kick",
    "snare": "Snare",
    "hihat": "Hi-Hat",
    "toms": "Toms",
    "cymbals": "Cymbals",
    "percussion": "Percussion",
}
"""Each piece group's track name."""

PIECE_KEYS: Final[Mapping[str, frozenset[int]]] = {
    "kick": KICKS,
    "snare": frozenset((37, 38, 40)),
    "hihat": frozenset((42, 44, 46)),
    "toms": TOMS,
    "cymbals": frozenset((49, 51, 52, 53, 55, 57, 59)),
}
"""The GM keys of each piece group but the last: every other key is ``percussion``."""

_PIECE_OF: Final[tuple[str, ...]] = tuple(
    next((group for group, keys in PIECE_KEYS.items() if key in keys), "percussion")
    for key in range(128)
)


def piece_of(key: int) -> str:
    """The piece group of a GM percussion key (any 0..127; keys outside 35-81 are
    ``percussion``). Raises ``ValueError`` for anything else."""
    if isinstance(key, bool) or not isinstance(key, int) or not 0 <= key <= 127:
        raise ValueError(f"a drum key must be a whole number 0..127, not {key!r}")
    return _PIECE_OF[key]


# fmt: off
GM_DRUM_NAMES: Final[Mapping[int, str]] = {
    35: "Acoustic Bass Drum", 36: "Bass Drum 1", 37: "Side Stick", 38: "Acoustic Snare",
    39: "Hand Clap", 40: "Electric Snare", 41: "Low Floor Tom", 42: "Closed Hi Hat",
    43: "High Floor Tom", 44: "Pedal Hi Hat", 45: "Low Tom", 46: "Open Hi Hat",
    47: "Low-Mid Tom", 48: "Hi-Mid Tom", 49: "Crash Cymbal 1", 50: "High Tom",
    51: "Ride Cymbal 1", 52: "Chinese Cymbal", 53: "Ride Bell", 54: "Tambourine",
    55: "Splash Cymbal", 56: "Cowbell", 57: "Crash Cymbal 2", 58: "Vibraslap",
    59: "Ride Cymbal 2", 60: "Hi Bongo", 61: "Low Bongo", 62: "Mute Hi Conga",
    63: "Open Hi Conga", 64: "Low Conga", 65: "High Timbale", 66: "Low Timbale",
    67: "High Agogo", 68: "Low Agogo", 69: "Cabasa", 70: "Maracas", 71: "Short Whistle",
    72: "Long Whistle", 73: "Short Guiro", 74: "Long Guiro", 75: "Claves",
    76: "Hi Wood Block", 77: "Low Wood Block", 78: "Mute Cuica", 79: "Open Cuica",
    80: "Mute Triangle", 81: "Open Triangle",
}
# fmt: on
"""GM 1's percussion key map (keys 35-81)."""


def drum_name(key: int) -> str:
    """The GM name of a percussion key ("Acoustic Snare"), else "drum key N"."""
    return GM_DRUM_NAMES.get(key, f"drum key {key}")
