"""The ``fetch-mid`` command: options and environment in, files and messages out.

This is the only module that prints or exits. It resolves configuration (an option, then
its environment variable, then a clear usage error), calls the library, and turns every
``MidiExportError`` into one line on stderr and the exit code that class carries.

Start-up matters (``fetch-mid --help`` should cost little more than importing click), so
everything beyond click is imported inside the functions that need it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import click

from ._version import __version__

if TYPE_CHECKING:
    import threading
    from pathlib import Path

    from .converter import Conversion, ConversionReport
    from .errors import MidiExportError
    from .export import ExportResult
    from .fetcher import Client
    from .records import Record

PROG = "fetch-mid"
DEFAULT_BASE_URL = "https://api.apikley.ru"  # fetcher.DEFAULT_BASE_URL; a test keeps them equal

EXAMPLES = """\b
Examples:
  fetch-mid 5c79be8e                      fetch a task, wait while pending, write 5c79be8e.mid
  fetch-mid 5c79be8e --save-json keep/    also keep the raw record (the API drops it after 14 days)
  fetch-mid id1 id2 id3 -o songs/         several tasks at once into songs/
  fetch-mid --from-json record.json       convert a saved record, no key or network needed
  fetch-mid --from-json - -o - < r.json > song.mid
  fetch-mid --from-json r.json --bpm 97 --program "Vocals=Flute" --json
  fetch-mid 5c79be8e --bpm auto           tempo and bar lines from the music itself
  fetch-mid 5c79be8e --bpm auto --quantize 1/16 --quantize-strength 0.5
  fetch-mid 5c79be8e --split -o stems/    also one file per instrument, for a DAW

\b
Exit codes: 0 ok, 1 bug, 2 usage, 3 authentication, 4 task unusable (failed, not found
or expired, empty), 5 still pending, 6 network or server trouble, 7 invalid data,
8 output problem (exists without --force, not writable).
"""


# --------------------------------------------------------------------------- messages


class Console:
    """Every human message goes through here, to stderr; ``--json`` output goes to stdout."""

    def __init__(self, *, quiet: bool, verbose: bool, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.verbose = verbose
        self.stream = stream if stream is not None else sys.stderr
        self._status_shown = False

    @property
    def is_tty(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def _emit(self, text: str) -> None:
        self.clear_status()
        click.echo(text, file=self.stream)

    def info(self, text: str) -> None:
        if not self.quiet:
            self._emit(text)

    def error(self, text: str) -> None:
        self._emit(f"{PROG}: error: {one_line(text)}")

    def status(self, text: str) -> None:
        """A live status line on a terminal; a plain log line otherwise."""
        if self.quiet:
            return
        if self.is_tty:
            width = 79
            self.stream.write("\r" + text[:width].ljust(width))
            self.stream.flush()
            self._status_shown = True
        else:
            click.echo(text, file=self.stream)

    def clear_status(self) -> None:
        if self._status_shown:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()
            self._status_shown = False


def one_line(text: str) -> str:
    """Errors are printed on one line, whatever the server or the OS put in them."""
    return " ".join(str(text).split())


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def format_seconds(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_bpm(bpm: float) -> str:
    return f"{bpm:.3f}".rstrip("0").rstrip(".")


def format_tempo(report: ConversionReport) -> str:
    """``96 BPM (auto from drums, confidence 0.91, downbeat at 0.625 s)``, or ``120 BPM``."""
    tempo = report.tempo
    text = f"{format_bpm(tempo.bpm)} BPM"
    if tempo.mode != "auto":
        return text
    if tempo.fell_back:
        return f"{text} (auto fell back: confidence {tempo.confidence or 0.0:.2f})"
    return (
        f"{text} (auto from {tempo.source}, confidence {tempo.confidence or 0.0:.2f}, "
        f"downbeat at {tempo.first_downbeat:.3f} s)"
    )


def summary_lines(
    report: ConversionReport,
    written_to: str,
    *,
    verbose: bool,
    stems: Sequence[Path | str] = (),
) -> list[str]:
    """The short human summary of one conversion: the stem files written with it, then its
    warnings."""
    written = [ins for ins in report.instruments if ins.written]
    lines = [
        f"{written_to}: {len(written)} instrument{'s' * (len(written) != 1)}, "
        f"{plural(report.notes_written, 'note')}, {format_tempo(report)}, ppq {report.ppq}, "
        f"{format_seconds(report.duration_seconds)} long"
    ]
    quantize = report.quantize
    if quantize is not None:
        moved = f"{plural(quantize.notes_moved, 'note')} moved"
        if quantize.notes_moved:
            moved += (
                f", the largest onset move {plural(quantize.max_move_ticks, 'tick')} "
                f"({quantize.max_move_ms:.1f} ms)"
            )
        lines.append(
            f"  quantized to {quantize.grid} at strength {quantize.strength:g}: {moved}"
        )
    name_width = min(28, max((len(ins.name) for ins in report.instruments), default=4))
    for ins in report.instruments:
        if not ins.written:
            dropped = f"; {ins.notes_dropped} invalid" if ins.notes_dropped else ""
            name = ins.name[:name_width]
            lines.append(f"  skipped  {name:<{name_width}}  no valid notes{dropped}")
            continue
        program = ins.program_name if ins.is_drum else f"{ins.program:>3} {ins.program_name}"
        extras = []
        if ins.notes_dropped:
            extras.append(f"{ins.notes_dropped} invalid dropped")
        if ins.velocities_clamped:
            extras.append(f"{ins.velocities_clamped} velocities clamped")
        if ins.cut:
            extras.append(f"{ins.cut} cut")
        if ins.merged:
            extras.append(f"{ins.merged} merged")
        if ins.notes_moved:
            extras.append(f"{ins.notes_moved} moved")
        tail = f"  ({', '.join(extras)})" if extras else ""
        lines.append(
            f"  ch{ins.channel:>2}  {ins.name[:name_width]:<{name_width}}  "
            f"{program} [{ins.source}]  {plural(ins.notes_written, 'note')}{tail}"
        )
        if verbose:
            lines.extend(f"        {problem}" for problem in ins.problems)
    lines.extend(f"  stem  {path}" for path in stems)
    lines.extend(f"warning: {one_line(warning)}" for warning in report.warnings)
    return lines


# --------------------------------------------------------------------------- options


def parse_bpm(value: str) -> float | str:
    """A BPM from 4 to 1000, or ``"auto"``."""
    if value.strip().lower() == "auto":
        return "auto"
    try:
        bpm = float(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is neither a number nor 'auto' (examples: --bpm 97.5, --bpm auto)"
        ) from None
    if not 4.0 <= bpm <= 1000.0:
        raise click.BadParameter(f"{value} is outside 4..1000")
    return bpm


def _bpm_callback(ctx: click.Context, param: click.Parameter, value: str) -> float | str:
    return parse_bpm(value)


def _quantize_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from .errors import UsageError
    from .quantize import parse_grid

    try:
        return parse_grid(value).name
    except UsageError as exc:
        raise click.BadParameter(str(exc)) from None


def _programs_callback(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> dict[str, int | str]:
    from .errors import UsageError
    from .gm import parse_program_option

    programs: dict[str, int | str] = {}
    for text in values:
        try:
            name, program = parse_program_option(text)
        except UsageError as exc:
            raise click.BadParameter(str(exc)) from None
        programs[name] = program
    return programs


# --------------------------------------------------------------------------- outputs


def safe_stem(text: str | None) -> str | None:
    """A task id made safe for a file name, or None when nothing usable is left."""
    from .export import safe_file_stem

    if not text:
        return None
    return safe_file_stem(text)


def resolve_output(output: str | None, stem: str) -> Path | None:
    """Where one result goes: a file path, or None for standard output.

    ``-o`` is a file, or a folder when it exists or ends in a slash (created then), by the
    same rule as ``export_task``; ``-`` is standard output; without ``-o``,
    ``<stem>.mid`` in the current folder.
    """
    from .export import output_path

    if output == "-":
        return None
    return output_path("." if output is None else output, stem, ".mid")


# --------------------------------------------------------------------------- the command


@click.command(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXAMPLES,
)
@click.argument("task_ids", nargs=-1, metavar="[TASK_ID]...")
@click.option(
    "--from-json",
    "from_json",
    metavar="FILE|-",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=str),
    help="Convert a saved record (any payload shape) instead of fetching; '-' reads stdin.",
)
@click.option(
    "-o",
    "--output",
    metavar="PATH",
    help="Output file, or a folder when it exists or ends in '/'; '-' for stdout. "
    "Default: <task id>.mid in the current folder.",
)
@click.option(
    "--bpm",
    default="120",
    metavar="BPM|auto",
    show_default=True,
    callback=_bpm_callback,
    help="Tempo written to the file; notes keep their times in seconds whatever it is. "
    "'auto' finds the tempo and the downbeats in the notes, so the file's beats and bars "
    "follow the music (120 when the estimate is too uncertain, with a warning).",
)
@click.option(
    "--quantize",
    metavar="GRID",
    callback=_quantize_callback,
    help="Move note starts and ends onto this grid of the written tempo map: 1/4, 1/8, "
    "1/16, 1/32, or triplets 1/8t, 1/16t. Off by default.",
)
@click.option(
    "--quantize-strength",
    type=click.FloatRange(0.0, 1.0),
    metavar="0..1",
    help="How far notes move toward the grid: 1 (the default) onto it, 0.5 halfway.",
)
@click.option(
    "--split",
    is_flag=True,
    help="Also write one file per instrument beside it, <stem>-<NN>-<instrument>.mid "
    "(5c79be8e-01-drums.mid), each with the same tempo map.",
)
@click.option(
    "--ppq",
    default=480,
    show_default=True,
    type=click.IntRange(24, 32767),
    help="Ticks per quarter note.",
)
@click.option(
    "--program",
    "programs",
    metavar="NAME=N",
    multiple=True,
    callback=_programs_callback,
    help="Force an instrument's program: a number 0-127, a GM name, or 'drums'. Repeatable.",
)
@click.option(
    "--strict", is_flag=True, help="Fail on the first invalid note instead of dropping it."
)
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object with the results to stdout."
)
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.option("-v", "--verbose", is_flag=True, help="Print every detail (and a traceback on bugs).")
@click.option(
    "--api-key",
    envvar="APIKLEY_API_KEY",
    show_envvar=True,
    metavar="KEY",
    help="API key (better: set APIKLEY_API_KEY, so it stays out of your shell history).",
)
@click.option(
    "--base-url",
    envvar="APIKLEY_BASE_URL",
    show_envvar=True,
    default=DEFAULT_BASE_URL,
    show_default=True,
    metavar="URL",
    help="API server; any provider of the same API (https only, except 127.0.0.1).",
)
@click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="Wait while a task is pending; --no-wait reports it at once (exit 5).",
)
@click.option(
    "--timeout",
    default=600.0,
    show_default=True,
    type=click.FloatRange(0, 86400),
    metavar="SECONDS",
    help="How long to wait for a pending task.",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(0.5, 3600),
    metavar="SECONDS",
    help="Fixed time between polls [default: from 2 s growing to 15 s].",
)
@click.option(
    "--request-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(1, 600),
    metavar="SECONDS",
    help="Time limit of one HTTP request.",
)
@click.option(
    "--retries",
    default=4,
    show_default=True,
    type=click.IntRange(0, 20),
    help="Retries of a request on network trouble, rate limits and server errors.",
)
@click.option(
    "--save-json",
    metavar="PATH",
    help="Also save the raw record (a file; a folder for several tasks), so it outlives "
    "the API's 14 days. --from-json on it gives the same .mid.",
)
@click.option(
    "--jobs",
    default=4,
    show_default=True,
    type=click.IntRange(1, 32),
    help="Tasks fetched at the same time.",
)
@click.version_option(__version__, "--version", prog_name=PROG, message="%(prog)s %(version)s")
def cli(task_ids: tuple[str, ...], **options: Any) -> None:
    """Turn the MIDI record of an AI music task into a General MIDI file.

    Fetches each TASK_ID's record from the API (waiting while it is pending), converts every
    detected instrument into its own track (drums on channel 10, others on their own channel
    with a General MIDI program found from the instrument's name) and writes <task id>.mid.
    With --from-json, converts a saved record instead: no key, no network.
    """
    console = Console(quiet=options["quiet"], verbose=options["verbose"])
    try:
        check_combinations(options)
        if options["from_json"] is not None:
            if task_ids:
                raise _usage("give either TASK_IDs or --from-json, not both")
            code = run_offline(options, console)
        else:
            if not task_ids:
                raise _usage("give a TASK_ID to fetch, or --from-json FILE (see --help)")
            code = run_online(task_ids, options, console)
    except KeyboardInterrupt:
        console.error("interrupted; no partial file was left")
        code = 130
    except Exception as exc:
        code = report_exception(exc, console, options)
    sys.exit(code)


def check_combinations(options: dict[str, Any]) -> None:
    """Usage errors that no single option can tell."""
    if options["quantize_strength"] is not None and options["quantize"] is None:
        raise _usage("--quantize-strength needs --quantize GRID")
    if options["split"] and options["output"] == "-":
        raise _usage("--split writes files: it cannot go with -o - (standard output)")


def _usage(message: str) -> Exception:
    from .errors import UsageError

    return UsageError(message)


def report_exception(exc: BaseException, console: Console, options: dict[str, Any]) -> int:
    """One line for the user and the exit code; a traceback only for bugs with --verbose."""
    from .errors import MidiExportError

    if isinstance(exc, MidiExportError):
        console.error(error_message(exc))
        if options.get("as_json"):
            emit_json({"ok": False, "error": error_facts(exc)})
        return int(exc.exit_code)
    console.error(f"unexpected {type(exc).__name__}: {exc} (this is a bug; -v shows details)")
    if options.get("verbose"):
        import traceback

        traceback.print_exception(exc, file=console.stream)
    return 1


def error_message(exc: BaseException) -> str:
    """What the user reads: the library's message, in the CLI's own words where they differ."""
    from .errors import OutputExistsError

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


def emit_json(obj: dict[str, Any]) -> None:
    import json

    click.echo(json.dumps(obj, ensure_ascii=False, sort_keys=False))


def convert_options(options: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``convert`` (and ``export_task``) the options ask for."""
    strength = options.get("quantize_strength")
    return {
        "bpm": options["bpm"],
        "ppq": options["ppq"],
        "programs": options["programs"] or None,
        "strict": options["strict"],
        "quantize": options.get("quantize"),
        "quantize_strength": 1.0 if strength is None else strength,
    }


def read_input(source: str) -> bytes:
    from pathlib import Path

    from .errors import UsageError

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
    from .export import write_conversion
    from .writer import write_midi

    if target is None:
        write_midi(conversion, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return "<stdout>", []
    path, stems = write_conversion(conversion, target, overwrite=overwrite, split=split)
    return str(path), list(stems)


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


def run_offline(options: dict[str, Any], console: Console) -> int:
    from pathlib import Path

    from .converter import convert
    from .records import parse_record

    source: str = options["from_json"]
    if options["as_json"] and options["output"] == "-":
        raise _usage("--json and -o - both write to standard output; pick one")
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


def show_result(
    console: Console, report: ConversionReport, written_to: str, stems: Sequence[Path] = ()
) -> None:
    for line in summary_lines(report, written_to, verbose=console.verbose, stems=stems):
        console.info(line)


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
        from .errors import MidiExportError

        if self.error is None:
            return 0
        return int(self.error.exit_code) if isinstance(self.error, MidiExportError) else 1


def worst_exit_code(codes: Sequence[int]) -> int:
    """The exit code of a batch: a bug (1) outranks everything, then the highest code."""
    if 1 in codes:
        return 1
    return max(codes, default=0)


class Progress:
    """Tracks the tasks of a run for the live status line (thread-safe)."""

    def __init__(self, console: Console, task_ids: Sequence[str]) -> None:
        import threading

        self.console = console
        self.total = len(task_ids)
        self.done = 0
        # task id -> (elapsed at its last poll, time.monotonic() then), while it is pending
        self.waiting: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def on_poll(self, task_id: str) -> Callable[[Record, float], None]:
        def callback(record: Record, elapsed: float) -> None:
            import time

            with self.lock:
                if record.status.value != "pending":
                    self.waiting.pop(task_id, None)
                    return
                self.waiting[task_id] = (elapsed, time.monotonic())
                self._show(task_id, record.status.value, elapsed)

        return callback

    def tick(self) -> None:
        """Redraw the terminal status line between polls, so its clock keeps moving."""
        with self.lock:
            if self.waiting and self.console.is_tty:
                self._show("", "pending", 0.0)

    def finished(self, outcome: Outcome, lines: Sequence[str]) -> None:
        with self.lock:
            self.done += 1
            self.waiting.pop(outcome.task_id, None)
            if outcome.error is None:
                for line in lines:
                    self.console.info(line)
            else:
                who = f"{outcome.task_id}: " if self.total > 1 else ""
                self.console.error(f"{who}{error_message(outcome.error)}")
            if self.total > 1:
                self.console.info(f"[{self.done}/{self.total} done]")

    def _show(self, task_id: str, state: str, elapsed: float) -> None:
        count = f"[{self.done}/{self.total} done] " if self.total > 1 else ""
        if self.console.is_tty:
            import time

            now = time.monotonic()
            waiting = ", ".join(
                f"{tid} {format_seconds(sec + now - at)}"
                for tid, (sec, at) in list(self.waiting.items())[:3]
            )
            self.console.status(f"{count}waiting while pending: {waiting}")
        else:
            self.console.status(f"{count}{task_id}: {state} after {format_seconds(elapsed)}")


def is_folder_option(value: str | None) -> bool:
    from .export import names_folder

    return value is not None and names_folder(value)


def run_online(task_ids: Sequence[str], options: dict[str, Any], console: Console) -> int:
    from .errors import UsageError
    from .fetcher import Client

    api_key = (options["api_key"] or "").strip()
    if not api_key:
        raise UsageError("no API key: pass --api-key KEY or set APIKLEY_API_KEY")
    ids = list(dict.fromkeys(task_ids))  # the same id twice would race for one file
    several = len(ids) > 1
    output: str | None = options["output"]
    if output == "-":
        if several:
            raise UsageError("-o - (standard output) takes a single task, not several")
        if options["as_json"]:
            raise _usage("--json and -o - both write to standard output; pick one")
    if several and output is not None and not is_folder_option(output):
        raise UsageError(f"with several tasks, -o must be a folder (end it with '/'): {output}")
    if several and options["save_json"] and not is_folder_option(options["save_json"]):
        raise UsageError("with several tasks, --save-json must be a folder (end it with '/')")

    client = Client(
        api_key,
        base_url=options["base_url"],
        request_timeout=options["request_timeout"],
        max_retries=options["retries"],
        sleep=_interruptible_sleep,
    )
    global _ON_TICK
    progress = Progress(console, ids)
    _ON_TICK = progress.tick if console.is_tty and not console.quiet else None
    try:
        with client:
            if len(ids) == 1 or options["jobs"] == 1:
                outcomes = [fetch_one(task_id, client, options, progress) for task_id in ids]
            else:
                outcomes = fetch_concurrently(ids, client, options, progress)
    finally:
        _ON_TICK = None
    console.clear_status()
    if options["as_json"]:
        facts = [outcome_facts(outcome) for outcome in outcomes]
        emit_json(facts[0] if not several else {
            "ok": all(o.error is None for o in outcomes), "results": facts
        })
    return worst_exit_code([outcome.exit_code for outcome in outcomes])


_STOP: threading.Event | None = None  # set while a batch runs, so Ctrl-C stops the waiting
_ON_TICK: Callable[[], None] | None = None  # redraws the terminal status line while waiting


def _interruptible_sleep(seconds: float) -> None:
    """The client's sleep: in one-second steps that redraw the status line on a terminal,
    and that end the wait (KeyboardInterrupt) when a batch is being stopped."""
    import time

    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        step = min(left, 1.0) if _ON_TICK is not None else left
        if _STOP is None:
            time.sleep(step)
        elif _STOP.wait(step):
            raise KeyboardInterrupt
        if _ON_TICK is not None:
            _ON_TICK()


def fetch_one(task_id: str, client: Client, options: dict[str, Any], progress: Progress) -> Outcome:
    from .errors import MidiExportError
    from .export import export_task

    output = options["output"]
    target: Any = sys.stdout.buffer if output == "-" else (output or ".")
    try:
        result = export_task(
            task_id,
            target,
            client=client,
            wait=options["wait"],
            timeout=options["timeout"],
            poll_interval=options["poll_interval"],
            on_poll=progress.on_poll(task_id),
            overwrite=options["force"],
            save_json=options["save_json"],
            split=options["split"],
            **convert_options(options),
        )
        outcome = Outcome(task_id, result=result)
    except MidiExportError as exc:
        outcome = Outcome(task_id, error=exc)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # a bug: keep going with the other tasks, report it at the end
        outcome = Outcome(task_id, error=exc)
    lines: list[str] = []
    if outcome.result is not None:
        where = str(outcome.result.midi_path) if outcome.result.midi_path else "<stdout>"
        lines = summary_lines(
            outcome.result.report,
            where,
            verbose=progress.console.verbose,
            stems=outcome.result.stem_paths,
        )
        if outcome.result.json_path is not None:
            lines.append(f"  raw record saved to {outcome.result.json_path}")
    progress.finished(outcome, lines)
    if outcome.exit_code == 1 and options["verbose"] and outcome.error is not None:
        import traceback

        traceback.print_exception(outcome.error, file=progress.console.stream)
    return outcome


def fetch_concurrently(
    ids: Sequence[str], client: Client, options: dict[str, Any], progress: Progress
) -> list[Outcome]:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    global _STOP
    _STOP = threading.Event()
    pool = ThreadPoolExecutor(max_workers=min(options["jobs"], len(ids)))
    try:
        futures = [pool.submit(fetch_one, task_id, client, options, progress) for task_id in ids]
        return [future.result() for future in futures]
    except KeyboardInterrupt:
        _STOP.set()  # workers raise at their next sleep; files are written atomically
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _STOP = None


def outcome_facts(outcome: Outcome) -> dict[str, Any]:
    from .errors import MidiExportError

    if outcome.result is not None:
        result = outcome.result
        return result_facts(
            outcome.task_id,
            result.report,
            str(result.midi_path) if result.midi_path else "<stdout>",
            result.stem_paths,
            saved_json=str(result.json_path) if result.json_path else None,
        )
    error = outcome.error
    facts = (
        error_facts(error)
        if isinstance(error, MidiExportError)
        else {"type": type(error).__name__, "message": str(error), "exit_code": 1}
    )
    return {"ok": False, "task_id": outcome.task_id, "error": facts}


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The console-script entry point."""
    import gc

    # A short run that builds one large, acyclic tree of JSON objects: the cycle collector
    # would only walk it again and again while it is decoded (4-8% of a 300k-note run,
    # measured). The process ends soon after; reference counting still frees everything.
    gc.disable()
    cli.main(args=list(argv) if argv is not None else None, prog_name=PROG)
    raise SystemExit(0)  # pragma: no cover  (cli.main always exits)

