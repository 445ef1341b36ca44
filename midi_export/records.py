"""Records: any payload shape of the MIDI record API -> ``Record`` / ``Instrument`` / ``Note``.

Notes are stored by column (one list of pitches, one of starts, ...) rather than one object
per note: a 300,000-note record then costs a few lists, not 300,000 objects, and the
converter walks plain lists. ``Instrument.notes`` still offers ``Note`` tuples to callers
that want them, built on demand.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from .errors import EmptyMidiDataError, InvalidRecordError, TaskFailedError, TaskPendingError

if TYPE_CHECKING:
    import json

__all__ = [
    "Instrument",
    "Note",
    "Record",
    "RecordStatus",
    "parse_record",
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
    ``problems`` keeps the first few reasons, for the conversion report.
    """

    __slots__ = ("clamped", "dropped", "ends", "name", "pitches", "problems", "starts",
                 "velocities")

    name: str
    pitches: list[int]
    starts: list[float]
    ends: list[float]
    velocities: list[float]
    dropped: int
    clamped: int
    problems: tuple[str, ...]

    def __init__(
        self,
        name: str,
        notes: Iterable[Note | tuple[int, float, float, float]] = (),
        *,
        dropped: int = 0,
        clamped: int = 0,
        problems: Sequence[str] = (),
    ) -> None:
        self.name = name
        self.pitches, self.starts, self.ends, self.velocities = [], [], [], []
        for pitch, start, end, velocity in notes:
            self.pitches.append(int(pitch))
            self.starts.append(float(start))
            self.ends.append(float(end))
            self.velocities.append(float(velocity))
        self.dropped = dropped
        self.clamped = clamped
        self.problems = tuple(problems)

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
    ) -> Instrument:
        """Build from already-validated columns without copying them."""
        if not len(pitches) == len(starts) == len(ends) == len(velocities):
            raise ValueError("note columns must have equal lengths")
        self = cls.__new__(cls)
        self.name = name
        self.pitches, self.starts, self.ends, self.velocities = pitches, starts, ends, velocities
        self.dropped = dropped
        self.clamped = clamped
        self.problems = tuple(problems)
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


# --- Parsing ---------------------------------------------------------------------------------

# Large records are decoded with msgspec: on a 300,000-note record (29 MB) it takes 0.20 s
# against json's 0.48 s, and its peak memory stays at json.load's (132 vs 129 MB), whereas
# orjson, as fast, peaks at 203 MB because it builds an intermediate document first
# (measured with /usr/bin/time -f %M, see the README's benchmark section). Importing msgspec
# costs about 7 ms on top of what click already loads, and json decodes ~12 us/KB against
# msgspec's ~2.5 us/KB, so below ~700 KB the stdlib is quicker overall. The choice rests on
# the size alone, so the same text always takes the same path.
_MSGSPEC_MIN_SIZE = 640 * 1024
_DEFAULT_VELOCITY = 100 / 127
_MAX_PROBLEMS = 5
_INF = math.inf
_MISSING: Any = object()
_STATUS_BY_FLAG = {
    0: RecordStatus.PENDING,
    1: RecordStatus.SUCCESS,
    2: RecordStatus.CREATE_FAILED,
    3: RecordStatus.GENERATION_FAILED,
}
_TIME_KEYS = (("start", "end"), ("start_time", "end_time"), ("startTime", "endTime"))
_START_KEYS = tuple(start for start, _ in _TIME_KEYS)
_END_KEYS = tuple(end for _, end in _TIME_KEYS)
_JSON_WORDS = ("true", "false", "null", "NaN", "Infinity", "-Infinity")


def parse_record(payload: str | bytes | bytearray | Any, *, strict: bool = False) -> Record:
    """Read a record from any shape the data arrives in.

    ``payload`` is JSON text (``str``, ``bytes``, ``bytearray`` or ``memoryview``) or an
    already-decoded object, which is kept as ``Record.raw`` as it is (not copied). Shapes:

    - the record-info response ``{code, msg, data: {taskId, successFlag, midiData, ...}}``,
      or its ``data`` object alone (``successFlag`` 0/1/2/3, also as a string, gives the
      status; ``errorCode``, ``errorMessage``, ``completeTime``, ``createTime`` are read);
    - a callback body: ``{task_id, code, msg, data: {state, instruments}}`` or
      ``{code, msg, data: {taskId, state, instruments}}``; a ``code`` other than 200 with a
      task id is a generation failure whose ``error_code`` is the code and ``error_message``
      the ``msg`` (unless ``data`` has ``errorCode``/``errorMessage``);
    - bare ``midiData`` (``{state, instruments}``) or a bare list of instruments;
    - other providers' variants: ``instruments`` as a mapping name -> notes list (or
      name -> ``{notes: [...]}``), ``data`` (or ``midiData``) as a list of midiData objects
      whose instruments are joined in order, ``start_time``/``end_time`` or
      ``startTime``/``endTime`` for ``start``/``end``, a note as a list
      ``[pitch, start, end]`` or ``[pitch, start, end, velocity]``.

    The task id is read from ``taskId``, ``task_id``, ``data.taskId`` or ``data.task_id``.
    Without ``successFlag`` a record that carries note data is a success. ``midiData`` that
    is null, ``{}`` or has no instruments gives a record without instruments (see
    ``Record.raise_for_status``).

    Numbers may be JSON strings (``"0.19"``, ``"60"``), mixed within one note. A note is
    invalid when its pitch is not a whole number 0..127 (``60.0`` and ``"60"`` are fine;
    ``60.5``, booleans and null are not), or its start or end is missing, not a number, not
    finite, when start < 0 or end < start (end == start is allowed). Invalid notes are
    dropped and counted in ``Instrument.dropped``, the first few reasons kept in
    ``Instrument.problems``; with ``strict=True`` the first one raises
    ``InvalidRecordError`` whose ``where`` is ``"instruments[I].notes[J]"`` (``I`` the index
    in ``Record.instruments``). A velocity outside 0..1 is clamped into range; a missing,
    null, non-numeric or NaN velocity becomes 100/127 (MIDI velocity 100). Both count in
    ``Instrument.clamped``. A missing or blank instrument name becomes ``"Instrument N"``
    (1-based); other non-string names go through ``str()``.

    Anything that cannot be read raises ``InvalidRecordError`` saying where: text that is
    not JSON or is cut short (``where`` is ``"line L column C"``), an API error response
    (a ``code`` other than 200 and no task id), ``instruments`` or ``notes`` of the wrong
    type, a note that is not an object, an unknown ``successFlag``. Paths in ``where`` above
    the instruments are counted from the payload's top (``"data.successFlag"``); from an
    instrument down they are ``"instruments[I]..."``.

    Text is decoded by ``decode_json``: msgspec for large text (fast, and no more memory
    than the stdlib), the stdlib's json for small text and for whatever msgspec refuses,
    so ``NaN`` and ``Infinity`` literals are read and error positions are the stdlib's.
    Large text of the API's own shape whose notes are all valid is first tried with
    ``schema``, which decodes and checks the notes in C; the record is the same.
    """
    if isinstance(payload, (str, bytes, bytearray, memoryview)):
        if len(payload) >= _MSGSPEC_MIN_SIZE:
            record = _parse_large(payload, strict)
            if record is not None:
                return record
        payload = decode_json(payload)
    if isinstance(payload, Mapping):
        if "code" in payload or "data" in payload:
            return _from_envelope(payload, strict)
        return _from_data(payload, "", None, payload, strict)
    if isinstance(payload, (list, tuple)):
        return Record(
            task_id=None,
            status=RecordStatus.SUCCESS,
            instruments=_read_midi(payload, "", strict),
            raw=payload,
        )
    raise InvalidRecordError(
        f"the top level is {_kind(payload)}, expected an object (a record) or a list"
    )


def _parse_large(text: str | bytes | bytearray | memoryview, strict: bool) -> Record | None:
    """A large record of the API's own shape whose notes are all plain, decoded and checked
    by msgspec (``schema``): the same ``Record``, sooner. None for anything else, which
    ``parse_record`` then reads the usual way (and words any error as for small records)."""
    from .schema import decode_envelope

    envelope = decode_envelope(text)
    if envelope is None:
        return None
    try:
        record = _from_envelope(envelope, strict)
    except InvalidRecordError:
        return None
    # ``raw`` would be the schema's dicts and columns: decode the text if someone asks
    record._raw = None
    record._raw_text = text if isinstance(text, (bytes, str)) else bytes(text)
    return record


def decode_json(text: str | bytes | bytearray | memoryview) -> Any:
    """Decode JSON text as every part of midi-export does; ``InvalidRecordError`` if it isn't.

    msgspec for large input; the stdlib for small input and for whatever msgspec refuses
    (``NaN``/``Infinity`` literals, a BOM, numbers beyond a float), so the stdlib's reading
    and its error positions (line and column) are what users get.
    """
    if len(text) >= _MSGSPEC_MIN_SIZE:
        import msgspec

        try:
            return msgspec.json.decode(text)
        except (msgspec.DecodeError, UnicodeDecodeError):
            pass  # the stdlib decides
    import json

    if isinstance(text, memoryview):
        text = text.tobytes()
    elif isinstance(text, str) and text.startswith("\ufeff"):
        text = text[1:]  # json.loads refuses a BOM in str (it skips one in bytes)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _json_error(exc) from exc
    except UnicodeDecodeError as exc:
        raise InvalidRecordError(
            f"the record is not UTF-8 text (byte {exc.start}: {exc.reason})",
            where=f"byte {exc.start}",
        ) from exc
    except RecursionError as exc:
        raise InvalidRecordError("the JSON is nested too deeply to be a record") from exc
    except ValueError as exc:  # an integer beyond Python's digit limit, for one
        raise InvalidRecordError(f"the JSON cannot be read: {exc}") from exc


def _json_error(exc: json.JSONDecodeError) -> InvalidRecordError:
    """The message for a ``json.JSONDecodeError``: empty, cut short, or not JSON."""
    where = f"line {exc.lineno} column {exc.colno}"
    doc = exc.doc
    if not doc.strip():
        return InvalidRecordError("the record is empty: there is no JSON text", where=where)
    if _cut_short(doc, exc.pos, exc.msg):
        return InvalidRecordError(
            f"the JSON ends too early ({exc.msg} at {where}): the record was cut short",
            where=where,
        )
    return InvalidRecordError(f"this is not valid JSON: {exc.msg} at {where}", where=where)


def _cut_short(doc: str, pos: int, msg: str) -> bool:
    """Whether a JSON error means the text stops early rather than being wrong: the error is
    at the very end, in a string never closed, or in a word or number cut in two (``nu``,
    ``tr``, ``1.``, ``2e-``), where the stdlib points at the start of the piece."""
    rest = doc[pos:].rstrip()
    return (
        not rest
        or msg.startswith("Unterminated string")
        or any(word.startswith(rest) for word in _JSON_WORDS)
        or rest in (".", "e", "E", "e+", "e-", "E+", "E-")
    )


def _from_envelope(envelope: Mapping[Any, Any], strict: bool) -> Record:
    """A ``{code, msg, data}`` body: a record-info response or a callback."""
    raw_code = envelope.get("code")
    code = 200 if raw_code is None else _whole(raw_code)
    if code is None:
        raise InvalidRecordError(f"code {_show(raw_code)} is not a whole number", where="code")
    msg = _text(envelope.get("msg"))
    data = envelope.get("data")
    info: Mapping[Any, Any] = data if isinstance(data, Mapping) else {}
    task_id = _task_id(envelope) or _task_id(info)
    if code != 200:
        if task_id is None:
            said = f"code {code}: {msg}" if msg else f"code {code}"
            raise InvalidRecordError(
                f"this is an API error response ({said}), not a record", where="code"
            )
        return Record(
            task_id=task_id,
            status=RecordStatus.GENERATION_FAILED,
            error_code=_text(info.get("errorCode")) or str(code),
            error_message=_text(info.get("errorMessage")) or msg,
            raw=envelope,
        )
    if isinstance(data, Mapping):
        return _from_data(data, "data.", task_id, envelope, strict)
    if isinstance(data, (list, tuple)):
        return Record(
            task_id=task_id,
            status=RecordStatus.SUCCESS,
            instruments=_read_midi(data, "data", strict),
            raw=envelope,
        )
    if data is None:
        raise InvalidRecordError(
            "code 200 but data is null or missing: this response holds no record", where="data"
        )
    raise InvalidRecordError(f"data is {_kind(data)}, expected an object or a list", where="data")


def _from_data(
    data: Mapping[Any, Any], prefix: str, task_id: str | None, raw: Any, strict: bool
) -> Record:
    """A record-info ``data`` object, a callback's ``data``, or bare ``midiData``."""
    if "midiData" in data:
        midi, midi_where = data["midiData"], prefix + "midiData"
    elif "instruments" in data or "state" in data:
        midi, midi_where = data, prefix[:-1]
    else:
        midi = midi_where = None
    flag = data.get("successFlag")
    if flag is not None:
        status = _status(flag, prefix + "successFlag")
    elif midi_where is not None:
        status = RecordStatus.SUCCESS
    else:
        keys = ", ".join(sorted(_str(key) for key in data)[:8]) or "none"
        raise InvalidRecordError(
            f"{prefix[:-1] or 'the top level'} is not a record: it has no successFlag, "
            f"midiData or instruments (keys: {keys})",
            where=prefix[:-1] or None,
        )
    return Record(
        task_id=task_id or _task_id(data),
        status=status,
        instruments=_read_midi(midi, midi_where or "", strict),
        error_code=_text(data.get("errorCode")),
        error_message=_text(data.get("errorMessage")),
        complete_time=_epoch_ms(data.get("completeTime")),
        create_time=_epoch_ms(data.get("createTime")),
        raw=raw,
    )


def _read_midi(midi: Any, where: str, strict: bool) -> list[Instrument]:
    """The instruments of a midiData object, or of a list of midiData and instrument objects."""
    out: list[Instrument] = []
    if midi is None:
        pass
    elif isinstance(midi, Mapping):
        _read_instruments(midi.get("instruments"), _join(where, "instruments"), out, strict)
    elif isinstance(midi, (list, tuple)):
        for k, item in enumerate(midi):
            if (isinstance(item, Mapping) and "notes" not in item
                    and ("instruments" in item or "state" in item)):
                items_where = _join(f"{where}[{k}]", "instruments")
                _read_instruments(item.get("instruments"), items_where, out, strict)
            else:
                out.append(_read_instrument(item, len(out), strict))
    else:
        raise InvalidRecordError(
            f"{where or 'the MIDI data'} is {_kind(midi)}, expected an object with instruments",
            where=where or None,
        )
    return out


def _read_instruments(value: Any, where: str, out: list[Instrument], strict: bool) -> None:
    """Append to ``out`` the instruments of an ``instruments`` list or name -> notes mapping."""
    if value is None:
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            out.append(_read_instrument(item, len(out), strict))
    elif isinstance(value, Mapping):
        for key, notes in value.items():
            index = len(out)
            if isinstance(notes, Mapping):
                notes = notes.get("notes")
            elif notes is not None and not isinstance(notes, (list, tuple)):
                raise InvalidRecordError(
                    f"instruments[{index}] ({_str(key)!r}) is {_kind(notes)}, "
                    "expected a list of notes",
                    where=f"instruments[{index}]",
                )
            out.append(_read_notes(notes, index, _name(key, index), strict))
    else:
        raise InvalidRecordError(
            f"{where} is {_kind(value)}, expected a list of instruments", where=where
        )


def _read_instrument(item: Any, index: int, strict: bool) -> Instrument:
    """One ``{name, notes}`` object."""
    if not isinstance(item, Mapping):
        raise InvalidRecordError(
            f"instruments[{index}] is {_kind(item)}, expected an object with a name and notes",
            where=f"instruments[{index}]",
        )
    return _read_notes(item.get("notes"), index, _name(item.get("name"), index), strict)


def _read_notes(notes: Any, index: int, name: str, strict: bool) -> Instrument:
    """Validate one instrument's notes into columns: the hot loop of the whole tool.

    Most notes are plain: an int pitch in range, float start <= end, float velocity in 0..1.
    They take the fast path, which appends the very objects the decoder made (no new floats,
    no object per note). Anything else goes to ``_odd_note``.
    """
    if type(notes) is NoteColumns:
        return Instrument.from_columns(name, *notes)
    if notes is None:
        notes = ()
    elif not isinstance(notes, (list, tuple)):
        raise InvalidRecordError(
            f"instruments[{index}] ({name!r}).notes is {_kind(notes)}, expected a list of notes",
            where=f"instruments[{index}].notes",
        )
    start_key, end_key = _time_keys(notes)
    pitches: list[int] = []
    starts: list[float] = []
    ends: list[float] = []
    velocities: list[float] = []
    add_pitch, add_start = pitches.append, starts.append
    add_end, add_velocity = ends.append, velocities.append
    dropped = clamped = 0
    problems: list[str] = []
    inf = _INF
    for note in notes:
        try:
            pitch = note["pitch"]
            start = note[start_key]
            end = note[end_key]
            velocity = note["velocity"]
        except (LookupError, TypeError):
            # A key missing, or not an object. Every note so far was kept or dropped, so
            # this one's index is their sum.
            read = _odd_note(note, index, len(pitches) + dropped, name)
        else:
            # `type(x) is int` rather than isinstance: it is faster and refuses bools.
            # The chained comparison also refuses NaN, and `< inf` refuses infinity.
            if (type(pitch) is int and 0 <= pitch <= 127 and type(start) is float
                    and type(end) is float and 0.0 <= start <= end < inf):
                if type(velocity) is not float or not 0.0 <= velocity <= 1.0:
                    velocity, fixed = _velocity(velocity)
                    clamped += fixed
                add_pitch(pitch)
                add_start(start)
                add_end(end)
                add_velocity(velocity)
                continue
            read = _check_note(pitch, start, end, velocity)  # strings, ints, or invalid
        if isinstance(read, str):
            j = len(pitches) + dropped
            if strict:
                raise InvalidRecordError(
                    f"invalid note at instruments[{index}] ({name!r}) notes[{j}]: {read}",
                    where=f"instruments[{index}].notes[{j}]",
                )
            dropped += 1
            if len(problems) < _MAX_PROBLEMS:
                problems.append(f"notes[{j}]: {read}")
            continue
        pitch, start, end, velocity, fixed = read
        clamped += fixed
        add_pitch(pitch)
        add_start(start)
        add_end(end)
        add_velocity(velocity)
    return Instrument.from_columns(
        name, pitches, starts, ends, velocities,
        dropped=dropped, clamped=clamped, problems=problems,
    )


def _time_keys(notes: Sequence[Any]) -> tuple[str, str]:
    """The start/end key names this instrument uses, judged from its first note."""
    first = notes[0] if notes else None
    if isinstance(first, Mapping):
        for keys in _TIME_KEYS:
            if keys[0] in first:
                return keys
    return _TIME_KEYS[0]


_Checked = tuple[int, float, float, float, bool] | str


def _odd_note(note: Any, index: int, j: int, name: str) -> _Checked:
    """Read a note that lacks a plain key (or is a list) and check it with ``_check_note``.
    A note that is not an object (nor a 3- or 4-item list) cannot be read and raises."""
    if isinstance(note, Mapping):
        pitch = note.get("pitch", _MISSING)
        start = _first(note, *_START_KEYS)
        end = _first(note, *_END_KEYS)
        velocity = note.get("velocity")
    elif isinstance(note, (list, tuple)) and len(note) in (3, 4):
        pitch, start, end = note[0], note[1], note[2]
        velocity = note[3] if len(note) == 4 else None
    else:
        raise InvalidRecordError(
            f"instruments[{index}] ({name!r}).notes[{j}] is {_kind(note)}, "
            "expected an object with pitch, start, end and velocity",
            where=f"instruments[{index}].notes[{j}]",
        )
    return _check_note(pitch, start, end, velocity)


def _check_note(pitch: Any, start: Any, end: Any, velocity: Any) -> _Checked:
    """Coerce a note's values: ``(pitch, start, end, velocity, velocity_was_set)``, or the
    reason the note is invalid (``_MISSING`` marks a value that is not there)."""
    if pitch is _MISSING:
        return "pitch is missing"
    midi_pitch = _whole(pitch)
    if midi_pitch is None or not 0 <= midi_pitch <= 127:
        return f"pitch {_show(pitch)} is not a whole number 0-127"
    seconds = _seconds(start, "start")
    if isinstance(seconds, str):
        return seconds
    until = _seconds(end, "end")
    if isinstance(until, str):
        return until
    if seconds < 0:
        return f"start {_show(start)} is negative"
    if until < seconds:
        return f"end {_show(end)} is before start {_show(start)}"
    return (midi_pitch, seconds, until, *_velocity(velocity))


def _number(value: Any) -> int | float | None:
    """The number a JSON value stands for, or None: ints and floats as they are (the same
    object), numeric strings as floats; booleans, null, other text and containers are not
    numbers. Numeric types of other decoders (Decimal, NumPy scalars) are converted."""
    kind = type(value)
    if kind is float or kind is int:
        return value  # type: ignore[no-any-return]
    if kind is str:
        # float() reads every JSON number ("60", "0.19", "1e1") in one attempt; whole numbers
        # that matter here (pitch, flag, code, epoch ms) are far below 2**53, so exact.
        if "_" in value:
            return None  # Python reads "1_0" as 10; no JSON number looks like that
        try:
            return float(value)
        except ValueError:
            return None
    if kind is bool or value is None:
        return None
    try:
        if hasattr(kind, "__index__"):
            return int(value.__index__())
        if hasattr(kind, "__float__"):
            return float(value)
    except (TypeError, ValueError, ArithmeticError):
        pass
    return None


def _whole(value: Any) -> int | None:
    """``value`` as a whole number (``60``, ``60.0``, ``"60"``, ``"60.0"``), else None."""
    number = _number(value)
    if isinstance(number, float):
        return int(number) if number.is_integer() else None
    return number


def _seconds(value: Any, label: str) -> float | str:
    """A start or end time as a finite float, or the reason it is not one."""
    if value is _MISSING:
        return f"{label} is missing"
    number = _number(value)
    if number is None:
        return f"{label} {_show(value)} is not a number"
    try:
        seconds = number if type(number) is float else float(number)
    except OverflowError:
        seconds = _INF
    if not math.isfinite(seconds):
        return f"{label} {_show(value)} is not finite"
    return seconds


def _velocity(value: Any) -> tuple[float, bool]:
    """A velocity in 0..1 and whether it had to be set: clamped when out of range, 100/127
    when missing or not a number."""
    number = _number(value)
    if number is None or number != number:
        return _DEFAULT_VELOCITY, True
    if 0 <= number <= 1:
        # An int here is 0 or 1: use the float constants rather than a new float per note.
        return (number if type(number) is float else (1.0 if number else 0.0)), False
    return (0.0 if number < 0 else 1.0), True


def _status(flag: Any, where: str) -> RecordStatus:
    """The status for a ``successFlag`` (0-3, also as a string)."""
    number = _whole(flag)
    status = None if number is None else _STATUS_BY_FLAG.get(number)
    if status is None:
        raise InvalidRecordError(
            f"unknown successFlag {_show(flag)}: expected 0 (pending), 1 (success), "
            "2 (create failed) or 3 (generation failed)",
            where=where,
        )
    return status


def _epoch_ms(value: Any) -> int | None:
    """An epoch-milliseconds time (number or numeric string); None when absent or unreadable:
    a time is informative only, so it never makes a record unreadable."""
    number = _number(value)
    if isinstance(number, float):
        return int(number) if math.isfinite(number) else None
    return number


def _task_id(data: Mapping[Any, Any]) -> str | None:
    """The task id at ``taskId`` or ``task_id`` (a non-empty string or an integer)."""
    for key in ("taskId", "task_id"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
        if type(value) is int:
            return str(value)
    return None


def _first(mapping: Mapping[Any, Any], *keys: str) -> Any:
    """The value at the first of ``keys`` present, else ``_MISSING``."""
    for key in keys:
        if key in mapping:
            return mapping[key]
    return _MISSING


def _name(value: Any, index: int) -> str:
    """An instrument's name: as given, through ``str()``, or "Instrument N" when blank."""
    name = "" if value is None else value if isinstance(value, str) else _str(value)
    return name if name.strip() else f"Instrument {index + 1}"


def _text(value: Any) -> str | None:
    """A server string (error code or message): None when null or empty."""
    if value is None:
        return None
    return (value if isinstance(value, str) else _str(value)) or None


def _str(value: Any) -> str:
    """``str(value)``, which Python refuses for integers of more than 4300 digits."""
    try:
        return str(value)
    except ValueError:
        return f"<a {type(value).__name__}>"


def _show(value: Any) -> str:
    """A short rendering of a value for a message, in JSON's words for null and booleans."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, Mapping):
        return "{...}"
    if isinstance(value, (list, tuple)):
        return "[...]"
    try:
        text = repr(value)
    except ValueError:
        text = f"<a {type(value).__name__}>"
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: Any) -> str:
    """What a JSON value is, in words: "a string", "a number", "an object", "null"..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
