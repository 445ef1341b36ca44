"""MIDI -> a ``.mid`` on disk, atomically: the only module of the package that writes files.

``write_midi(midi, "song.mid")`` writes the bytes to a temporary file in the same folder,
flushes them to disk, then puts the file in place in one step. Without ``overwrite`` that
step never replaces an existing file (a hard link, which fails when the name exists; where
the file system has no hard links, an existence check and a rename). Whatever goes wrong,
the temporary file is removed: the target is either the complete new file or untouched.

``midi`` may be a ``Conversion``, a ``mido.MidiFile`` or the file's bytes; ``target`` a path
or a binary file object (``io.BytesIO``, ``sys.stdout.buffer``).

``write_files`` writes several files (a song and its stems) as one step: every target is
checked before any is written, and a failure part-way removes the files it had written.

Only a regular file is ever replaced, ``overwrite`` or not: a device node, a FIFO, a socket,
a folder or a symbolic link at the target is an ``OutputError`` naming what it is
(``check_replaceable``; before, ``--force`` onto a character device made it a regular file).
Each write, and each set of ``write_files``, is a ``critical.critical_section``: a stop
signal waits for it, so a file is complete in place or absent; ``critical.placed_paths()``
lists what was put in place. A stream gets every byte (short writes are written on).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, overload

from .critical import critical_section, forget_placed, note_placed
from .errors import OutputError, OutputExistsError, UsageError

if TYPE_CHECKING:
    from .midi.conversion import Conversion

__all__ = ["check_replaceable", "make_folder", "midi_to_bytes", "refuse_existing", "write_files",
           "write_midi", "write_new"]

_KINDS = {
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
    stat.S_IFLNK: "a symbolic link",
}

# errors of os.link meaning "this file system has no hard links" (not "the name exists")
_NO_HARD_LINKS = frozenset(
    code
    for code in (
        getattr(errno, "EPERM", None),
        getattr(errno, "ENOTSUP", None),
        getattr(errno, "EOPNOTSUPP", None),
        getattr(errno, "ENOSYS", None),
        getattr(errno, "EXDEV", None),
        getattr(errno, "EMLINK", None),
        getattr(errno, "EINVAL", None),
    )
    if code is not None
)


def midi_to_bytes(midi: Conversion | bytes | bytearray | memoryview | Any) -> bytes:
    """The Standard MIDI File bytes of a ``Conversion``, a ``mido.MidiFile`` or bytes."""
    if isinstance(midi, bytes):
        return midi
    if isinstance(midi, (bytearray, memoryview)):
        return bytes(midi)
    from .midi.conversion import Conversion

    if isinstance(midi, Conversion):
        return midi.to_bytes()
    if type(midi).__module__.split(".")[0] == "mido":
        import mido

        if isinstance(midi, mido.MidiFile):
            buffer = io.BytesIO()
            midi.save(file=buffer)
            return buffer.getvalue()
    raise TypeError(
        f"cannot write a {type(midi).__name__}: give a Conversion, a mido.MidiFile or bytes"
    )


@overload
def write_midi(
    midi: Conversion | bytes | Any, target: str | os.PathLike[str], *, overwrite: bool = False
) -> Path: ...


@overload
def write_midi(
    midi: Conversion | bytes | Any, target: IO[bytes], *, overwrite: bool = False
) -> None: ...


def write_midi(
    midi: Conversion | bytes | Any,
    target: str | os.PathLike[str] | IO[bytes],
    *,
    overwrite: bool = False,
) -> Path | None:
    """Write ``midi`` to ``target``: a path (returns it as a ``Path``) or a binary file object.

    A path gets a complete new file or nothing: an existing file raises
    ``OutputExistsError`` and is left as it was, unless ``overwrite``. The new file has the
    usual permissions (``0o666`` less the umask). Any other failure (missing folder,
    permission denied, the target is a folder, disk full) raises ``OutputError`` with a
    one-line message, and leaves no temporary file behind. ``overwrite`` does not apply to
    a file object, which is written as it is.
    """
    data = midi_to_bytes(midi)
    if isinstance(target, (str, os.PathLike)):
        path = Path(os.fspath(target))
        _write_path(data, path, overwrite=overwrite)
        return path
    if isinstance(target, io.TextIOBase):
        raise TypeError("target is a text stream: give a binary one (sys.stdout.buffer, 'wb')")
    if not callable(getattr(target, "write", None)):
        raise TypeError(
            f"target must be a path or a binary file object, not {type(target).__name__}"
        )
    try:
        view = memoryview(data)
        while view:  # a raw (unbuffered) stream may take part of it: write on
            written = target.write(view)
            if written is None or written <= 0:
                raise OutputError("cannot write the MIDI file: the stream took no more bytes")
            view = view[written:]
        flush = getattr(target, "flush", None)
        if callable(flush):
            flush()
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write the MIDI file: {_reason(exc)}") from exc
    return None


def write_files(
    files: Sequence[tuple[Conversion | bytes | Any, str | os.PathLike[str]]],
    *,
    overwrite: bool = False,
) -> list[Path]:
    """Write several ``(midi, path)`` files as one step; returns the paths.

    Every file is written atomically as by ``write_midi``. Without ``overwrite``, every
    target is checked first: when any exists, ``OutputExistsError`` names it and nothing is
    written. If a write still fails part-way (a file appearing meanwhile, a full disk), the
    files this call had already created are removed again, so the set is complete or absent
    (with ``overwrite`` the files it replaced cannot be restored; they are left new).
    The same path twice raises ``UsageError``.
    """
    items = [(midi_to_bytes(midi), Path(os.fspath(target))) for midi, target in files]
    seen: set[str] = set()
    for _, path in items:
        key = os.path.normcase(os.path.abspath(path))
        if key in seen:
            raise UsageError(f"{path} would be written twice")
        seen.add(key)
    refuse_existing((path for _, path in items), overwrite=overwrite)
    created: list[Path] = []
    try:
        with critical_section():  # a stop signal waits for the whole set
            for data, path in items:
                _write_path(data, path, overwrite=overwrite)
                created.append(path)
    except BaseException:
        # incomplete: remove what this call created (a set that is complete stays, even
        # when a deferred stop signal is what is raised at the end of the section)
        if not overwrite and len(created) != len(items):
            for path in created:
                with contextlib.suppress(OSError):
                    path.unlink()
                forget_placed(path)
        raise
    return [path for _, path in items]


def write_new(data: bytes, path: str | os.PathLike[str]) -> bool:
    """Create ``path`` with ``data`` exclusively and atomically: True when this call created
    it, False when the name already existed (its file is left as it was).

    The claim of a callback receiver (``fetch-mid serve``): of several writers racing for one
    name, even in other processes sharing the folder, exactly one gets True, and the file is
    complete from the moment it has its name (a temporary file, fsync, then a hard link).
    Other failures raise ``OutputError``.
    """
    try:
        _write_path(bytes(data), Path(os.fspath(path)), overwrite=False)
    except OutputExistsError:
        return False
    return True


def make_folder(path: str | os.PathLike[str]) -> Path:
    """The folder ``path``, created with its parents when missing; ``OutputError`` when it
    cannot be created or is not writable."""
    folder = Path(os.fspath(path))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create folder {folder}: {_reason(exc)}",
                          path=str(folder)) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write in {folder}", path=str(folder))
    return folder


def refuse_existing(
    paths: Iterable[str | os.PathLike[str] | None], *, overwrite: bool = False
) -> None:
    """Raise for the first of ``paths`` that cannot be written: ``OutputError`` when it is
    anything but a regular file (``check_replaceable``), ``OutputExistsError`` when it
    exists and not ``overwrite``; None entries are skipped."""
    for path in paths:
        if path is not None and check_replaceable(path) and not overwrite:
            raise _exists(Path(os.fspath(path)))


def check_replaceable(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a regular file, False when nothing is there; ``OutputError``
    when something else is (never replaced, with ``overwrite`` or not)."""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return False  # nothing there (the folder's own check says why it may be missing)
    except OSError as exc:
        raise OutputError(f"cannot check {os.fspath(path)}: {_reason(exc)}",
                          path=os.fspath(path)) from None
    if stat.S_ISREG(mode):
        return True
    what = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
    raise OutputError(f"{os.fspath(path)} is {what}, not a regular file: it is never replaced "
                      "(choose another output path)", path=os.fspath(path))


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _exists(path: Path) -> OutputExistsError:
    return OutputExistsError(
        f"{path} already exists (use --force, or overwrite=True, to replace it)",
        path=str(path),
    )


def _create_temp(folder: Path, name: str) -> tuple[int, str]:
    """A new, empty temporary file beside the target: created exclusively (so never a file
    that exists), with the permissions any new file gets (0o666 less the umask). A name left
    behind by a crashed run is skipped, not reused. (Not tempfile.mkstemp: it makes 0600
    files and its import costs more than this whole function.)"""
    base = os.path.join(folder, f".{name}.{os.getpid()}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for attempt in range(1000):
        temp_name = f"{base}.{attempt}.tmp"
        try:
            return os.open(temp_name, flags, 0o666), temp_name
        except FileExistsError:
            continue
    raise OutputError(f"cannot write in {folder}: too many leftover temporary files")


def _write_path(data: bytes, path: Path, *, overwrite: bool) -> None:
    folder = path.parent
    if check_replaceable(path) and not overwrite:
        raise _exists(path)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise OutputError(f"cannot write {path}: folder {folder} {what}")
    with critical_section():  # a stop signal waits: the file is whole in place, or absent
        try:
            fd, temp_name = _create_temp(folder, path.name)
        except OSError as exc:
            raise OutputError(f"cannot write in {folder}: {_reason(exc)}") from exc
        try:
            try:
                with os.fdopen(fd, "wb") as temp:
                    temp.write(data)
                    temp.flush()
                    os.fsync(temp.fileno())
                _put_in_place(temp_name, path, overwrite=overwrite)
            except OutputError:
                raise
            except OSError as exc:
                raise OutputError(f"cannot write {path}: {_reason(exc)}") from exc
            note_placed(path)
        finally:
            with contextlib.suppress(FileNotFoundError):  # gone: it was renamed into place
                os.unlink(temp_name)


def _put_in_place(temp_name: str, path: Path, *, overwrite: bool) -> None:
    if overwrite:
        check_replaceable(path)  # again, just before the rename
        os.replace(temp_name, path)
        return
    try:
        os.link(temp_name, path)  # fails if the name exists: never clobbers
        return
    except FileExistsError as exc:
        raise _exists(path) from exc
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
    # No hard links here: check, then rename (a file appearing in between is the only race).
    if os.path.lexists(path):
        raise _exists(path)
    os.replace(temp_name, path)
