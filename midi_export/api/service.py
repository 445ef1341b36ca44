"""The callback receiver: a plain WSGI application that writes each delivered record once.

    app = make_wsgi_app("midi/", token=new_token(), hmac_key=key, bpm="auto")

``app`` is an ordinary WSGI callable, so Flask, Django or any WSGI host can mount it
(``app.handle(body, headers)`` is the same without WSGI); ``fetch-mid serve`` serves it with
waitress (``server``). Routes:

- ``POST /callback/<token>``: a delivery (the URL to give the API as ``callBackUrl``);
- ``GET /healthz``: ``200 ok`` (nothing else is said about the service).

What a delivery writes is ``deliveries``'s: in the output folder and nowhere else, each file
created atomically and exclusively, once per task. Answers: 200 for every delivery understood
(failures and duplicates too, so the provider stops retrying); 400 not JSON, 422 unknown
shape, 401 bad signature, 413 too large, 404 wrong token, 405 wrong method, all with nothing
written; 503 (``Retry-After``) when the disk refuses, so the provider tries again. One log
line per delivery on the ``midi_export.serve`` logger: ``delivery task=<id> kind=<kind>
outcome=<outcome> status=<http> ms=<time>``. The token, the keys and the body are never logged.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import hmac
import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import CallbackError, OutputError, SignatureError, UsageError
from ..midi.probe import check_convert_options
from ..paths import task_file_stem
from ..record import Record
from ..writer import make_folder
from .callbacks import (
    DEFAULT_MAX_AGE,
    CallbackFailure,
    SeparationDone,
    TaskAccepted,
    parse_callback,
)
from .deliveries import DeliveryResult, DeliveryStore

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .client import Client

__all__ = [
    "CALLBACK_PREFIX",
    "DEFAULT_MAX_BODY",
    "CallbackApp",
    "DeliveryResult",
    "chain_midi",
    "make_wsgi_app",
    "new_token",
]

CALLBACK_PREFIX = "/callback"
DEFAULT_MAX_BODY = 64 * 1024 * 1024  # a 300,000-note record is 29 MB
RETRY_AFTER_SECONDS = 30
logger = logging.getLogger("midi_export.serve")

_SHOWN = re.compile(r"[^\x21-\x7e]")
_STATUS_TEXT = {200: "200 OK", 400: "400 Bad Request", 401: "401 Unauthorized",
                404: "404 Not Found", 405: "405 Method Not Allowed",
                413: "413 Content Too Large", 422: "422 Unprocessable Content",
                500: "500 Internal Server Error", 503: "503 Service Unavailable"}


class CallbackApp:
    """The WSGI application (see the module docstring); build it with ``make_wsgi_app``."""

    def __init__(
        self,
        output: str | os.PathLike[str],
        *,
        token: str | None,
        hmac_key: str | bytes | Iterable[str | bytes] | None = None,
        max_age: float = DEFAULT_MAX_AGE,
        max_body_bytes: int = DEFAULT_MAX_BODY,
        save_json: bool = True,
        on_separation: Callable[[SeparationDone], str | None] | None = None,
        clock: Callable[[], float] = time.time,
        convert_options: Mapping[str, Any] | None = None,
    ) -> None:
        if token is not None and (len(token) < 16 or not re.fullmatch(r"[A-Za-z0-9_-]+", token)):
            raise UsageError("the token must be at least 16 letters, digits, '-' or '_'")
        if on_separation is not None and not save_json:
            raise UsageError("chaining needs the saved JSON (it is what makes it happen once)")
        if not (isinstance(max_body_bytes, int) and max_body_bytes > 0):
            raise UsageError("max_body_bytes must be a whole number > 0")
        self.output = make_folder(output)
        self.token = token
        self._hmac_key = hmac_key
        self.max_age = max_age
        self.max_body_bytes = max_body_bytes
        self.save_json = save_json
        self._on_separation = on_separation
        self._clock = clock
        self.convert_options = dict(convert_options or {})
        check_convert_options(self.convert_options)
        self.store = DeliveryStore(self.output, save_json=save_json,
                                   convert_options=self.convert_options)
        self._chains: concurrent.futures.ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def path(self) -> str:
        """The path deliveries go to (``/callback/<token>``): secret when there is a token."""
        return CALLBACK_PREFIX + ("/" + self.token if self.token else "")

    def __repr__(self) -> str:
        signed = self._hmac_key is not None
        return f"<CallbackApp output={str(self.output)!r} token=*** hmac={signed}>"

    def close(self, wait: bool = True) -> None:
        """Finish the chained MIDI creations under way (when ``wait``)."""
        with self._lock:
            chains, self._chains = self._chains, None
        if chains is not None:
            chains.shutdown(wait=wait)

    # ------------------------------------------------------------------ WSGI

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        started = time.perf_counter()
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO") or "/"
        if path.rstrip("/") == "/healthz":
            if method in ("GET", "HEAD"):
                return _answer(start_response, 200, b"ok\n", "text/plain; charset=utf-8",
                               head=method == "HEAD")
            return _answer(start_response, 405, b"", allow="GET, HEAD")
        if not self._path_matches(path):
            result = DeliveryResult(404, "not-found")
        elif method != "POST":
            result = DeliveryResult(405, "bad-method")
        else:
            try:
                body, refusal = self._read_body(environ)
                result = refusal or self.handle(body, _headers(environ))
            except Exception:  # a bug: say so once, answer 500 (the provider will retry)
                logger.exception("delivery failed unexpectedly")
                result = DeliveryResult(500, "error")
        _log(result, started)
        message = json.dumps({"code": result.status, "msg": result.outcome}).encode()
        return _answer(start_response, result.status, message,
                       allow="POST" if result.status == 405 else None,
                       retry_after=str(RETRY_AFTER_SECONDS) if result.status == 503 else None)

    def _path_matches(self, path: str) -> bool:
        expected = self.path
        given = path.rstrip("/") or "/"
        # constant time in the token; the length of the path says nothing secret
        return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())

    def _read_body(self, environ: WSGIEnvironment) -> tuple[bytes, DeliveryResult | None]:
        cap = self.max_body_bytes
        text = (environ.get("CONTENT_LENGTH") or "").strip()
        stream = environ["wsgi.input"]
        if text:
            if not text.isdigit():
                return b"", DeliveryResult(400, "bad-json", detail="bad Content-Length")
            length = int(text)
            if length > cap:
                return b"", DeliveryResult(413, "too-large")
            chunks, size = [], 0
            while size < length:
                chunk = stream.read(min(length - size, 1 << 20))
                if not chunk:
                    return b"", DeliveryResult(400, "bad-json", detail="body cut short")
                chunks.append(chunk)
                size += len(chunk)
            return b"".join(chunks), None
        if not environ.get("wsgi.input_terminated") and "chunked" not in (
            environ.get("HTTP_TRANSFER_ENCODING") or ""
        ).lower():
            return b"", None  # no length and not chunked: an empty body (then 400)
        chunks, size = [], 0
        while True:
            chunk = stream.read(1 << 20)
            if not chunk:
                return b"".join(chunks), None
            size += len(chunk)
            if size > cap:
                return b"", DeliveryResult(413, "too-large")
            chunks.append(chunk)

    # ------------------------------------------------------------------ one delivery

    def handle(self, body: bytes, headers: Mapping[str, str] | None = None) -> DeliveryResult:
        """Process one delivery's body (and headers, for the signature); never raises for
        anything a delivery can contain."""
        if len(body) > self.max_body_bytes:
            return DeliveryResult(413, "too-large")
        try:
            result = parse_callback(body, headers or {}, hmac_key=self._hmac_key,
                                    max_age=self.max_age, now=self._clock())
        except CallbackError as exc:
            return DeliveryResult(400 if exc.reason == "not-json" else 422,
                                  "bad-json" if exc.reason == "not-json" else "unknown-shape",
                                  detail=str(exc))
        except SignatureError as exc:
            return DeliveryResult(401, "bad-signature", exc.task_id, detail=str(exc))
        try:
            if isinstance(result, Record):
                return self.store.record(result, body)
            if isinstance(result, CallbackFailure):
                kind = "separation" if result.stage == "separation" else "midi"
                suffix = ".separation.json" if kind == "separation" else ".failed.json"
                return self.store.keep_only(result.task_id, kind, suffix, body, result.raw,
                                            "failed")
            if isinstance(result, SeparationDone):
                done = self.store.keep_only(result.task_id, "separation", ".separation.json",
                                            body, result.raw, "separation")
                if done.outcome == "separation" and self._on_separation is not None:
                    self._chain(result)
                    return dataclasses.replace(done, detail="chained")
                return done
            assert isinstance(result, TaskAccepted)
            return DeliveryResult(200, "accepted", result.task_id, "created")
        except OutputError as exc:
            task_id = getattr(result, "task_id", None)
            return DeliveryResult(503, "disk-error", task_id, detail=str(exc))

    def _chain(self, separation: SeparationDone) -> None:
        with self._lock:
            if self._chains is None:
                self._chains = concurrent.futures.ThreadPoolExecutor(
                    max_workers=2, thread_name_prefix="chain")
            chains = self._chains
        chains.submit(self._run_chain, separation)

    def _run_chain(self, separation: SeparationDone) -> None:
        started = time.perf_counter()
        assert self._on_separation is not None
        try:
            midi_task_id = self._on_separation(separation)
        except Exception as exc:  # logged: the receiver keeps running
            logger.warning("chain task=%s outcome=chain-failed ms=%.1f error=%s",
                           _shown(separation.task_id), _ms(started), _shown(str(exc), 200))
            return
        if midi_task_id:
            note = json.dumps({"separationTaskId": separation.task_id,
                               "midiTaskId": midi_task_id}).encode()
            with contextlib.suppress(OutputError):
                self.store.note(f"{task_file_stem(separation.task_id)}.chain.json", note)
        logger.info("chain task=%s outcome=midi-created midi_task=%s ms=%.1f",
                    _shown(separation.task_id), _shown(midi_task_id or "-"), _ms(started))


def make_wsgi_app(
    output: str | os.PathLike[str],
    *,
    token: str | None = None,
    hmac_key: str | bytes | Iterable[str | bytes] | None = None,
    max_age: float = DEFAULT_MAX_AGE,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    save_json: bool = True,
    on_separation: Callable[[SeparationDone], str | None] | None = None,
    **convert_options: Any,
) -> CallbackApp:
    """The callback receiver as a WSGI application writing into ``output``.

    ``token`` (at least 16 URL-safe characters; ``secrets.token_urlsafe(24)`` is good) makes
    the delivery path ``/callback/<token>``; None accepts ``/callback`` (only behind your own
    authentication). ``hmac_key`` (one key or several) requires kie.ai's signature within
    ``max_age`` seconds. Bodies over ``max_body_bytes`` get 413 unread. ``save_json`` keeps
    the raw bodies (what outlives the API's 14 days). ``on_separation(done)`` is called in a
    background thread, once per separation task (the first delivery of it), and may return a
    MIDI task id it created (``chain_midi`` makes one). ``convert_options`` go to
    ``convert()`` (``bpm="auto"``, ``quantize="1/16"``...) and are checked now: a bad one
    raises ``UsageError`` here rather than on every delivery.
    """
    return CallbackApp(output, token=token, hmac_key=hmac_key, max_age=max_age,
                       max_body_bytes=max_body_bytes, save_json=save_json,
                       on_separation=on_separation, convert_options=convert_options)


def new_token() -> str:
    """A fresh secret for the delivery path (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


def chain_midi(client: Client, callback_url: str) -> Callable[[SeparationDone], str | None]:
    """An ``on_separation`` that creates the MIDI task of each separation (all stems) with
    ``client.create_midi_task`` and ``callback_url`` (this receiver's public URL)."""

    def create(separation: SeparationDone) -> str | None:
        return client.create_midi_task(separation.task_id, callback_url=callback_url).task_id

    return create


# ---------------------------------------------------------------------- helpers


def _headers(environ: WSGIEnvironment) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_X_WEBHOOK_") and isinstance(value, str):
            out["X-Webhook-" + key[15:].replace("_", "-").title()] = value
    return out


def _answer(start_response: StartResponse, status: int, body: bytes,
            content_type: str = "application/json", *, head: bool = False,
            allow: str | None = None, retry_after: str | None = None) -> list[bytes]:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))),
               ("Cache-Control", "no-store")]
    if allow:
        headers.append(("Allow", allow))
    if retry_after:
        headers.append(("Retry-After", retry_after))
    start_response(_STATUS_TEXT.get(status, f"{status} Error"), headers)
    return [] if head else [body]


def _shown(text: str, limit: int = 120) -> str:
    """A task id (or message) safe for one log line: no spaces or control characters."""
    text = _SHOWN.sub("?", text)
    return text if len(text) <= limit else text[: limit - 1] + "~"


def _detail(text: str) -> str:
    """A free-text detail for a log line: one line, quoted, at most 160 characters."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", "?", text)
    if len(text) > 160:
        text = text[:159] + "~"
    return json.dumps(text, ensure_ascii=True)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


def _log(result: DeliveryResult, started: float) -> None:
    level = logging.WARNING if result.outcome in ("conflict", "disk-error") else logging.INFO
    extra = f" detail={_detail(result.detail)}" if result.detail and (
        result.status != 200 or result.outcome in ("conflict", "empty", "unusable")
        or result.detail == "chained") else ""
    logger.log(level, "delivery task=%s kind=%s outcome=%s status=%d ms=%.1f%s",
               _shown(result.task_id or "-"), result.kind, result.outcome, result.status,
               _ms(started), extra)
