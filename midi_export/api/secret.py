"""Keeping the API key out of everything midi-export prints or saves, in every spelling.

A server may echo the key it was sent: raw, as JSON writes it (``\\/`` for ``/``,
``\\u0073`` for ``s``, any mix, any hex case), percent-encoded (``%73``, ``%2F``) or as HTML
character references (``&#115;``, ``&#x73;``). Replacing three literal byte strings let a
JSON-escaped echo reach the record's names once decoded (the ``--json`` output, the ``.mid``
track names). ``Secret(key)`` builds one pattern in which every character of the key may
come in any of those spellings, and offers:

- ``scrub_text(str)``: decoded text (names, messages, URLs, exception strings);
- ``scrub_body(bytes)``: an answer's body. A quick filter first (C-speed ``find``; the
  pattern only near the bytes that start an escape), so a body without the key costs a few
  milliseconds even at 30 MB. A flagged JSON body is scrubbed *inside its string tokens
  only*: each flagged token is decoded, scrubbed as text and encoded again, so numbers and
  structure are never touched and every other byte stays the server's. A body that is not
  JSON (an HTML page) is scrubbed everywhere. A body in another encoding than UTF-8
  (JSON allows UTF-16 and UTF-32) is decoded and checked, and when it still holds the key
  it is replaced by the JSON re-serialisation of its scrubbed payload: the same record, not
  the same bytes.

Short keys. A key of fewer than ``LONG_KEY`` (8) characters is in practice a test key
(``"k"``, ``"abc"``); masking it everywhere would turn ``"Drums"`` into ``"Dr***"`` for
``key="um"``. Such a key is masked where it stands alone as a word: not preceded or followed
by a letter or digit (``"bad key abc"``, ``"Bearer abc"``, ``"?key=abc&"`` are masked,
``"Abcdef"`` is not), in decoded text. Longer keys are masked wherever they appear. Numbers
are never touched (only strings are scrubbed), so a key of digits cannot corrupt ``0.123``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

__all__ = ["LONG_KEY", "MASK", "Secret"]

LONG_KEY = 8
MASK = "***"
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_WORD = "A-Za-z0-9"  # the bytes filter's letters and digits; text uses Unicode's
_SPELLING_BYTES = 14  # the longest spelling of one character: &#x00000000HH;


def _spellings(ch: str, *, json_text: bool) -> str:
    """One character of the key as a regex of every way it may be written."""
    code = ord(ch)
    # inside JSON text a quote or backslash is never literal (it would end the string or
    # start an escape), so there only its escapes count
    alts = [] if json_text and ch in "\"\\" else [re.escape(ch)]
    alts.append("%" + "".join(f"[{d.lower()}{d.upper()}]" if d.isalpha() else d
                              for d in f"{code:02x}"))
    alts.append(f"&#0{{0,8}}{code};")
    alts.append("&#[xX]0{0,8}" + "".join(f"[{d.lower()}{d.upper()}]" if d.isalpha() else d
                                      for d in f"{code:x}") + ";")
    if json_text:
        alts.append("\\\\u" + "".join(f"[{d.lower()}{d.upper()}]" if d.isalpha() else d
                                      for d in f"{code:04x}"))
        if ch in "/\"\\":
            alts.append(re.escape("\\" + ch))
    return "(?:" + "|".join(alts) + ")"


class Secret:
    """One API key and every way to mask it (see the module docstring)."""

    __slots__ = ("_key", "_loose", "_raw", "_raw_word", "_text", "whole_word")

    def __init__(self, key: str) -> None:
        if not isinstance(key, str) or not key:
            raise ValueError("key must be a non-empty str")
        self._key = key
        self.whole_word = len(key) < LONG_KEY
        text = "".join(_spellings(ch, json_text=False) for ch in key)
        if self.whole_word:  # not next to a letter or digit (of any script)
            text = rf"(?<![^\W_]){text}(?![^\W_])"
        self._text = re.compile(text)
        # bytes, any spelling, no word rule: the filter near escapes and per string token
        self._loose = re.compile(
            "".join(_spellings(ch, json_text=True) for ch in key).encode("ascii"))
        self._raw = key.encode("utf-8")
        self._raw_word = re.compile(
            # the literal first, so the search scans for it at C speed
            f"{re.escape(key)}(?<![{_WORD}]{re.escape(key)})(?![{_WORD}])".encode()
        ) if self.whole_word else None

    def __repr__(self) -> str:
        return "Secret('***')"

    def scrub_text(self, text: str) -> str:
        """``text`` with every spelling of the key (for a short key: as a word) as ``***``."""
        if not isinstance(text, str) or not text:
            return text
        return self._text.sub(MASK, text)

    def flagged(self, body: bytes) -> bool:
        """Whether ``body`` may hold the key in some spelling (never False when it does,
        for UTF-8 text). Raw: one ``find`` (a word search for short keys); escaped: every
        escaped spelling contains a backslash, ``%`` or ``&``, so the pattern is tried only
        in windows around those bytes."""
        if self._raw_word is not None:
            if self._raw_word.search(body):
                return True
        elif body.find(self._raw) >= 0:
            return True
        width = _SPELLING_BYTES * len(self._key) + 8  # the longest spelling of the key
        for introducer in (b"\\", b"%", b"&"):
            at = body.find(introducer)
            while at >= 0:  # one window per run of introducers closer than ``width``
                start, end = max(0, at - width), at + width
                at = body.find(introducer, at + 1)
                while 0 <= at < end:
                    end = at + width
                    at = body.find(introducer, at + 1)
                # any match here counts: one without an escape is the raw key, which a
                # long key's ``find`` excluded (a short key's escaped neighbour may make
                # it a word, so for short keys the decoded token decides)
                if self._loose.search(body, start, end):
                    return True
        return False

    def scrub_body(self, body: bytes) -> bytes:
        """An answer's body without the key (see the module docstring)."""
        if _encoding(body) != "utf-8":
            return self._scrub_other_encoding(body)
        if not self.flagged(body):
            return body
        scrubbed = _JSON_STRING.sub(self._scrub_token, body)
        try:
            json.loads(scrubbed)
        except (ValueError, RecursionError):  # not JSON (or not one it can read): the key
            return self._loose.sub(MASK.encode(), scrubbed)  # may stand anywhere, mask it all
        return scrubbed

    def _scrub_token(self, match: re.Match[bytes]) -> bytes:
        token = match.group(0)
        if not self._loose.search(token):
            return token
        try:
            text = json.loads(token)
        except ValueError:
            return token  # not a JSON string after all; the caller's checks decide
        new = self.scrub_text(text)
        return token if new == text else json.dumps(new).encode("ascii")

    def _scrub_other_encoding(self, body: bytes) -> bytes:
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            return self._loose.sub(MASK.encode(), body)
        if not self.leaks(payload):
            return body
        return json.dumps(self.scrub_payload(payload)).encode("ascii")

    def scrub_payload(self, obj: Any) -> Any:
        """A copy of decoded JSON with every string (object keys too) scrubbed."""
        return _map_strings(obj, self.scrub_text)

    def leaks(self, obj: Any) -> bool:
        """Whether any string in decoded JSON holds the key (for a short key: as a word)."""
        search = self._text.search
        return any(search(text) for text in _strings(obj))


def _encoding(body: bytes) -> str:
    """JSON's encoding of ``body`` as ``json.loads`` detects it (BOMs, NUL patterns)."""
    head = body[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) >= 2 and b"\x00" in head):
        return "other"
    return "utf-8"


def _strings(obj: Any) -> Any:
    """Every str in ``obj`` (dict keys too), without recursion."""
    stack = [obj]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for k, v in node.items():
                if isinstance(k, str):
                    yield k
                stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)


def _map_strings(obj: Any, fn: Callable[[str], str]) -> Any:
    """``obj`` with ``fn`` applied to every str in it (dict keys too), without recursion."""
    if isinstance(obj, str):
        return fn(obj)
    if not isinstance(obj, (dict, list)):
        return obj
    done: dict[int, Any] = {}
    stack: list[tuple[Any, bool]] = [(obj, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in done:
            continue
        children = list(node.values()) if isinstance(node, dict) else node
        if not ready:
            stack.append((node, True))
            stack.extend((c, False) for c in children if isinstance(c, (dict, list)))
            continue

        def value(child: Any) -> Any:
            if isinstance(child, str):
                return fn(child)
            return done[id(child)] if isinstance(child, (dict, list)) else child

        if isinstance(node, dict):
            done[id(node)] = {fn(k) if isinstance(k, str) else k: value(v)
                              for k, v in node.items()}
        else:
            done[id(node)] = [value(v) for v in node]
    return done[id(obj)]
