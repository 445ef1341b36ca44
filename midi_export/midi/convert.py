"""Record -> Standard MIDI File in memory: ``convert()``, the pipeline from notes to bytes.

Pure: no network, no files, no printing. ``convert(record)`` gives a ``Conversion``: the
file's bytes (``to_bytes()``), the same file as a ``mido.MidiFile`` (``.midi``, built on
first use), one file per instrument (``stem_bytes(track)``) and a ``ConversionReport``.

The file (type 1):

- track 0, the conductor: track name (the task id, else "midi-export"), the tempo map's tempo
  and time signature events, end of track;
- then one track per instrument that has valid notes, in record order: track name (the
  instrument's original name, UTF-8), a program change at tick 0 (the drum kit too, program
  0), its notes, end of track.

The pipeline, each stage in a module of its own:

1. the tempo map (``tempo_choice``: a fixed tempo, the caller's map, or ``bpm="auto"``);
2. programs (``music.gm``) and channels (``channels``: the kit on channel 10);
3. per instrument: seconds -> ticks (``tempo_map``), every note at least one tick long and
   velocities ``round(v * 127)`` clamped to 1..127 (``notes``), ``quantize`` when asked
   for, the same-pitch rules (``notes``), then the events encoded (``smf``);
4. the report (``report``) and the conductor track.

The work is columnar, one instrument at a time: ticks for a whole column at once, one pass
in record order for the same-pitch rules (a sort first only when some pitch's notes come out
of start order), then ``smf`` builds the events' integer sort keys and encodes them, both
with C code rather than a Python loop per note. The same record and options always give the
same bytes. This module's top level imports only the standard library and the package
(mido only when ``.midi`` is used, numpy only with ``bpm="auto"``, ``quantize`` only when
quantizing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal, NamedTuple

from ..errors import InvalidRecordError
from ..music.gm import ProgramMatch, gm_program
from ..record import Instrument, Record
from . import smf
from .channels import allocate_channels
from .conversion import Conversion
from .note_keys import sorted_note_keys
from .notes import VelocityCache, last_at_least_one_tick, pitch_bytes, same_pitch_rules
from .report import ConversionReport, InstrumentReport
from .tempo_choice import choose_tempo
from .tempo_map import TempoChange, TempoMap

if TYPE_CHECKING:
    from .quantize import Grid, MoveStats, Quantizer

__all__ = ["CONDUCTOR_NAME", "convert"]

CONDUCTOR_NAME = "midi-export"
"""The conductor track's name when the record has no task id."""


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
    and the first downbeat from the notes (``music.tempo.estimate_tempo``) and writes a map
    whose beats and bar lines follow the music (with a lead-in before the first downbeat);
    when the estimate's confidence is below ``AUTO_MIN_CONFIDENCE`` the file gets
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
    grid, strength = _quantize_options(quantize, quantize_strength)
    record.raise_for_status()
    if strict:
        _check_strict(record)

    # 1. the tempo map
    tempo_map, tempo_report, warnings = choose_tempo(
        record, bpm, ppq, tempo_map, fallback_bpm, programs
    )
    quantizer: Quantizer | None = None
    if grid is not None:
        from .quantize import Quantizer

        quantizer = Quantizer.for_map(grid, tempo_map, strength)

    # 2. programs and channels
    instruments = record.instruments
    matches = [gm_program(ins.name, programs) for ins in instruments]
    written = [i for i, ins in enumerate(instruments) if len(ins)]
    channels, channel_warnings = allocate_channels(
        [matches[i] for i in written], [instruments[i].name for i in written]
    )
    channel_of = dict(zip(written, channels, strict=True))
    warnings += channel_warnings

    # 3. one track per instrument with notes
    velocities = VelocityCache()
    chunks: list[bytes] = []
    reports: list[InstrumentReport] = []
    last_tick = 0
    for index, (ins, match) in enumerate(zip(instruments, matches, strict=True)):
        channel = channel_of.get(index)
        track: _Track | None = None
        if channel is not None:
            try:
                track = _instrument_track(ins, match, channel, tempo_map, velocities, quantizer)
            except InvalidRecordError as exc:
                raise InvalidRecordError(
                    f"instrument {ins.name!r} (instruments[{index}]): {exc}",
                    where=f"instruments[{index}]",
                ) from exc
            chunks.append(track.chunk)
            last_tick = max(last_tick, track.last_tick)
        warnings += _instrument_warnings(ins, match, written=track is not None)
        reports.append(_instrument_report(ins, match, channel, len(chunks), track))

    # 4. the report and the conductor
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
        quantize=None if quantizer is None else quantizer.report(reports),
    )
    conductor = _conductor_track(record.task_id or CONDUCTOR_NAME, tempo_map)
    return Conversion(report, tempo_map, conductor, chunks)


class _Track(NamedTuple):
    """One instrument's encoded track and what its notes went through."""

    chunk: bytes
    last_tick: int
    cut: int
    merged: int
    moves: MoveStats | None


def _instrument_track(
    ins: Instrument,
    match: ProgramMatch,
    channel: int,
    tempo_map: TempoMap,
    velocities: VelocityCache,
    quantizer: Quantizer | None,
) -> _Track:
    """Stage 3 for one instrument: ticks, quantize, note rules, encoding."""
    pitches = pitch_bytes(ins.pitches)
    starts = tempo_map.to_ticks(ins.starts)
    ends = tempo_map.to_ticks(ins.ends)
    last_at_least_one_tick(starts, ends)
    moves = None
    if quantizer is not None:  # on ticks, before the same-pitch rules, so they still hold
        starts, ends, moves = quantizer.apply(starts, ends, tempo_map.tick_to_seconds)
    notes = same_pitch_rules(pitches, starts, ends, velocities.of(ins.velocities))
    events = sorted_note_keys(notes.pitches, notes.velocities, notes.starts, notes.ends)
    writer = smf.TrackWriter()
    writer.track_name(0, ins.name)
    writer.program_change(0, channel, match.program)
    writer.note_events(events, channel)
    cut, merged, last_tick = notes.cut, notes.merged, writer.tick
    del events, notes, starts, ends  # large records: free the columns before the chunk is joined
    return _Track(writer.end_of_track(), last_tick, cut, merged, moves)


def _instrument_warnings(ins: Instrument, match: ProgramMatch, *, written: bool) -> list[str]:
    """What the user should hear about one instrument: invalid notes, an unknown name."""
    warnings = []
    if ins.dropped:
        first = f" (first: {ins.problems[0]})" if ins.problems else ""
        warnings.append(f"{ins.name!r}: {ins.dropped} invalid note(s) left out{first}")
    if match.source == "fallback" and written:
        warnings.append(
            f"{ins.name!r} is not a General MIDI name: written as program 0 ({match.gm_name})"
        )
    return warnings


def _instrument_report(
    ins: Instrument, match: ProgramMatch, channel: int | None, tracks: int, track: _Track | None
) -> InstrumentReport:
    moves = None if track is None else track.moves
    return InstrumentReport(
        name=ins.name,
        program=match.program,
        program_name=match.gm_name,
        source=match.source,
        is_drum=match.is_drum,
        channel=None if channel is None else channel + 1,
        track=tracks if track is not None else None,
        notes_written=len(ins) - track.merged if track is not None else 0,
        notes_dropped=ins.dropped,
        velocities_clamped=ins.clamped,
        cut=0 if track is None else track.cut,
        merged=0 if track is None else track.merged,
        problems=ins.problems,
        written=track is not None,
        notes_moved=moves.moved if moves else 0,
        max_move_ticks=moves.max_ticks if moves else 0,
        max_move_ms=moves.max_ms if moves else 0.0,
    )


def _quantize_options(
    quantize: str | Grid | None, strength: float
) -> tuple[Grid | None, float]:
    """The grid and strength asked for, checked; the quantize module (and fractions) is
    imported only when they are given, for the start-up of small records."""
    if quantize is None and strength == 1.0:
        return None, strength
    from .quantize import check_strength, parse_grid

    return (None if quantize is None else parse_grid(quantize)), check_strength(strength)


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
