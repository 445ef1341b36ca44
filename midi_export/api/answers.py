"""How the API's answers are read: one HTTP answer (or failure) -> a record, a retry or an error.

The body ``code`` decides, whatever the HTTP status says:

=====================================================  ===========================================
answer                                                 outcome
=====================================================  ===========================================
code 200 (HTTP 2xx)                                    the parsed ``Record`` (pending too)
code 401 / 403, or HTTP 401 / 403 without an envelope  ``AuthenticationError``
code 402, HTTP 402, a code 429 whose msg is credits    ``AccountError``
code 405 / 430 / 429, HTTP 429                         retried (``Retry-After`` honoured), then
                                                       ``RateLimitedError``
code 455 / 500 / 502-504, HTTP 5xx / 408, no answer,   retried, then ``ServiceError``
a time-out, a connection cut while reading
code 422 "recordInfo is null", code 404                retried for a grace period (422 only), then
                                                       ``TaskNotFoundError``
code 408 / 501 / 505                                   ``TaskFailedError``
code 400 / 413 / other 422                             ``UsageError`` (the task id was refused)
HTTP 2xx that is not JSON or not a record, too big     ``InvalidResponseError``
=====================================================  ===========================================

``Retry`` carries an error that is worth another attempt; the client's retry loop raises the
error itself when no attempt is left.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, NoReturn

from ..errors import (
    AccountError,
    AuthenticationError,
    InvalidRecordError,
    InvalidResponseError,
    MidiExportError,
    RateLimitedError,
    ServiceError,
    TaskFailedError,
    TaskNotFoundError,
    UsageError,
)
from ..record import Record, decode_json, parse_record

if TYPE_CHECKING:
    from .safety import Redactor

__all__ = [
    "RECORD_INFO_PATH",
    "AnswerPolicy",
    "FetchResult",
    "Retry",
    "about_credits",
    "envelope_code",
    "parse_retry_after",
    "tries",
]

RECORD_INFO_PATH = "/api/v1/midi/record-info"

logger = logging.getLogger("midi_export")

_RETRY_CODES_RATE = frozenset({405, 429, 430})
_RETRY_CODES_SERVER = frozenset({455, 500, 502, 503, 504})
_FAILED_CODES = {
    408: "the provider got no result for too long",
    501: "generation failed",
    505: "the feature is disabled",
}
_REJECTED_CODES = frozenset({400, 413, 422})
_CREDIT_WORDS = ("credit", "balance", "insufficient", "top up", "recharge", "payment", "points")
_NOT_FOUND_WORDS = ("is null", "not found", "not exist", "no record")
_NOT_JSON: Any = object()


@dataclasses.dataclass(frozen=True)
class FetchResult:
    """One answer of the record endpoint: the parsed record and the body it came from.

    ``body`` is the response body exactly as received (should the server ever echo the API
    key, it is replaced by ``***``; keys shorter than 8 characters, which only tests use,
    are left alone there, as they could be part of the data). Saving it keeps the record
    past the API's 14 days, and ``parse_record(body)`` gives the same ``record`` again.
    ``status`` is the HTTP status, ``attempts`` the HTTP requests this answer took (retries
    included).
    """

    record: Record
    body: bytes = dataclasses.field(repr=False)
    status: int = 200
    attempts: int = 1


class Retry(Exception):
    """An attempt failed in a way worth another try; ``error`` is raised when none is left."""

    def __init__(
        self, error: MidiExportError, *, retry_after: float | None = None, not_found: bool = False
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after
        self.not_found = not_found


class AnswerPolicy:
    """The reading of answers for one client: its host (for messages), its key's redactor,
    its time-outs and whether a task not found is worth asking again."""

    def __init__(
        self,
        host: str,
        text: Redactor,
        *,
        connect_timeout: float,
        request_timeout: float,
        not_found_grace: float,
    ) -> None:
        self.host = host
        self.text = text
        self.connect_timeout = connect_timeout
        self.request_timeout = request_timeout
        self.not_found_grace = not_found_grace

    def failure(self, exc: Exception, attempt: int) -> MidiExportError | Retry:
        """What a ``requests`` exception of one attempt means: an error, or a retry."""
        import requests

        host, tries = self.host, _tries(attempt)
        if isinstance(exc, requests.exceptions.SSLError):
            return ServiceError(
                f"secure connection to {host} failed: {self.text.reason(exc)}", attempts=attempt
            )
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return Retry(ServiceError(
                f"could not connect to {host} within {self.connect_timeout:g} s ({tries})",
                attempts=attempt,
            ))
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return Retry(ServiceError(
                f"{host} did not answer within {self.request_timeout:g} s ({tries})",
                attempts=attempt,
            ))
        if isinstance(exc, (requests.exceptions.ChunkedEncodingError,
                            requests.exceptions.ContentDecodingError)):
            return Retry(ServiceError(
                f"the answer from {host} was cut short ({tries})", attempts=attempt
            ))
        if isinstance(exc, requests.exceptions.ConnectionError):
            return Retry(ServiceError(
                f"cannot reach {host}: {self.text.reason(exc)} ({tries})", attempts=attempt
            ))
        return ServiceError(f"request to {host} failed: {self.text.reason(exc)}", attempts=attempt)

    def read(
        self, task_id: str, attempt: int, status: int, headers: Mapping[str, str], body: bytes
    ) -> FetchResult:
        """The record of an answer, or the error (or ``Retry``) it means."""
        payload = self.envelope(task_id, attempt, status, headers, body)
        excerpt = self.text.excerpt
        try:
            record = parse_record(payload)
        except InvalidRecordError as exc:
            raise InvalidResponseError(
                f"the answer from {self.host} is not a readable record (HTTP {status}): "
                f"{self.text.scrub(str(exc))}; it begins {excerpt(body, 80)!r}",
                status=status,
                excerpt=excerpt(body),
                where=exc.where,
            ) from None
        if record.task_id is not None and record.task_id != task_id:
            logger.debug("asked for task %s, the answer is about %s",
                         self.text.scrub(task_id), self.text.scrub(record.task_id))
        return FetchResult(record=record, body=body, status=status, attempts=attempt)

    def envelope(
        self,
        task_id: str,
        attempt: int,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        *,
        path: str = RECORD_INFO_PATH,
    ) -> Any:
        """The decoded body of an answer of a GET endpoint (``path``) whose body code and
        HTTP status say success; otherwise the error (or ``Retry``) they mean."""
        payload = _decode(body)
        code, msg = envelope_code(payload, self.text)
        retry_after = parse_retry_after(headers.get("Retry-After"))
        if code is not None and code != 200:
            self._by_body_code(task_id, attempt, status, code, msg, retry_after)
        if not 200 <= status < 300:
            self._by_http_status(attempt, status, body, msg, retry_after, path)
        excerpt = self.text.excerpt
        if payload is _NOT_JSON:
            broken = body.lstrip()[:1] in (b"{", b"[")
            raise InvalidResponseError(
                f"the answer from {self.host} is "
                f"{'broken or cut-short JSON' if broken else 'not JSON'} (HTTP {status}); "
                f"it begins {excerpt(body, 80)!r}",
                status=status,
                excerpt=excerpt(body),
            )
        return payload

    def _by_body_code(
        self,
        task_id: str,
        attempt: int,
        status: int,
        code: int,
        msg: str | None,
        retry_after: float | None,
    ) -> NoReturn:
        said = f"code {code}" + (f": {msg}" if msg else "")
        tries = _tries(attempt)
        facts: dict[str, Any] = {"status": status, "code": code, "server_message": msg}
        if code in (401, 403):
            raise AuthenticationError(
                f"the API refused the key ({said}); check the API key", **facts
            )
        if code == 402 or (code == 429 and about_credits(msg)):
            raise AccountError(f"the account cannot be used ({said}); check its credits", **facts)
        if code in _RETRY_CODES_RATE:
            raise Retry(RateLimitedError(
                f"the API kept asking to slow down ({said}; {tries})", attempts=attempt, **facts,
            ), retry_after=retry_after)
        if code in _RETRY_CODES_SERVER:
            what = "the API is under maintenance" if code == 455 else "the API had an error"
            raise Retry(ServiceError(
                f"{what} ({said}; {tries})", attempts=attempt, **facts
            ), retry_after=retry_after)
        if code in _FAILED_CODES:
            raise TaskFailedError(
                f"task {task_id!r} failed: {msg or _FAILED_CODES[code]} (code {code})",
                task_id=task_id,
                error_code=str(code),
                error_message=msg,
            )
        if code == 404 or (code == 422 and _about_missing(msg)):
            error = TaskNotFoundError(
                f"the API does not know task {task_id!r} ({said}; {tries}): "
                "the id may be wrong, or the record expired (records are kept 14 days)"
                + ("" if code == 422 else ", or the base URL is not this API's"),
                task_id=task_id,
            )
            if code == 422 and self.not_found_grace > 0:
                raise Retry(error, not_found=True)
            raise error
        if code in _REJECTED_CODES:
            raise UsageError(f"the API refused the request for task {task_id!r} ({said})")
        if 500 <= code < 600:
            raise Retry(ServiceError(
                f"the API had an error ({said}; {tries})", attempts=attempt, **facts
            ), retry_after=retry_after)
        raise ServiceError(f"unexpected answer from the API ({said})", attempts=attempt, **facts)

    def _by_http_status(
        self,
        attempt: int,
        status: int,
        body: bytes,
        msg: str | None,
        retry_after: float | None,
        path: str = RECORD_INFO_PATH,
    ) -> NoReturn:
        host, tries = self.host, _tries(attempt)
        said = f"HTTP {status}" + (f": {msg}" if msg else "")
        if msg is None and body:
            said += f" {self.text.excerpt(body, 80)!r}"
        facts: dict[str, Any] = {"status": status, "code": None, "server_message": msg}
        if status in (401, 403):
            raise AuthenticationError(
                f"access refused ({said}): the key may be wrong, or a firewall in front of "
                "the API refused the request",
                **facts,
            )
        if status == 402 or (status == 429 and about_credits(msg)):
            raise AccountError(f"the account cannot be used ({said}); check its credits", **facts)
        if status == 429:
            raise Retry(RateLimitedError(
                f"{host} kept asking to slow down ({said}; {tries})", attempts=attempt, **facts,
            ), retry_after=retry_after)
        if status >= 500 or status == 408:
            raise Retry(ServiceError(
                f"{host} had trouble ({said}; {tries})", attempts=attempt, **facts,
            ), retry_after=retry_after)
        if status == 404:
            raise ServiceError(
                f"{host} has no endpoint at {path} ({said}); "
                "is the base URL right?",
                attempts=attempt, **facts,
            )
        raise ServiceError(f"unexpected answer from {host} ({said})", attempts=attempt, **facts)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date); None when absent."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - time.time()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def tries(attempt: int) -> str:
    """``1 attempt``, ``3 attempts``."""
    return f"{attempt} attempt{'s' * (attempt != 1)}"


_tries = tries


def envelope_code(payload: Any, text: Redactor) -> tuple[int | None, str | None]:
    """The ``code`` of a ``{code, msg, data}`` body and its ``msg`` (or ``message``) made safe
    to show; (None, None) for a body that is no such envelope."""
    if not (isinstance(payload, dict) and "code" in payload):
        return None, None
    raw_msg = payload.get("msg", payload.get("message"))
    return _as_int(payload.get("code")), None if raw_msg is None else text.clean(str(raw_msg))


def _decode(body: bytes) -> Any:
    """The decoded body, exactly as ``parse_record`` decodes it, or ``_NOT_JSON``."""
    try:
        return decode_json(body)
    except InvalidRecordError:
        return _NOT_JSON


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def about_credits(msg: str | None) -> bool:
    text = (msg or "").lower()
    return any(word in text for word in _CREDIT_WORDS)


def _about_missing(msg: str | None) -> bool:
    text = (msg or "").lower()
    return any(word in text for word in _NOT_FOUND_WORDS)
