"""Output names two inputs of one run would share, found before any work: ``collisions``.

Task ids are cleaned into file names (``paths.safe_file_stem``), so ids that differ may give
one name: ``a/b``, ``a?b``, ``a b`` and ``a_b`` all become ``a_b.mid``. With ``--force``
the last one written won and every task reported ``"ok": true``: three results silently
lost. Names are compared case-folded as well (``ABC.mid`` and ``abc.mid`` are one file on
the case-insensitive file systems of macOS and Windows), so a run refuses what it could not
write on every system, before anything is fetched.
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import UsageError

__all__ = ["check_distinct", "collisions", "name_key"]


def name_key(name: str) -> str:
    """How two file names are compared: case-folded (and Unicode-normalised)."""
    import unicodedata

    return unicodedata.normalize("NFC", name).casefold()


def collisions(named: Iterable[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """``(file name, [owners])`` for every name that several owners of ``(owner, name)``
    pairs would write (the same owner twice counts once), in order of first appearance."""
    groups: dict[str, tuple[str, list[str]]] = {}
    for owner, name in named:
        _, owners = groups.setdefault(name_key(name), (name, []))
        if owner not in owners:
            owners.append(owner)
    return [(shown, owners) for shown, owners in groups.values() if len(owners) > 1]


def check_distinct(named: Iterable[tuple[str, str]], what: str = "task ids") -> None:
    """``UsageError`` (exit 2) naming the first few collisions, if any."""
    found = collisions(named)
    if not found:
        return
    parts = []
    for name, owners in found[:3]:
        shown = ", ".join(repr(o) for o in owners[:4]) + (" ..." if len(owners) > 4 else "")
        parts.append(f"{shown} -> {name}")
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    raise UsageError(
        f"{what} that would be written to the same file (names are cleaned, and compared "
        f"ignoring case): {'; '.join(parts)}{more}; run them separately or into "
        "separate -o folders"
    )
