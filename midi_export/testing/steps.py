"""The stand-in's scripted answers: ``Step`` and the functions that build them (``success``,
``pending``, ``http_error``...), and the record payloads they serve.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, Literal

__all__ = [
    "COMPLETE_TIME",
    "CREATE_TIME",
    "RECORD_INFO_PATH",
    "Step",
    "StepContext",
    "body_code",
    "cut_short",
    "dumps",
    "empty",
    "failed",
    "http_error",
    "no_length",
    "not_found",
    "pending",
    "record_body",
    "redirect",
    "respond",
    "sample_record",
    "slow",
    "success",
    "unauthorized",
]

RECORD_INFO_PATH = "/api/v1/midi/record-info"
CREATE_TIME = 1760335251000
COMPLETE_TIME = 1760335255000


@dataclasses.dataclass(frozen=True)
class StepContext:
    task_id: str
    record: bytes | None


@dataclasses.dataclass(frozen=True)
class Step:
    """One scripted answer; build them with the functions of this module.

    ``make`` gives the body for the task at hand; ``delay`` waits before answering;
    ``cut`` sends only that fraction of the body and closes the connection (announcing the
    full length when ``declare_full_length``, a matching shorter one otherwise);
    ``send_length=False`` sends no ``Content-Length`` and ends the body by closing.
    """

    status: int = 200
    make: Callable[[StepContext], bytes] = lambda ctx: ctx.record or b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    cut: float | None = None
    declare_full_length: bool = True
    send_length: bool = True


# ---------------------------------------------------------------------- payloads


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def _envelope(data: Any, code: int = 200, msg: str = "success") -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": data}


def _data(task_id: str, flag: int, midi_data: Any, **extra: Any) -> dict[str, Any]:
    return {
        "taskId": task_id,
        "recordTaskId": -1,
        "audioId": "e231xxxx-xxxx-xxxx-xxxx-xxxx8cadc7dc",
        "callbackUrl": None,
        "completeTime": COMPLETE_TIME if flag else None,
        "midiData": midi_data,
        "successFlag": flag,
        "createTime": CREATE_TIME,
        "errorCode": None,
        "errorMessage": None,
        **extra,
    }


def sample_record(task_id: str = "demo-song") -> dict[str, Any]:
    """A small successful record (drums, bass, piano) in the API's envelope."""

    def notes(pitches: Sequence[int], step: float, length: float, velocity: int) -> list[Any]:
        return [
            {"pitch": p, "start": i * step, "end": i * step + length, "velocity": velocity / 127}
            for i, p in enumerate(pitches)
        ]

    instruments = [
        {"name": "Drums", "notes": notes([36, 42, 38, 42] * 4, 0.25, 0.125, 100)},
        {"name": "Electric Bass (finger)", "notes": notes([40, 40, 43, 45] * 2, 0.5, 0.375, 90)},
        {"name": "Acoustic Grand Piano", "notes": notes([64, 67, 71, 72], 1.0, 0.875, 80)},
    ]
    return _envelope(_data(task_id, 1, {"state": "complete", "instruments": instruments}))


def record_body(payload: Any) -> bytes:
    """A record as served: bytes/str verbatim; a mapping in the envelope (added if missing)."""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if isinstance(payload, Mapping) and "code" not in payload:
        payload = _envelope(dict(payload))
    return dumps(payload)


# ---------------------------------------------------------------------- steps


def respond(
    status: int,
    body: bytes | str | Any = b"",
    *,
    content_type: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Step:
    """Any answer: bytes or str sent as they are, anything else as JSON."""
    if isinstance(body, (bytes, str)):
        data = body.encode("utf-8") if isinstance(body, str) else body
        kind = content_type or "text/plain; charset=utf-8"
    else:
        data = dumps(body)
        kind = content_type or "application/json"
    return Step(status=status, make=lambda ctx: data, content_type=kind,
                headers=tuple((headers or {}).items()))


def success(record: Any = None) -> Step:
    """The record (any payload shape), or the task's own, or ``sample_record``."""
    given = None if record is None else record_body(record)

    def make(ctx: StepContext) -> bytes:
        return given or ctx.record or dumps(sample_record(ctx.task_id))

    return Step(make=make)


def pending() -> Step:
    """``successFlag`` 0 with ``midiData: null``."""
    return Step(make=lambda ctx: dumps(_envelope(_data(ctx.task_id, 0, None))))


def failed(
    flag: Literal[2, 3] = 3, *, error_code: str | None = None, error_message: str | None = None
) -> Step:
    """``successFlag`` 2 (task creation failed) or 3 (MIDI generation failed)."""
    code = error_code or ("CREATE_TASK_FAILED" if flag == 2 else "MIDI_GENERATION_FAILED")
    message = error_message or ("Failed to create task" if flag == 2 else "MIDI generation failed")
    return Step(make=lambda ctx: dumps(_envelope(_data(
        ctx.task_id, flag, None, completeTime=None, errorCode=code, errorMessage=message
    ))))


def empty(
    shape: Literal["no-instruments", "null", "empty-object", "empty-notes"] = "no-instruments",
) -> Step:
    """A success without notes, in one of the shapes the API uses (split_stem tasks)."""
    midi_data: Any = {
        "no-instruments": {"state": "complete", "instruments": []},
        "null": None,
        "empty-object": {},
        "empty-notes": {"state": "complete", "instruments": [{"name": "Drums", "notes": []}]},
    }[shape]
    return Step(make=lambda ctx: dumps(_envelope(_data(ctx.task_id, 1, midi_data))))


def body_code(
    code: int,
    msg: str | None = None,
    *,
    http_status: int = 200,
    retry_after: float | str | None = None,
) -> Step:
    """The error envelope ``{"code": code, "msg": msg, "data": null}`` (with HTTP 200)."""
    defaults = {
        401: "You do not have access permissions",
        402: "Insufficient credits",
        405: "Rate limit exceeded",
        422: "recordInfo is null",
        429: "The current credits are insufficient. Please top up.",
        430: "Your call frequency is too high. Please try again later.",
        455: "System maintenance",
        500: "Server error",
    }
    text = msg if msg is not None else defaults.get(code, f"error {code}")
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return respond(http_status, _envelope(None, code, text), headers=headers)


def http_error(
    status: int,
    body: bytes | str | None = None,
    *,
    retry_after: float | str | None = None,
    content_type: str | None = None,
) -> Step:
    """An HTTP error from whatever stands in front of the API (an HTML page by default)."""
    if body is None:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
        body = (
            f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n"
        )
        content_type = content_type or "text/html"
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return respond(status, body, content_type=content_type, headers=headers)


def unauthorized() -> Step:
    """``{"code": 401, ...}`` with HTTP 200, as the API answers a wrong key."""
    return body_code(401)


def not_found() -> Step:
    """``{"code": 422, "msg": "recordInfo is null"}``: an unknown (or just created) task."""
    return body_code(422, "recordInfo is null")


def cut_short(
    fraction: float = 0.5, *, declare_full_length: bool = True, then: Step | None = None
) -> Step:
    """The success answer (or ``then``) cut after ``fraction`` of its body."""
    return dataclasses.replace(then or success(), cut=fraction,
                               declare_full_length=declare_full_length)


def slow(seconds: float, then: Step | None = None) -> Step:
    """The success answer (or ``then``) after ``seconds`` of silence."""
    return dataclasses.replace(then or success(), delay=seconds)


def no_length(then: Step | None = None) -> Step:
    """The success answer (or ``then``) without ``Content-Length``, ended by closing."""
    return dataclasses.replace(then or success(), send_length=False)


def redirect(location: str, status: int = 302) -> Step:
    """An HTTP redirect to ``location`` (used as given)."""
    return respond(status, b"", headers={"Location": location})
