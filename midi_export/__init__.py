"""midi-export: turn the note data of the MIDI record API into General MIDI files.

The three steps are separate so each can be used (and tested) on its own::

    from midi_export import parse_record, convert, write_midi

    record = parse_record(open("record.json", "rb").read())
    conversion = convert(record, bpm=120)
    write_midi(conversion, "song.mid")

Names are imported on first use (PEP 562), so ``import midi_export`` and ``fetch-mid --help``
stay instant and nothing pulls in ``requests`` or ``mido`` until it is needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .api.client import Client, FetchResult
    from .errors import (
        AccountError,
        AuthenticationError,
        EmptyMidiDataError,
        ExitCode,
        InvalidRecordError,
        InvalidResponseError,
        MidiExportError,
        OutputError,
        OutputExistsError,
        RateLimitedError,
        ServiceError,
        TaskFailedError,
        TaskNotFoundError,
        TaskPendingError,
        TaskUnusableError,
        UsageError,
    )
    from .export import ExportResult, export_task
    from .midi.conversion import Conversion
    from .midi.convert import convert
    from .midi.report import ConversionReport, InstrumentReport
    from .midi.tempo_map import TempoMap
    from .music.gm import ProgramMatch, gm_program
    from .music.tempo import TempoEstimate, estimate_tempo
    from .pm import to_pretty_midi
    from .record import Instrument, Note, Record, RecordStatus, parse_record
    from .writer import midi_to_bytes, write_midi

# public name -> the module (inside this package) that defines it
_HOMES: dict[str, str] = {
    "AccountError": "errors",
    "AuthenticationError": "errors",
    "Client": "api.client",
    "Conversion": "midi.conversion",
    "ConversionReport": "midi.report",
    "EmptyMidiDataError": "errors",
    "ExitCode": "errors",
    "ExportResult": "export",
    "FetchResult": "api.client",
    "Instrument": "record",
    "InstrumentReport": "midi.report",
    "InvalidRecordError": "errors",
    "InvalidResponseError": "errors",
    "MidiExportError": "errors",
    "Note": "record",
    "OutputError": "errors",
    "OutputExistsError": "errors",
    "ProgramMatch": "music.gm",
    "RateLimitedError": "errors",
    "Record": "record",
    "RecordStatus": "record",
    "ServiceError": "errors",
    "TaskFailedError": "errors",
    "TaskNotFoundError": "errors",
    "TaskPendingError": "errors",
    "TaskUnusableError": "errors",
    "TempoEstimate": "music.tempo",
    "TempoMap": "midi.tempo_map",
    "UsageError": "errors",
    "convert": "midi.convert",
    "estimate_tempo": "music.tempo",
    "export_task": "export",
    "gm_program": "music.gm",
    "midi_to_bytes": "writer",
    "parse_record": "record",
    "to_pretty_midi": "pm",
    "write_midi": "writer",
}

__all__ = [
    "AccountError",
    "AuthenticationError",
    "Client",
    "Conversion",
    "ConversionReport",
    "EmptyMidiDataError",
    "ExitCode",
    "ExportResult",
    "FetchResult",
    "Instrument",
    "InstrumentReport",
    "InvalidRecordError",
    "InvalidResponseError",
    "MidiExportError",
    "Note",
    "OutputError",
    "OutputExistsError",
    "ProgramMatch",
    "RateLimitedError",
    "Record",
    "RecordStatus",
    "ServiceError",
    "TaskFailedError",
    "TaskNotFoundError",
    "TaskPendingError",
    "TaskUnusableError",
    "TempoEstimate",
    "TempoMap",
    "UsageError",
    "__version__",
    "convert",
    "estimate_tempo",
    "export_task",
    "gm_program",
    "midi_to_bytes",
    "parse_record",
    "to_pretty_midi",
    "write_midi",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'midi_export' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
