"""Hypothesis strategies for records, shared by the test modules.

Two levels:

- ``records()`` builds ``Record`` objects directly (valid notes only, columns as floats), for
  tests of the converter that should not depend on parsing;
- ``payloads()`` builds JSON-ready payloads in the API's shapes, with numbers sometimes given
  as strings and some invalid notes mixed in, together with the valid notes a correct
  ``parse_record`` keeps: draw ``(payload, expected)`` and compare.

Times are multiples of 1/192 s (what the API sends) or arbitrary floats; velocities are k/127
or arbitrary floats in 0..1; names are General MIDI names, separation stems and odd unicode.
Every strategy gives the same examples for the same seed (hypothesis' usual determinism).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from midi_export.record import Instrument, Note, Record, RecordStatus

__all__ = [
    "GM_NAMES",
    "STEM_NAMES",
    "RefNote",
    "instrument_names",
    "instruments",
    "notes",
    "payloads",
    "records",
    "reference_notes",
    "seconds",
    "velocities",
]

GM_NAMES = (
    "Acoustic Grand Piano",
    "Electric Bass (finger)",
    "String Ensembles 1",
    "String Ensemble 1",
    "SynthStrings 1",
    "Lead 1 (square)",
    "Pad 2 (warm)",
    "Flute",
    "Trumpet",
    "Choir Aahs",
    "Steel Drums",
    "Taiko Drum",
    "Violin",
    "Alto Sax",
    "Distortion Guitar",
    "Church Organ",
    "Marimba",
    "Sitar",
    "Kalimba",
    "Timpani",
)
STEM_NAMES = ("Drums", "vocals", "backing vocals", "bass", "guitar", "keyboard", "strings",
              "brass", "woodwinds", "percussion", "synth", "fx")

# printable and odd unicode, never a lone surrogate (JSON text cannot carry one as UTF-8)
_ODD_NAMES = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=24
)


def instrument_names() -> st.SearchStrategy[str]:
    """GM names, separation stems, or any unicode text (empty, emoji, control characters)."""
    return st.one_of(st.sampled_from(GM_NAMES), st.sampled_from(STEM_NAMES), _ODD_NAMES)


def seconds(max_seconds: float = 30.0) -> st.SearchStrategy[float]:
    """A time in seconds: mostly on the API's 1/192 s grid, sometimes any float."""
    grid = st.integers(0, int(max_seconds * 192)).map(lambda k: k / 192)
    anything = st.floats(0.0, max_seconds, allow_nan=False, allow_infinity=False)
    return st.one_of(grid, grid, anything)


def velocities() -> st.SearchStrategy[float]:
    """A velocity 0..1: mostly k/127 (what the API sends), sometimes any float, 0 and 1."""
    return st.one_of(
        st.integers(0, 127).map(lambda k: k / 127),
        st.floats(0.0, 1.0, allow_nan=False),
        st.sampled_from((0.0, 1.0, 0.49606299212598426)),
    )


@st.composite
def notes(draw: st.DrawFn, max_seconds: float = 30.0, pitches: tuple[int, int] = (0, 127)) -> Note:
    """One valid note; zero-length and very short notes are common."""
    start = draw(seconds(max_seconds))
    length = draw(
        st.one_of(
            st.just(0.0),
            st.integers(0, 192).map(lambda k: k / 192),
            st.floats(0.0, 4.0, allow_nan=False),
        )
    )
    pitch = draw(st.integers(*pitches))
    return Note(pitch, start, start + length, draw(velocities()))


@st.composite
def instruments(
    draw: st.DrawFn,
    max_notes: int = 40,
    max_seconds: float = 30.0,
    names: st.SearchStrategy[str] | None = None,
    min_notes: int = 0,
) -> Instrument:
    """An ``Instrument`` with valid notes; a narrow pitch range makes same-pitch overlaps
    (cut and merged notes) frequent, and duplicates of a note are added now and then."""
    name = draw(names if names is not None else instrument_names())
    low = draw(st.integers(0, 120))
    span = draw(st.sampled_from((1, 3, 12, 127)))
    pitch_range = (low, min(127, low + span))
    items = draw(
        st.lists(notes(max_seconds, pitch_range), min_size=min_notes, max_size=max_notes)
    )
    if items and draw(st.booleans()):
        items.append(draw(st.sampled_from(items)))  # an exact duplicate: merged
    return Instrument(name, items)


@st.composite
def records(
    draw: st.DrawFn,
    min_instruments: int = 1,
    max_instruments: int = 6,
    max_notes: int = 40,
    max_seconds: float = 30.0,
    min_notes: int = 0,
) -> Record:
    """A successful ``Record`` with at least one valid note (so it converts); instruments
    have ``min_notes`` to ``max_notes`` notes (0: some are empty, hence not written)."""
    items = draw(
        st.lists(
            instruments(max_notes=max_notes, max_seconds=max_seconds, min_notes=min_notes),
            min_size=min_instruments,
            max_size=max_instruments,
        )
    )
    if not any(len(ins) for ins in items):
        items.append(draw(instruments(max_notes=max_notes, max_seconds=max_seconds, min_notes=1)))
    task_id = draw(st.one_of(st.none(), st.from_regex(r"[0-9a-f]{8,16}", fullmatch=True)))
    return Record(task_id=task_id, status=RecordStatus.SUCCESS, instruments=items)


def _number_text(value: float) -> Any:
    return st.sampled_from((value, repr(value)))


_INVALID_NOTES = st.sampled_from(
    (
        {"pitch": 60.5, "start": 0.0, "end": 1.0, "velocity": 0.5},
        {"pitch": 128, "start": 0.0, "end": 1.0, "velocity": 0.5},
        {"pitch": -1, "start": 0.0, "end": 1.0, "velocity": 0.5},
        {"pitch": "sixty", "start": 0.0, "end": 1.0, "velocity": 0.5},
        {"pitch": 60, "start": -0.5, "end": 1.0, "velocity": 0.5},
        {"pitch": 60, "start": 2.0, "end": 1.0, "velocity": 0.5},
        {"pitch": 60, "end": 1.0, "velocity": 0.5},
        {"pitch": 60, "start": "soon", "end": 1.0, "velocity": 0.5},
        {"pitch": 60, "start": 0.0, "end": "NaN", "velocity": 0.5},
        {"pitch": 60, "start": 0.0, "end": "inf", "velocity": 0.5},
    )
)


@st.composite
def payloads(
    draw: st.DrawFn, max_instruments: int = 5, max_notes: int = 25, max_seconds: float = 30.0
) -> tuple[dict[str, Any], list[Instrument]]:
    """``(payload, expected)``: a record-info response whose numbers are sometimes strings
    (even within one note) and which mixes in invalid notes, and the instruments with the
    valid notes ``parse_record`` must keep (``dropped`` counts the invalid ones)."""
    expected: list[Instrument] = []
    raw_instruments = []
    # (a blank name is parse_record's business: it names the instrument "Instrument N")
    names = instrument_names().filter(str.strip)
    for _ in range(draw(st.integers(1, max_instruments))):
        ins = draw(instruments(max_notes=max_notes, max_seconds=max_seconds, names=names))
        raw_notes: list[dict[str, Any]] = []
        dropped = 0
        for note in ins.notes:
            if draw(st.integers(0, 9)) == 0:
                raw_notes.append(dict(draw(_INVALID_NOTES)))
                dropped += 1
            pitch = note.pitch if draw(st.booleans()) else str(note.pitch)
            raw_notes.append(
                {
                    "pitch": pitch,
                    "start": draw(_number_text(note.start)),
                    "end": draw(_number_text(note.end)),
                    "velocity": draw(_number_text(note.velocity)),
                }
            )
        raw_instruments.append({"name": ins.name, "notes": raw_notes})
        expected.append(Instrument(ins.name, ins.notes, dropped=dropped))
    if not any(len(ins) for ins in expected):
        raw_instruments.append(
            {"name": "Flute", "notes": [{"pitch": 72, "start": 0, "end": 0.5, "velocity": 1}]}
        )
        expected.append(Instrument("Flute", [Note(72, 0.0, 0.5, 1.0)]))
    payload = {
        "code": 200,
        "msg": "success",
        "data": {
            "taskId": draw(st.from_regex(r"[0-9a-f]{12}", fullmatch=True)),
            "successFlag": 1,
            "completeTime": 1760335255000,
            "midiData": {"state": "complete", "instruments": raw_instruments},
            "errorCode": None,
            "errorMessage": None,
        },
    }
    return payload, expected


class RefNote:
    """A note as a file must hold it, by the documented rules (see ``reference_notes``).

    ``start_seconds`` is the record's start; ``end_seconds`` the time the end must be within
    half a tick of (the record's end, a cutting note's start, a merged note's end), or None
    when the end was moved to give the note its minimum of one tick.
    """

    __slots__ = ("end_seconds", "end_tick", "index", "pitch", "start_seconds", "start_tick",
                 "velocity")

    def __init__(self, pitch: int, start_tick: int, end_tick: int, velocity: int,
                 start_seconds: float, end_seconds: float | None, index: int) -> None:
        self.pitch = pitch
        self.start_tick = start_tick
        self.end_tick = end_tick
        self.velocity = velocity
        self.start_seconds = start_seconds
        self.end_seconds = end_seconds
        self.index = index

    def key(self) -> tuple[int, int, int, int]:
        return (self.start_tick, self.pitch, self.end_tick, self.velocity)

    def __repr__(self) -> str:
        return (f"RefNote(pitch={self.pitch}, ticks={self.start_tick}..{self.end_tick}, "
                f"velocity={self.velocity})")


def reference_notes(ins: Instrument, to_tick: Any) -> tuple[list[RefNote], int, int]:
    """The notes of ``ins`` a file must hold, the slow and obvious way, and (cut, merged).

    ``to_tick`` turns seconds into a tick (``TempoMap.to_tick``). Rules: velocity
    ``round(v * 127)`` clamped to 1..127; at least one tick; notes by (start tick, pitch,
    index); a same-pitch note starting on the same tick as the kept one merges into it (the
    longer end, the louder velocity); one starting before the kept one ends cuts it there.
    """
    items = []
    for index, (pitch, start, end, velocity) in enumerate(ins.notes):
        start_tick = to_tick(start)
        end_tick = to_tick(end)
        end_seconds: float | None = end
        if end_tick <= start_tick:
            end_tick, end_seconds = start_tick + 1, None
        midi_velocity = min(127, max(1, round(velocity * 127)))
        items.append(RefNote(pitch, start_tick, end_tick, midi_velocity, start, end_seconds,
                             index))
    items.sort(key=lambda n: (n.start_tick, n.pitch, n.index))
    kept: dict[int, RefNote] = {}
    out: list[RefNote] = []
    cut = merged = 0
    for note in items:
        previous = kept.get(note.pitch)
        if previous is not None and note.start_tick == previous.start_tick:
            merged += 1
            if note.end_tick > previous.end_tick:
                previous.end_tick, previous.end_seconds = note.end_tick, note.end_seconds
            previous.velocity = max(previous.velocity, note.velocity)
            continue
        if previous is not None and note.start_tick < previous.end_tick:
            cut += 1
            previous.end_tick, previous.end_seconds = note.start_tick, note.start_seconds
        out.append(note)
        kept[note.pitch] = note
    return out, cut, merged
