"""Fetch, wait, convert and write in one call, for DAW scripts and other tools.

    from midi_export.export import export_task
    from midi_export.fetcher import Client

    with Client.from_env() as client:
        result = export_task("5c79be8e", "songs/", client=client, save_json="records/")
    print(result.midi_path, result.report.notes_written)

The steps stay separate underneath (``fetcher`` -> ``converter`` -> ``writer``); this module
only strings them together and decides the file names. A task id is data, never a path:
``safe_file_stem`` turns it into a plain file name that cannot leave the output folder.

With ``split=True`` each instrument also gets a file of its own beside the song,
``<stem>-<NN>-<instrument-slug>.mid`` (``5c79be8e-01-drums.mid``): NN is the instrument's
track number in the song (2 digits at least), the slug its name in lowercase ASCII letters,
digits and dashes (``instrument_slug``). Each stem has the song's conductor track (the
same tempo map) and the one instrument track, with its channel and program.
"""

from __future__ import annotations

import dataclasses
import os
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .errors import OutputError, UsageError

if TYPE_CHECKING:
    from .converter import Conversion, ConversionReport
    from .fetcher import Client, PollCallback

__all__ = [
    "ExportResult",
    "export_task",
    "instrument_slug",
    "names_folder",
    "output_path",
    "safe_file_stem",
    "stem_paths",
    "write_conversion",
]

MAX_STEM_CHARS = 100
MAX_SLUG_CHARS = 40
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """What ``export_task`` did: the files it wrote and the conversion report."""

    task_id: str
    midi_path: Path | None  # None when the MIDI went to a stream (``-o -``)
    json_path: Path | None
    report: ConversionReport
    stem_paths: tuple[Path, ...] = ()  # one file per instrument, with ``split=True``


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


def write_conversion(
    conversion: Conversion,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    split: bool = False,
) -> tuple[Path, tuple[Path, ...]]:
    """Write the song to ``path`` (and with ``split`` its stems beside it); returns the song's
    path and the stems' paths.

    All the files are checked before any is written: without ``overwrite`` one that exists
    raises ``OutputExistsError`` and nothing is written (``writer.write_files``).
    """
    from .writer import write_files

    song = Path(os.fspath(path))
    stems = stem_paths(song, conversion.report) if split else []
    files: list[tuple[Any, Path]] = [(conversion, song)]
    files += [(conversion.stem_bytes(track), stem) for track, stem in stems]
    written = write_files(files, overwrite=overwrite)
    return written[0], tuple(written[1:])


def _digest(task_id: str) -> str:
    """Eight hex digits that tell apart ids whose safe names would otherwise collide."""
    import hashlib  # only for the rare odd id: keeps the common path's start-up small

    return hashlib.sha256(str(task_id).encode("utf-8", "surrogatepass")).hexdigest()[:8]


def export_task(
    task_id: str,
    output: str | os.PathLike[str] | BinaryIO,
    *,
    client: Client,
    wait: bool = True,
    timeout: float = 600.0,
    poll_interval: float | None = None,
    on_poll: PollCallback | None = None,
    overwrite: bool = False,
    save_json: str | os.PathLike[str] | None = None,
    split: bool = False,
    **convert_options: Any,
) -> ExportResult:
    """Fetch a task's record, convert it and write the ``.mid`` (and the raw record).

    ``output`` (and ``save_json``) is a file path, or a folder (one that exists, or a path
    ending in ``/``, created then) to hold ``<safe task id>.mid`` (``.json``); ``output`` may
    also be a binary stream (``sys.stdout.buffer``), and ``midi_path`` is then None. With ``wait``
    the task is polled while pending for up to ``timeout`` seconds (``poll_interval`` and
    ``on_poll`` as in ``Client.wait_for_record``); without, it is asked once (``on_poll`` is
    not called) and a pending task raises ``TaskPendingError`` at once. ``save_json``
    receives the response body exactly as the API sent it, which ``parse_record`` (and
    ``fetch-mid --from-json``) read back into the same record; it is written as soon as a
    usable record arrives, before converting, so a failed conversion still keeps it.
    ``convert_options`` go to ``midi_export.converter.convert`` (``bpm="auto"``,
    ``quantize="1/16"``...). With ``split`` (a path ``output`` only) each instrument also
    gets its own file beside the song (``stem_paths``), listed in ``stem_paths``.

    Existing files are refused (``OutputExistsError``) before anything is fetched, unless
    ``overwrite``; the stems' names depend on the record, so they are checked once it has
    arrived, with the other files, before any file is written. Every file is written
    atomically. Raises the typed errors of the fetcher, the converter and the writer.
    """
    from .converter import convert
    from .writer import refuse_existing, write_midi

    stem = safe_file_stem(task_id)
    stream: BinaryIO | None = None
    midi_path: Path | None = None
    if isinstance(output, (str, os.PathLike)):
        midi_path = output_path(output, stem, ".mid")
    else:
        stream = output
        if split:
            raise UsageError("split writes files: give a path or folder, not a stream")
    json_path = None if save_json is None else output_path(save_json, stem, ".json")
    if json_path is not None and midi_path is not None and _same_file(json_path, midi_path):
        raise UsageError(f"the MIDI file and the saved record would both be {midi_path}")
    if not overwrite:  # fail before a long wait rather than after it
        refuse_existing((midi_path, json_path))

    if wait:
        result = client.wait_for_result(
            task_id, timeout=timeout, poll_interval=poll_interval, on_poll=on_poll
        )
    else:
        result = client.get_result(task_id)
        result.record.raise_for_status()

    # A conversion that fails (strict mode, a bad option) still leaves the user the raw
    # record, which the API drops after 14 days.
    try:
        conversion = convert(result.record, **convert_options)
    except Exception:
        if json_path is not None:
            _write_bytes(result.body, json_path, overwrite=overwrite)
        raise
    stems = [] if midi_path is None or not split else stem_paths(midi_path, conversion.report)
    if not overwrite:  # every target again, the stems too, before the JSON is written
        refuse_existing((midi_path, json_path, *(p for _, p in stems)))
    if json_path is not None:
        _write_bytes(result.body, json_path, overwrite=overwrite)
    stem_files: tuple[Path, ...] = ()
    if stream is not None:
        write_midi(conversion, stream)
    else:
        assert midi_path is not None
        midi_path, stem_files = write_conversion(
            conversion, midi_path, overwrite=overwrite, split=split
        )
    return ExportResult(
        task_id=task_id,
        midi_path=midi_path,
        json_path=json_path,
        report=conversion.report,
        stem_paths=stem_files,
    )


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


def _same_file(a: Path, b: Path) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


def _write_bytes(data: bytes, path: Path, *, overwrite: bool) -> None:
    """Any bytes, atomically: ``write_midi`` takes bytes as they are (the writer is the one
    module that writes files)."""
    from .writer import write_midi

    write_midi(data, path, overwrite=overwrite)
