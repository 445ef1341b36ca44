"""JSON text -> Python objects, as every part of midi-export decodes it, with errors that say
where (``line L column C``) and whether the text was cut short.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import InvalidRecordError

if TYPE_CHECKING:
    import json

__all__ = ["MSGSPEC_MIN_SIZE", "decode_json", "is_large"]

# Large records are decoded with msgspec: on a 300,000-note record (29 MB) it takes 0.20 s
# against json's 0.48 s, and its peak memory stays at json.load's (132 vs 129 MB), whereas
# orjson, as fast, peaks at 203 MB because it builds an intermediate document first
# (measured with /usr/bin/time -f %M, see the README's benchmark section). Importing msgspec
# costs about 7 ms on top of what click already loads, and json decodes ~12 us/KB against
# msgspec's ~2.5 us/KB, so below ~700 KB the stdlib is quicker overall. The choice rests on
# the size alone, so the same text always takes the same path.
MSGSPEC_MIN_SIZE = 640 * 1024


def is_large(text: str | bytes | bytearray | memoryview) -> bool:
    """Whether JSON text is large enough for msgspec (and for ``schema``'s fast path)."""
    return len(text) >= MSGSPEC_MIN_SIZE
_JSON_WORDS = ("true", "false", "null", "NaN", "Infinity", "-Infinity")


def decode_json(text: str | bytes | bytearray | memoryview) -> Any:
    """Decode JSON text as every part of midi-export does; ``InvalidRecordError`` if it isn't.

    msgspec for large input; the stdlib for small input and for whatever msgspec refuses
    (``NaN``/``Infinity`` literals, a BOM, numbers beyond a float), so the stdlib's reading
    and its error positions (line and column) are what users get.
    """
    if is_large(text):
        import msgspec

        try:
            return msgspec.json.decode(text)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            pass  # the stdlib decides (msgspec's depth limit is a RecursionError)
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
