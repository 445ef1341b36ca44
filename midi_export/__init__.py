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
    from .converter import Conversion, ConversionReport, InstrumentReport, convert
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
    from .fetcher import Client, FetchResult
    from .gm import ProgramMatch, gm_program
    from .pm import to_pretty_midi
    from .records import Instrument, Note, Record, RecordStatus, parse_record
    from .tempo import TempoEstimate, estimate_tempo
    from .timing import TempoMap
    from .writer import midi_to_bytes, write_midi

# public name -> the module (inside this package) that defines it
_HOMES: dict[str, str] = {
    "AccountError": "errors",
    "AuthenticationError": "errors",
    "Client": "fetcher",
    "Conversion": "converter",
    "ConversionReport": "converter",
    "EmptyMidiDataError": "errors",
    "ExitCode": "errors",
    "ExportResult": "export",
    "FetchResult": "fetcher",
    "Instrument": "records",
    "InstrumentReport": "converter",
    "InvalidRecordError": "errors",
    "InvalidResponseError": "errors",
    "MidiExportError": "errors",
    "Note": "records",
    "OutputError": "errors",
    "OutputExistsError": "errors",
    "ProgramMatch": "gm",
    "RateLimitedError": "errors",
    "Record": "records",
    "RecordStatus": "records",
    "ServiceError": "errors",
    "TaskFailedError": "errors",
    "TaskNotFoundError": "errors",
    "TaskPendingError": "errors",
    "TaskUnusableError": "errors",
    "TempoEstimate": "tempo",
    "TempoMap": "timing",
    "UsageError": "errors",
    "convert": "converter",
    "estimate_tempo": "tempo",
    "export_task": "export",
    "gm_program": "gm",
    "midi_to_bytes": "writer",
    "parse_record": "records",
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
