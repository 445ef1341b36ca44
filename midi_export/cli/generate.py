"""``fetch-mid generate``: create the work (a billed separation first with ``--song``), print
each task id at once, wait for each stage, then fetch, convert and write ``<midi task id>.mid``.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

import click

from .console import Console, format_seconds
from .options import (
    conversion_options,
    look_options,
    message_options,
    network_options,
    output_options,
)

if TYPE_CHECKING:
    from ..loop import GenerateProgress, GenerateResult

__all__ = ["generate"]

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

HELP = """Create the MIDI of a song and write <midi task id>.mid.

\b
  fetch-mid generate SEPARATION_TASK_ID [--audio-id STEM_ID]
  fetch-mid generate --song MUSIC_TASK_ID --audio-id TRACK_ID [--separation split_stem]

From a finished separation, the MIDI task is created (kie.ai documents it as free; other
brands may bill it), its id printed at once (an interrupted run resumes with `fetch-mid <midi
task id>`), waited for, fetched and written as `fetch-mid` does. With --song, a vocal
separation of the track comes first: THE SEPARATION IS BILLED by the provider, every time,
even for the same track. On a terminal you are asked to confirm (--yes skips the question).
A request that creates work is sent again only when the API cannot have received it.
"""

EXAMPLES = """\b
Examples:
  fetch-mid generate --song 8f2c61d0 --audio-id e231aa09 --yes -o songs/
  fetch-mid generate 3e63f0a1 --stem bass          MIDI of one stem of a separation
  fetch-mid generate --song 8f2c61d0 --audio-id e231aa09 --yes --no-wait
  fetch-mid generate 3e63f0a1 --callback-url https://midi.example.org/callback/<token>

\b
Exit codes: as fetch-mid (0 ok, 2 usage, 3 authentication, 4 task failed, 5 still pending,
6 network or server trouble, also when a create may have happened: check your tasks before
running again, 7 invalid data, 8 output problem, 130 interrupted or declined).
"""

_sleep = time.sleep  # the client's sleep (tests replace it)


@click.command(
    "generate",
    context_settings=_CONTEXT,
    help=HELP,
    epilog=EXAMPLES,
    short_help="Create the MIDI of a song (BILLED separation first with --song), then write it.",
)
@click.argument("separation_task_id", required=False, metavar="[SEPARATION_TASK_ID]")
@click.option("--song", "song_task_id", metavar="MUSIC_TASK_ID",
              help="Start from this music task's track: a BILLED separation first.")
@click.option("--audio-id", metavar="ID",
              help="With --song: the track to separate. Otherwise: one stem's id "
              "(default: MIDI of all stems).")
@click.option("--separation", "separation_type", default="split_stem", show_default=True,
              type=click.Choice(["split_stem", "separate_vocal"]),
              help="Separation type; split_stem (up to 12 stems) is what MIDI needs.")
@click.option("--stem", metavar="NAME",
              help="MIDI of one stem only, by name (bass, drums, vocals...).")
@click.option("--callback-url", metavar="URL",
              help="Passed to the API as callBackUrl (a `fetch-mid serve` URL, say); without "
              "it a placeholder is sent and the tasks are polled.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask before creating billed work.")
@output_options
@conversion_options
@look_options
@message_options
@network_options
def generate(separation_task_id: str | None, **options: Any) -> None:
    """Create the MIDI of a song and write it (see the help text above)."""
    from . import signals
    from .results import report_exception

    console = Console(quiet=options["quiet"], verbose=options["verbose"])
    last: list[GenerateProgress] = []
    try:
        signals.release()
        code = _run(separation_task_id, options, console, last)
    except click.Abort:
        console.error("cancelled: nothing was created")
        code = 130
    except KeyboardInterrupt as exc:
        message, code = _interrupted(exc, last)
        console.error(message)
    except Exception as exc:
        from ..errors import CreateUncertainError

        code = report_exception(exc, console, options)
        hint = _resume(last)
        # still pending, or the network gave up mid-way; never after a create that may
        # have happened (its message says to look at the tasks first)
        if hint and code in (5, 6) and not isinstance(exc, CreateUncertainError):
            console.info(f"resume with: {hint}")
    signals.settle()
    sys.exit(code)


def _run(
    separation_task_id: str | None,
    options: dict[str, Any],
    console: Console,
    last: list[GenerateProgress],
) -> int:
    from ..api.client import Client
    from ..api.secret import Secret
    from ..errors import UsageError
    from ..loop import generate as run_generate
    from . import signals
    from .grid_options import check_grid_combinations
    from .results import convert_options, emit_json, json_mask
    from .stdout import Stdout

    song = options["song_task_id"]
    if options["quantize_strength"] is not None and options["quantize"] is None:
        raise UsageError("--quantize-strength needs --quantize GRID")
    grid_problem = check_grid_combinations(options)
    if grid_problem:
        raise UsageError(grid_problem)
    if options["output"] == "-" and (options["split"] or options["as_json"]):
        raise UsageError("-o - (standard output) cannot go with --split or --json")
    if (separation_task_id is None) == (song is None):
        raise UsageError("give a SEPARATION_TASK_ID, or --song MUSIC_TASK_ID --audio-id "
                         "TRACK_ID (not both)")
    api_key = (options["api_key"] or "").strip()
    if not api_key:
        raise UsageError("no API key: pass --api-key KEY or set APIKLEY_API_KEY")
    from .offline import check_look

    renderer = check_look(options)  # matplotlib, FluidSynth: before anything is billed
    console.mask = Secret(api_key).scrub_text
    if options["as_json"] or options["output"] == "-" or not options["wait"]:
        Stdout("--json" if options["as_json"] else "-o -" if options["output"] == "-"
               else "--no-wait (the created ids)").check()
    if song is not None and not options["yes"] and _on_terminal():
        click.confirm(
            f"Create a {options['separation_type']} separation of track "
            f"{options['audio_id']}? The provider bills every separation",
            abort=True, err=True,
        )
    output: Any = (Stdout("the MIDI file").as_stream() if options["output"] == "-"
                   else options["output"] or ".")

    def on_progress(progress: GenerateProgress) -> None:
        last.append(progress)
        _show(progress, options, console)

    with Client(api_key, base_url=options["base_url"], request_timeout=options["request_timeout"],
                max_retries=options["retries"], sleep=lambda s: _sleep(s),
                max_response_bytes=options["max_answer_mb"] * 1024 * 1024) as client:
        remove_hook = signals.on_stop(client.stop)
        try:
            result = run_generate(
                client, output, separation_task_id=separation_task_id, song_task_id=song,
                audio_id=options["audio_id"], separation_type=options["separation_type"],
                stem=options["stem"], callback_url=options["callback_url"],
                wait=options["wait"], timeout=options["timeout"],
                poll_interval=options["poll_interval"], on_progress=on_progress,
                overwrite=options["force"], save_json=options["save_json"],
                split=options["split"], preview=options["preview"], render=options["render"],
                renderer=renderer, **convert_options(options),
            )
        finally:
            remove_hook()
    console.clear_status()
    _summary(result, console)
    if options["as_json"]:
        emit_json(_facts(result), mask=json_mask(options))
    return 0


def _show(progress: GenerateProgress, options: dict[str, Any], console: Console) -> None:
    stage, task_id = progress.stage, progress.task_id
    if stage == "separation-created":
        console.info(f"separation task {task_id} created (billed); if interrupted: "
                     f"fetch-mid generate {task_id}")
    elif stage == "midi-created":
        console.info(f"MIDI task {task_id} created; if interrupted: fetch-mid {task_id}")
    elif stage.endswith("-waiting") and progress.status not in ("SUCCESS", "success"):
        what = "separation" if stage.startswith("separation") else "MIDI task"
        console.status(f"{what} {task_id}: {(progress.status or '').lower()} after "
                       f"{format_seconds(progress.elapsed or 0.0)}")
    if stage in ("separation-created", "midi-created") and not options["wait"] \
            and not options["as_json"]:
        from .console import printable
        from .stdout import Stdout

        console.clear_status()
        Stdout("--no-wait (the created ids)").write_text(printable(task_id) + "\n")


def _summary(result: GenerateResult, console: Console) -> None:
    from .summary import summary_lines

    export = result.export
    if export is None:
        return
    where = str(export.midi_path) if export.midi_path else "<stdout>"
    for line in summary_lines(export.report, where, verbose=console.verbose,
                              stems=export.stem_paths):
        console.info(line)
    for what, path in (("preview", export.preview_path), ("audio", export.audio_path)):
        if path is not None:
            console.info(f"  {what}  {path}")
    if export.json_path is not None:
        console.info(f"  raw record saved to {export.json_path}")


def _facts(result: GenerateResult) -> dict[str, Any]:
    from .results import result_facts

    ids = {"separation_task_id": result.separation_task_id,
           "midi_task_id": result.midi_task_id}
    export = result.export
    if export is None:
        return {"ok": True, **ids, "written": False}
    facts = result_facts(
        export.task_id, export.report,
        str(export.midi_path) if export.midi_path else "<stdout>", export.stem_paths,
        saved_json=str(export.json_path) if export.json_path else None,
        preview=str(export.preview_path) if export.preview_path else None,
        audio=str(export.audio_path) if export.audio_path else None,
    )
    return {**facts, **ids}


def _resume(last: list[GenerateProgress]) -> str | None:
    from ..loop import resume_command

    return resume_command(last[-1] if last else None)


def _interrupted(exc: KeyboardInterrupt, last: list[GenerateProgress]) -> tuple[str, int]:
    from ..critical import placed_count, placed_paths
    from .signals import describe

    message, code = describe(exc, placed_paths(), placed_count())
    hint = _resume(last)
    if hint is None:
        return message.replace("before any file was written", "before anything was created"), code
    if last and last[-1].stage == "written":
        return message, code  # the file is there: nothing to resume
    return f"{message}; resume with: {hint}", code


def _on_terminal() -> bool:
    """Confirmation is asked only of a person: stdin and stderr both terminals."""
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stderr))
