"""``fetch-mid --from-json FILE``: convert a saved record, no key and no network."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from .console import Console
from .results import convert_options, emit_json, result_facts, usage
from .summary import show_result

if TYPE_CHECKING:
    from pathlib import Path

    from ..midi.conversion import Conversion

__all__ = ["deliver", "read_input", "resolve_output", "run_offline", "safe_stem"]


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
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from None


def deliver(
    conversion: Conversion, target: Path | None, *, overwrite: bool, split: bool = False
) -> tuple[str, list[Path]]:
    """Write one conversion to a file or stdout (and with ``split`` its stems beside the
    file); returns what to call the file in messages, and the stem files."""
    from ..export import write_conversion
    from ..writer import write_midi

    if target is None:
        write_midi(conversion, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return "<stdout>", []
    path, stems = write_conversion(conversion, target, overwrite=overwrite, split=split)
    return str(path), list(stems)


def run_offline(options: dict[str, Any], console: Console) -> int:
    from pathlib import Path

    from ..midi.convert import convert
    from ..record import parse_record

    source: str = options["from_json"]
    if options["as_json"] and options["output"] == "-":
        raise usage("--json and -o - both write to standard output; pick one")
    record = parse_record(read_input(source), strict=options["strict"])
    stem = safe_stem(record.task_id) or (
        safe_stem(Path(source).stem) if source != "-" else None
    ) or "midi-export"
    target = resolve_output(options["output"], stem)
    conversion = convert(record, **convert_options(options))
    written_to, stems = deliver(
        conversion, target, overwrite=options["force"], split=options["split"]
    )
    show_result(console, conversion.report, written_to, stems)
    if options["as_json"]:
        emit_json(result_facts(record.task_id, conversion.report, written_to, stems))
    return 0
