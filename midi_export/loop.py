"""The whole loop: from a song's track, or a finished separation, to a written ``.mid``.

``generate`` strings the ``Client``'s create and wait calls together and writes through
``export_task``; ``fetch-mid generate`` is this plus options, confirmation and messages.

The state machine (each arrow is one call; every wait has its own ``timeout``)::

    --song M --audio-id T                         SEPARATION_TASK_ID [--audio-id STEM_ID]
    check options and output (nothing billed yet)  check options and output
    create_separation(M, T, type)   [billed]       |
      -> progress "separation-created" (id)        |
      (no wait: stop, ids printed)                 |
    wait_for_separation  "separation-waiting"      wait_for_separation (usually 1 poll)
      failed -> TaskFailedError (exit 4)             pending + no wait -> TaskPendingError (5)
      -> "separation-done"                           -> "separation-done"
    create_midi_task(sep, audio_id=stem)           create_midi_task(sep, audio_id)
      -> "midi-created" (id: print it at once)       -> "midi-created"
      (no wait: stop)                                (no wait: stop)
    export_task(midi id): wait, fetch, convert, write  -> "midi-waiting"..., "written"

Resuming: after "separation-created" run ``fetch-mid generate <separation id>`` (it waits for
the separation, then creates the MIDI task); after "midi-created" run ``fetch-mid <midi id>``.
``resume_command(progress)`` words it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO

from .errors import OutputError, OutputExistsError, UsageError
from .paths import names_folder

if TYPE_CHECKING:
    from .api.client import Client
    from .api.separation import Separation
    from .export import ExportResult
    from .render import Renderer

__all__ = ["GenerateProgress", "GenerateResult", "check_output", "generate", "resume_command"]


@dataclasses.dataclass(frozen=True)
class GenerateProgress:
    """One step of ``generate``: ``stage`` is ``separation-created``, ``separation-waiting``,
    ``separation-done``, ``midi-created``, ``midi-waiting`` or ``written``; ``task_id`` the
    task it is about; ``elapsed`` the seconds of the current wait; ``status`` the task's."""

    stage: str
    task_id: str
    separation_task_id: str | None = None
    elapsed: float | None = None
    status: str | None = None


@dataclasses.dataclass(frozen=True)
class GenerateResult:
    """The tasks ``generate`` went through and, when it waited, what ``export_task`` wrote."""

    separation_task_id: str
    midi_task_id: str | None = None
    export: ExportResult | None = None
    separation: Separation | None = None


def generate(
    client: Client,
    output: str | os.PathLike[str] | BinaryIO,
    *,
    separation_task_id: str | None = None,
    song_task_id: str | None = None,
    audio_id: str | None = None,
    separation_type: str = "split_stem",
    stem: str | None = None,
    callback_url: str | None = None,
    wait: bool = True,
    timeout: float = 600.0,
    poll_interval: float | None = None,
    on_progress: Callable[[GenerateProgress], object] | None = None,
    overwrite: bool = False,
    save_json: str | os.PathLike[str] | None = None,
    split: bool = False,
    preview: str | os.PathLike[str] | None = None,
    render: str | os.PathLike[str] | None = None,
    renderer: Renderer | None = None,
    **convert_options: Any,
) -> GenerateResult:
    """Create the work and (with ``wait``) write ``<midi task id>.mid`` (see the module).

    Give ``separation_task_id`` (``audio_id`` is then one stem's id, optional), or
    ``song_task_id`` and ``audio_id`` (the track) to start with a separation of type
    ``separation_type`` — **billed**. ``stem`` (``"bass"``) picks one stem by name for the
    MIDI task. Options, the output and the conversion options are checked before anything is
    created. ``on_progress`` gets every ``Progress``; "…-created" comes right after the POST,
    so a caller can show the id before any wait. Raises the typed errors of the client, the
    converter and the writer (``CreateUncertainError`` when a create may have happened).
    ``preview`` and ``render`` (with ``renderer``) go to ``export_task``; they are checked
    with the output, before anything is created.
    """
    if (separation_task_id is None) == (song_task_id is None):
        raise UsageError("give a separation task id, or --song with --audio-id, not both")
    if song_task_id is not None and not audio_id:
        raise UsageError("--song needs --audio-id: the id of the track to separate")
    from .api.create import SEPARATION_TYPES
    from .export import export_task
    from .midi.probe import check_convert_options

    if separation_type not in SEPARATION_TYPES:
        raise UsageError(f"unknown separation type {separation_type!r}")
    check_convert_options(convert_options)
    check_output(output, overwrite=overwrite, save_json=save_json, extras=(preview, render))
    if render is not None and renderer is None:
        from .render import Renderer

        renderer = Renderer.find()

    def emit(progress: GenerateProgress) -> None:
        if on_progress is not None:
            on_progress(progress)

    if song_task_id is not None:
        assert audio_id is not None
        created = client.create_separation(song_task_id, audio_id, separation_type,
                                           callback_url=callback_url)
        sep_id = created.task_id
        emit(GenerateProgress("separation-created", sep_id, sep_id))
        if not wait:
            return GenerateResult(sep_id)
        midi_audio_id = None
    else:
        assert separation_task_id is not None
        sep_id = separation_task_id
        midi_audio_id = audio_id

    if wait:
        separation = client.wait_for_separation(
            sep_id, timeout=timeout, poll_interval=poll_interval,
            on_poll=lambda s, t: emit(GenerateProgress("separation-waiting", sep_id, sep_id, t,
                                               s.status.value)))
    else:  # --no-wait from a separation id: it must be usable now
        separation = client.get_separation(sep_id)
        separation.raise_for_status()
    emit(GenerateProgress("separation-done", sep_id, sep_id, status=separation.status.value))
    if stem is not None:
        midi_audio_id = separation.stem(stem).id

    midi = client.create_midi_task(sep_id, audio_id=midi_audio_id, callback_url=callback_url)
    emit(GenerateProgress("midi-created", midi.task_id, sep_id))
    if not wait:
        return GenerateResult(sep_id, midi.task_id, separation=separation)
    result = export_task(
        midi.task_id, output, client=client, wait=True, timeout=timeout,
        poll_interval=poll_interval,
        on_poll=lambda r, t: emit(GenerateProgress("midi-waiting", midi.task_id, sep_id, t,
                                           r.status.value)),
        overwrite=overwrite, save_json=save_json, split=split, preview=preview, render=render,
        renderer=renderer, **convert_options,
    )
    emit(GenerateProgress("written", midi.task_id, sep_id))
    return GenerateResult(sep_id, midi.task_id, result, separation)


def resume_command(last: GenerateProgress | None) -> str | None:
    """The command that carries on from ``last`` (None before anything was created)."""
    if last is None:
        return None
    if last.stage.startswith("midi") or last.stage == "written":
        return f"fetch-mid {last.task_id}"
    return f"fetch-mid generate {last.separation_task_id or last.task_id}"


def check_output(
    output: str | os.PathLike[str] | BinaryIO, *, overwrite: bool = False,
    save_json: str | os.PathLike[str] | None = None,
    extras: tuple[str | os.PathLike[str] | None, ...] = (),
) -> None:
    """Fail before any billed call when the output cannot be written: a folder that cannot
    be created or written in, or (without ``overwrite``) a file path that exists. The file
    name inside a folder is the MIDI task's id, unknown until it is created. ``extras``:
    the preview and audio targets, checked the same way."""
    for target in (output, save_json, *extras):
        if target is None or not isinstance(target, (str, os.PathLike)):
            continue  # a stream (-o -) is always writable
        text = os.fspath(target)
        if text == "-":
            continue
        if names_folder(text):
            folder = os.path.abspath(text)
        else:
            folder = os.path.dirname(os.path.abspath(text))
            if not overwrite and os.path.lexists(text):
                raise OutputExistsError(
                    f"{text} already exists (use --force to replace it)", path=text
                )
        probe = folder
        while probe and not os.path.exists(probe):
            parent = os.path.dirname(probe.rstrip(os.sep))
            if parent == probe:
                break
            probe = parent
        if not os.path.isdir(probe) or not os.access(probe, os.W_OK | os.X_OK):
            raise OutputError(f"cannot write in {folder}", path=folder)
