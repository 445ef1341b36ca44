"""``fetch-mid convert FILE|DIR|- ...``: a whole archive of saved records in one run.

The printer of ``batch``: on a terminal a live line on stderr with a bar, the count, the
rate and an ETA (redrawn at most every 0.1 s); in a pipe one plain line per file; every
failure as ``fetch-mid: error: <file>: <message>``; then a summary table, or one JSON object
on stdout with ``--json``; the exit code is the worst of the files' (a bug, 1, outranks
everything; otherwise the highest).
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

import click

from .console import Console, format_seconds, plural
from .options import conversion_options

if TYPE_CHECKING:
    from ..batch import Result

__all__ = ["Progress", "Tally", "convert_verb", "summary_table"]

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

EXAMPLES = """\b
Examples:
  fetch-mid convert keep/ -o songs/                every keep/*.json -> songs/<name>.mid
  fetch-mid convert keep/ -o songs/ -r --jobs 2    every level, sub-folders mirrored, 2 workers
  fetch-mid convert keep/ -o songs/ --skip-existing   carry on after an interrupted run
  fetch-mid convert a.json b.json --bpm auto --clean --preview --render wav
  fetch-mid convert - -o songs/ < record.json      standard input -> songs/record.mid

\b
Exit codes: the worst of the files' (1 a bug outranks all, else the highest): 0 ok, 2 usage
or an unreadable input, 4 task unusable, 7 invalid data, 8 output problem (exists without
--force, or two inputs with one output name), 130 interrupted (whole files only).
"""


class Progress:
    """The live line on a terminal; plain lines in a pipe; failures always."""

    def __init__(self, console: Console, total: int, *, quiet: bool, plain: bool) -> None:
        self.console, self.total = console, total
        self.bar = console.is_tty and not quiet and not plain
        self.lines = not quiet and (plain or not console.is_tty)
        self.done = self.failed = 0
        self.t0 = time.perf_counter()
        self.last_draw = 0.0
        self.drawn = False

    def update(self, result: Result) -> None:
        self.done += 1
        if result.status == "failed":
            self.failed += 1
            self._clear()
            self.console.error(f"{result.source}: {result.message}")
        elif self.lines:
            what = ("skipped (exists)" if result.status == "skipped" else result.status
                    if result.status != "ok" else
                    f"{plural(result.instruments, 'instrument')}, {plural(result.notes, 'note')}")
            self.console.info(f"[{self.done}/{self.total}] {result.source} -> {result.output}: "
                              f"{what}")
        if self.bar:
            now = time.perf_counter()
            if now - self.last_draw >= 0.1 or self.done == self.total:
                self.last_draw = now
                self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = now - self.t0
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = format_seconds((self.total - self.done) / rate) if rate else "?"
        filled = int(28 * self.done / max(1, self.total))
        extra = f"  {self.failed} failed" if self.failed else ""
        self.console.write_raw(f"\r{'█' * filled}{'·' * (28 - filled)} {self.done}/"
                               f"{self.total}  {rate:5.0f} files/s  ETA {eta}{extra}\x1b[K")
        self.drawn = True

    def _clear(self) -> None:
        if self.drawn:
            self.console.write_raw("\r\x1b[K")

    def finish(self) -> None:
        if self.drawn:
            self.console.write_raw("\n")
            self.drawn = False


class Tally:
    """The counts of a run and its failures; with ``keep_all`` (``--json``) every result.
    Without it nothing grows with the number of files but the failures."""

    def __init__(self, *, keep_all: bool) -> None:
        self.keep_all = keep_all
        self.kept: list[Result] = []
        self.failures: list[Result] = []
        self.files = self.ok = self.skipped = self.cancelled = self.notes = 0
        self.codes: set[int] = set()

    def add(self, result: Result) -> None:
        self.files += 1
        self.ok += result.status == "ok"
        self.skipped += result.status == "skipped"
        self.cancelled += result.status == "cancelled"
        self.notes += result.notes
        self.codes.add(result.exit_code)
        if result.status == "failed":
            self.failures.append(result)
        if self.keep_all:
            self.kept.append(result)

    @property
    def exit_code(self) -> int:
        from ..batch import worst_exit_code

        return worst_exit_code(self.codes)

    def counts(self) -> dict[str, int]:
        return {"files": self.files, "converted": self.ok, "skipped": self.skipped,
                "failed": len(self.failures), "notes_written": self.notes}


def summary_table(tally: Tally, elapsed: float, workers: int) -> list[str]:
    """The table printed at the end of a run."""
    rate = tally.files / elapsed if elapsed > 0 else 0.0
    rows = [
        ("converted", tally.ok, plural(tally.notes, "note")),
        ("skipped", tally.skipped, "output exists (--skip-existing)" if tally.skipped else ""),
        ("failed", len(tally.failures), ""),
        ("total", tally.files, f"{format_seconds(elapsed)} with {plural(workers, 'job')}, "
                               f"{rate:.0f} files/s"),
    ]
    lines = [f"  {name:<10} {count:>6}  {text}".rstrip() for name, count, text in rows]
    by_code: dict[int, int] = {}
    for result in tally.failures:
        by_code[result.exit_code] = by_code.get(result.exit_code, 0) + 1
    if by_code:
        pairs = ", ".join(f"{code}: {n}" for code, n in sorted(by_code.items()))
        lines.append(f"  failures by exit code: {pairs}")
    return lines


def _json_of(result: Result) -> dict[str, Any]:
    out: dict[str, Any] = {"source": result.source, "output": result.output,
                           "status": result.status, "files": result.files}
    if result.status == "failed":
        out["error"] = {"type": result.error_type, "message": result.message,
                        "exit_code": result.exit_code}
    if result.report is not None:
        out["report"] = result.report
    return out


@click.command(
    "convert",
    context_settings=_CONTEXT,
    epilog=EXAMPLES,
    short_help="Convert saved records (files, folders of *.json, or -) in one run.",
)
@click.argument("inputs", nargs=-1, required=True, metavar="FILE|DIR|-...")
@click.option("-o", "--output", metavar="DIR",
              help="The folder to write into (created; sub-folders mirrored with --recursive). "
              "Default: beside each input.")
@click.option("-r", "--recursive", is_flag=True, help="Read folders at every depth.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes (the work is CPU-bound: up to one per core).")
@click.option("--skip-existing", is_flag=True,
              help="Leave the inputs whose outputs exist: resumes an interrupted run.")
@click.option("--force", is_flag=True, help="Replace existing outputs.")
@click.option("--split", is_flag=True, help="Also one file per instrument beside each song.")
@click.option("--preview", is_flag=True, help="Also a piano-roll <name>.png beside each song.")
@click.option("--render", type=click.Choice(["wav", "flac"]),
              help="Also render each song to <name>.wav (or .flac) with FluidSynth.")
@click.option("--soundfont", metavar="PATH", help="The soundfont for --render.")
@conversion_options
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object with the summary and every file's result.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.option("-v", "--verbose", is_flag=True, help="Plain lines per file on a terminal too.")
def convert_verb(inputs: tuple[str, ...], **options: Any) -> None:
    """Convert saved records (files, folders of *.json, or - for standard input) in one run.

    Each record becomes <name>.mid, named after its file, with every conversion option of
    fetch-mid. A bad file is reported and skipped; it never stops the others, and never
    leaves a partial file.
    """
    from . import signals
    from .results import report_exception

    console = Console(quiet=options["quiet"], verbose=options["verbose"])
    try:
        signals.release()
        code = _run(inputs, options, console)
    except KeyboardInterrupt as exc:  # before the run started (reading standard input)
        message, code = signals.describe(exc, [])
        console.error(message)
    except Exception as exc:
        code = report_exception(exc, console, options)
    signals.settle()
    sys.exit(code)


def _run(inputs: tuple[str, ...], options: dict[str, Any], console: Console) -> int:

    from .. import batch
    from ..midi.probe import check_convert_options
    from .grid_options import check_grid_combinations
    from .offline import check_look, read_input
    from .results import convert_options, emit_json, usage
    from .stdout import Stdout

    if options["skip_existing"] and options["force"]:
        raise usage("--skip-existing and --force contradict each other: pick one")
    if options["quantize_strength"] is not None and options["quantize"] is None:
        raise usage("--quantize-strength needs --quantize GRID")
    problem = check_grid_combinations(options)
    if problem:
        raise usage(problem)
    if options["as_json"]:
        Stdout("--json").check()  # before any work, not after it
    renderer = check_look(options)  # matplotlib, FluidSynth: exit 2 now, not once per file
    conversion = convert_options(options)
    check_convert_options(conversion)
    settings = batch.Settings(
        convert=conversion, overwrite=options["force"], skip_existing=options["skip_existing"],
        split=options["split"], preview=options["preview"], render=options["render"],
        renderer=renderer, keep_reports=options["as_json"],
    )
    jobs = batch.plan(inputs, options["output"], recursive=options["recursive"],
                      read_stdin=lambda: read_input("-"))  # a closed stdin: a usage error
    progress = Progress(console, len(jobs), quiet=options["quiet"] or options["as_json"],
                        plain=options["verbose"])
    tally = Tally(keep_all=options["as_json"])
    t0 = time.perf_counter()
    stream = batch.run(jobs, settings, workers=options["jobs"])
    try:
        for result in stream:
            tally.add(result)
            progress.update(result)
    except KeyboardInterrupt as exc:
        from .signals import signal_of

        stream.close()  # the workers finish the files at hand; nothing is left half-written
        progress.finish()
        name, code = signal_of(exc)
        console.error(f"interrupted ({name}) after {tally.files} of {len(jobs)} files; only "
                      "whole files were written (--skip-existing carries on)")
        return code
    progress.finish()
    elapsed = time.perf_counter() - t0
    code = tally.exit_code
    if options["as_json"]:
        summary = {**tally.counts(), "seconds": round(elapsed, 3), "jobs": options["jobs"],
                   "exit_code": code}
        results = [_json_of(r) for r in sorted(tally.kept, key=lambda r: r.index)]
        emit_json({"ok": code == 0, "summary": summary, "results": results})
    else:
        for line in summary_table(tally, elapsed, options["jobs"]):
            console.info(line)
    return code
