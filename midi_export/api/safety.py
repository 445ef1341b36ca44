"""What keeps the API key safe: https only (loopback excepted), no key sent off-origin, and
every text that leaves the client scrubbed of the key (in every spelling: ``secret``) and of
control characters.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import MidiExportError, UsageError
from .secret import Secret

if TYPE_CHECKING:
    import requests

__all__ = [
    "BearerAuth",
    "Redactor",
    "Scrubbing",
    "check_base_url",
    "check_task_id",
    "check_url",
    "is_loopback",
    "no_proxies",
    "non_negative",
    "origin",
    "positive",
]

EXCERPT_CHARS = 200

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


class Redactor:
    """The key's scrubbing, bound to one key: ``scrub`` text, ``clean`` server text for a
    message, ``excerpt`` a body, ``reason`` an exception, ``scrub_body`` an answer's body
    (``Secret``'s rules: every spelling; a key under 8 characters where it is a word)."""

    __slots__ = ("secret",)

    def __init__(self, key: str) -> None:
        self.secret = Secret(key)

    def scrub(self, text: str) -> str:
        return self.secret.scrub_text(text)

    def scrub_body(self, body: bytes) -> bytes:
        """The body without the key (JSON bodies: inside their strings only)."""
        return self.secret.scrub_body(body)

    def clean(self, text: str, limit: int = EXCERPT_CHARS) -> str:
        """Server text made safe to show: no key, no control characters, one short line."""
        text = " ".join(_CONTROL.sub(" ", self.scrub(text)).split())
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def excerpt(self, body: bytes, limit: int = EXCERPT_CHARS) -> str:
        """The beginning of a body for a message (an HTML error page: its title)."""
        title = _TITLE.search(body[:4096])
        if title and title.group(1).strip():  # an HTML error page: its title says it all
            return self.clean(title.group(1).decode("utf-8", "replace"), limit)
        return self.clean(body[: limit * 4].decode("utf-8", "replace"), limit)

    def reason(self, exc: BaseException) -> str:
        """A short reason for a network exception ("Connection refused", "timed out")."""
        text = str(exc)
        errno = _ERRNO.search(text)
        if errno:
            return self.clean(errno.group(1), 80)
        if "timed out" in text.lower():
            return "timed out"
        return self.clean(text, 120)


class Scrubbing:
    """A last guard: no error leaving the client carries the key in any text attribute."""

    def __init__(self, scrub: Callable[[str], str]) -> None:
        self._scrub = scrub

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if not isinstance(exc, MidiExportError):
            return
        for name in ("message", "server_message", "excerpt", "error_message", "error_code"):
            value = getattr(exc, name, None)
            if isinstance(value, str):
                setattr(exc, name, self._scrub(value))
        exc.args = tuple(self._scrub(a) if isinstance(a, str) else a for a in exc.args)


class BearerAuth:
    """``requests`` auth that sets the Bearer header; its repr does not show the key."""

    __slots__ = ("_key",)

    def __init__(self, key: str) -> None:
        self._key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._key}"
        return request

    def __repr__(self) -> str:
        return "<Bearer ***>"


def check_task_id(task_id: str) -> str:
    if not isinstance(task_id, str) or not task_id.strip():
        raise UsageError("a task id is needed")
    if _CONTROL.search(task_id):
        raise UsageError(f"the task id {task_id!r} contains control characters")
    return task_id.strip()


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def no_proxies() -> Any:
    """Per-request proxies that override any from the environment: loopback goes direct."""
    return {"http": None, "https": None, "all": None}


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def check_url(url: str, what: str, scrub: Callable[[str], str]) -> str:
    """``url`` when it is an https URL (or http to a loopback host), else ``UsageError``."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        raise UsageError(f"{what} is not a valid URL: {scrub(url)!r}") from None
    if parts.username is not None or parts.password is not None:
        raise UsageError(f"{what} must not contain a user name or password")
    shown = scrub(url)
    if parts.scheme not in ("http", "https") or not host:
        raise UsageError(f"{what} must be an https:// URL, not {shown!r}")
    if parts.scheme == "http" and not is_loopback(host):
        raise UsageError(
            f"{what} {shown!r} uses plain http, which would send the API key unencrypted; "
            f"use https://{parts.netloc} (plain http is allowed only for 127.0.0.1, "
            "localhost and ::1)"
        )
    return url


def check_base_url(base_url: str, endpoint_path: str, scrub: Callable[[str], str]) -> str:
    """The base URL, checked (``check_url``), without a trailing slash, query or fragment;
    a URL of the whole endpoint (ending in ``endpoint_path``) gives its base."""
    if not isinstance(base_url, str) or not base_url.strip():
        raise UsageError("the base URL is empty")
    url = check_url(base_url.strip(), "the base URL", scrub)
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise UsageError(f"the base URL must not have a query or fragment: {scrub(url)!r}")
    path = parts.path.rstrip("/")
    if path.endswith(endpoint_path):  # the whole endpoint was given: keep its base
        path = path[: -len(endpoint_path)]
    return f"{parts.scheme}://{parts.netloc}{path}"


def positive(**values: float) -> None:
    """``UsageError`` unless every value is a finite number > 0."""
    for name, value in values.items():
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise UsageError(f"{name} must be a number > 0, not {value!r}")


def non_negative(**values: float) -> None:
    """``UsageError`` unless every value is a finite number >= 0."""
    for name, value in values.items():
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise UsageError(f"{name} must be a number >= 0, not {value!r}")
