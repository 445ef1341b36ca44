"""Output file names: task ids and instrument names made into safe file names, and the one
rule for where ``-o``, ``--save-json`` and ``export_task`` put a file.

A task id is data, never a path: ``safe_file_stem`` turns it into a plain file name that
cannot leave the output folder. A stem file of one instrument is named
``<stem>-<NN>-<instrument-slug>.mid`` (``5c79be8e-01-drums.mid``, ``5c79be8e-02-ベース.mid``):
NN is the instrument's track number in the song (2 digits at least), the slug its name in
lower case, keeping the letters and digits of any script (``instrument_slug``), unique
within the song even where the file system folds case and Unicode forms (Windows, macOS).
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import OutputError, UsageError

if TYPE_CHECKING:
    from .midi.report import ConversionReport

__all__ = [
    "instrument_slug",
    "names_folder",
    "output_path",
    "safe_file_stem",
    "stem_paths",
    "task_file_stem",
]

MAX_STEM_CHARS = 100
MAX_SLUG_CHARS = 40
MAX_SLUG_BYTES = 120
"""A slug's most bytes of UTF-8: Linux and macOS count a file name's 255 bytes in UTF-8,
where a CJK character takes 3; with a song stem of 100 ASCII characters the stem file's
name stays under 255 bytes (100 + 4 + 120 + 4), and under Windows' 255 UTF-16 units."""

# compiled on first use by re (not at import: most runs need neither)
_UNSAFE = r"[^A-Za-z0-9._-]+"
_PLAIN_ID = r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}"
_WINDOWS_RESERVED = frozenset(  # device names, also with an extension ("con.txt")
    {"CON", "PRN", "AUX", "NUL"}
    | {f"{device}{n}" for device in ("COM", "LPT") for n in "0123456789\u00b9\u00b2\u00b3"}
)
_JOINERS = "\u200c\u200d"  # ZWNJ, ZWJ: part of a word in Persian and Indic scripts



def safe_file_stem(task_id: str) -> str:
    """A file name stem made from a task id: only ``A-Z a-z 0-9 . _ -``, never a path.

    Runs of other characters become ``_``; leading and trailing dots, dashes and underscores
    go (so no hidden files, no ``..``, nothing that looks like an option); an id with
    nothing usable left becomes ``task-<hash>``; very long ids are cut and end in a hash.
    ``safe_file_stem("../../x") == "x"``; ``safe_file_stem("5c79be8e") == "5c79be8e"``.
    """
    stem = re.sub(_UNSAFE, "_", str(task_id)).strip("._-")
    if not stem:
        return f"task-{_digest(task_id)}"
    if len(stem) > MAX_STEM_CHARS:
        stem = stem[: MAX_STEM_CHARS - 9].rstrip("._-") + "-" + _digest(task_id)
    if stem.split(".", 1)[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    return stem


def task_file_stem(task_id: str) -> str:
    """The file name stem of a delivered task (``fetch-mid serve``): the id itself when it
    is a plain name (letters, digits, ``-``, ``_``, at most 100, as real ids are; then it is
    also what ``safe_file_stem`` gives), else a safe name plus 10 hex digits of the id's
    SHA-256, so two odd ids never share files. It never has a dot, a separator or a reserved
    name, so ``<stem>.<suffix>`` never leaves its folder nor collides with another suffix.
    """
    text = str(task_id)
    if re.fullmatch(_PLAIN_ID, text) and safe_file_stem(text) == text:
        return text
    import hashlib

    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    base = safe_file_stem(text.replace(".", "_"))[:80].replace(".", "_").strip("_-")
    return f"{base or 'task'}-{digest}"


def instrument_slug(name: str, fallback: str = "track", *, standalone: bool = False) -> str:
    """An instrument name for a file name: its own letters and digits, in any script.

    NFKC-normalised (full-width letters are plain ones, ``²`` is ``2``) and lower-cased;
    letters, digits and combining marks of every script are kept (``ベース``, ``скрипка``,
    ``guitarra-eléctrica``, ``बाँसुरी``); every run of anything else (spaces, punctuation,
    path characters ``/ \\ : * ? " < > |``, control characters, emoji) becomes one ``-``, none
    at either end, so the name never ends in a dot or a space; at most ``MAX_SLUG_CHARS``
    characters and ``MAX_SLUG_BYTES`` bytes of UTF-8, never cutting a mark from its letter.
    ``fallback`` (the GM program's name) is used only when the name has no letter or digit
    at all (``"🎹"``), and ``"track"`` when neither has. With ``standalone`` (the slug is a
    whole file name's stem), a Windows device name (``con``, ``lpt1``...) gets a ``_``; inside
    ``<stem>-<NN>-<slug>.mid`` it cannot be one.

    ``instrument_slug("Electric Bass (finger)") == "electric-bass-finger"``;
    ``instrument_slug("Guitarra Eléctrica") == "guitarra-eléctrica"``.
    """
    for text in (name, fallback, "track"):
        slug = _slug(str(text))
        if slug:
            reserved = standalone and slug.upper() in _WINDOWS_RESERVED  # (a slug has no dot)
            return f"_{slug}" if reserved else slug
    return "track"  # pragma: no cover  (the loop always returns)


def _kept(char: str) -> bool:
    return unicodedata.category(char)[0] in "LNM"


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    dash = False
    for k, char in enumerate(text):
        if char in _JOINERS:
            if out and not dash and k + 1 < len(text) and _kept(text[k + 1]):
                out.append(char)  # a joiner inside a word stays
                continue
            dash = True
        elif _kept(char):
            if dash and out:
                out.append("-")
            dash = False
            out.append(char)
        else:
            dash = True
    while out and unicodedata.category(out[0])[0] not in "LN":
        out.pop(0)  # a leading mark has no letter to sit on, nor has a leading dash a word
    slug = "".join(out)
    if not slug:
        return ""
    end = min(len(slug), MAX_SLUG_CHARS)
    while end and len(slug[:end].encode("utf-8")) > MAX_SLUG_BYTES:
        end -= 1
    while 0 < end < len(slug) and unicodedata.category(slug[end])[0] == "M":
        end -= 1  # do not leave a combining mark behind without its letter
    return slug[:end].rstrip("-" + _JOINERS)


def _folded(name: str) -> str:
    """How a case- and normalisation-insensitive file system compares names."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFKC", name).casefold())


def stem_paths(path: str | os.PathLike[str], report: ConversionReport) -> list[tuple[int, Path]]:
    """``(track, path)`` of each written instrument's stem file beside the song at ``path``:
    ``<song stem>-<NN>-<instrument slug>.mid`` in the same folder, unique within the song
    under case and Unicode folding (the track number makes it so; a ``-2`` otherwise)."""
    song = Path(os.fspath(path))
    seen: set[str] = set()
    out: list[tuple[int, Path]] = []
    for ins in report.instruments:
        if ins.track is None:
            continue
        base = f"{song.stem}-{ins.track:02d}-{instrument_slug(ins.name, ins.program_name)}"
        name, k = base, 1
        while _folded(name) in seen:
            k += 1
            name = f"{base}-{k}"
        seen.add(_folded(name))
        out.append((ins.track, song.with_name(f"{name}.mid")))
    return out


def _digest(task_id: str) -> str:
    """Eight hex digits that tell apart ids whose safe names would otherwise collide."""
    import hashlib  # only for the rare odd id: keeps the common path's start-up small

    return hashlib.sha256(str(task_id).encode("utf-8", "surrogatepass")).hexdigest()[:8]


def names_folder(output: str | os.PathLike[str]) -> bool:
    """Whether an output option means a folder: one that exists, or a path ending in ``/``
    (or the platform's separator)."""
    text = os.fspath(output)
    return text.endswith(("/", os.sep)) or os.path.isdir(text)


def output_path(output: str | os.PathLike[str], stem: str, suffix: str) -> Path:
    """``output`` itself, or ``<output>/<stem><suffix>`` when it names a folder (which is
    created when missing). The one rule for ``-o``, ``--save-json`` and ``export_task``."""
    text = os.fspath(output)
    if not text:
        raise UsageError("the output path is empty")
    path = Path(text)
    if names_folder(text):
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"cannot create folder {text}: {exc.strerror or exc}", path=text
            ) from None
        return path / f"{stem}{suffix}"
    return path
