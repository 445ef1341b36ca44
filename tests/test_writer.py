"""writer: atomic .mid files on disk (never partial, never clobbered), or a file object."""

from __future__ import annotations

import errno
import io
import os
import stat
from pathlib import Path
from typing import Any

import mido
import pytest

from midi_export.errors import OutputError, OutputExistsError
from midi_export.midi.conversion import Conversion
from midi_export.midi.convert import convert
from midi_export.record import parse_record
from midi_export.writer import midi_to_bytes, write_midi

from conftest import load_fixture


@pytest.fixture(scope="module")
def conversion() -> Conversion:
    return convert(parse_record(load_fixture("record-info-success")))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --------------------------------------------------------------------------- what can be written


def test_midi_to_bytes_of_each_kind(conversion: Conversion) -> None:
    data = conversion.to_bytes()
    assert midi_to_bytes(conversion) == data
    assert midi_to_bytes(data) == data
    assert midi_to_bytes(bytearray(data)) == data
    assert midi_to_bytes(memoryview(data)) == data
    assert midi_to_bytes(conversion.midi) == data  # mido writes the same bytes
    assert midi_to_bytes(mido.MidiFile(file=io.BytesIO(data), charset="utf-8")) == data


def test_midi_to_bytes_refuses_anything_else() -> None:
    for bad in ("MThd", 42, None, [1, 2]):
        with pytest.raises(TypeError):
            midi_to_bytes(bad)


# --------------------------------------------------------------------------- file objects


def test_write_to_a_binary_file_object(conversion: Conversion) -> None:
    buffer = io.BytesIO()
    assert write_midi(conversion, buffer) is None
    assert buffer.getvalue() == conversion.to_bytes()


def test_a_text_stream_is_refused(conversion: Conversion) -> None:
    with pytest.raises(TypeError, match="binary"):
        write_midi(conversion, io.StringIO())  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        write_midi(conversion, 42)  # type: ignore[call-overload]


def test_a_failing_file_object_is_an_output_error(conversion: Conversion) -> None:
    class Broken(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, data: Any) -> int:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    with pytest.raises(OutputError, match="Broken pipe"):
        write_midi(conversion, Broken())


# --------------------------------------------------------------------------- paths


def test_write_to_a_path(conversion: Conversion, tmp_path: Path) -> None:
    target = tmp_path / "song.mid"
    result = write_midi(conversion, str(target))
    assert result == target
    assert isinstance(result, Path)
    assert target.read_bytes() == conversion.to_bytes()
    assert leftovers(tmp_path) == []
    assert write_midi(conversion.to_bytes(), tmp_path / "other.mid") == tmp_path / "other.mid"


def test_the_file_gets_normal_permissions(conversion: Conversion, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_midi(conversion, tmp_path / "a.mid")
        os.umask(0o077)
        write_midi(conversion, tmp_path / "b.mid")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.mid").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.mid").stat().st_mode) == 0o600


def test_an_existing_file_is_never_replaced(conversion: Conversion, tmp_path: Path) -> None:
    target = tmp_path / "song.mid"
    target.write_bytes(b"precious")
    with pytest.raises(OutputExistsError, match="already exists"):
        write_midi(conversion, target)
    assert target.read_bytes() == b"precious"
    assert leftovers(tmp_path) == []


def test_a_file_appearing_while_writing_is_not_replaced(
    conversion: Conversion, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the early existence check passes; the file appears before the final step
    target = tmp_path / "song.mid"
    real_fsync = os.fsync

    def fsync_then_race(fd: int) -> None:
        real_fsync(fd)
        target.write_bytes(b"theirs")

    monkeypatch.setattr(os, "fsync", fsync_then_race)
    with pytest.raises(OutputExistsError):
        write_midi(conversion, target)
    assert target.read_bytes() == b"theirs"
    assert leftovers(tmp_path) == []


def test_without_hard_links_an_existing_file_is_still_not_replaced(
    conversion: Conversion, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: Any, dst: Any) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "song.mid"
    assert write_midi(conversion, target) == target  # falls back to check + rename
    assert target.read_bytes() == conversion.to_bytes()
    other = tmp_path / "other.mid"
    real_fsync = os.fsync

    def fsync_then_race(fd: int) -> None:
        real_fsync(fd)
        other.write_bytes(b"theirs")

    monkeypatch.setattr(os, "fsync", fsync_then_race)
    with pytest.raises(OutputExistsError):
        write_midi(conversion, other)
    assert other.read_bytes() == b"theirs"
    assert leftovers(tmp_path) == []


def test_overwrite_replaces(conversion: Conversion, tmp_path: Path) -> None:
    target = tmp_path / "song.mid"
    target.write_bytes(b"old")
    assert write_midi(conversion, target, overwrite=True) == target
    assert target.read_bytes() == conversion.to_bytes()
    assert leftovers(tmp_path) == []


def test_a_missing_folder_is_an_output_error(conversion: Conversion, tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        write_midi(conversion, tmp_path / "nowhere" / "song.mid")
    assert not (tmp_path / "nowhere").exists()


def test_a_file_as_folder_is_an_output_error(conversion: Conversion, tmp_path: Path) -> None:
    (tmp_path / "plain").write_bytes(b"")
    with pytest.raises(OutputError, match="not a folder"):
        write_midi(conversion, tmp_path / "plain" / "song.mid")


def test_a_folder_as_target_is_an_output_error(conversion: Conversion, tmp_path: Path) -> None:
    (tmp_path / "song.mid").mkdir()
    for overwrite in (False, True):
        with pytest.raises(OutputError, match="folder") as info:
            write_midi(conversion, tmp_path / "song.mid", overwrite=overwrite)
        assert not isinstance(info.value, OutputExistsError)
    assert (tmp_path / "song.mid").is_dir()
    assert leftovers(tmp_path) == []


def test_a_read_only_folder_is_an_output_error(conversion: Conversion, tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as root: a read-only folder is still writable")
        with pytest.raises(OutputError, match="locked"):
            write_midi(conversion, folder / "song.mid")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_a_failed_write_leaves_nothing_behind(
    conversion: Conversion, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    target = tmp_path / "song.mid"
    with pytest.raises(OutputError, match="No space left on device") as info:
        write_midi(conversion, target)
    assert "\n" not in str(info.value)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []

    target.write_bytes(b"precious")  # with overwrite, the old file survives a failure
    with pytest.raises(OutputError):
        write_midi(conversion, target, overwrite=True)
    assert target.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["song.mid"]


def test_a_failed_rename_leaves_nothing_behind(
    conversion: Conversion, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    monkeypatch.setattr(os, "link", refuse)
    for overwrite in (False, True):
        with pytest.raises(OutputError, match="Permission denied"):
            write_midi(conversion, tmp_path / "song.mid", overwrite=overwrite)
    assert list(tmp_path.iterdir()) == []


def test_output_errors_are_os_errors_with_exit_code_8(tmp_path: Path) -> None:
    with pytest.raises(OSError) as info:
        write_midi(b"MThd", tmp_path / "missing" / "x.mid")
    assert getattr(info.value, "exit_code", None) == 8


def test_a_relative_path_in_the_current_folder(
    conversion: Conversion, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert write_midi(conversion, "song.mid") == Path("song.mid")
    assert (tmp_path / "song.mid").read_bytes() == conversion.to_bytes()
    assert leftovers(tmp_path) == []


def test_permission_denied_in_the_folder_is_an_output_error(
    conversion: Conversion, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what a read-only folder does for a user who is not root, simulated for everyone
    real_open = os.open

    def denied(path: Any, flags: int, *args: Any, **kwargs: Any) -> Any:
        if flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(OutputError, match=r"cannot write in .*: Permission denied"):
        write_midi(conversion, tmp_path / "song.mid")
    assert list(tmp_path.iterdir()) == []


def test_a_leftover_temporary_file_is_skipped_not_reused(
    conversion: Conversion, tmp_path: Path
) -> None:
    # a crashed run may leave its temporary file behind; the next write must not touch it
    stale = tmp_path / f".song.mid.{os.getpid()}.0.tmp"
    stale.write_bytes(b"stale")
    write_midi(conversion, tmp_path / "song.mid")
    assert (tmp_path / "song.mid").read_bytes() == conversion.to_bytes()
    assert stale.read_bytes() == b"stale"
    assert sorted(p.name for p in tmp_path.iterdir()) == [stale.name, "song.mid"]


def test_refuse_existing_names_the_first_existing_path(tmp_path: Path) -> None:
    from midi_export.writer import refuse_existing

    free, taken, dangling = tmp_path / "free.mid", tmp_path / "taken.mid", tmp_path / "dead.mid"
    taken.write_bytes(b"x")
    dangling.symlink_to(tmp_path / "nowhere")
    refuse_existing([free, None])
    with pytest.raises(OutputExistsError) as info:
        refuse_existing([free, None, taken, dangling])
    assert info.value.path == str(taken)
    for overwrite in (False, True):  # a link, even dangling, is never replaced
        with pytest.raises(OutputError, match="is a symbolic link, not a regular file") as error:
            refuse_existing([dangling], overwrite=overwrite)
        assert error.value.path == str(dangling)
        assert not isinstance(error.value, OutputExistsError)
    refuse_existing([taken], overwrite=True)  # a regular file may be replaced
