"""Output file names: task ids and instrument names made into safe file names, and the one
rule for where ``-o``, ``--save-json`` and ``export_task`` put a file.

A task id is data, never a path: ``safe_file_stem`` turns it into a plain file name that
cannot leave the output folder. A stem file of one instrument is named
``<stem>-<NN>-<instrument-slug>.mid`` (``5c79be8e-01-drums.mid``): NN is the instrument's
track number in the song (2 digits at least), the slug its name in lowercase ASCII letters,
digits and dashes (``instrument_slug``).
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
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)



def safe_file_stem(task_id: str) -> str:
    """A file name stem made from a task id: only ``A-Z a-z 0-9 . _ -``, never a path.

    Runs of other characters become ``_``; leading and trailing dots, dashes and underscores
    go (so no hidden files, no ``..``, nothing that looks like an option); an id with
    nothing usable left becomes ``task-<hash>``; very long ids are cut and end in a hash.
    ``safe_file_stem("../../x") == "x"``; ``safe_file_stem("5c79be8e") == "5c79be8e"``.
    """
    stem = _UNSAFE.sub("_", str(task_id)).strip("._-")
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
    if _PLAIN_ID.fullmatch(text) and safe_file_stem(text) == text:
        return text
    import hashlib

    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    base = safe_file_stem(text.replace(".", "_"))[:80].replace(".", "_").strip("_-")
    return f"{base or 'task'}-{digest}"


def instrument_slug(name: str, fallback: str = "track") -> str:
    """An instrument name for a file name: lowercase ASCII letters and digits, runs of
    anything else as one ``-``, accents dropped, at most 40 characters, never empty.

    ``instrument_slug("Electric Bass (finger)") == "electric-bass-finger"``;
    ``instrument_slug("Guitarra Eléctrica") == "guitarra-electrica"``; a name with nothing
    usable left (``"ベース"``) gives ``fallback``'s slug, else ``"track"``.
    """
    for text in (name, fallback, "track"):
        ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
        slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
        slug = slug[:MAX_SLUG_CHARS].rstrip("-")
        if slug:
            return slug
    return "track"  # pragma: no cover  (the loop always returns)


def stem_paths(path: str | os.PathLike[str], report: ConversionReport) -> list[tuple[int, Path]]:
    """``(track, path)`` of each written instrument's stem file beside the song at ``path``:
    ``<song stem>-<NN>-<instrument slug>.mid`` in the same folder."""
    song = Path(os.fspath(path))
    out: list[tuple[int, Path]] = []
    for ins in report.instruments:
        if ins.track is None:
            continue
        slug = instrument_slug(ins.name, ins.program_name)
        out.append((ins.track, song.with_name(f"{song.stem}-{ins.track:02d}-{slug}.mid")))
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
