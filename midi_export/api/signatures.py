"""kie.ai's callback signature: ``X-Webhook-Timestamp`` (Unix seconds) and
``X-Webhook-Signature = base64(HMAC-SHA256(key, taskId + "." + timestamp))``.

Only the task id and the time are signed, not the body: a good signature proves the provider
sent a callback for this task at that time. ``verify_signature`` compares in constant time
(every key of a rotation list is tried) and refuses timestamps more than ``max_age`` seconds
away from now, either way, so a captured request cannot be replayed later; within the window a
replay is only a duplicate delivery. No message ever holds the key or the expected signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping

from ..errors import SignatureError

__all__ = [
    "DEFAULT_MAX_AGE",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "header",
    "sign",
    "verify_signature",
]

TIMESTAMP_HEADER = "X-Webhook-Timestamp"
SIGNATURE_HEADER = "X-Webhook-Signature"
DEFAULT_MAX_AGE = 300.0


def sign(key: str | bytes, task_id: str, timestamp: int | str) -> str:
    """``base64(HMAC-SHA256(key, task_id + "." + timestamp))``, kie.ai's callback signature."""
    message = f"{task_id}.{timestamp}".encode()
    digest = hmac.new(_key_bytes(key), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_signature(
    key: str | bytes | Iterable[str | bytes],
    task_id: str,
    headers: Mapping[str, str],
    *,
    max_age: float = DEFAULT_MAX_AGE,
    now: float | None = None,
) -> int:
    """Check kie.ai's signature of a callback for ``task_id``; returns the timestamp.

    ``headers`` is any mapping of header names (looked up case-insensitively); ``key`` one
    key or several (while rotating keys, any of them may match). The timestamp must be
    whole Unix seconds within ``max_age`` of ``now`` (default: the clock), in the past or
    the future. The signature is base64 (standard or URL-safe, padding optional) and is
    compared with ``hmac.compare_digest``. Raises ``SignatureError`` otherwise; the message
    never contains the key or the expected signature.
    """
    keys = [key] if isinstance(key, (str, bytes)) else list(key)
    if not keys or any(not _key_bytes(k) for k in keys):
        raise ValueError("an HMAC key must not be empty")
    stamp_text = header(headers, TIMESTAMP_HEADER)
    given_text = header(headers, SIGNATURE_HEADER)
    if stamp_text is None or given_text is None:
        missing = TIMESTAMP_HEADER if stamp_text is None else SIGNATURE_HEADER
        raise SignatureError(f"the callback is not signed (no {missing} header)")
    stamp_text = stamp_text.strip()
    if not (stamp_text.isascii() and stamp_text.isdigit() and len(stamp_text) <= 12):
        raise SignatureError(f"{TIMESTAMP_HEADER} is not Unix seconds")
    stamp = int(stamp_text)
    current = time.time() if now is None else now
    if abs(current - stamp) > max_age:
        raise SignatureError(
            f"{TIMESTAMP_HEADER} is {abs(current - stamp):.0f} s away from now "
            f"(more than {max_age:g} s): a replay, or a clock that is off"
        )
    given = _b64(given_text.strip())
    if given is None:
        raise SignatureError(f"{SIGNATURE_HEADER} is not base64")
    message = f"{task_id}.{stamp_text}".encode()
    matched = False
    for k in keys:  # every key is tried, so the time taken does not say which one matched
        expected = hmac.new(_key_bytes(k), message, hashlib.sha256).digest()
        matched |= hmac.compare_digest(expected, given)
    if not matched:
        raise SignatureError("the callback's signature does not match (wrong key, or forged)")
    return stamp


def header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == wanted:
            return value
    return None


def _key_bytes(key: str | bytes) -> bytes:
    return key if isinstance(key, bytes) else key.encode("utf-8")


def _b64(text: str) -> bytes | None:
    """Standard or URL-safe base64, padding optional; None when it is neither."""
    if not text or len(text) > 200:
        return None
    text = text.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
