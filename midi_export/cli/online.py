"""``fetch-mid TASK_ID...``: fetch, wait, convert and write each task, several at a time,
with a live status line while they are pending.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .console import Console, format_seconds
from .results import (
    Outcome,
    convert_options,
    emit_json,
    error_message,
    outcome_facts,
    usage,
    worst_exit_code,
)
from .summary import summary_lines

if TYPE_CHECKING:
    import threading

    from ..api.client import Client
    from ..record import Record

__all__ = ["Progress", "fetch_one", "run_online"]


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
    from ..paths import names_folder

    return value is not None and names_folder(value)


def run_online(task_ids: Sequence[str], options: dict[str, Any], console: Console) -> int:
    from ..api.client import Client
    from ..claims import check_distinct
    from ..errors import UsageError
    from ..paths import safe_file_stem
    from . import signals
    from .results import json_mask
    from .stdout import Stdout

    api_key = (options["api_key"] or "").strip()
    if not api_key:
        raise UsageError("no API key: pass --api-key KEY or set APIKLEY_API_KEY")
    from ..api.secret import Secret

    console.mask = Secret(api_key).scrub_text  # no line shows the key, whatever it says
    ids = list(dict.fromkeys(task_ids))  # the same id twice would race for one file
    several = len(ids) > 1
    output: str | None = options["output"]
    if output == "-":
        if several:
            raise UsageError("-o - (standard output) takes a single task, not several")
        if options["as_json"]:
            raise usage("--json and -o - both write to standard output; pick one")
    if several and output is not None and not is_folder_option(output):
        raise UsageError(f"with several tasks, -o must be a folder (end it with '/'): {output}")
    if several and options["save_json"] and not is_folder_option(options["save_json"]):
        raise UsageError("with several tasks, --save-json must be a folder (end it with '/')")
    for name in ("preview", "render"):
        if several and options[name] and not is_folder_option(options[name]):
            raise UsageError(f"with several tasks, --{name} must be a folder (end it with '/')")
    check_distinct((task_id, f"{safe_file_stem(task_id)}.mid") for task_id in ids)
    if options["as_json"] or output == "-":  # before any request, not after it
        Stdout("--json" if options["as_json"] else "-o -").check()
    from .offline import check_look

    options = {**options, "renderer": check_look(options)}  # FluidSynth: before fetching

    client = Client(
        api_key,
        base_url=options["base_url"],
        request_timeout=options["request_timeout"],
        max_retries=options["retries"],
        max_response_bytes=options["max_answer_mb"] * 1024 * 1024,
        sleep=_interruptible_sleep,
    )
    stop_hook = signals.on_stop(client.stop)  # a stop cuts the requests in flight
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
        stop_hook()
    console.clear_status()
    if options["as_json"]:
        facts = [outcome_facts(outcome) for outcome in outcomes]
        emit_json(facts[0] if not several else {
            "ok": all(o.error is None for o in outcomes), "results": facts
        }, mask=json_mask(options))
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
    from ..errors import MidiExportError
    from ..export import export_task
    from .stdout import Stdout

    output = options["output"]
    target: Any = Stdout("the MIDI file").as_stream() if output == "-" else (output or ".")
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
            preview=options["preview"],
            render=options["render"],
            renderer=options["renderer"],
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
        for what, path in (("preview", outcome.result.preview_path),
                           ("audio", outcome.result.audio_path)):
            if path is not None:
                lines.append(f"  {what}  {path}")
        if outcome.result.json_path is not None:
            lines.append(f"  raw record saved to {outcome.result.json_path}")
    progress.finished(outcome, lines)
    stream = progress.console.stream
    if outcome.exit_code == 1 and options["verbose"] and outcome.error is not None and stream:
        import traceback

        traceback.print_exception(outcome.error, file=stream)
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
        _STOP.set()  # workers raise at their next sleep (their requests are cut already);
        raise  # a file being written is finished first
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _STOP = None
