"""Track 0, the conductor: the file's name, its tempo map's events and the key signature.

The events at tick 0 come first in a fixed order (track name, tempo, time signature, then the
key signature when a key is written), then the tempo map's later events. The key signature
is also repeated by ``convert`` at tick 0 of every melodic track: MuseScore reads a key only
from the tracks of notes (``tests/importers``), DAWs from the conductor. This module imports
only the standard library and ``smf``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import smf
from .tempo_map import TempoChange, TempoMap

if TYPE_CHECKING:
    from ..music.key import KeyEstimate

__all__ = ["conductor_track"]


def conductor_track(name: str, tempo_map: TempoMap, key: KeyEstimate | None = None) -> bytes:
    """The conductor track's chunk: the name, the tempo map's events, and the key signature
    (after the other events at tick 0) when ``key`` is given."""
    track = smf.TrackWriter()
    track.track_name(0, name)
    pending = key
    for event in tempo_map.conductor_events():
        if pending is not None and event.tick > 0:
            track.key_signature(0, pending.sharps, pending.mode == "minor")
            pending = None
        if isinstance(event, TempoChange):
            track.tempo(event.tick, event.tempo_us)
        else:
            track.time_signature(event.tick, event.numerator, event.denominator)
    if pending is not None:
        track.key_signature(0, pending.sharps, pending.mode == "minor")
    return track.end_of_track()
