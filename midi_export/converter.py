"""Record -> Standard MIDI File in memory (pure: no network, no files, no printing).

``convert(record)`` gives a ``Conversion``: the file's bytes (``to_bytes()``), the same file as
a ``mido.MidiFile`` (``.midi``, built on first use), one file per instrument
(``stem_bytes(track)``) and a ``ConversionReport`` of what was written and why.

The file (type 1):

- track 0, the conductor: track name (the task id, else "midi-export"), the tempo map's tempo
  and time signature events, end of track;
- then one track per instrument that has valid notes, in record order: track name (the
  instrument's original name, UTF-8), a program change at tick 0 (the drum kit too, program
  0), its notes, end of track.

Notes: ticks come from each note's absolute time (see ``timing``); every note lasts at least
one tick; velocity is ``round(v * 127)`` clamped to 1..127; note-offs are written as note_on
with velocity 0 and come before note-ons at the same tick. Within a track, same-pitch notes
(compared in ticks, after rounding, in order of start tick, then original order) never
overlap: a note that starts while the previous one of its pitch still sounds cuts that one
at its onset, and notes of one pitch starting on the same tick merge into one (the longer
end, the louder velocity). The report counts both.

Channels: the drum kit on channel 10 (index 9) and nothing else there; see
``allocate_channels`` for the melodic instruments.

Tempo: a constant ``bpm`` (4/4), a caller's ``tempo_map``, or ``bpm="auto"``: the tempo and
first downbeat estimated from the notes (``tempo``), written as a map whose beats and bar
lines follow the music, with a lead-in segment before the first downbeat; below
``AUTO_MIN_CONFIDENCE`` the fallback tempo, with a warning. Whatever the map, every event's
tick comes from its absolute time through it, so the notes keep their times in seconds.

Quantize (off by default): note ticks move onto a grid of the written map (``quantize``)
before the same-pitch rules, so those hold after it; the report counts the moves.

The work is columnar, one instrument at a time: ticks for a whole column at once, one pass
in record order for the same-pitch rules (a sort first only when some pitch's notes come out
of start order), then ``smf`` builds the events' integer sort keys and encodes them, both
with C code rather than a Python loop per note. The same record and options always give the
same bytes. This module's top level imports
only the standard library and the package (mido only when ``.midi`` is used, numpy only
with ``bpm="auto"``).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import compress, count
from operator import gt, le
from typing import TYPE_CHECKING, Any, Literal

from . import smf
from .errors import InvalidRecordError, UsageError
from .gm import ProgramMatch, gm_program
from .records import Instrument, Record
from .timing import TempoChange, TempoMap, tempo_from_bpm

if TYPE_CHECKING:
    from fractions import Fraction

    import mido

    from .quantize import Grid, MoveStats

__all__ = [
    "AUTO_MIN_CONFIDENCE",
    "DRUM_CHANNEL",
    "MELODIC_CHANNELS",
    "Conversion",
    "ConversionReport",
    "InstrumentReport",
    "QuantizeReport",
    "TempoReport",
    "allocate_channels",
    "convert",
    "midi_velocity",
]

DRUM_CHANNEL = 9
"""The channel index of the General MIDI drum kit (channel 10 as DAWs show it)."""

MELODIC_CHANNELS: tuple[int, ...] = tuple(c for c in range(16) if c != DRUM_CHANNEL)
"""The 15 channel indexes melodic instruments use, in the order they are handed out."""

CONDUCTOR_NAME = "midi-export"
"""The conductor track's name when the record has no task id."""

AUTO_MIN_CONFIDENCE = 0.4
"""With ``bpm="auto"``, the least ``TempoEstimate.confidence`` whose tempo map is written.

Below it the file gets the fallback tempo and the report a warning. The confidence is how
much better than chance the onsets sit on the estimate's 16th (or triplet) grid: random
onsets score about 0 and, on short clips of a few dozen notes, up to about 0.38; every song
of the evaluation set whose tempo was found (within 2 %) scored 0.46 or more.
"""


@dataclass(frozen=True)
class InstrumentReport:
    """What happened to one instrument of the record.

    ``channel`` is 1..16 as DAWs show it (drums 10) and ``track`` the track's index in the
    file; both are None when the instrument was not written (it had no valid notes).
    ``notes_dropped`` and ``velocities_clamped`` come from reading the record, ``cut`` and
    ``merged`` from the same-pitch rules; ``problems`` are the first reasons notes were
    dropped.
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
    events as written.
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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields."""
        return {
            "mode": self.mode,
            "bpm": self.bpm,
            "first_downbeat": self.first_downbeat,
            "confidence": self.confidence,
            "source": self.source,
            "fell_back": self.fell_back,
            "estimated_bpm": self.estimated_bpm,
            "min_confidence": self.min_confidence,
            "tempos": [list(t) for t in self.tempos],
            "time_signatures": [list(t) for t in self.time_signatures],
        }


@dataclass(frozen=True)
class QuantizeReport:
    """What quantizing did: the grid, its step in ticks, the tick it is counted from, the
    strength, and over all instruments the notes moved (start or end) and the largest move
    of an onset, in ticks and milliseconds."""

    grid: str
    strength: float
    step_ticks: float
    origin_tick: int
    notes_moved: int
    max_move_ticks: int
    max_move_ms: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields."""
        return {
            "grid": self.grid,
            "strength": self.strength,
            "step_ticks": self.step_ticks,
            "origin_tick": self.origin_tick,
            "notes_moved": self.notes_moved,
            "max_move_ticks": self.max_move_ticks,
            "max_move_ms": self.max_move_ms,
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
    ``quantize`` what quantizing did (None when it was off).
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
            "instruments": [ins.to_dict() for ins in self.instruments],
            "warnings": list(self.warnings),
        }


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


def midi_velocity(velocity: float) -> int:
    """MIDI velocity of a 0..1 velocity: ``round(v * 127)`` clamped to 1..127.

    Never 0, which a note_on would turn into a note-off. Raises ``InvalidRecordError`` for a
    value that is not a finite number.
    """
    try:
        value = round(velocity * 127)
    except (ValueError, OverflowError, TypeError) as exc:
        raise InvalidRecordError(f"velocity {velocity!r} is not a finite number") from exc
    return 1 if value < 1 else 127 if value > 127 else value


class _VelocityCache(dict[float, int]):
    """0..1 velocity -> MIDI velocity, computed once per distinct value (they are k/127)."""

    def __missing__(self, velocity: float) -> int:
        value = midi_velocity(velocity)
        self[velocity] = value
        return value


def allocate_channels(
    matches: Sequence[ProgramMatch], names: Sequence[str] | None = None
) -> tuple[list[int], list[str]]:
    """A channel index (0..15) for each instrument, and warnings.

    - the drum kit gets channel index 9, and nothing else does;
    - with at most 15 melodic instruments each gets a channel of its own, in order
      (0..8, then 10..15);
    - with more, instruments that share a program share a channel (programs in order of
      first appearance), so up to 15 distinct programs still get a channel each;
    - only when distinct programs outnumber the 15 channels are channels reused (program
      groups take the channels round-robin), with a warning per reused channel naming the
      instruments on it (``names``, else "instrument N" by position).
    """
    if names is None:
        names = [f"instrument {i + 1}" for i in range(len(matches))]
    labels = list(names)
    if len(labels) != len(matches):
        raise ValueError("names and matches must have the same length")
    channels = [DRUM_CHANNEL] * len(matches)
    melodic = [i for i, match in enumerate(matches) if not match.is_drum]
    warnings: list[str] = []
    if len(melodic) <= len(MELODIC_CHANNELS):
        for slot, i in enumerate(melodic):
            channels[i] = MELODIC_CHANNELS[slot]
        return channels, warnings

    groups: dict[int, list[int]] = {}  # program -> instrument indexes, first appearance order
    for i in melodic:
        groups.setdefault(matches[i].program, []).append(i)
    on_channel: dict[int, list[int]] = {}
    for slot, members in enumerate(groups.values()):
        channel = MELODIC_CHANNELS[slot % len(MELODIC_CHANNELS)]
        for i in members:
            channels[i] = channel
        on_channel.setdefault(channel, []).extend(members)
    if len(groups) > len(MELODIC_CHANNELS):
        for channel, members in on_channel.items():
            programs = {matches[i].program for i in members}
            if len(programs) < 2:
                continue
            who = ", ".join(
                f"{labels[i]!r} (program {matches[i].program})" for i in sorted(members)
            )
            warnings.append(
                f"channel {channel + 1} is shared by {who}: {len(groups)} distinct programs "
                f"for {len(MELODIC_CHANNELS)} melodic channels, so a player may sound them "
                "all with one program"
            )
    return channels, warnings


@dataclass(frozen=True)
class _Quantizer:
    """The quantize settings of one conversion, resolved against its tempo map."""

    grid: Grid
    step: Fraction
    origin: int
    strength: float


def _note_events(
    ins: Instrument,
    tempo_map: TempoMap,
    velocities: _VelocityCache,
    quantizer: _Quantizer | None = None,
) -> tuple[Sequence[int], int, int, MoveStats | None]:
    """One instrument's note events as sorted ``smf.note_key`` ints, (cut, merged) and how
    far quantizing moved its notes (None when not quantizing)."""
    pitches = ins.pitches
    pitch_bytes = _pitch_bytes(pitches)
    starts = tempo_map.to_ticks(ins.starts)
    ends = tempo_map.to_ticks(ins.ends)
    _last_at_least_one_tick(starts, ends)
    moves = None
    if quantizer is not None:  # on ticks, before the same-pitch rules, so they still hold
        from .quantize import move_stats, quantize_ticks

        snapped = quantize_ticks(
            starts, ends, quantizer.step, origin=quantizer.origin, strength=quantizer.strength
        )
        moves = move_stats((starts, ends), snapped, tempo_map.tick_to_seconds)
        starts, ends = snapped
    vels = list(map(velocities.__getitem__, ins.velocities))
    outcome = _same_pitch_rules(pitches, starts, ends, vels)
    if outcome is None:  # some pitch's notes are not in start order: put them in it
        pitches, starts, ends, vels = _in_start_order(pitches, starts, ends, vels)
        pitch_bytes = bytes(pitches)
        outcome = _same_pitch_rules(pitches, starts, ends, vels)
        assert outcome is not None  # in start order, the rules always apply
    outcome.apply(ends, vels)
    vel_bytes = bytes(vels)
    merged = len(outcome.merged_away)
    if merged:  # leave the merged-away notes out
        keep = bytearray(b"\x01") * len(pitches)
        for i in outcome.merged_away:
            keep[i] = 0
        pitch_bytes = bytes(compress(pitch_bytes, keep))
        vel_bytes = bytes(compress(vel_bytes, keep))
        starts, ends = list(compress(starts, keep)), list(compress(ends, keep))
    events = smf.sorted_note_keys(pitch_bytes, vel_bytes, starts, ends)
    return events, outcome.cut, merged, moves


def _pitch_bytes(pitches: list[int]) -> bytes:
    """The pitches as bytes (for ``smf.sorted_note_keys``), which checks them on the way: a pitch
    outside 0..127 raises ``InvalidRecordError``."""
    try:
        data = bytes(pitches)
    except (ValueError, TypeError):  # below 0, above 255, or not a whole number
        pass
    else:
        if data.isascii():
            return data
    raise InvalidRecordError("a pitch is outside 0..127")


def _last_at_least_one_tick(starts: list[int], ends: list[int]) -> None:
    """Give every note that ends at or before its start tick an end one tick after it.

    In place; the scans are C code, the Python work only for the (few) notes it finds.
    """
    if all(map(gt, ends, starts)):
        return
    for i in compress(count(), map(le, ends, starts)):
        ends[i] = starts[i] + 1


_Columns = tuple[list[int], list[int], list[int], list[int]]


def _in_start_order(
    pitches: list[int], starts: list[int], ends: list[int], vels: list[int]
) -> _Columns:
    """The note columns sorted by start tick, then record order (a stable sort)."""
    order = sorted(range(len(starts)), key=starts.__getitem__)
    return (
        list(map(pitches.__getitem__, order)),
        list(map(starts.__getitem__, order)),
        list(map(ends.__getitem__, order)),
        list(map(vels.__getitem__, order)),
    )


class _Outcome:
    """What the same-pitch rules decided: new ends and velocities of the kept notes that
    were cut or took merged notes in, the notes merged away, and how many were cut.

    (A plain class: a dataclass would cost start-up time for nothing.)
    """

    __slots__ = ("cut", "ends", "merged_away", "vels")

    def __init__(self) -> None:
        self.ends: dict[int, int] = {}
        self.vels: dict[int, int] = {}
        self.merged_away: list[int] = []
        self.cut = 0

    def apply(self, ends: list[int], vels: list[int]) -> None:
        """Write the new ends and velocities into the columns (the merged-away notes stay:
        the caller drops their keys)."""
        for i, end in self.ends.items():
            ends[i] = end
        for i, vel in self.vels.items():
            vels[i] = vel


def _same_pitch_rules(
    pitches: Sequence[int], starts: Sequence[int], ends: Sequence[int], vels: Sequence[int]
) -> _Outcome | None:
    """Cut and merge same-pitch notes; None when some pitch's notes are out of start order.

    The rules take each pitch's notes by start tick, then record order. Records usually
    list each pitch's notes in that order already, so one pass in record order does: each
    note is compared with the note of its pitch kept so far. Starting at or after that
    note's end, it becomes the kept note (most notes: two list lookups); starting on that
    note's tick, it merges into it (the longer end, the louder velocity); starting between,
    it cuts that note at its onset; starting before it, the order is broken and the caller
    sorts the notes. Nothing is changed here, so that a broken order costs nothing to undo.
    """
    kept = [0] * 128  # per pitch: the index of the note kept so far
    until = [-1] * 128  # per pitch: the tick that note sounds until (-1: none yet)
    outcome = _Outcome()
    new_ends, new_vels, merged_away = outcome.ends, outcome.vels, outcome.merged_away
    for i, pitch, start, end in zip(count(), pitches, starts, ends):
        if start >= until[pitch]:
            kept[pitch] = i
            until[pitch] = end
            continue
        k = kept[pitch]
        if start > starts[k]:  # starts while the kept note sounds: cut that one here
            outcome.cut += 1
            new_ends[k] = start
            kept[pitch] = i
            until[pitch] = end
        elif start == starts[k]:  # the same pitch on the same tick: one note
            merged_away.append(i)
            if end > until[pitch]:
                until[pitch] = new_ends[k] = end
            if vels[i] > new_vels.get(k, vels[k]):
                new_vels[k] = vels[i]
        else:
            return None
    return outcome


def _conductor_track(name: str, tempo_map: TempoMap) -> bytes:
    track = smf.TrackWriter()
    track.track_name(0, name)
    for event in tempo_map.conductor_events():
        if isinstance(event, TempoChange):
            track.tempo(event.tick, event.tempo_us)
        else:
            track.time_signature(event.tick, event.numerator, event.denominator)
    return track.end_of_track()


def _check_strict(record: Record) -> None:
    for index, ins in enumerate(record.instruments):
        if ins.dropped:
            first = ins.problems[0] if ins.problems else "no reason recorded"
            raise InvalidRecordError(
                f"instrument {ins.name!r} (instruments[{index}]) has {ins.dropped} invalid "
                f"note(s); the first: {first}",
                where=f"instruments[{index}]",
            )


def convert(
    record: Record,
    *,
    bpm: float | Literal["auto"] = 120.0,
    ppq: int = 480,
    programs: Mapping[str, int | str] | None = None,
    strict: bool = False,
    tempo_map: TempoMap | None = None,
    quantize: str | Grid | None = None,
    quantize_strength: float = 1.0,
    fallback_bpm: float = 120.0,
) -> Conversion:
    """Convert a record to a General MIDI file in memory.

    ``bpm`` and ``ppq`` make a constant tempo map (4/4); ``tempo_map`` replaces them with a
    ready one (``bpm`` and ``ppq`` are then not used). ``bpm="auto"`` estimates the tempo
    and the first downbeat from the notes (``tempo.estimate_tempo``) and writes a map whose
    beats and bar lines follow the music (with a lead-in before the first downbeat); when
    the estimate's confidence is below ``AUTO_MIN_CONFIDENCE`` the file gets
    ``fallback_bpm`` instead, with a warning. Every note keeps its time in seconds whatever
    the map. ``programs`` maps instrument names to a program (0..127, a GM name or
    "drums"), ahead of the General MIDI lookup. ``strict`` raises ``InvalidRecordError``
    when any instrument had invalid notes.

    ``quantize`` (a grid such as ``"1/16"`` or ``"1/8t"``, see ``quantize.parse_grid``)
    moves note starts and ends ``quantize_strength`` (0..1) of the way onto that grid of the
    written tempo map; the same-pitch cut and merge rules apply after it.

    A pending, failed or empty record raises its typed error (``Record.raise_for_status``).
    Bad options raise ``UsageError``.
    """
    if not isinstance(record, Record):
        raise TypeError(f"convert() needs a Record (see parse_record), not {type(record).__name__}")
    grid: Grid | None = None
    strength = quantize_strength
    if quantize is not None or quantize_strength != 1.0:
        # the quantize module (and fractions) only when asked for: start-up of small records
        from .quantize import check_strength, parse_grid

        grid = None if quantize is None else parse_grid(quantize)
        strength = check_strength(quantize_strength)
    record.raise_for_status()
    if strict:
        _check_strict(record)
    tempo_map, tempo_report, tempo_warnings = _choose_tempo(
        record, bpm, ppq, tempo_map, fallback_bpm, programs
    )
    quantizer = None
    if grid is not None:
        from .quantize import grid_origin

        quantizer = _Quantizer(grid, grid.step(tempo_map.ppq), grid_origin(tempo_map), strength)

    instruments = record.instruments
    matches = [gm_program(ins.name, programs) for ins in instruments]
    written = [i for i, ins in enumerate(instruments) if len(ins)]
    channels, warnings = allocate_channels(
        [matches[i] for i in written], [instruments[i].name for i in written]
    )
    channel_of = dict(zip(written, channels, strict=True))
    warnings[:0] = tempo_warnings

    velocities = _VelocityCache()
    chunks: list[bytes] = []
    reports: list[InstrumentReport] = []
    last_tick = 0
    for index, (ins, match) in enumerate(zip(instruments, matches, strict=True)):
        channel = channel_of.get(index)
        cut = merged = 0
        moves: MoveStats | None = None
        if channel is not None:
            try:
                events, cut, merged, moves = _note_events(ins, tempo_map, velocities, quantizer)
                track = smf.TrackWriter()
                track.track_name(0, ins.name)
                track.program_change(0, channel, match.program)
                track.note_events(events, channel)
                last_tick = max(last_tick, track.tick)
                del events
                chunks.append(track.end_of_track())
            except InvalidRecordError as exc:
                raise InvalidRecordError(
                    f"instrument {ins.name!r} (instruments[{index}]): {exc}",
                    where=f"instruments[{index}]",
                ) from exc
        if ins.dropped:
            first = f" (first: {ins.problems[0]})" if ins.problems else ""
            warnings.append(f"{ins.name!r}: {ins.dropped} invalid note(s) left out{first}")
        if match.source == "fallback" and channel is not None:
            warnings.append(
                f"{ins.name!r} is not a General MIDI name: written as program 0 "
                f"({match.gm_name})"
            )
        reports.append(
            InstrumentReport(
                name=ins.name,
                program=match.program,
                program_name=match.gm_name,
                source=match.source,
                is_drum=match.is_drum,
                channel=None if channel is None else channel + 1,
                track=len(chunks) if channel is not None else None,
                notes_written=len(ins) - merged if channel is not None else 0,
                notes_dropped=ins.dropped,
                velocities_clamped=ins.clamped,
                cut=cut,
                merged=merged,
                problems=ins.problems,
                written=channel is not None,
                notes_moved=moves.moved if moves else 0,
                max_move_ticks=moves.max_ticks if moves else 0,
                max_move_ms=moves.max_ms if moves else 0.0,
            )
        )

    report = ConversionReport(
        task_id=record.task_id,
        bpm=60e6 / tempo_map.main_tempo_us,
        ppq=tempo_map.ppq,
        tempo_us=tempo_map.main_tempo_us,
        duration_seconds=tempo_map.tick_to_seconds(last_tick),
        notes_written=sum(r.notes_written for r in reports),
        instruments=tuple(reports),
        warnings=tuple(warnings),
        tempo=tempo_report,
        quantize=None if quantizer is None else _quantize_report(quantizer, reports),
    )
    conductor = _conductor_track(record.task_id or CONDUCTOR_NAME, tempo_map)
    return Conversion(report, tempo_map, conductor, chunks)


def _choose_tempo(
    record: Record,
    bpm: float | str,
    ppq: int,
    tempo_map: TempoMap | None,
    fallback_bpm: float,
    programs: Mapping[str, int | str] | None,
) -> tuple[TempoMap, TempoReport, list[str]]:
    """The tempo map to write, how it was chosen, and warnings (``bpm="auto"`` falling back).

    Only ``bpm="auto"`` imports ``tempo`` (and numpy with it).
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
    from .tempo import estimate_tempo

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


def _quantize_report(quantizer: _Quantizer, reports: Sequence[InstrumentReport]) -> QuantizeReport:
    return QuantizeReport(
        grid=quantizer.grid.name,
        strength=quantizer.strength,
        step_ticks=float(quantizer.step),
        origin_tick=quantizer.origin,
        notes_moved=sum(r.notes_moved for r in reports),
        max_move_ticks=max((r.max_move_ticks for r in reports), default=0),
        max_move_ms=max((r.max_move_ms for r in reports), default=0.0),
    )
