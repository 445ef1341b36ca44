"""Callbacks: a body the provider POSTs to a ``callBackUrl`` -> a typed result, and its signature.

Pure: no I/O, no network, no logging. ``make_wsgi_app`` (``service``) serves it over HTTP.

    result = parse_callback(body, headers, hmac_key=key)   # SignatureError, CallbackError
    if isinstance(result, Record):          ...  # MIDI success: convert and write it
    elif isinstance(result, CallbackFailure): ...  # MIDI or separation failed
    elif isinstance(result, SeparationDone):  ...  # stems ready: MIDI can be generated
    elif isinstance(result, TaskAccepted):    ...  # "task created" echo: nothing to do

Shapes told apart (the providers' callback pages):

====================================================================  =========================
body                                                                  result
====================================================================  =========================
``{task_id, code: 200, data: {state, instruments}}``                  ``Record`` (success)
``{code: 200, data: {taskId, state, instruments}}``                   ``Record`` (success)
a record-info body with ``successFlag`` 1 (some relays forward it)    ``Record`` (success)
``{task_id, code: 500, data: null}``, ``{code: 500, data: {taskId}}``  ``CallbackFailure`` midi
``successFlag`` 2 or 3 in a forwarded record-info body                ``CallbackFailure`` midi
``{code: 200, data: {task_id, vocal_removal_info: {..._url}}}``       ``SeparationDone``
(kie.ai also spells it ``vocal_separation_info``)
the same with a code other than 200, or with the info null            ``CallbackFailure``
                                                                      separation
``{code: 200, data: {taskId}}`` and nothing else (a creation echo)    ``TaskAccepted``
not JSON                                                              ``CallbackError`` not-json
anything else, or no task id                                          ``CallbackError``
                                                                      unknown-shape
====================================================================  =========================

The task id is read at ``taskId``, ``task_id``, ``data.taskId``, ``data.task_id`` (a non-empty
string without control characters, at most 200 characters; an integer is read as its
decimal text). A failure body does not always say which stage failed: it is a separation
failure when its ``data`` has the separation info key (even null) or its ``msg`` speaks of
vocals/separation/removal, otherwise a MIDI failure.

Signatures (kie.ai, when the account enables them) are ``signatures``'s: ``verify_signature``
and ``sign`` are re-exported here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeAlias

from ..errors import CallbackError, InvalidRecordError, SignatureError, TaskFailedError
from ..record import Record, RecordStatus, parse_record
from .signatures import DEFAULT_MAX_AGE, sign, verify_signature

__all__ = [
    "DEFAULT_MAX_AGE",
    "Callback",
    "CallbackError",
    "CallbackFailure",
    "SeparationDone",
    "TaskAccepted",
    "canonical_digest",
    "parse_callback",
    "sign",
    "verify_signature",
]

MAX_TASK_ID_CHARS = 200

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SEPARATION_KEYS = ("vocal_removal_info", "vocal_separation_info")
_SEPARATION_WORDS = ("vocal", "separat", "removal", "stem")
_ID_KEYS = ("taskId", "task_id")


# ---------------------------------------------------------------------- results


@dataclasses.dataclass(frozen=True)
class CallbackFailure:
    """The provider reports that a task failed.

    ``stage`` is ``"midi"`` or ``"separation"``; ``code`` the body's ``code`` (None when
    the failure came as a forwarded record-info body); ``message`` its ``msg``;
    ``error_code`` / ``error_message`` the ``errorCode`` / ``errorMessage`` when given.
    ``raw`` is the decoded body.
    """

    task_id: str
    stage: Literal["midi", "separation"]
    code: int | None
    message: str | None
    error_code: str | None = None
    error_message: str | None = None
    raw: Any = dataclasses.field(default=None, repr=False, compare=False)

    def to_error(self) -> TaskFailedError:
        """The ``TaskFailedError`` a caller raises for this failure."""
        what = "separation" if self.stage == "separation" else "MIDI generation"
        reason = self.error_message or self.message or "no reason given"
        code = self.error_code or (str(self.code) if self.code is not None else None)
        return TaskFailedError(
            f"task {self.task_id!r}: {what} failed ({reason}"
            + (f", code {code})" if code else ")"),
            task_id=self.task_id,
            status=f"{self.stage}-failed",
            error_code=code,
            error_message=self.error_message or self.message,
        )


@dataclasses.dataclass(frozen=True)
class SeparationDone:
    """A vocal separation finished: its stems' audio URLs by stem name.

    ``stems`` maps ``"vocal"``, ``"instrumental"``, ``"drums"``, ``"backing_vocals"``...
    (the info's ``<name>_url`` keys without ``_url``; empty URLs left out) to URLs;
    ``origin_url`` is the mix it came from (often empty). The task id is the separation
    task's: it is what ``create_midi_task`` takes.
    """

    task_id: str
    stems: Mapping[str, str]
    origin_url: str | None = None
    message: str | None = None
    raw: Any = dataclasses.field(default=None, repr=False, compare=False)


@dataclasses.dataclass(frozen=True)
class TaskAccepted:
    """``{"code": 200, "data": {"taskId": ...}}``: the answer of a create call, echoed to the
    callback URL by some relays. Carries no result."""

    task_id: str
    raw: Any = dataclasses.field(default=None, repr=False, compare=False)


Callback: TypeAlias = "Record | CallbackFailure | SeparationDone | TaskAccepted"
"""What ``parse_callback`` returns; a ``Record`` is always a MIDI success with a task id."""


# ---------------------------------------------------------------------- parsing


def parse_callback(
    body: bytes | bytearray | memoryview | str,
    headers: Mapping[str, str] | None = None,
    *,
    hmac_key: str | bytes | Iterable[str | bytes] | None = None,
    max_age: float = DEFAULT_MAX_AGE,
    now: float | None = None,
) -> Callback:
    """Read a callback body (see the module docstring for every shape) and, when
    ``hmac_key`` is given, check its signature in ``headers`` (``verify_signature``).

    Raises ``CallbackError`` for a body that is not JSON or not a known callback (nothing
    about it can be trusted, so nothing should be written), ``SignatureError`` when a key is
    given and the signature does not hold. The signature is checked after parsing because it
    signs the task id the body carries; a body with no task id fails before any check.
    """
    payload = _decode(body)
    result = classify(payload)
    if hmac_key is not None:
        task_id = result.task_id
        assert task_id is not None  # classify() never returns a result without one
        try:
            verify_signature(hmac_key, task_id, headers or {}, max_age=max_age, now=now)
        except SignatureError as exc:
            exc.task_id = task_id
            raise
    return result


def classify(payload: Any) -> Callback:
    """``parse_callback`` on an already decoded body, without the signature check."""
    if not isinstance(payload, Mapping):
        raise CallbackError(
            f"the body is {_kind(payload)}, not a JSON object", reason="unknown-shape"
        )
    code = _code(payload)
    message = _text(payload.get("msg", payload.get("message")))
    data = payload.get("data")
    info: Mapping[Any, Any] = data if isinstance(data, Mapping) else {}
    task_id = _task_id(payload, "") or _task_id(info, "data.")

    if _is_separation(info, code, message):
        if task_id is None:
            raise _no_task_id()
        stems_info = next((info[k] for k in _SEPARATION_KEYS if k in info), None)
        if code not in (None, 200) or not isinstance(stems_info, Mapping):
            return CallbackFailure(
                task_id=task_id,
                stage="separation",
                code=code,
                message=message,
                error_code=_text(info.get("errorCode")),
                error_message=_text(info.get("errorMessage")),
                raw=payload,
            )
        stems = {
            str(key)[:-4]: value
            for key, value in stems_info.items()
            if isinstance(key, str) and key.endswith("_url") and key != "origin_url"
            and isinstance(value, str) and value
        }
        return SeparationDone(
            task_id=task_id,
            stems=stems,
            origin_url=_text(stems_info.get("origin_url")),
            message=message,
            raw=payload,
        )

    if code is not None and code != 200:
        if task_id is None:
            raise CallbackError(
                f"code {code} without a task id: an API error answer, not a callback",
                reason="unknown-shape",
                where="code",
            )
        return CallbackFailure(
            task_id=task_id,
            stage="midi",
            code=code,
            message=message,
            error_code=_text(info.get("errorCode")),
            error_message=_text(info.get("errorMessage")),
            raw=payload,
        )

    if isinstance(data, Mapping) and task_id is not None and _only_ids(data):
        return TaskAccepted(task_id=task_id, raw=payload)

    if data is None and code is not None:
        raise CallbackError("code 200 but no data: nothing to read", reason="unknown-shape",
                            where="data")
    try:
        record = parse_record(payload)
    except InvalidRecordError as exc:
        raise CallbackError(
            f"not a callback this receiver knows: {exc}", reason="unknown-shape", where=exc.where
        ) from None
    if record.task_id is None:
        raise _no_task_id()
    _check_task_id(record.task_id, "taskId")
    if record.status is RecordStatus.PENDING:
        raise CallbackError(
            "a pending record is not a callback (successFlag 0)",
            reason="unknown-shape",
            where="data.successFlag",
        )
    if record.status is not RecordStatus.SUCCESS:
        return CallbackFailure(
            task_id=record.task_id,
            stage="midi",
            code=None,
            message=message,
            error_code=record.error_code,
            error_message=record.error_message,
            raw=payload,
        )
    return record


def canonical_digest(payload: Any) -> str:
    """A hex SHA-256 of a decoded body's canonical JSON (sorted keys, no spaces): two
    deliveries have the same content when their digests are equal, whatever their key
    order or white space."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=True)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# ---------------------------------------------------------------------- helpers


def _decode(body: bytes | bytearray | memoryview | str) -> Any:
    if isinstance(body, (bytearray, memoryview)):
        body = bytes(body)
    if isinstance(body, bytes) and body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        where = None
        if isinstance(exc, json.JSONDecodeError):
            where = f"line {exc.lineno} column {exc.colno}"
        raise CallbackError("the body is not JSON", reason="not-json", where=where) from None
    except RecursionError:
        raise CallbackError("the body is nested too deeply", reason="not-json") from None


def _code(payload: Mapping[Any, Any]) -> int | None:
    if "code" not in payload:
        return None
    value = payload["code"]
    if isinstance(value, bool):
        value = None
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise CallbackError("code is not a whole number", reason="unknown-shape", where="code")
    return value


def _task_id(mapping: Mapping[Any, Any], prefix: str) -> str | None:
    for key in _ID_KEYS:
        value = mapping.get(key)
        if type(value) is int:
            value = str(value)
        if isinstance(value, str) and value:
            return _check_task_id(value, prefix + key)
    return None


def _check_task_id(value: str, where: str) -> str:
    if len(value) > MAX_TASK_ID_CHARS or _CONTROL.search(value) or not value.strip():
        raise CallbackError(
            f"{where} is not a usable task id (blank, control characters, or more than "
            f"{MAX_TASK_ID_CHARS} characters)",
            reason="unknown-shape",
            where=where,
        )
    return value


def _is_separation(info: Mapping[Any, Any], code: int | None, message: str | None) -> bool:
    if any(key in info for key in _SEPARATION_KEYS):
        return True
    if code in (None, 200):
        return False
    text = (message or "").lower()
    return any(word in text for word in _SEPARATION_WORDS) and "midi" not in text


def _only_ids(data: Mapping[Any, Any]) -> bool:
    return bool(data) and all(key in _ID_KEYS for key in data)


def _no_task_id() -> CallbackError:
    return CallbackError(
        "no task id at taskId, task_id, data.taskId or data.task_id",
        reason="unknown-shape",
        where="taskId",
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"


