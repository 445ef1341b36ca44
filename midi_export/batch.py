"""Batch conversion (``fetch-mid convert``): many saved records -> files in one process, or in
N worker processes. The runner only: it prints nothing (``cli/convert.py`` shows progress).

- ``plan(inputs, output, recursive)`` turns FILE|DIR|- arguments into ``Job``s: a folder
  gives its ``*.json`` (with ``recursive`` every level, mirrored under ``output``), sorted;
  the output is named after the input file (``keep/5c79be8e.json`` -> ``5c79be8e.mid``,
  made safe by ``paths.safe_file_stem``), so ``--skip-existing`` decides before reading
  anything. Two inputs that would write the same file (compared ignoring case) are caught
  here: the first is written, the second fails (exit 8) and never overwrites it.
- ``run(jobs, settings, workers=N)`` converts them: in this process for N = 1 (no pool, no
  pickling), else in N worker processes fed in chunks. It yields each ``Result`` as it
  finishes (ok, skipped, failed with the exit code and one-line message of its error, or
  cancelled); a bad file never stops the others.
- In each process (``run_serial``) one writer thread writes job k's files while job k+1 is
  converted: the writer's ``fsync`` (about 4 ms a file here, a third of a typical song's
  time) releases the GIL, so it overlaps the next conversion; one write in flight at most.
- Every file is written by the writer, atomically, a job's files as one set (the song, its
  stems, its preview and audio: all or none). Ctrl-C goes to the parent only (workers ignore
  SIGINT): it sets a stop event, each worker finishes the file at hand and the queued jobs
  come back cancelled, so an interrupted run leaves whole files and no temporary ones.

Workers start with ``forkserver`` where there is one (Linux, macOS), else ``spawn``; never
plain ``fork`` (a forked copy of a parent with threads can deadlock, and Python 3.14 moved
away from it). The server preloads the converter, so each worker forks with it imported;
the settings go once, to each worker's initializer.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ExitCode, MidiExportError, OutputError, UsageError
from .paths import safe_file_stem, stem_paths

if TYPE_CHECKING:
    from .render import Renderer

__all__ = ["Job", "Result", "Settings", "chunk_size", "convert_job", "plan", "run",
           "run_serial", "worst_exit_code"]


@dataclass(frozen=True)
class Settings:
    """Everything a worker needs to convert and write one record (picklable, sent once).

    ``convert`` holds ``convert()``'s keyword arguments; ``preview`` adds ``<stem>.png``
    beside each ``.mid``, ``render`` (``"wav"``/``"flac"``) ``<stem>.wav``, with ``renderer``;
    ``keep_reports`` keeps each whole report in its ``Result`` (for ``--json``; else only
    counts are kept, so memory stays flat however many files there are).
    """

    convert: dict[str, Any] = field(default_factory=dict)
    overwrite: bool = False
    skip_existing: bool = False
    split: bool = False
    preview: bool = False
    render: str | None = None
    renderer: Renderer | None = None
    keep_reports: bool = False


@dataclass(frozen=True, slots=True)
class Job:
    """One input and the file it becomes; ``data`` holds standard input's bytes for ``-``;
    ``problem`` is set by ``plan`` for a job that fails without running."""

    index: int
    source: str
    output: Path
    data: bytes | None = None
    problem: str | None = None


@dataclass(slots=True)
class Result:
    """What happened to one job: ``status`` is ``ok``, ``skipped``, ``failed`` or
    ``cancelled`` (queued when the run was interrupted)."""

    index: int
    source: str
    output: str | None
    status: str
    exit_code: int = 0
    message: str = ""
    error_type: str | None = None
    notes: int = 0
    instruments: int = 0
    seconds: float = 0.0
    files: list[str] = field(default_factory=list)  # everything written beside the .mid
    report: dict[str, Any] | None = None


# --------------------------------------------------------------------------- planning


def plan(
    inputs: Sequence[str],
    output: str | os.PathLike[str] | None,
    *,
    recursive: bool = False,
    read_stdin: Callable[[], bytes] | None = None,
) -> list[Job]:
    """The jobs for FILE|DIR|- ``inputs``, writing into the folder ``output`` (None: beside
    each input file; standard input's record then goes to ``record.mid`` in the current
    folder). ``UsageError`` for an input that does not exist, or ``-`` given twice."""
    out_dir = Path(os.fspath(output)) if output is not None else None
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"-o {out_dir}: not a folder (convert writes one file per record)")
    found: list[tuple[str, Path, bytes | None]] = []  # (source, output, stdin's data)
    for arg in inputs:
        if arg == "-":
            if any(source == "-" for source, _, _ in found):
                raise UsageError("- (standard input) can be given only once")
            data = read_stdin() if read_stdin else sys.stdin.buffer.read()
            found.append(("-", (out_dir or Path.cwd()) / "record.mid", data))
            continue
        path = Path(arg)
        if path.is_dir():
            for file in _json_files(path, recursive):
                folder = out_dir / file.relative_to(path).parent if out_dir else file.parent
                found.append((str(file), folder / f"{safe_file_stem(file.stem)}.mid", None))
        elif path.is_file():
            folder = out_dir if out_dir is not None else path.parent
            found.append((str(path), folder / f"{safe_file_stem(path.stem)}.mid", None))
        else:
            raise UsageError(f"{arg}: no such file or folder")
    jobs: list[Job] = []
    owner: dict[str, str] = {}  # output path, folded -> the source that writes it
    for index, (source, target, data) in enumerate(found):
        key = os.path.normcase(os.path.abspath(target)).casefold()  # case-insensitive disks
        problem = None
        if key in owner:
            problem = (f"its output {target} is also the output of {owner[key]}; skipped so "
                       "that neither overwrites the other (rename one, or use --recursive -o)")
        else:
            owner[key] = source
        jobs.append(Job(index, source, target, data, problem))
    return jobs


def _json_files(folder: Path, recursive: bool) -> list[Path]:
    """The ``*.json`` files of ``folder`` (with ``recursive``, of every folder below it, links
    to folders not followed, so a link loop cannot make it endless), sorted."""
    found: list[Path] = []
    try:
        for root, dirs, files in os.walk(folder, onerror=_raise):
            dirs.sort()
            found += (Path(root) / name for name in files
                      if name.lower().endswith(".json") and (Path(root) / name).is_file())
            if not recursive:
                break
    except OSError as exc:
        where = exc.filename or folder
        raise UsageError(f"cannot read folder {where}: {exc.strerror or exc}") from None
    return sorted(found)


def _raise(exc: OSError) -> None:
    raise exc


# --------------------------------------------------------------------------- one job

Files = list[tuple[bytes, Path]]


def _extra_paths(job: Job, settings: Settings) -> list[Path]:
    """The preview and audio files beside the job's ``.mid``, as asked for."""
    paths = [job.output.with_suffix(".png")] if settings.preview else []
    if settings.render is not None:
        paths.append(job.output.with_suffix(f".{settings.render}"))
    return paths


def _fail(result: Result, exc: BaseException, source: str) -> None:
    """An exception as a failed result: its class's exit code and one line."""
    if isinstance(exc, MidiExportError):
        result.exit_code, result.message = int(exc.exit_code), str(exc)
    elif isinstance(exc, OSError):  # reading the input
        result.exit_code = int(ExitCode.USAGE)
        result.message = f"cannot read {source}: {exc.strerror or exc}"
    else:  # a bug: reported, and the batch goes on
        result.exit_code = int(ExitCode.BUG)
        result.message = f"unexpected {type(exc).__name__}: {exc} (this is a bug)"
    result.status, result.error_type = "failed", type(exc).__name__
    result.message = " ".join(result.message.split())


def prepare_job(job: Job, settings: Settings) -> tuple[Result, Files | None]:
    """Read, parse and convert one record (the CPU work): its result so far and the files
    to write (None when there is nothing to write: skipped or failed)."""
    from .midi.convert import convert
    from .record import parse_record

    t0 = time.perf_counter()
    result = Result(job.index, job.source, str(job.output), "ok")
    files: Files | None = None
    try:
        if job.problem is not None:
            raise OutputError(job.problem, path=str(job.output))
        extras = _extra_paths(job, settings)
        if settings.skip_existing and all(p.exists() for p in (job.output, *extras)):
            result.status, result.message = "skipped", "exists"
            return result, None
        data = job.data if job.data is not None else Path(job.source).read_bytes()
        record = parse_record(data, strict=bool(settings.convert.get("strict")))
        conversion = convert(record, **settings.convert)
        files = [(conversion.to_bytes(), job.output)]
        if settings.split:
            files += [(conversion.stem_bytes(t), p)
                      for t, p in stem_paths(job.output, conversion.report)]
        if settings.preview:
            import gc

            from .preview import preview_png

            files.append((preview_png(conversion), extras[0]))
            gc.collect()  # a figure is a web of cycles, and the CLI runs with gc disabled
        if settings.render is not None:
            assert settings.renderer is not None
            files.append((settings.renderer.render(conversion, settings.render), extras[-1]))
        report = conversion.report
        result.notes = report.notes_written
        result.instruments = sum(1 for i in report.instruments if i.written)
        result.files = [str(path) for _, path in files[1:]]
        if settings.keep_reports:
            result.report = report.to_dict()
    except Exception as exc:
        _fail(result, exc, job.source)
        files = None
    result.seconds = time.perf_counter() - t0
    return result, files


_FOLDERS: set[Path] = set()  # output folders this process has made (one mkdir each)


def write_job(result: Result, files: Files, overwrite: bool) -> Result:
    """Write one job's files as one set, atomically; a failure fails the result."""
    from .writer import make_folder, write_files

    t0 = time.perf_counter()
    try:
        folder = files[0][1].parent
        if folder not in _FOLDERS:
            make_folder(folder)
            _FOLDERS.add(folder)
        write_files(files, overwrite=overwrite)
    except Exception as exc:
        _fail(result, exc, result.source)
        result.notes = result.instruments = 0
        result.files, result.report = [], None
    result.seconds += time.perf_counter() - t0
    return result


def convert_job(job: Job, settings: Settings) -> Result:
    """Convert one record and write its files; every error becomes a failed ``Result``."""
    result, files = prepare_job(job, settings)
    return result if files is None else write_job(result, files, settings.overwrite)


def run_serial(
    jobs: Iterable[Job], settings: Settings, stop: Any = None
) -> Generator[Result, None, None]:
    """The jobs one after another in this process, each write overlapping the next
    conversion (one writer thread, at most one write in flight). A result is yielded once
    its files are written; interrupted, the write in flight is finished first."""
    from concurrent.futures import Future, ThreadPoolExecutor

    def finish(pending: tuple[Result, Future[Result] | None]) -> Result:
        result, future = pending
        return result if future is None else future.result()

    with ThreadPoolExecutor(1, thread_name_prefix="midi-export-writer") as writer:
        pending: tuple[Result, Future[Result] | None] | None = None
        for job in jobs:
            if stop is not None and stop.is_set():
                result, files = Result(job.index, job.source, str(job.output), "cancelled"), None
            else:
                result, files = prepare_job(job, settings)
            if pending is not None:
                yield finish(pending)
            future = None
            if files is not None:
                future = writer.submit(write_job, result, files, settings.overwrite)
            pending = (result, future)
        if pending is not None:
            yield finish(pending)


# --------------------------------------------------------------------------- many jobs

_SETTINGS: Settings | None = None
_STOP: Any = None  # a multiprocessing Event: set when the run is interrupted
PRELOAD = ["midi_export.batch", "midi_export.midi.convert", "midi_export.record",
           "midi_export.writer"]


def _worker_init(settings: Settings, stop: Any = None) -> None:
    global _SETTINGS, _STOP
    _SETTINGS, _STOP = settings, stop
    # Ctrl-C is the parent's to handle: it sets the stop event and lets each worker finish
    # the file at hand, so an interrupted run leaves whole files and no temporary ones.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):  # a terminal's hang-up reaches the whole group: the
        signal.signal(signal.SIGHUP, signal.SIG_IGN)  # parent's to handle, as Ctrl-C
    def _stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)  # killed from outside: unwind through the writer

    signal.signal(signal.SIGTERM, _stop)


def _worker_chunk(chunk: list[Job]) -> list[Result]:
    assert _SETTINGS is not None
    return list(run_serial(chunk, _SETTINGS, _STOP))


def chunk_size(jobs: int, workers: int) -> int:
    """Jobs per chunk sent to a worker: about 8 chunks per worker, 1 to 32 jobs each, so
    the pickling round-trips are few and the last chunks still balance the workers."""
    return max(1, min(32, jobs // (workers * 8) or 1))


def start_method() -> str:
    """``forkserver`` where the platform has it, else ``spawn``."""
    import multiprocessing

    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def run(
    jobs: Sequence[Job], settings: Settings, *, workers: int = 1, method: str | None = None
) -> Generator[Result, None, None]:
    """Convert ``jobs``; yields each ``Result`` as it finishes (in order of completion).

    Closing the generator early (or Ctrl-C in the caller's loop) stops the workers after
    the files at hand; the queued jobs are not written.
    """
    if workers <= 1 or len(jobs) <= 1:
        yield from run_serial(jobs, settings)
        return
    import multiprocessing

    ctx = multiprocessing.get_context(method or start_method())
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(PRELOAD)
    workers = min(workers, len(jobs))
    stop = ctx.Event()
    pool = ctx.Pool(workers, initializer=_worker_init, initargs=(settings, stop))
    try:
        size = chunk_size(len(jobs), workers)
        chunks = [list(jobs[i : i + size]) for i in range(0, len(jobs), size)]
        for done in pool.imap_unordered(_worker_chunk, chunks):
            yield from done
    except BaseException:  # Ctrl-C here or in the caller's loop (GeneratorExit): drain
        stop.set()
        pool.close()
        try:
            pool.join()  # each worker finishes its file; the rest come back cancelled
        except BaseException:
            pool.terminate()  # a second Ctrl-C: SIGTERM, which unwinds the writer
            pool.join()
        raise
    pool.close()
    pool.join()


def worst_exit_code(codes: Iterable[int]) -> int:
    """The exit code of a batch: a bug (1) outranks everything, otherwise the highest."""
    codes = list(codes)
    return 1 if 1 in codes else max(codes, default=0)
