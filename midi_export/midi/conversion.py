"""A converted record: the MIDI file in memory (``Conversion``), its tracks and its report."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import smf
from .report import ConversionReport
from .tempo_map import TempoMap

if TYPE_CHECKING:
    import mido

__all__ = ["Conversion"]


class Conversion:
    """A converted record: the MIDI file in memory and its report.

    Each track is encoded once, separately, so the whole file (``to_bytes``) and one file
    per instrument (``stem_bytes``) cost only a join. ``midi`` gives the file as a
    ``mido.MidiFile``.
    """

    __slots__ = ("_conductor", "_midi", "_tracks", "report", "tempo_map")

    def __init__(
        self,
        report: ConversionReport,
        tempo_map: TempoMap,
        conductor: bytes,
        tracks: Sequence[bytes],
    ) -> None:
        self.report = report
        self.tempo_map = tempo_map
        self._conductor = conductor
        self._tracks = tuple(tracks)
        self._midi: Any = None

    @property
    def track_count(self) -> int:
        """How many tracks the file has, the conductor included."""
        return 1 + len(self._tracks)

    def to_bytes(self) -> bytes:
        """The whole Standard MIDI File (type 1)."""
        return smf.file_bytes(self.tempo_map.ppq, (self._conductor, *self._tracks))

    def stem_bytes(self, track: int) -> bytes:
        """A file with the conductor track and only track ``track`` (1 = the first instrument).

        ``track`` is ``InstrumentReport.track``; the track keeps its channel and program.
        """
        if isinstance(track, bool) or not isinstance(track, int):
            raise TypeError(f"track must be an int, not {type(track).__name__}")
        if not 1 <= track <= len(self._tracks):
            raise IndexError(
                f"no instrument track {track}: the file has tracks 1..{len(self._tracks)}"
            )
        return smf.file_bytes(self.tempo_map.ppq, (self._conductor, self._tracks[track - 1]))

    @property
    def midi(self) -> mido.MidiFile:
        """The file as a ``mido.MidiFile`` (text read as UTF-8).

        Built lazily: the first access reads ``to_bytes()`` with mido (importing mido only
        then) and keeps the object; later accesses return the same object. Changing it does
        not change ``to_bytes()``.
        """
        if self._midi is None:
            import mido

            self._midi = mido.MidiFile(file=io.BytesIO(self.to_bytes()), charset="utf-8")
        return self._midi

    def __repr__(self) -> str:
        return (
            f"<Conversion task_id={self.report.task_id!r} tracks={self.track_count} "
            f"notes={self.report.notes_written}>"
        )
