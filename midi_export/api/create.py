"""Creating work: what each answer to a create POST means, and when one may be sent again.

A separation is **billed on every call**, even for the same track, so a create POST is sent
again only when the API cannot have acted on it:

=====================================================  =========================================
what happened                                          outcome
=====================================================  =========================================
connection refused, no route, DNS failure, connect     retried (no TCP connection was made, so
time-out                                               nothing was sent)
body code 405 / 430, a 429 about rate (not credits),   retried after ``Retry-After`` or the
HTTP 429 without an envelope, body code 455            back-off: the API says nothing was made
code 200 with ``data.taskId``                          ``CreatedTask``
code 401 / 403                                         ``AuthenticationError``
code 402, a 429 about credits                          ``AccountError``
code 400 / 404 / 413 / 422                             ``UsageError`` (the API refused it)
code 501 / 505                                         ``TaskFailedError`` / ``ServiceError``
a redirect                                             ``ServiceError``: never re-sent elsewhere
a read time-out, a reset or cut connection, code 500   ``CreateUncertainError``, not retried: the
or any other 5xx, HTTP 5xx, a 2xx that is not JSON     message says to look at the account's
or holds no task id                                    tasks before trying again
=====================================================  =========================================

``Client.create_separation`` / ``create_midi_task`` send the POSTs (``transport.post``, a
fresh connection each) through the client's retry loop; this module builds their bodies and
reads their answers.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from ..errors import (
    AccountError,
    AuthenticationError,
    CreateUncertainError,
    InvalidResponseError,
    MidiExportError,
    RateLimitedError,
    ServiceError,
    TaskFailedError,
    UsageError,
)
from .answers import Retry, about_credits, envelope_code, parse_retry_after
from .safety import check_task_id

if TYPE_CHECKING:
    from .safety import Redactor
    from .transport import Transport

__all__ = [
    "MIDI_GENERATE_PATH",
    "PLACEHOLDER_CALLBACK_URL",
    "SEPARATION_PATH",
    "SEPARATION_TYPES",
    "CreatePolicy",
    "CreatedTask",
    "check_callback_url",
    "midi_payload",
    "never_sent",
    "separation_payload",
]

SEPARATION_PATH = "/api/v1/vocal-removal/generate"
MIDI_GENERATE_PATH = "/api/v1/midi/generate"
SEPARATION_TYPES = ("split_stem", "separate_vocal", "split_stem_advanced")
# The docs mark callBackUrl required; a client that only polls sends one that goes nowhere:
# ".invalid" never resolves (RFC 2606), so the provider's delivery fails at once.
PLACEHOLDER_CALLBACK_URL = "https://callback.invalid/midi-export/polling"

Kind = Literal["separation", "midi"]

_SAFE_RATE_CODES = frozenset({405, 429, 430})
_REFUSED_CODES = frozenset({400, 404, 413, 422})


@dataclasses.dataclass(frozen=True)
class CreatedTask:
    """The answer of a create call: the new task's id (what its record-info takes), its
    ``kind`` (``"separation"`` or ``"midi"``), the body as received, and the attempts."""

    task_id: str
    kind: Kind
    body: bytes = dataclasses.field(repr=False)
    attempts: int = 1


def check_callback_url(url: str | None) -> str:
    """The ``callBackUrl`` to send: ``url`` (an http(s) URL without credentials), or the
    placeholder when None (the caller then polls)."""
    if url is None:
        return PLACEHOLDER_CALLBACK_URL
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except (ValueError, TypeError):
        raise UsageError(f"the callback URL is not a valid URL: {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"the callback URL must be an http(s):// URL, not {url!r}")
    if parts.username is not None or parts.password is not None:
        raise UsageError("the callback URL must not contain a user name or password")
    return url


def separation_payload(
    task_id: str,
    audio_id: str,
    type: str,
    callback_url: str | None,
    stem_name: str | None,
) -> dict[str, Any]:
    """The body of ``POST /api/v1/vocal-removal/generate``, checked."""
    if type not in SEPARATION_TYPES:
        raise UsageError(
            f"unknown separation type {type!r}; use one of " + ", ".join(SEPARATION_TYPES)
        )
    payload: dict[str, Any] = {
        "taskId": _check_id(task_id, "music task id"),
        "audioId": _check_id(audio_id, "audio id"),
        "type": type,
        "callBackUrl": check_callback_url(callback_url),
    }
    if stem_name is not None:
        payload["stemName"] = stem_name
    elif type == "split_stem_advanced":
        raise UsageError("split_stem_advanced needs a stem name")
    return payload


def midi_payload(
    separation_task_id: str, audio_id: str | None, callback_url: str | None
) -> dict[str, Any]:
    """The body of ``POST /api/v1/midi/generate``, checked."""
    payload: dict[str, Any] = {
        "taskId": _check_id(separation_task_id, "separation task id"),
        "callBackUrl": check_callback_url(callback_url),
    }
    if audio_id is not None:
        payload["audioId"] = _check_id(audio_id, "audio id")
    return payload


def never_sent(exc: BaseException) -> bool:
    """Whether a ``requests`` connection error happened before any byte was sent: refused,
    unreachable, DNS, connect time-out (urllib3's ``NewConnectionError`` and
    ``NameResolutionError`` are ``ConnectTimeoutError``s), never a reset or a cut answer."""
    from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ConnectTimeoutError):
            return True
        if isinstance(item, MaxRetryError):
            todo.append(item.reason)
        todo.extend(arg for arg in item.args if isinstance(arg, BaseException))
        todo.append(item.__cause__)
    return False


class CreatePolicy:
    """The reading of create answers for one client: its host (for messages), its key's
    redactor and its time-outs."""

    def __init__(
        self, host: str, text: Redactor, *, connect_timeout: float, request_timeout: float
    ) -> None:
        self.host = host
        self.text = text
        self.connect_timeout = connect_timeout
        self.request_timeout = request_timeout

    def failure(self, exc: Exception, attempt: int, kind: Kind) -> MidiExportError | Retry:
        """What a ``requests`` exception of one create attempt means."""
        import requests

        host, what, tries = self.host, _what(kind), _tries(attempt)
        if isinstance(exc, requests.exceptions.SSLError):
            return ServiceError(
                f"secure connection to {host} failed: {self.text.reason(exc)}", attempts=attempt
            )
        if isinstance(exc, requests.exceptions.ConnectTimeout) or (
            isinstance(exc, requests.exceptions.ConnectionError) and never_sent(exc)
        ):
            return Retry(ServiceError(
                f"cannot reach {host}: {self.text.reason(exc)} ({tries}); no {what} was created",
                attempts=attempt,
            ))
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return self.uncertain(kind, f"no answer within {self.request_timeout:g} s", attempt)
        if isinstance(exc, (requests.exceptions.ConnectionError,
                            requests.exceptions.ChunkedEncodingError,
                            requests.exceptions.ContentDecodingError)):
            return self.uncertain(
                kind, f"the connection broke ({self.text.reason(exc)})", attempt
            )
        return ServiceError(f"request to {host} failed: {self.text.reason(exc)}", attempts=attempt)

    def send(
        self, transport: Transport, url: str, data: bytes, kind: Kind, attempt: int, *,
        budget: float,
    ) -> CreatedTask:
        """One create attempt: POST ``data`` to ``url`` within ``budget`` seconds and read the
        answer. Cut at the budget after connecting, the request may have arrived: never
        retried."""
        import requests

        from .deadline import DeadlineExceeded

        try:
            status, headers, body = transport.post(url, data, budget=budget)
        except DeadlineExceeded as exc:
            raise self.uncertain(kind, f"no answer within {budget:.3g} s ({exc.phase})",
                                 attempt) from None
        except requests.exceptions.RequestException as exc:
            raise self.failure(exc, attempt, kind) from exc
        except InvalidResponseError as exc:  # an answer over the size cap
            raise self.uncertain(kind, str(exc), attempt) from None
        return self.read(kind, attempt, status, headers, body)

    def read(
        self, kind: Kind, attempt: int, status: int, headers: Mapping[str, str], body: bytes
    ) -> CreatedTask:
        """The created task of an answer, or the error (or ``Retry``) it means."""
        what = _what(kind)
        payload = _loads(body)
        code, msg = envelope_code(payload, self.text)
        retry_after = parse_retry_after(headers.get("Retry-After"))
        said = (f"code {code}" if code is not None else f"HTTP {status}") + (
            f": {msg}" if msg else ""
        )
        facts: dict[str, Any] = {"status": status, "code": code, "server_message": msg}
        if 300 <= status < 400:
            raise ServiceError(
                f"{self.host} answered the {what} request with a redirect (HTTP {status}); "
                "a request that creates work is not sent elsewhere: check the base URL",
                attempts=attempt, **facts,
            )
        if payload is None and 200 <= status < 300:
            raise self.uncertain(kind, f"the answer (HTTP {status}) is not JSON: "
                                 f"{self.text.excerpt(body, 80)!r}", attempt, **facts)
        if code == 200 and 200 <= status < 300:
            return CreatedTask(_created_id(payload, lambda: self.uncertain(
                kind, "the answer says success but holds no taskId", attempt, **facts
            )), kind, body, attempt)
        if code in (401, 403) or (code is None and status in (401, 403)):
            raise AuthenticationError(
                f"the API refused the key ({said}); check the API key", **facts
            )
        if code == 402 or status == 402 or (429 in (code, status) and about_credits(msg)):
            raise AccountError(f"the account cannot be used ({said}); check its credits",
                               **facts)
        if code in _SAFE_RATE_CODES or (code is None and status == 429):
            raise Retry(RateLimitedError(
                f"the API kept asking to slow down ({said}; {_tries(attempt)}); "
                f"no {what} was created", attempts=attempt, **facts,
            ), retry_after=retry_after)
        if code == 455:
            raise Retry(ServiceError(
                f"the API is under maintenance ({said}; {_tries(attempt)}); "
                f"no {what} was created", attempts=attempt, **facts,
            ), retry_after=retry_after)
        if code in _REFUSED_CODES:
            raise UsageError(f"the API refused to create the {what} ({said})")
        if code == 501:
            raise TaskFailedError(f"the {what} failed at once ({said})", error_code=str(code),
                                  error_message=msg)
        if code == 505:
            raise ServiceError(f"{self.host} has this feature disabled ({said})", **facts)
        if code is None and status == 404:
            raise ServiceError(f"{self.host} has no create endpoint here ({said}); is the "
                               "base URL right?", **facts)
        raise self.uncertain(kind, f"the API answered {said}", attempt, **facts)

    def uncertain(self, kind: Kind, why: str, attempt: int, **facts: Any) -> CreateUncertainError:
        """The error of a create that may have happened (never retried)."""
        return CreateUncertainError(
            f"{why} after the {_what(kind)} request reached {self.host}; it may have been "
            "created (and billed). Not retried: look at your tasks on the provider's site "
            "before running this again",
            kind=kind, attempts=attempt, **facts,
        )


def _check_id(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"a {what} is needed")
    try:
        return check_task_id(value)
    except UsageError:
        raise UsageError(f"the {what} {value!r} contains control characters") from None


def _created_id(payload: Any, missing: Any) -> str:
    data = payload.get("data") if isinstance(payload, dict) else None
    task_id: Any = None
    if isinstance(data, Mapping):
        task_id = data.get("taskId", data.get("task_id"))
    elif isinstance(data, str):
        task_id = data
    if isinstance(task_id, int) and not isinstance(task_id, bool):
        task_id = str(task_id)
    if not isinstance(task_id, str) or not task_id.strip():
        raise missing()
    return task_id.strip()


def _what(kind: Kind) -> str:
    return "separation" if kind == "separation" else "MIDI task"


def _tries(attempt: int) -> str:
    return f"{attempt} attempt{'s' * (attempt != 1)}"


def _loads(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
