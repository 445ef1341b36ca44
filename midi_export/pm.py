"""The converted file as a ``pretty_midi.PrettyMIDI``, for DAW tooling that works in pretty_midi.

    from midi_export import parse_record, to_pretty_midi

    pm = to_pretty_midi(parse_record(payload), bpm="auto")
    pm.get_downbeats(), [(i.name, i.program, i.is_drum) for i in pm.instruments]

The object is read from the file's own bytes, so its notes, programs, ``is_drum`` flags, tempo
changes and time signatures are exactly what a DAW importing the ``.mid`` sees (the same
ticks, the same rounding). The file stores names as UTF-8, which pretty_midi reads as
latin-1 by default: the object is made with ``charset="utf-8"`` (so ``pm.write`` keeps such
names too), and where pretty_midi is too old for that, the names are set again from the
conversion report.

pretty_midi (and numpy) are imported when ``to_pretty_midi`` is called, not before.
"""

from __future__ import annotations

import inspect
import io
import warnings
from typing import TYPE_CHECKING, Any

from .midi.conversion import Conversion
from .midi.convert import convert
from .record import Record

if TYPE_CHECKING:
    import pretty_midi

__all__ = ["to_pretty_midi"]


def to_pretty_midi(
    record_or_conversion: Record | Conversion, **convert_options: Any
) -> pretty_midi.PrettyMIDI:
    """A ``pretty_midi.PrettyMIDI`` of a record (converted with ``convert_options``, the
    keyword arguments of ``convert``) or of a ready ``Conversion``.

    One pretty_midi instrument per written instrument track, in track order, named with the
    instrument's original name. Options with a ``Conversion`` raise ``TypeError`` (it is
    converted already).
    """
    if isinstance(record_or_conversion, Conversion):
        if convert_options:
            raise TypeError(
                "to_pretty_midi() takes convert options only with a Record, not a Conversion: "
                f"{', '.join(sorted(convert_options))}"
            )
        conversion = record_or_conversion
    elif isinstance(record_or_conversion, Record):
        conversion = convert(record_or_conversion, **convert_options)
    else:
        raise TypeError(
            "to_pretty_midi() needs a Record or a Conversion, "
            f"not {type(record_or_conversion).__name__}"
        )
    import pretty_midi

    data = io.BytesIO(conversion.to_bytes())
    with warnings.catch_warnings():
        # a key signature is repeated on the melodic tracks (MuseScore reads it only there):
        # pretty_midi reads track 0's and warns of the others, which say the same
        warnings.filterwarnings("ignore", "Tempo, Key or Time signature change events found "
                                "on non-zero tracks", RuntimeWarning)
        if "charset" in inspect.signature(pretty_midi.PrettyMIDI).parameters:
            pm = pretty_midi.PrettyMIDI(data, charset="utf-8")
        else:  # pragma: no cover  (pretty_midi before 0.2.11)
            pm = pretty_midi.PrettyMIDI(data)
    _fix_names(pm, [ins.name for ins in conversion.report.instruments if ins.written])
    return pm


def _fix_names(pm: Any, names: list[str]) -> None:
    """Set each instrument's name to the report's where pretty_midi read it otherwise.

    pretty_midi makes one instrument per track here (each track has one program, one
    channel and at least one note), in track order. A name UTF-8 cannot hold (a lone
    surrogate, written as ``?``) stays as the file has it.
    """
    instruments = pm.instruments
    if len(instruments) != len(names):  # pragma: no cover  (a pretty_midi grouping otherwise)
        return
    for instrument, name in zip(instruments, names, strict=True):
        if instrument.name != name and _encodable(name):
            instrument.name = name


def _encodable(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
