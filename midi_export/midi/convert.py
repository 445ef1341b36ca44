"""Record -> Standard MIDI File in memory: ``convert()``, the pipeline from notes to bytes.

Pure: no network, no files, no printing. ``convert(record)`` gives a ``Conversion``: the
file's bytes (``to_bytes()``), the same file as a ``mido.MidiFile`` (``.midi``, built on
first use), one file per instrument (``stem_bytes(track)``) and a ``ConversionReport``.

The file (type 1):

- track 0, the conductor (``conductor``): track name (the task id, else "midi-export"), the
  tempo map's tempo and time signature events, a key signature when one is written;
- then one track per instrument that has valid notes, in record order: track name (the
  instrument's original name, UTF-8), the key signature again (melodic tracks), a program
  change at tick 0 (the drum kit too, program 0), its notes, end of track.

The pipeline, each stage in a module of its own:

1. the tempo map (``tempo_choice``: a fixed tempo, the caller's map, or ``bpm="auto"`` with
   its metre and lead-in, ``pickup``) and the key (``key_choice``);
2. programs (``music.gm``) and channels (``channels``: the kit on channel 10, a channel of
   its own for each of up to 15 other instruments);
3. per instrument: seconds -> ticks (``tempo_map``; after the delay of ``lead_in="shift"``),
   every note at least one tick long and velocities ``round(v * 127)`` clamped to 1..127
   (``notes``), ``quantize`` when asked for, the same-pitch rules (``notes``), then the
   events encoded (``smf``); the clean-up rules (``clean``), when asked for, right before
   quantizing. Only when more than 15 melodic instruments share channels, the notes of each
   shared channel's tracks are made first and the same-pitch rules run across them
   (``notes.share_channel``) before they are encoded;
4. the report (``report``) and the conductor track.
With ``split_drums`` or ``drum_map`` the kit's parts replace it before step 2 (``producer``).

The work is columnar, one instrument at a time: ticks for a whole column at once, one pass
in record order for the same-pitch rules (a sort first only when some pitch's notes come out
of start order), then ``smf`` builds the events' integer sort keys and encodes them, both
with C code rather than a Python loop per note. The same record and options always give the
same bytes. This module's top level imports only the standard library and the package
(mido only when ``.midi`` is used, numpy only with ``bpm="auto"``, ``quantize`` only when
quantizing).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import repeat
from operator import add
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from ..errors import InvalidRecordError
from ..music.gm import ProgramMatch, fuzzy_budget_warnings, match_programs
from ..music.limits import check_convertible
from ..record import Instrument, Record
from ..record.checks import check_strict
from . import smf
from .arguments import check_arguments
from .channels import ChannelPlan, allocate_channels
from .conductor import conductor_track
from .conversion import Conversion
from .key_choice import choose_key, key_option
from .note_keys import sorted_note_keys
from .notes import (
    SharedCounts,
    TrackNotes,
    VelocityCache,
    last_at_least_one_tick,
    pitch_bytes,
    same_pitch_rules,
    share_channel,
)
from .report import ConversionReport, InstrumentReport
from .tempo_choice import choose_tempo
from .tempo_map import TempoMap

if TYPE_CHECKING:
    from ..music.drum_maps import DrumMap
    from ..music.key import KeyEstimate
    from .clean import CleanSettings
    from .drum_pieces import Part
    from .producer import Producer
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
    lead_in: Literal["pickup", "shift"] = "pickup",
    clean: CleanSettings | bool | None = None,
    split_drums: bool = False,
    drum_map: DrumMap | Mapping[int, int] | str | None = None,
    metre: str | None = None,
    key: str | KeyEstimate | None = None,
) -> Conversion:
    """Convert a record to a General MIDI file in memory.

    ``bpm`` and ``ppq`` make a constant tempo map (4/4); ``tempo_map`` replaces them with a
    ready one (``bpm`` and ``ppq`` are then not used). ``bpm="auto"`` estimates the tempo and
    the first downbeat from the notes (``music.tempo.estimate_tempo``) and writes a map whose
    beats and bar lines follow the music (with a lead-in before the first downbeat); when the
    estimate's confidence is below ``AUTO_MIN_CONFIDENCE`` the file gets ``fallback_bpm``
    instead, with a warning. Every note keeps its time in seconds whatever the map. ``programs``
    maps instrument names to a program (0..127, a GM name or "drums"), ahead of the General MIDI
    lookup. ``strict`` raises ``InvalidRecordError`` when any instrument had invalid notes.

    With ``bpm="auto"`` the written tempo is rounded to a whole BPM (else one decimal) when
    that moves no beat of the song more than 5 ms (``tempo_choice.round_tempo``). ``lead_in``
    says how a first downbeat after 0 s is written: ``"pickup"`` (a pickup bar; every note
    keeps its time) or ``"shift"`` (one tempo, every note delayed so the downbeat falls on a
    bar line; the delay is ``report.tempo.delay_seconds``); ``"shift"`` needs ``bpm="auto"``.

    ``quantize`` (a grid such as ``"1/16"`` or ``"1/8t"``, see ``quantize.parse_grid``)
    moves note starts and ends ``quantize_strength`` (0..1) of the way onto that grid of the
    written tempo map; the same-pitch cut and merge rules apply after it.

    ``metre`` (``tempo_choice``): ``"auto"`` (the default with ``bpm="auto"``) or ``"N/D"``;
    4/4 with a fixed tempo. ``key`` (``key_choice``): ``"auto"`` (the default with
    ``bpm="auto"``), ``"none"`` (the default otherwise) or a key such as ``"F#m"``.

    Off by default: ``clean`` (``CleanSettings``; True is ``--clean``) joins split notes and
    drops too short or quiet ones, drum kits excepted; ``split_drums`` writes the kit as one
    channel-10 track per piece; ``drum_map`` (``"basic"``, ``{gm_note: note}``, a ``DrumMap``)
    moves the kit's notes to another layout.

    A pending, failed or empty record raises its typed error (``Record.raise_for_status``),
    notes no file holds ``InvalidRecordError`` (``music.limits``), bad arguments
    ``UsageError`` (a wrong type: also a ``TypeError``, ``arguments``), before any work.
    """
    check_arguments(record, bpm, ppq, programs, strict, tempo_map, quantize_strength,
                    fallback_bpm, split_drums)
    grid, strength = _quantize_options(quantize, quantize_strength)
    producer: Producer | None = None
    if clean not in (None, False) or split_drums or drum_map is not None:
        from .producer import Producer

        producer = Producer.of(clean, split_drums, drum_map)
    record.raise_for_status()
    if strict:
        check_strict(record)
    check_convertible(record.instruments)

    # 1. the tempo map, the metre and the key
    wanted_key = key_option(key, isinstance(bpm, str))
    choice = choose_tempo(
        record, bpm, ppq, tempo_map, fallback_bpm, programs, lead_in, metre, wanted_key
    )
    tempo_map, warnings, delay = choice.tempo_map, choice.warnings, choice.delay
    key_choice = choose_key(wanted_key, record, programs, choice.analysis)
    warnings += key_choice.warnings
    quantizer: Quantizer | None = None
    if grid is not None:
        from .quantize import Quantizer

        quantizer = Quantizer.for_map(grid, tempo_map, strength)
    make = _NoteMaker(tempo_map, quantizer, delay, producer)

    # 2. programs and channels
    instruments = record.instruments
    matches, unmatched = match_programs([ins.name for ins in instruments], programs)
    warnings += fuzzy_budget_warnings(unmatched)
    parts = None if producer is None else producer.arrange(instruments, matches)
    if parts is not None:  # the kit in pieces, or on another layout
        instruments, matches = tuple(p.instrument for p in parts), [p.match for p in parts]
    written = [i for i, ins in enumerate(instruments) if len(ins)]
    plan = allocate_channels(
        [matches[i] for i in written], [instruments[i].name for i in written]
    )
    warnings += plan.warnings
    # the notes of shared channels first, the same-pitch rules across their tracks
    shared = _shared_channel_notes(plan, written, instruments, make)

    # 3. one track per instrument with notes
    chunks: list[bytes] = []
    reports: list[InstrumentReport] = []
    last_tick = 0
    position = {index: n for n, index in enumerate(written)}
    for index, (ins, match) in enumerate(zip(instruments, matches, strict=True)):
        n = position.get(index)
        track: _Track | None = None
        if n is not None:
            track = _instrument_track(index, ins, match, plan, n, make, shared, key_choice.key)
            chunks.append(track.chunk)
            last_tick = max(last_tick, track.last_tick)
        warnings += _instrument_warnings(ins, match, written=track is not None)
        part = None if parts is None else parts[index]
        reports.append(_instrument_report(ins, match, plan, n, track, part, producer))

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
        tempo=choice.report,
        quantize=None if quantizer is None else quantizer.report(reports),
        **({} if producer is None else producer.report(reports)),
        metre=choice.metre,
        key=key_choice.report,
    )
    conductor = conductor_track(record.task_id or CONDUCTOR_NAME, tempo_map, key_choice.key)
    return Conversion(report, tempo_map, conductor, chunks)


class _Track(NamedTuple):
    """One instrument's encoded track and what its notes went through."""

    chunk: bytes
    last_tick: int
    cut: int
    merged: int
    moves: MoveStats | None
    shared: SharedCounts | None
    cleaned: tuple[int, int, int] = (0, 0, 0)  # gaps merged, too short, too quiet


class _Notes(NamedTuple):
    """One instrument's notes once its own rules hold, and how far quantizing moved them."""

    notes: TrackNotes
    moves: MoveStats | None
    cleaned: tuple[int, int, int] = (0, 0, 0)


class _NoteMaker:
    """Stage 3 before encoding, for one instrument: seconds -> ticks (after the lead-in's
    delay), at least one tick, the clean-up rules, quantize, the same-pitch rules."""

    __slots__ = ("delay", "producer", "quantizer", "tempo_map", "velocities")

    def __init__(self, tempo_map: TempoMap, quantizer: Quantizer | None, delay: float,
                 producer: Producer | None = None) -> None:
        self.tempo_map, self.quantizer, self.delay = tempo_map, quantizer, delay
        self.producer = producer
        self.velocities = VelocityCache()

    def __call__(self, ins: Instrument, is_drum: bool = False) -> _Notes:
        tempo_map, delay = self.tempo_map, self.delay
        pitches = pitch_bytes(ins.pitches)
        starts = tempo_map.to_ticks(_delayed(ins.starts, delay) if delay else ins.starts)
        ends = tempo_map.to_ticks(_delayed(ins.ends, delay) if delay else ins.ends)
        last_at_least_one_tick(starts, ends)
        vels = self.velocities.of(ins.velocities)
        done = None if self.producer is None else self.producer.clean(
            pitches, starts, ends, vels, is_drum, tempo_map)
        if done is not None:  # on the notes as the record timed them, before quantizing
            pitches, starts, ends, vels = done.pitches, done.starts, done.ends, done.velocities
        moves = None
        if self.quantizer is not None:  # on ticks, before the same-pitch rules: they hold
            starts, ends, moves = self.quantizer.apply(starts, ends, tempo_map.tick_to_seconds)
        notes = same_pitch_rules(pitches, starts, ends, vels)
        if done is None:
            return _Notes(notes, moves)
        notes = notes._replace(cut=notes.cut + done.cut, merged=notes.merged + done.merged)
        return _Notes(notes, moves, (done.gaps_merged, done.too_short, done.too_quiet))


def _delayed(seconds: Sequence[float], delay: float) -> list[float]:
    return list(map(add, seconds, repeat(delay)))


def _shared_channel_notes(
    plan: ChannelPlan, written: list[int], instruments: Sequence[Instrument], make: _NoteMaker
) -> dict[int, tuple[_Notes, SharedCounts]]:
    """For the instruments on shared channels (none in the common case), by record index:
    their notes after the same-pitch rules across the channel's tracks."""
    out: dict[int, tuple[_Notes, SharedCounts]] = {}
    for group in plan.shared:
        indexes = [written[n] for n in group]
        made = []
        for i in indexes:
            with _about(i, instruments[i]):
                made.append(make(instruments[i]))
        after = share_channel([m.notes for m in made])
        for i, m, (notes, counts) in zip(indexes, made, after, strict=True):
            out[i] = (_Notes(notes, m.moves), counts)
    return out


def _instrument_track(
    index: int,
    ins: Instrument,
    match: ProgramMatch,
    plan: ChannelPlan,
    n: int,
    make: _NoteMaker,
    shared: dict[int, tuple[_Notes, SharedCounts]],
    key: KeyEstimate | None = None,
) -> _Track:
    """The track of the ``n``-th written instrument: name, port, key (melodic tracks), program,
    its notes (made here, or by ``_shared_channel_notes`` for a shared channel)."""
    with _about(index, ins):
        made, counts = shared.pop(index, None) or (make(ins, match.is_drum), None)
        channel, notes, moves = plan.channels[n], made.notes, made.moves
        events = sorted_note_keys(notes.pitches, notes.velocities, notes.starts, notes.ends)
        writer = smf.TrackWriter()
        writer.track_name(0, ins.name)
        if key is not None and not match.is_drum:
            writer.key_signature(0, key.sharps, key.mode == "minor")
        if plan.uses_ports:
            writer.midi_port(0, plan.ports[n])
        writer.program_change(0, channel, match.program)
        writer.note_events(events, channel)
        cut, merged, last_tick = notes.cut, notes.merged, writer.tick
        cleaned = made.cleaned
        del events, notes, made  # large records: free the columns before the chunk is joined
        return _Track(writer.end_of_track(), last_tick, cut, merged, moves, counts, cleaned)


@contextmanager
def _about(index: int, ins: Instrument) -> Iterator[None]:
    """Invalid data found while converting an instrument: say which instrument."""
    try:
        yield
    except InvalidRecordError as exc:
        raise InvalidRecordError(
            f"instrument {ins.name!r} (instruments[{index}]): {exc}",
            where=f"instruments[{index}]",
        ) from exc


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
    ins: Instrument, match: ProgramMatch, plan: ChannelPlan, n: int | None, track: _Track | None,
    part: Part | None = None, producer: Producer | None = None,
) -> InstrumentReport:
    """What happened to one instrument (``n``: its position among the written ones)."""
    if track is None or n is None:
        track, n = None, None
    moves = None if track is None else track.moves
    shared = (None if track is None else track.shared) or SharedCounts()
    cleaned = (0, 0, 0) if track is None else track.cleaned
    extra: dict[str, Any] = {}
    if producer is not None:
        from .producer import instrument_fields

        extra = instrument_fields(part, cleaned)
    return InstrumentReport(
        name=ins.name,
        program=match.program,
        program_name=match.gm_name,
        source=match.source,
        is_drum=match.is_drum,
        channel=None if n is None else plan.channels[n] + 1,
        track=None if n is None else n + 1,
        notes_written=0 if track is None else len(ins) - track.merged - sum(cleaned),
        notes_dropped=ins.dropped,
        velocities_clamped=ins.clamped,
        cut=0 if track is None else track.cut,
        merged=0 if track is None else track.merged,
        problems=ins.problems,
        written=track is not None,
        notes_moved=moves.moved if moves else 0,
        max_move_ticks=moves.max_ticks if moves else 0,
        max_move_ms=moves.max_ms if moves else 0.0,
        port=plan.ports[n] if n is not None and plan.uses_ports else None,
        shared_with=() if n is None else tuple(i + 1 for i in plan.sharing(n)),
        shared_cut=shared.cut,
        shared_aligned=shared.aligned,
        shared_moved=shared.moved,
        **extra,
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
