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
    from .api.callbacks import (
        CallbackFailure,
        SeparationDone,
        TaskAccepted,
        parse_callback,
        verify_signature,
    )
    from .api.client import Client, FetchResult
    from .api.create import CreatedTask
    from .api.separation import Separation, SeparationStatus, Stem
    from .api.service import make_wsgi_app
    from .errors import (
        AccountError,
        AuthenticationError,
        CallbackError,
        CreateUncertainError,
        EmptyMidiDataError,
        ExitCode,
        InvalidRecordError,
        InvalidResponseError,
        MidiExportError,
        MissingDependencyError,
        OutputError,
        OutputExistsError,
        RateLimitedError,
        RenderError,
        ServiceError,
        SignatureError,
        TaskFailedError,
        TaskNotFoundError,
        TaskPendingError,
        TaskUnusableError,
        UsageError,
    )
    from .export import ExportResult, export_task
    from .loop import GenerateProgress, GenerateResult, generate
    from .midi.clean import CleanSettings
    from .midi.conversion import Conversion
    from .midi.convert import convert
    from .midi.option_reports import CleanReport, DrumsReport
    from .midi.report import ConversionReport, InstrumentReport
    from .midi.tempo_map import TempoMap
    from .music.analyse import Analysis, analyse, estimate_key, estimate_metre
    from .music.drum_maps import DrumMap, parse_drum_map
    from .music.estimates import MetreEstimate, TempoCandidate
    from .music.gm import ProgramMatch, gm_program
    from .music.key import KeyEstimate
    from .music.tempo import TempoEstimate, estimate_tempo
    from .pm import to_pretty_midi
    from .preview import preview_figure, preview_png
    from .record import Instrument, Note, Record, RecordStatus, parse_record
    from .render import Renderer
    from .writer import midi_to_bytes, write_midi

# public name -> the module (inside this package) that defines it
_HOMES: dict[str, str] = {
    "AccountError": "errors",
    "Analysis": "music.analyse",
    "AuthenticationError": "errors",
    "CallbackError": "errors",
    "CallbackFailure": "api.callbacks",
    "CleanReport": "midi.option_reports",
    "CleanSettings": "midi.clean",
    "Client": "api.client",
    "Conversion": "midi.conversion",
    "ConversionReport": "midi.report",
    "CreateUncertainError": "errors",
    "CreatedTask": "api.create",
    "DrumMap": "music.drum_maps",
    "DrumsReport": "midi.option_reports",
    "EmptyMidiDataError": "errors",
    "ExitCode": "errors",
    "ExportResult": "export",
    "FetchResult": "api.client",
    "GenerateProgress": "loop",
    "GenerateResult": "loop",
    "Instrument": "record",
    "InstrumentReport": "midi.report",
    "InvalidRecordError": "errors",
    "InvalidResponseError": "errors",
    "KeyEstimate": "music.key",
    "MetreEstimate": "music.estimates",
    "MidiExportError": "errors",
    "MissingDependencyError": "errors",
    "Note": "record",
    "OutputError": "errors",
    "OutputExistsError": "errors",
    "ProgramMatch": "music.gm",
    "RateLimitedError": "errors",
    "Record": "record",
    "RecordStatus": "record",
    "RenderError": "errors",
    "Renderer": "render",
    "Separation": "api.separation",
    "SeparationDone": "api.callbacks",
    "SeparationStatus": "api.separation",
    "ServiceError": "errors",
    "SignatureError": "errors",
    "Stem": "api.separation",
    "TaskAccepted": "api.callbacks",
    "TaskFailedError": "errors",
    "TaskNotFoundError": "errors",
    "TaskPendingError": "errors",
    "TaskUnusableError": "errors",
    "TempoCandidate": "music.estimates",
    "TempoEstimate": "music.tempo",
    "TempoMap": "midi.tempo_map",
    "UsageError": "errors",
    "analyse": "music.analyse",
    "convert": "midi.convert",
    "estimate_key": "music.analyse",
    "estimate_metre": "music.analyse",
    "estimate_tempo": "music.tempo",
    "export_task": "export",
    "generate": "loop",
    "gm_program": "music.gm",
    "make_wsgi_app": "api.service",
    "midi_to_bytes": "writer",
    "parse_callback": "api.callbacks",
    "parse_drum_map": "music.drum_maps",
    "parse_record": "record",
    "preview_figure": "preview",
    "preview_png": "preview",
    "to_pretty_midi": "pm",
    "verify_signature": "api.callbacks",
    "write_midi": "writer",
}

__all__ = [
    "AccountError",
    "Analysis",
    "AuthenticationError",
    "CallbackError",
    "CallbackFailure",
    "CleanReport",
    "CleanSettings",
    "Client",
    "Conversion",
    "ConversionReport",
    "CreateUncertainError",
    "CreatedTask",
    "DrumMap",
    "DrumsReport",
    "EmptyMidiDataError",
    "ExitCode",
    "ExportResult",
    "FetchResult",
    "GenerateProgress",
    "GenerateResult",
    "Instrument",
    "InstrumentReport",
    "InvalidRecordError",
    "InvalidResponseError",
    "KeyEstimate",
    "MetreEstimate",
    "MidiExportError",
    "MissingDependencyError",
    "Note",
    "OutputError",
    "OutputExistsError",
    "ProgramMatch",
    "RateLimitedError",
    "Record",
    "RecordStatus",
    "RenderError",
    "Renderer",
    "Separation",
    "SeparationDone",
    "SeparationStatus",
    "ServiceError",
    "SignatureError",
    "Stem",
    "TaskAccepted",
    "TaskFailedError",
    "TaskNotFoundError",
    "TaskPendingError",
    "TaskUnusableError",
    "TempoCandidate",
    "TempoEstimate",
    "TempoMap",
    "UsageError",
    "__version__",
    "analyse",
    "convert",
    "estimate_key",
    "estimate_metre",
    "estimate_tempo",
    "export_task",
    "generate",
    "gm_program",
    "make_wsgi_app",
    "midi_to_bytes",
    "parse_callback",
    "parse_drum_map",
    "parse_record",
    "preview_figure",
    "preview_png",
    "to_pretty_midi",
    "verify_signature",
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
