"""Fetch, wait, convert and write in one call, for DAW scripts and other tools.

    from midi_export import Client, export_task

    with Client.from_env() as client:
        result = export_task("5c79be8e", "songs/", client=client, save_json="records/")
    print(result.midi_path, result.report.notes_written)

The steps stay separate underneath (``api`` -> ``midi`` -> ``writer``); this module only
strings them together; the file names are ``paths``'s.

With ``split=True`` each instrument also gets a file of its own beside the song
(``paths.stem_paths``). Each stem has the song's conductor track (the same tempo map) and
the one instrument track, with its channel and program. ``preview`` adds the piano-roll PNG
(``preview``) and ``render`` the audio (``render``): made in memory, then written with the
song as one set, all or nothing.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .errors import UsageError
from .paths import output_path, safe_file_stem, stem_paths

if TYPE_CHECKING:
    from .api.client import Client, PollCallback
    from .midi.conversion import Conversion
    from .midi.report import ConversionReport
    from .render import Renderer

__all__ = ["ExportResult", "export_task", "extra_files", "write_conversion"]


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """What ``export_task`` did: the files it wrote and the conversion report."""

    task_id: str
    midi_path: Path | None  # None when the MIDI went to a stream (``-o -``)
    json_path: Path | None
    report: ConversionReport
    stem_paths: tuple[Path, ...] = ()  # one file per instrument, with ``split=True``
    preview_path: Path | None = None  # the piano roll, with ``preview``
    audio_path: Path | None = None  # the audio, with ``render``


def write_conversion(
    conversion: Conversion,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    split: bool = False,
    extras: Sequence[tuple[bytes, Path]] = (),
) -> tuple[Path, tuple[Path, ...]]:
    """Write the song to ``path`` (and with ``split`` its stems beside it, and ``extras``,
    such as ``extra_files``'s); returns the song's path and the stems' paths.

    All the files are checked before any is written: without ``overwrite`` one that exists
    raises ``OutputExistsError`` and nothing is written (``writer.write_files``).
    """
    from .writer import write_files

    song = Path(os.fspath(path))
    stems = stem_paths(song, conversion.report) if split else []
    files: list[tuple[Any, Path]] = [(conversion, song)]
    files += [(conversion.stem_bytes(track), stem) for track, stem in stems]
    files += list(extras)
    written = write_files(files, overwrite=overwrite)
    return written[0], tuple(written[1 : 1 + len(stems)])


def extra_files(
    conversion: Conversion,
    preview: Path | None = None,
    render: Path | None = None,
    renderer: Renderer | None = None,
) -> list[tuple[bytes, Path]]:
    """The preview PNG and the rendered audio of ``conversion``, in memory, with the paths
    they go to (each only when its path is given; ``render`` needs ``renderer``)."""
    files: list[tuple[bytes, Path]] = []
    if preview is not None:
        from .preview import preview_png

        files.append((preview_png(conversion), preview))
    if render is not None:
        from .render import audio_type

        if renderer is None:
            raise UsageError("rendering needs a Renderer (Renderer.find())")
        files.append((renderer.render(conversion, audio_type(render)), render))
    return files


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
    preview: str | os.PathLike[str] | None = None,
    render: str | os.PathLike[str] | None = None,
    renderer: Renderer | None = None,
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
    ``convert_options`` go to ``midi_export.convert`` (``bpm="auto"``,
    ``quantize="1/16"``...). With ``split`` (a path ``output`` only) each instrument also
    gets its own file beside the song (``stem_paths``), listed in ``stem_paths``.
    ``preview`` (a ``.png`` path or a folder) adds the piano roll, ``render`` (a ``.wav`` or
    ``.flac`` path, or a folder for ``.wav``) the audio, rendered by ``renderer``
    (default ``Renderer.find()``, which raises ``MissingDependencyError`` before anything is
    fetched when FluidSynth or a soundfont is missing).

    Existing files are refused (``OutputExistsError``) before anything is fetched, unless
    ``overwrite``; the stems' names depend on the record, so they are checked once it has
    arrived, with the other files, before any file is written. Every file is written
    atomically. An answer whose record names another task is converted with a warning in the
    report (with ``strict=True`` it is an ``InvalidResponseError``); the files keep the name
    asked for. Raises the typed errors of the fetcher, the converter and the writer; wrong
    argument types raise ``TypeError`` naming the argument before any request.
    """
    from .midi.convert import convert
    from .writer import refuse_existing, write_files, write_midi

    _check_arguments(task_id, output, client, (save_json, preview, render), on_poll, wait,
                     overwrite, split)
    if convert_options:
        from .midi.probe import check_convert_options

        check_convert_options(convert_options)  # a bad option before a long wait
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
    preview_path = None if preview is None else output_path(preview, stem, ".png")
    if preview_path is not None:
        from .preview import require_matplotlib

        require_matplotlib()  # before a long wait rather than after it
    audio_path = None if render is None else output_path(render, stem, ".wav")
    if audio_path is not None:
        from .render import Renderer, audio_type

        audio_type(audio_path)
        renderer = renderer or Renderer.find()
    extras_paths = (preview_path, audio_path)
    # fail before a long wait rather than after it
    refuse_existing((midi_path, json_path, *extras_paths), overwrite=overwrite)

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
        foreign = _foreign_task(task_id, result.record.task_id, convert_options)
        conversion = convert(result.record, **convert_options)
    except Exception:
        if json_path is not None:
            _write_bytes(result.body, json_path, overwrite=overwrite)
        raise
    report = conversion.report
    if foreign:
        report = dataclasses.replace(report, warnings=(*report.warnings, foreign))
    stems = [] if midi_path is None or not split else stem_paths(midi_path, conversion.report)
    # every target again, the stems too, before the JSON is written
    refuse_existing((midi_path, json_path, *extras_paths, *(p for _, p in stems)),
                    overwrite=overwrite)
    try:
        extras = extra_files(conversion, preview_path, audio_path, renderer)
    except Exception:
        if json_path is not None:  # the record outlives a failed preview or render too
            _write_bytes(result.body, json_path, overwrite=overwrite)
        raise
    if json_path is not None:
        _write_bytes(result.body, json_path, overwrite=overwrite)
    stem_files: tuple[Path, ...] = ()
    if stream is not None:
        write_midi(conversion, stream)
        if extras:
            write_files(extras, overwrite=overwrite)
    else:
        assert midi_path is not None
        midi_path, stem_files = write_conversion(
            conversion, midi_path, overwrite=overwrite, split=split, extras=extras
        )
    return ExportResult(
        task_id=task_id,
        midi_path=midi_path,
        json_path=json_path,
        report=report,
        stem_paths=stem_files,
        preview_path=preview_path,
        audio_path=audio_path,
    )


def _foreign_task(asked: str, found: str | None, options: dict[str, Any]) -> str | None:
    """The warning for a record of another task than the one asked for (None: it is the
    task asked for, or the record names none); with ``strict``, the error."""
    if found is None or found.strip() == asked.strip():
        return None
    message = (f"the answer is for task {found!r}, not {asked!r}; the file is named after "
               f"{asked!r}")
    if options.get("strict"):
        from .errors import InvalidResponseError

        raise InvalidResponseError(f"{message} (refused with strict)")
    return message


def _check_arguments(task_id: object, output: object, client: object,
                     paths: tuple[object, ...], on_poll: object, *flags: object) -> None:
    from ._check import WrongType, check_callable, check_flag, check_type, kind
    from .api.client import Client

    check_type("task_id", task_id, str, "a str")
    if not (isinstance(output, (str, os.PathLike))
            or callable(getattr(output, "write", None))):
        raise WrongType(f"output must be a path, a folder or a binary stream, not "
                        f"{kind(output)}")
    check_type("client", client, Client, "a Client (midi_export.Client)")
    for name, path in zip(("save_json", "preview", "render"), paths, strict=True):
        check_type(name, path, (str, os.PathLike), "a path", optional=True)
    check_callable("on_poll", on_poll)
    for name, value in zip(("wait", "overwrite", "split"), flags, strict=True):
        check_flag(name, value)


def _same_file(a: Path, b: Path) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


def _write_bytes(data: bytes, path: Path, *, overwrite: bool) -> None:
    """Any bytes, atomically: ``write_midi`` takes bytes as they are (the writer is the one
    module that writes files)."""
    from .writer import write_midi

    write_midi(data, path, overwrite=overwrite)
