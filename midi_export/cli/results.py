"""What a run reports: the exit code of each error, the ``--json`` objects, and the one line
an error gets on stderr (a traceback only for a bug with ``-v``).

The ``--json`` document goes through ``stdout`` (written whole, or exit 8) as ASCII JSON,
each of its strings scrubbed of the API key when there is one (``json_mask``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .console import Console

if TYPE_CHECKING:
    from pathlib import Path

    from ..errors import MidiExportError
    from ..export import ExportResult
    from ..midi.report import ConversionReport

__all__ = [
    "Outcome",
    "convert_options",
    "emit_json",
    "error_facts",
    "error_message",
    "json_mask",
    "outcome_facts",
    "report_exception",
    "result_facts",
    "usage",
    "worst_exit_code",
]


def usage(message: str) -> Exception:
    from ..errors import UsageError

    return UsageError(message)


def report_exception(exc: BaseException, console: Console, options: dict[str, Any]) -> int:
    """One line for the user and the exit code; a traceback only for bugs with --verbose."""
    from ..errors import MidiExportError
    from .stdout import StdoutError

    if isinstance(exc, MidiExportError):
        console.error(error_message(exc))
        if options.get("as_json") and not isinstance(exc, StdoutError):
            # (standard output gone too: the line above said what happened)
            with contextlib.suppress(StdoutError):
                emit_json({"ok": False, "error": error_facts(exc)}, mask=json_mask(options))
        return int(exc.exit_code)
    console.error(f"unexpected {type(exc).__name__}: {exc} (this is a bug; -v shows details)")
    if options.get("verbose") and console.stream is not None:
        import traceback

        traceback.print_exception(exc, file=console.stream)
    return 1


def error_message(exc: BaseException) -> str:
    """What the user reads: the library's message, in the CLI's own words where they differ."""
    from ..errors import OutputExistsError

    if isinstance(exc, OutputExistsError) and exc.path is not None:
        return f"{exc.path} already exists (use --force to replace it)"
    return str(exc)


def error_facts(exc: MidiExportError) -> dict[str, Any]:
    facts: dict[str, Any] = {"type": type(exc).__name__, "message": error_message(exc)}
    facts["exit_code"] = int(exc.exit_code)
    for name in ("status", "code", "server_message", "attempts", "task_id", "error_code",
                 "error_message", "where", "elapsed"):
        value = getattr(exc, name, None)
        if value is not None:
            facts[name] = value
    return facts


def emit_json(obj: dict[str, Any], *, mask: Callable[[Any], Any] | None = None) -> None:
    """Print the ``--json`` document (``mask``: the key's scrubbing of every string); an
    ``OutputError`` (exit 8) when standard output fails, saying what was written before."""
    from ..critical import placed_paths
    from .stdout import Stdout, StdoutError, json_text

    try:
        Stdout("the --json result").write_text(
            json_text(obj if mask is None else mask(obj)) + "\n")
    except StdoutError as exc:
        written = placed_paths()
        if not written:
            raise
        shown = ", ".join(written[:3]) + (" ..." if len(written) > 3 else "")
        raise StdoutError(f"{exc}; the files were written: {shown}") from None


def json_mask(options: dict[str, Any]) -> Callable[[Any], Any] | None:
    """The API key's scrubbing of every string of a document, when a key was given."""
    key = (options.get("api_key") or "").strip()
    if not key:
        return None
    from ..api.secret import Secret

    return Secret(key).scrub_payload


def convert_options(options: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``convert`` (and ``export_task``) the options ask for."""
    from .options import producer_settings

    strength = options.get("quantize_strength")
    return {
        "bpm": options["bpm"],
        "ppq": options["ppq"],
        "programs": options["programs"] or None,
        "strict": options["strict"],
        "quantize": options.get("quantize"),
        "quantize_strength": 1.0 if strength is None else strength,
        "lead_in": options.get("lead_in") or "pickup",
        **producer_settings(options),  # --clean..., --split-drums, --drum-map (only when on)
        "metre": options.get("metre"),
        "key": options.get("key"),
    }


def result_facts(
    task_id: str | None,
    report: ConversionReport,
    written_to: str,
    stems: Sequence[Path] = (),
    **extra: Any,
) -> dict[str, Any]:
    """The ``--json`` object of one converted record (``extra``: facts of fetching only)."""
    return {
        "ok": True,
        "task_id": task_id,
        "output": written_to,
        **extra,
        "stems": [str(path) for path in stems],
        "report": report.to_dict(),
    }


class Outcome:
    """What happened to one task of a run."""

    __slots__ = ("error", "result", "task_id")

    def __init__(
        self, task_id: str, result: ExportResult | None = None, error: BaseException | None = None
    ) -> None:
        self.task_id = task_id
        self.result = result
        self.error = error

    @property
    def exit_code(self) -> int:
        from ..errors import MidiExportError

        if self.error is None:
            return 0
        return int(self.error.exit_code) if isinstance(self.error, MidiExportError) else 1


def worst_exit_code(codes: Sequence[int]) -> int:
    """The exit code of a batch: a bug (1) outranks everything, then the highest code."""
    if 1 in codes:
        return 1
    return max(codes, default=0)


def outcome_facts(outcome: Outcome) -> dict[str, Any]:
    from ..errors import MidiExportError

    if outcome.result is not None:
        result = outcome.result
        return result_facts(
            outcome.task_id,
            result.report,
            str(result.midi_path) if result.midi_path else "<stdout>",
            result.stem_paths,
            saved_json=str(result.json_path) if result.json_path else None,
            preview=str(result.preview_path) if result.preview_path else None,
            audio=str(result.audio_path) if result.audio_path else None,
        )
    error = outcome.error
    facts = (
        error_facts(error)
        if isinstance(error, MidiExportError)
        else {"type": type(error).__name__, "message": str(error), "exit_code": 1}
    )
    return {"ok": False, "task_id": outcome.task_id, "error": facts}
