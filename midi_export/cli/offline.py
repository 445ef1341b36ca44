"""``fetch-mid --from-json FILE``: convert a saved record, no key and no network."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from .console import Console
from .results import convert_options, emit_json, result_facts, usage
from .summary import show_result

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from ..midi.conversion import Conversion
    from ..render import Renderer

__all__ = [
    "check_look",
    "deliver",
    "look_targets",
    "read_input",
    "resolve_output",
    "run_offline",
    "safe_stem",
]


def safe_stem(text: str | None) -> str | None:
    """A task id made safe for a file name, or None when nothing usable is left."""
    from ..paths import safe_file_stem

    if not text:
        return None
    return safe_file_stem(text)


def resolve_output(output: str | None, stem: str) -> Path | None:
    """Where one result goes: a file path, or None for standard output.

    ``-o`` is a file, or a folder when it exists or ends in a slash (created then), by the
    same rule as ``export_task``; ``-`` is standard output; without ``-o``,
    ``<stem>.mid`` in the current folder.
    """
    from ..paths import output_path

    if output == "-":
        return None
    return output_path("." if output is None else output, stem, ".mid")


def read_input(source: str) -> bytes:
    from pathlib import Path

    from ..errors import UsageError

    if source == "-":
        stdin = sys.stdin
        if stdin is None:
            raise UsageError("standard input is closed (--from-json - reads it)")
        try:
            data: bytes = stdin.buffer.read()
            return data
        except (OSError, ValueError, AttributeError) as exc:
            raise UsageError(f"cannot read standard input: "
                             f"{getattr(exc, 'strerror', None) or exc}") from None
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from None


def deliver(
    conversion: Conversion,
    target: Path | None,
    *,
    overwrite: bool,
    split: bool = False,
    extras: Sequence[tuple[bytes, Path]] = (),
) -> tuple[str, list[Path]]:
    """Write one conversion to a file or stdout (and with ``split`` its stems beside the
    file, and ``extras``: its preview and audio); returns what to call the file in
    messages, and the stem files."""
    from ..export import write_conversion
    from ..writer import write_files, write_midi
    from .stdout import Stdout

    if target is None:
        if extras:  # checked (and written) before the song goes out
            write_files(extras, overwrite=overwrite)
        write_midi(conversion, Stdout("the MIDI file").as_stream())
        return "<stdout>", []
    path, stems = write_conversion(
        conversion, target, overwrite=overwrite, split=split, extras=extras
    )
    return str(path), list(stems)


def look_targets(options: dict[str, Any], stem: str) -> tuple[Path | None, Path | None]:
    """Where ``--preview`` and ``--render`` go for ``stem`` (a file, or a folder to hold
    ``<stem>.png`` / ``<stem>.wav``); None when not asked for."""
    from ..paths import output_path

    preview, render = options.get("preview"), options.get("render")
    return (None if preview is None else output_path(preview, stem, ".png"),
            None if render is None else output_path(render, stem, ".wav"))


def check_look(options: dict[str, Any]) -> Renderer | None:
    """What ``--preview`` and ``--render`` need, checked before any work: matplotlib, and
    FluidSynth with a soundfont (returned); ``MissingDependencyError`` (exit 2) says what to
    install."""
    if options.get("preview"):
        from ..preview import require_matplotlib

        require_matplotlib()
    if options.get("render") is None:
        if options.get("soundfont") is not None:
            raise usage("--soundfont goes with --render")
        return None
    from pathlib import Path

    from ..render import Renderer

    return Renderer.find(options.get("soundfont"), home=Path.home())


def run_offline(options: dict[str, Any], console: Console) -> int:
    from pathlib import Path

    from ..export import extra_files
    from ..midi.convert import convert
    from ..record import parse_record
    from ..writer import refuse_existing
    from .stdout import Stdout

    source: str = options["from_json"]
    if options["as_json"] and options["output"] == "-":
        raise usage("--json and -o - both write to standard output; pick one")
    if options["as_json"] or options["output"] == "-":  # before any work, not after it
        Stdout("--json" if options["as_json"] else "-o -").check()
    renderer = check_look(options)
    record = parse_record(read_input(source), strict=options["strict"])
    stem = safe_stem(record.task_id) or (
        safe_stem(Path(source).stem) if source != "-" else None
    ) or "midi-export"
    target = resolve_output(options["output"], stem)
    preview, audio = look_targets(options, stem)
    if audio is not None:
        from ..render import audio_type

        audio_type(audio)
    if not options["force"]:  # before the preview and the render spend their time
        refuse_existing((target, preview, audio))
    conversion = convert(record, **convert_options(options))
    extras = extra_files(conversion, preview, audio, renderer)
    written_to, stems = deliver(
        conversion, target, overwrite=options["force"], split=options["split"], extras=extras
    )
    show_result(console, conversion.report, written_to, stems)
    for what, path in (("preview", preview), ("audio", audio)):
        if path is not None:
            console.info(f"  {what}  {path}")
    if options["as_json"]:
        emit_json(result_facts(record.task_id, conversion.report, written_to, stems,
                               preview=_text(preview), audio=_text(audio)))
    return 0


def _text(path: Path | None) -> str | None:
    return None if path is None else str(path)
