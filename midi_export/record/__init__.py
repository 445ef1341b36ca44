"""Records: any payload of the MIDI record API -> ``Record`` / ``Instrument`` / ``Note``.

``model`` holds the types, ``parse`` reads every payload shape, ``values`` the numbers and
texts inside, ``jsontext`` decodes JSON text and ``schema`` is the msgspec fast path for
large records. This package imports nothing of midi-export but ``errors``.
"""

from .jsontext import decode_json
from .model import Instrument, Note, NoteColumns, Record, RecordStatus
from .parse import parse_record

__all__ = ["Instrument", "Note", "NoteColumns", "Record", "RecordStatus", "decode_json",
           "parse_record"]
