"""The ``fetch-mid`` command: a click group whose default verb is ``fetch``.

``fetch-mid TASK_ID...`` and ``fetch-mid --from-json FILE`` are ``fetch-mid fetch ...``: a first
argument that is not a verb goes to ``fetch``, so the command of the first version keeps
working while verbs are added (a task id that is also a verb's name: ``fetch-mid fetch ID``).
``fetch-mid --help`` shows ``fetch``'s options and examples and lists the verbs.

This package is the only one that prints or exits. It resolves configuration (an option,
then its environment variable, then a clear usage error), calls the library, and turns every
``MidiExportError`` into one line on stderr and the exit code that class carries. Start-up
matters (``fetch-mid --help`` should cost little more than importing click), so everything
beyond click is imported inside the functions that need it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from .._version import __version__
from .console import PROG, Console
from .options import (
    conversion_options,
    look_options,
    message_options,
    network_options,
    output_options,
)

__all__ = ["EXAMPLES", "LAZY_VERBS", "cli"]

EXAMPLES = """\b
Examples:
  fetch-mid 5c79be8e                      fetch a task, wait while pending, write 5c79be8e.mid
  fetch-mid 5c79be8e --save-json keep/    also keep the raw record (the API drops it after 14 days)
  fetch-mid id1 id2 id3 -o songs/         several tasks at once into songs/
  fetch-mid --from-json record.json       convert a saved record, no key or network needed
  fetch-mid --from-json - -o - < r.json > song.mid
  fetch-mid --from-json r.json --bpm 97 --program "Vocals=Flute" --json
  fetch-mid 5c79be8e --bpm auto           tempo and bar lines from the music itself
  fetch-mid 5c79be8e --bpm auto --lead-in shift   one tempo, notes delayed onto a bar line
  fetch-mid 5c79be8e --bpm auto --quantize 1/16 --quantize-strength 0.5
  fetch-mid 5c79be8e --split -o stems/    also one file per instrument, for a DAW
  fetch-mid 5c79be8e --preview songs/ --render songs/   also a piano roll PNG and a .wav
  fetch-mid 5c79be8e --clean --split-drums --split      debris out, the kit in pieces
  fetch-mid convert keep/ -o songs/ --jobs 2            a whole archive of saved records

\b
Exit codes: 0 ok, 1 bug, 2 usage (also: FluidSynth, a soundfont or matplotlib missing),
3 authentication, 4 task unusable (failed, not found or expired, empty), 5 still pending,
6 network or server trouble, 7 invalid data, 8 output problem (exists without --force, not
writable, standard output closed, FluidSynth gave no audio), 130 interrupted (143 SIGTERM,
129 SIGHUP).
"""

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# The verbs beyond ``fetch``, each imported only when it runs (click's lazy subcommands), so
# a conversion does not load them: name -> its short help for ``fetch-mid --help``, the same
# text as the verb's own ``short_help`` (a test holds them equal).
LAZY_VERBS: dict[str, str] = {
    "convert": "Convert saved records (files, folders of *.json, or -) in one run.",
    "generate": "Create the MIDI of a song (BILLED separation first with --song), then write it.",
    "serve": "Receive the API's callbacks; write each delivered record once.",
}


def load_verb(name: str) -> click.Command:
    """The command of a lazy verb, its module imported now."""
    if name == "convert":
        from .convert import convert_verb as verb
    elif name == "generate":
        from .generate import generate as verb
    elif name == "serve":
        from .serve import serve as verb
    else:
        raise KeyError(name)
    return verb


class DefaultVerbGroup(click.Group):
    """A group whose first argument is a verb, or else belongs to the default verb; the
    verbs of ``LAZY_VERBS`` are imported on first use (click's lazy-loading pattern)."""

    default_verb = "fetch"

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every verb's name, the lazy ones too, sorted (as click lists them)."""
        return sorted({*self.commands, *LAZY_VERBS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A verb by name, a lazy one imported now."""
        if cmd_name in LAZY_VERBS and cmd_name not in self.commands:
            return load_verb(cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The verbs and their short help as click lists them (``Group.format_commands``),
        without importing the lazy ones: their short help is in ``LAZY_VERBS``."""
        from gettext import gettext as _

        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [
            (name, self.commands[name].get_short_help_str(limit) if name in self.commands
             else LAZY_VERBS[name])
            for name in names
        ]
        with formatter.section(_("Commands")):
            formatter.write_dl(rows)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run a verb, or the default verb as the command itself (so its usage lines and
        errors read ``fetch-mid [OPTIONS]``, as before there were verbs); every error of
        click's one house line (``entry.run_click``). Standalone (click's way, and
        ``CliRunner``'s) it exits with the code; otherwise it returns it."""
        from .entry import run_click

        args = list(sys.argv[1:] if args is None else args)
        before_dashes = args[: args.index("--")] if "--" in args else args
        run: Any
        if args and (args[0] in self.commands or args[0] in LAZY_VERBS):
            run = super().main
        elif any(arg in ("-h", "--help") for arg in before_dashes):
            run, args = super().main, ["--help"]  # the options and the verbs
        else:
            run = self.commands[self.default_verb].main
        code = run_click(run, args, complete_var=complete_var, **extra)
        if standalone_mode:
            sys.exit(code)
        return code

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The default verb's help under the command's own name, then the verbs."""
        verb = self.commands[self.default_verb]
        with click.Context(
            verb, info_name=ctx.info_name, parent=ctx.parent, **verb.context_settings
        ) as own:
            verb.format_usage(own, formatter)
            formatter.write_usage(ctx.command_path, "COMMAND [ARGS]...", prefix="       ")
            verb.format_help_text(own, formatter)
            verb.format_options(own, formatter)
        self.format_commands(ctx, formatter)
        verb.format_epilog(ctx, formatter)


@click.group(cls=DefaultVerbGroup, context_settings=_CONTEXT)
def cli() -> None:
    """Turn the MIDI records of an AI music service into General MIDI files."""


@cli.command(
    context_settings=_CONTEXT,
    epilog=EXAMPLES,
    short_help="Fetch tasks (or convert a saved record) into .mid files; the default.",
)
@click.argument("task_ids", nargs=-1, metavar="[TASK_ID]...")
@click.option(
    "--from-json",
    "from_json",
    metavar="FILE|-",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=str),
    help="Convert a saved record (any payload shape) instead of fetching; '-' reads stdin.",
)
@output_options
@conversion_options
@look_options
@message_options
@network_options
@click.version_option(__version__, "--version", prog_name=PROG, message="%(prog)s %(version)s")
def fetch(task_ids: tuple[str, ...], **options: Any) -> None:
    """Turn the MIDI record of an AI music task into a General MIDI file.

    Fetches each TASK_ID's record from the API (waiting while it is pending), converts every
    detected instrument into its own track (drums on channel 10, others on their own channel
    with a General MIDI program found from the instrument's name) and writes <task id>.mid.
    With --from-json, converts a saved record instead: no key, no network.
    """
    from . import signals
    from .results import report_exception, usage

    console = Console(quiet=options["quiet"], verbose=options["verbose"])
    try:
        signals.release()
        check_combinations(options)
        if options["from_json"] is not None:
            if task_ids:
                raise usage("give either TASK_IDs or --from-json, not both")
            from .offline import run_offline

            code = run_offline(options, console)
        else:
            if not task_ids:
                raise usage("give a TASK_ID to fetch, or --from-json FILE (see --help)")
            from .online import run_online

            code = run_online(task_ids, options, console)
    except KeyboardInterrupt as exc:
        from ..critical import placed_count, placed_paths

        message, code = signals.describe(exc, placed_paths(), placed_count())
        console.error(message)
    except Exception as exc:
        code = report_exception(exc, console, options)
    signals.settle()
    sys.exit(code)


def check_combinations(options: dict[str, Any]) -> None:
    """Usage errors that no single option can tell."""
    from .results import usage

    if options["quantize_strength"] is not None and options["quantize"] is None:
        raise usage("--quantize-strength needs --quantize GRID")
    if options["split"] and options["output"] == "-":
        raise usage("--split writes files: it cannot go with -o - (standard output)")
    if options.get("lead_in") == "shift" and options["bpm"] != "auto":
        raise usage("--lead-in shift needs --bpm auto (a fixed tempo has no downbeat to move)")
    from .grid_options import check_grid_combinations

    problem = check_grid_combinations(options)
    if problem:
        raise usage(problem)

