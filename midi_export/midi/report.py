"""What a conversion wrote and why: the report types (``ConversionReport`` and its parts).

Plain frozen dataclasses with a ``to_dict()`` each, which is what ``fetch-mid --json``
prints; nothing here computes anything. The optional stages' reports (quantize, clean, drums,
key) live in ``option_reports``, imported on first use, and are exported here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ..music.estimates import TempoCandidate
    from .option_reports import CleanReport, DrumsReport, KeyReport, QuantizeReport

_OPTION_REPORTS = frozenset({"CleanReport", "DrumsReport", "KeyReport", "QuantizeReport"})

__all__ = [
    "CleanReport",
    "ConversionReport",
    "DrumsReport",
    "InstrumentReport",
    "KeyReport",
    "MetreReport",
    "QuantizeReport",
    "TempoReport",
]


@dataclass(frozen=True)
class InstrumentReport:
    """What happened to one instrument of the record.

    ``channel`` is 1..16 as DAWs show it (drums 10) and ``track`` the track's index in the
    file; both are None when the instrument was not written (it had no valid notes).
    ``notes_dropped`` and ``velocities_clamped`` come from reading the record, ``cut`` and
    ``merged`` from the same-pitch rules; ``problems`` are the first reasons notes were
    dropped.

    On a channel shared with other tracks (more than 15 melodic instruments),
    ``shared_with`` lists their track numbers, ``port`` is the track's MIDI port (None when
    the file has no port events), and the cross-track same-pitch rules counted
    ``shared_cut`` notes ended just before another track's onset, ``shared_aligned`` notes
    lengthened to end with another track's note of the same onset and ``shared_moved``
    onsets moved one tick earlier onto another track's (notes it merged are in ``merged``).

    The clean-up rules (``--clean``...) count ``gaps_merged`` (notes joined into the
    previous one of their pitch), ``too_short`` and ``too_quiet`` (notes dropped). A piece of
    a split drum kit names its ``kit`` (the record's instrument) and ``piece`` ("kick",
    "snare", "hihat", "toms", "cymbals", "percussion"); ``drum_notes_remapped`` counts the
    notes a drum map moved to another key.
    """

    name: str
    program: int
    program_name: str
    source: str
    is_drum: bool
    channel: int | None
    track: int | None
    notes_written: int
    notes_dropped: int
    velocities_clamped: int
    cut: int
    merged: int
    problems: tuple[str, ...]
    written: bool
    notes_moved: int = 0
    max_move_ticks: int = 0
    max_move_ms: float = 0.0
    port: int | None = None
    shared_with: tuple[int, ...] = ()
    shared_cut: int = 0
    shared_aligned: int = 0
    shared_moved: int = 0
    gaps_merged: int = 0
    too_short: int = 0
    too_quiet: int = 0
    drum_notes_remapped: int = 0
    kit: str | None = None
    piece: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields."""
        return {
            "name": self.name,
            "program": self.program,
            "program_name": self.program_name,
            "source": self.source,
            "is_drum": self.is_drum,
            "channel": self.channel,
            "track": self.track,
            "notes_written": self.notes_written,
            "notes_dropped": self.notes_dropped,
            "velocities_clamped": self.velocities_clamped,
            "cut": self.cut,
            "merged": self.merged,
            "problems": list(self.problems),
            "written": self.written,
            "notes_moved": self.notes_moved,
            "max_move_ticks": self.max_move_ticks,
            "max_move_ms": self.max_move_ms,
            "port": self.port,
            "shared_with": list(self.shared_with),
            "shared_cut": self.shared_cut,
            "shared_aligned": self.shared_aligned,
            "shared_moved": self.shared_moved,
            "gaps_merged": self.gaps_merged,
            "too_short": self.too_short,
            "too_quiet": self.too_quiet,
            "drum_notes_remapped": self.drum_notes_remapped,
            "kit": self.kit,
            "piece": self.piece,
        }


@dataclass(frozen=True)
class TempoReport:
    """How the file's tempo map was chosen.

    ``mode`` is ``"fixed"`` (the ``bpm`` or ``tempo_map`` given) or ``"auto"`` (estimated
    from the notes). ``bpm`` is the music's tempo as written in the file (the tempo from the
    last tempo change on, so after a lead-in). With ``"auto"``: ``estimated_bpm``,
    ``first_downbeat`` (seconds), ``confidence`` (0..1) and ``source`` (which part of the
    music decided: ``"drums"``, ``"bass"``, ``"all"``, ``"none"``) come from the estimate;
    ``fell_back`` is True when the confidence was below ``min_confidence`` and the file got
    the fallback tempo instead. ``tempos`` and ``time_signatures`` are the conductor track's
    events as written. Also with ``"auto"``: ``rounding`` (``"whole"``, ``"one decimal"``,
    ``"none"``; None when it fell back) and ``round_drift_ms``, how far the rounded tempo
    moves the song's farthest beat against the estimate; ``lead_in`` (``"pickup"`` or
    ``"shift"``), ``delay_seconds`` (what ``"shift"`` delayed every note by, else 0.0) and
    ``downbeat_tick`` (the first downbeat's tick in the file, 0 without a lead-in);
    ``pulse_bpm``, the felt beat per minute (``bpm`` in quarter notes, as every MIDI file
    stores it; a compound metre's pulse is the dotted quarter, ``bpm / 1.5``) and
    ``candidates``, the readings the estimator weighed, best first (``TempoCandidate``:
    tempo, metre, probability and the features that decided it).
    """

    mode: Literal["fixed", "auto"]
    bpm: float
    first_downbeat: float
    fell_back: bool
    tempos: tuple[tuple[int, int], ...]
    time_signatures: tuple[tuple[int, int, int], ...]
    estimated_bpm: float | None = None
    confidence: float | None = None
    source: str | None = None
    min_confidence: float | None = None
    lead_in: str | None = None
    delay_seconds: float = 0.0
    downbeat_tick: int = 0
    rounding: str | None = None
    round_drift_ms: float | None = None
    pulse_bpm: float | None = None
    candidates: tuple[TempoCandidate, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields."""
        return {
            "mode": self.mode,
            "bpm": self.bpm,
            "pulse_bpm": self.pulse_bpm,
            "first_downbeat": self.first_downbeat,
            "confidence": self.confidence,
            "source": self.source,
            "fell_back": self.fell_back,
            "estimated_bpm": self.estimated_bpm,
            "min_confidence": self.min_confidence,
            "rounding": self.rounding,
            "round_drift_ms": self.round_drift_ms,
            "lead_in": self.lead_in,
            "delay_seconds": self.delay_seconds,
            "downbeat_tick": self.downbeat_tick,
            "tempos": [list(t) for t in self.tempos],
            "time_signatures": [list(t) for t in self.time_signatures],
            "candidates": [c.to_dict() for c in self.candidates],
        }


@dataclass(frozen=True)
class MetreReport:
    """The metre the file is written in, and how it was chosen.

    ``mode`` is ``"fixed"`` (given, or 4/4 by default with a fixed tempo) or ``"auto"``
    (estimated with ``bpm="auto"``). ``time_signature`` is the music's, as written from the
    first downbeat on (``"6/8"``), with its ``numerator`` and ``denominator``,
    ``beats_per_bar`` (felt beats: 2 in 6/8) and ``division`` (``"simple"``, ``"compound"``).
    With ``"auto"``: ``estimated`` (the best reading), its ``confidence`` (0..1), the
    ``runner_up`` metre and its confidence; ``fell_back`` is True when the best reading
    was another metre but 4/4 was not ruled out (the confidence that the song is not in 4/4
    below ``min_confidence``) and 4/4 was written instead, or when the tempo itself fell
    back.
    """

    mode: Literal["fixed", "auto"]
    time_signature: str
    numerator: int
    denominator: int
    beats_per_bar: int | None = None
    division: str | None = None
    confidence: float | None = None
    estimated: str | None = None
    runner_up: str | None = None
    runner_up_confidence: float | None = None
    fell_back: bool = False
    min_confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields."""
        return {
            "mode": self.mode,
            "time_signature": self.time_signature,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "beats_per_bar": self.beats_per_bar,
            "division": self.division,
            "confidence": self.confidence,
            "estimated": self.estimated,
            "runner_up": self.runner_up,
            "runner_up_confidence": self.runner_up_confidence,
            "fell_back": self.fell_back,
            "min_confidence": self.min_confidence,
        }


@dataclass(frozen=True)
class ConversionReport:
    """What a conversion wrote.

    ``bpm`` is the music's tempo as written in the file (``60e6 / tempo_us``, which can
    differ from the BPM asked for in the last decimals): the tempo from the last tempo change
    on, so after an ``auto`` lead-in it is the song's tempo, not the lead-in's (every tempo
    event is in ``tempo.tempos``); ``duration_seconds`` is the time of the latest note
    end in the file; ``instruments`` lists every instrument of the record in record order,
    the skipped ones too (``written=False``). ``tempo`` says how the tempo map was chosen;
    ``quantize`` what quantizing did (None when it was off), ``clean`` what the clean-up
    rules did and ``drums`` what was done to the kit (each None when off); ``metre`` the
    metre written and how it was chosen; ``key`` the key signature (None when no key was
    asked for).
    """

    task_id: str | None
    bpm: float
    ppq: int
    tempo_us: int
    duration_seconds: float
    notes_written: int
    instruments: tuple[InstrumentReport, ...]
    warnings: tuple[str, ...]
    tempo: TempoReport
    quantize: QuantizeReport | None = None
    clean: CleanReport | None = None
    drums: DrumsReport | None = None
    metre: MetreReport | None = None
    key: KeyReport | None = None

    @property
    def tracks(self) -> int:
        """How many tracks the file has, the conductor included."""
        return 1 + sum(1 for ins in self.instruments if ins.written)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields (what ``fetch-mid --json`` prints)."""
        return {
            "task_id": self.task_id,
            "bpm": self.bpm,
            "ppq": self.ppq,
            "tempo_us": self.tempo_us,
            "duration_seconds": self.duration_seconds,
            "notes_written": self.notes_written,
            "tracks": self.tracks,
            "tempo": self.tempo.to_dict(),
            "quantize": None if self.quantize is None else self.quantize.to_dict(),
            "clean": None if self.clean is None else self.clean.to_dict(),
            "drums": None if self.drums is None else self.drums.to_dict(),
            "metre": None if self.metre is None else self.metre.to_dict(),
            "key": None if self.key is None else self.key.to_dict(),
            "instruments": [ins.to_dict() for ins in self.instruments],
            "warnings": list(self.warnings),
        }


def __getattr__(name: str) -> Any:
    if name in _OPTION_REPORTS:
        from . import option_reports

        return getattr(option_reports, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
