"""The record model: ``Record``, ``Instrument``, ``Note`` and ``RecordStatus``.

Notes are stored by column (one list of pitches, one of starts, ...) rather than one object
per note: a 300,000-note record then costs a few lists, not 300,000 objects, and the
converter walks plain lists. ``Instrument.notes`` still offers ``Note`` tuples to callers
that want them, built on demand. Reading payloads into these is ``parse``'s job.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple, overload

from ..errors import EmptyMidiDataError, InvalidRecordError, TaskFailedError, TaskPendingError
from .jsontext import decode_json

__all__ = [
    "Instrument",
    "Note",
    "NoteColumns",
    "Record",
    "RecordStatus",
]


class RecordStatus(str, enum.Enum):
    """Where a task stands, from the API's ``successFlag`` (0, 1, 2, 3)."""

    PENDING = "pending"
    SUCCESS = "success"
    CREATE_FAILED = "create-failed"
    GENERATION_FAILED = "generation-failed"


class Note(NamedTuple):
    """One note: MIDI pitch 0..127, start and end in seconds, velocity 0..1."""

    pitch: int
    start: float
    end: float
    velocity: float


class _NoteView(Sequence[Note]):
    """A read-only sequence of ``Note`` built on demand from an instrument's columns."""

    __slots__ = ("_instrument",)

    def __init__(self, instrument: Instrument) -> None:
        self._instrument = instrument

    def __len__(self) -> int:
        return len(self._instrument.pitches)

    @overload
    def __getitem__(self, index: int) -> Note: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Note]: ...

    def __getitem__(self, index: int | slice) -> Note | Sequence[Note]:
        ins = self._instrument
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return Note(ins.pitches[index], ins.starts[index], ins.ends[index], ins.velocities[index])

    def __iter__(self) -> Iterator[Note]:
        ins = self._instrument
        return map(Note._make, zip(ins.pitches, ins.starts, ins.ends, ins.velocities, strict=True))

    def __repr__(self) -> str:
        return f"<{len(self)} notes of {self._instrument.name!r}>"


class NoteColumns(NamedTuple):
    """Notes already read and found plain (by ``schema``), as the columns of an
    ``Instrument``: ``parse_record`` takes them as they are."""

    pitches: list[int]
    starts: list[float]
    ends: list[float]
    velocities: list[float]


class Instrument:
    """One detected instrument and its valid notes, in the order the record gave them.

    ``Instrument("Piano", [Note(60, 0.0, 0.5, 0.8)])`` builds one by hand. The columns
    ``pitches``, ``starts``, ``ends`` and ``velocities`` are plain lists of equal length;
    treat them as read-only. ``dropped`` counts the invalid notes left out while parsing,
    ``clamped`` the velocities outside 0..1 (or missing) that were set into range, and
    ``problems`` keeps the first few reasons, for the conversion report. ``validated`` is
    True for the instruments ``parse_record`` made (their notes are known to be valid);
    ``convert`` checks the others' columns first.
    """

    __slots__ = ("clamped", "dropped", "ends", "name", "pitches", "problems", "starts",
                 "validated", "velocities")

    name: str
    pitches: list[int]
    starts: list[float]
    ends: list[float]
    velocities: list[float]
    dropped: int
    clamped: int
    problems: tuple[str, ...]
    validated: bool

    def __init__(
        self,
        name: str,
        notes: Iterable[Note | tuple[int, float, float, float]] = (),
        *,
        dropped: int = 0,
        clamped: int = 0,
        problems: Sequence[str] = (),
    ) -> None:
        if not isinstance(name, str):
            raise TypeError(f"Instrument name must be a str, not {type(name).__name__}")
        self.name = name
        self.pitches, self.starts, self.ends, self.velocities = [], [], [], []
        if isinstance(notes, (str, bytes)):
            raise TypeError(f"Instrument {name!r}: notes must be (pitch, start, end, velocity) "
                            f"tuples, not {type(notes).__name__}")
        for index, note in enumerate(notes):
            try:
                pitch, start, end, velocity = note
                self.pitches.append(int(pitch))
                self.starts.append(float(start))
                self.ends.append(float(end))
                self.velocities.append(float(velocity))
            except (TypeError, ValueError) as exc:
                raise TypeError(f"Instrument {name!r}: notes[{index}] must be a (pitch, start, "
                                f"end, velocity) tuple of numbers, not {note!r} ({exc})") from None
        self.dropped = dropped
        self.clamped = clamped
        self.problems = tuple(problems)
        self.validated = False

    @classmethod
    def from_columns(
        cls,
        name: str,
        pitches: list[int],
        starts: list[float],
        ends: list[float],
        velocities: list[float],
        *,
        dropped: int = 0,
        clamped: int = 0,
        problems: Sequence[str] = (),
        validated: bool = False,
    ) -> Instrument:
        """Build from columns without copying them (``validated``: the caller vouches for
        their notes, as ``parse_record`` does; otherwise ``convert`` checks them first)."""
        if not len(pitches) == len(starts) == len(ends) == len(velocities):
            raise ValueError("note columns must have equal lengths")
        self = cls.__new__(cls)
        self.name = name
        self.pitches, self.starts, self.ends, self.velocities = pitches, starts, ends, velocities
        self.dropped = dropped
        self.clamped = clamped
        self.problems = tuple(problems)
        self.validated = validated
        return self

    @property
    def notes(self) -> Sequence[Note]:
        """The valid notes as ``Note`` tuples (a view; built on demand)."""
        return _NoteView(self)

    def __len__(self) -> int:
        return len(self.pitches)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Instrument):
            return NotImplemented
        return (
            self.name == other.name
            and self.pitches == other.pitches
            and self.starts == other.starts
            and self.ends == other.ends
            and self.velocities == other.velocities
            and self.dropped == other.dropped
            and self.clamped == other.clamped
        )

    __hash__ = None  # type: ignore[assignment]  # mutable lists inside: not hashable

    def __repr__(self) -> str:
        extra = f", dropped={self.dropped}" if self.dropped else ""
        extra += f", clamped={self.clamped}" if self.clamped else ""
        return f"Instrument({self.name!r}, <{len(self)} notes>{extra})"


class Record:
    """One task's record, whatever shape it arrived in.

    ``raw`` is the decoded payload exactly as given (kept so it can be saved again); for a
    record ``parse_record`` read from large JSON text it is decoded from that text on first
    use. ``complete_time`` and ``create_time`` are epoch milliseconds when known.
    """

    __slots__ = ("_raw", "_raw_text", "complete_time", "create_time", "error_code",
                 "error_message", "instruments", "status", "task_id")

    def __init__(
        self,
        *,
        task_id: str | None,
        status: RecordStatus,
        instruments: Sequence[Instrument] = (),
        error_code: str | None = None,
        error_message: str | None = None,
        complete_time: int | None = None,
        create_time: int | None = None,
        raw: Any = None,
    ) -> None:
        self.task_id = task_id
        self.status = status
        self.instruments: tuple[Instrument, ...] = tuple(instruments)
        self.error_code = error_code
        self.error_message = error_message
        self.complete_time = complete_time
        self.create_time = create_time
        self._raw = raw
        self._raw_text: bytes | str | None = None

    @property
    def raw(self) -> Any:
        """The decoded payload (see the class docstring)."""
        if self._raw_text is not None:
            self._raw, self._raw_text = decode_json(self._raw_text), None
        return self._raw

    @property
    def note_count(self) -> int:
        """How many valid notes the record holds, over all instruments."""
        return sum(len(ins) for ins in self.instruments)

    def raise_for_status(self) -> None:
        """Raise the error a caller must react to when this record gives no MIDI, else return.

        Like ``requests``' ``raise_for_status``: a pending task raises ``TaskPendingError``; a
        failed one (create-failed or generation-failed) ``TaskFailedError`` carrying
        ``error_code`` and ``error_message``; a success with no notes at all (no instruments,
        or only empty ones) ``EmptyMidiDataError``; a success whose notes were all invalid
        ``InvalidRecordError``. A record with at least one valid note passes.
        """
        task = f"task {self.task_id!r}" if self.task_id else "the task"
        if self.status is RecordStatus.PENDING:
            raise TaskPendingError(f"{task} is still pending", task_id=self.task_id)
        if self.status is not RecordStatus.SUCCESS:
            what = ("could not be created" if self.status is RecordStatus.CREATE_FAILED
                    else "failed to generate MIDI")
            details = [f"errorCode {self.error_code}" if self.error_code else "",
                       self.error_message or ""]
            reason = ": ".join(d for d in details if d) or "no reason given"
            raise TaskFailedError(
                f"{task} {what} ({reason})",
                task_id=self.task_id,
                status=self.status.value,
                error_code=self.error_code,
                error_message=self.error_message,
            )
        if self.note_count:
            return
        dropped = sum(ins.dropped for ins in self.instruments)
        if not dropped:
            count = len(self.instruments)
            found = ("no instruments" if not count else "1 instrument, with no notes"
                     if count == 1 else f"{count} instruments, none with notes")
            raise EmptyMidiDataError(
                f"{task} succeeded but its MIDI data is empty ({found}); this can happen "
                "when the audio comes from a split_stem vocal separation",
                task_id=self.task_id,
            )
        index, ins = next((k, i) for k, i in enumerate(self.instruments) if i.dropped)
        first = ins.problems[0] if ins.problems else "not recorded"
        raise InvalidRecordError(
            f"no valid notes: {dropped} dropped; first problem: instruments[{index}] "
            f"({ins.name!r}) {first}",
            where=f"instruments[{index}]",
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record):
            return NotImplemented
        return all(getattr(self, k) == getattr(other, k) for k in self.__slots__
                   if not k.startswith("_raw"))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Record(task_id={self.task_id!r}, status={self.status.value!r}, "
            f"instruments={len(self.instruments)}, notes={self.note_count})"
        )
