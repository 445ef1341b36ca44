"""The batch runner: good, bad, empty and duplicate-name files; resumed runs; workers."""

from __future__ import annotations

import io
import os
from pathlib import Path

import mido
import pytest

from midi_export import batch
from midi_export.midi.clean import CleanSettings

from conftest import fixture_path


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """Good, bad, empty and duplicate-name files, one level down too, and a file that is not
    JSON by its name."""
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    demo = fixture_path("demo-song").read_bytes()
    (root / "a.json").write_bytes(demo)
    (root / "sub" / "a.json").write_bytes(demo)  # the same name one level down
    (root / "sub" / "b.json").write_bytes(fixture_path("record-info-success").read_bytes())
    (root / "broken.json").write_text('{"code": 200, "data": {')
    (root / "empty.json").write_bytes(b"")
    (root / "nomidi.json").write_bytes(fixture_path("record-info-empty-midi").read_bytes())
    (root / "notes.txt").write_text("not a record")
    return root


def run(jobs: list[batch.Job], settings: batch.Settings | None = None,
        workers: int = 1) -> list[batch.Result]:
    return sorted(batch.run(jobs, settings or batch.Settings(), workers=workers),
                  key=lambda r: r.index)


def tree(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_plan_reads_json_files_and_mirrors_folders(archive: Path, tmp_path: Path) -> None:
    flat = batch.plan([str(archive)], tmp_path / "out")
    assert [Path(j.source).name for j in flat] == ["a.json", "broken.json", "empty.json",
                                                   "nomidi.json"]
    deep = batch.plan([str(archive)], tmp_path / "out", recursive=True)
    assert [j.output.relative_to(tmp_path / "out").as_posix() for j in deep] == [
        "a.mid", "broken.mid", "empty.mid", "nomidi.mid", "sub/a.mid", "sub/b.mid"]
    assert all(j.problem is None for j in deep)
    beside = batch.plan([str(archive / "sub" / "b.json")], None)
    assert beside[0].output == archive / "sub" / "b.mid"


def test_plan_refuses_what_is_not_there_and_stdin_twice(tmp_path: Path) -> None:
    from midi_export import UsageError

    with pytest.raises(UsageError, match="no such file or folder"):
        batch.plan([str(tmp_path / "missing")], None)
    with pytest.raises(UsageError, match="only once"):
        batch.plan(["-", "-"], tmp_path, read_stdin=lambda: b"{}")


def test_an_odd_file_name_becomes_a_safe_output_name(tmp_path: Path) -> None:
    odd = tmp_path / "..weird name;rm -rf.json"
    odd.write_bytes(fixture_path("demo-song").read_bytes())
    (job,) = batch.plan([str(odd)], tmp_path / "out")
    assert job.output == tmp_path / "out" / "weird_name_rm_-rf.mid"


def test_a_duplicate_output_name_fails_and_never_overwrites(archive: Path, tmp_path: Path) -> None:
    jobs = batch.plan([str(archive / "a.json"), str(archive / "sub" / "a.json")], tmp_path / "o")
    results = run(jobs)
    assert [r.status for r in results] == ["ok", "failed"]
    assert results[1].exit_code == 8 and "also the output of" in results[1].message
    assert os.listdir(tmp_path / "o") == ["a.mid"]


def test_names_differing_only_in_case_are_duplicates_too(tmp_path: Path) -> None:
    for name in ("Song.json", "song.json"):
        (tmp_path / name).write_bytes(fixture_path("demo-song").read_bytes())
    jobs = batch.plan([str(tmp_path / "Song.json"), str(tmp_path / "song.json")], tmp_path / "o")
    assert [j.problem is None for j in jobs] == [True, False]


def test_bad_files_are_reported_and_skipped(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    results = run(batch.plan([str(archive)], out, recursive=True))
    status = {Path(r.source).relative_to(archive).as_posix(): (r.status, r.exit_code)
              for r in results}
    assert status == {"a.json": ("ok", 0), "broken.json": ("failed", 7),
                      "empty.json": ("failed", 7), "nomidi.json": ("failed", 4),
                      "sub/a.json": ("ok", 0), "sub/b.json": ("ok", 0)}
    assert all("\n" not in r.message for r in results)
    assert batch.worst_exit_code(r.exit_code for r in results) == 7
    assert tree(out) == ["a.mid", "sub", "sub/a.mid", "sub/b.mid"]  # no partial, no temporary
    for path in out.rglob("*.mid"):
        mido.MidiFile(file=io.BytesIO(path.read_bytes()))


def test_an_unreadable_input_is_exit_2_and_the_others_go_on(archive: Path, tmp_path: Path) -> None:
    jobs = batch.plan([str(archive / "a.json"), str(archive / "sub" / "b.json")], tmp_path / "o")
    (archive / "a.json").unlink()  # gone between planning and reading
    results = run(jobs)
    assert [(r.status, r.exit_code) for r in results] == [("failed", 2), ("ok", 0)]
    assert "cannot read" in results[0].message


def test_the_worst_exit_code_and_a_bug_outranks_all() -> None:
    assert batch.worst_exit_code([0, 8, 1, 7]) == 1
    assert batch.worst_exit_code([0, 4, 7]) == 7
    assert batch.worst_exit_code([]) == 0


def test_a_resumed_run_skips_what_exists(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run(batch.plan([str(archive)], out, recursive=True))
    assert [r.status for r in first].count("ok") == 3
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.mid")}
    (out / "sub" / "b.mid").unlink()  # as if the first run had stopped before it
    again = run(batch.plan([str(archive)], out, recursive=True),
                batch.Settings(skip_existing=True))
    by_source = {Path(r.source).relative_to(archive).as_posix(): r.status for r in again}
    assert by_source["a.json"] == by_source["sub/a.json"] == "skipped"
    assert by_source["sub/b.json"] == "ok" and (out / "sub" / "b.mid").exists()
    assert by_source["broken.json"] == "failed"  # a bad file is tried (and reported) again
    assert all(p.stat().st_mtime_ns == t for p, t in before.items() if p.name != "b.mid")


def test_a_song_with_only_some_outputs_is_not_skipped_nor_overwritten(
    tmp_path: Path,
) -> None:
    (tmp_path / "s.json").write_bytes(fixture_path("record-info-success").read_bytes())
    (tmp_path / "s.mid").write_bytes(b"old")
    jobs = batch.plan([str(tmp_path / "s.json")], None)
    (result,) = run(jobs, batch.Settings(skip_existing=True, preview=True))
    assert result.status == "failed" and result.exit_code == 8  # its .mid exists: not replaced
    assert (tmp_path / "s.mid").read_bytes() == b"old" and not (tmp_path / "s.png").exists()


def test_existing_outputs_are_refused_without_force(archive: Path, tmp_path: Path) -> None:
    jobs = batch.plan([str(archive / "a.json")], tmp_path / "out")
    run(jobs)
    (result,) = run(jobs)
    assert result.status == "failed" and result.exit_code == 8
    (result,) = run(jobs, batch.Settings(overwrite=True))
    assert result.status == "ok"


def test_every_file_of_a_song_is_written_as_one_set(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    settings = batch.Settings(split=True, preview=True, convert={"split_drums": True})
    (result,) = run(batch.plan([str(archive / "a.json")], out), settings)
    assert result.status == "ok" and len(result.files) == 8  # 7 stems and the preview
    assert (out / "a.png").read_bytes()[:4] == b"\x89PNG"
    (out / "a-03-hi-hat.mid").unlink()
    (again,) = run(batch.plan([str(archive / "a.json")], out), settings)
    assert again.exit_code == 8 and not (out / "a-03-hi-hat.mid").exists()  # all or nothing


def test_two_workers_write_the_same_bytes_as_one(archive: Path, tmp_path: Path) -> None:
    settings = batch.Settings(convert={"bpm": "auto", "clean": CleanSettings(min_duration_ms=50),
                                       "split_drums": True})
    one = run(batch.plan([str(archive)], tmp_path / "one", recursive=True), settings)
    two = run(batch.plan([str(archive)], tmp_path / "two", recursive=True), settings, workers=2)
    assert [(r.status, r.exit_code) for r in one] == [(r.status, r.exit_code) for r in two]
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    for path in (tmp_path / "one").rglob("*.mid"):
        assert path.read_bytes() == (tmp_path / "two" / path.relative_to(tmp_path / "one")
                                     ).read_bytes()


def test_reports_are_kept_only_when_asked(archive: Path, tmp_path: Path) -> None:
    jobs = batch.plan([str(archive / "a.json")], tmp_path / "o")
    (lean,) = run(jobs)
    assert lean.report is None and lean.notes == 612 and lean.instruments == 4
    (full,) = run(jobs, batch.Settings(keep_reports=True, overwrite=True))
    assert full.report is not None and full.report["notes_written"] == 612


def test_standard_input(tmp_path: Path) -> None:
    jobs = batch.plan(["-"], tmp_path, read_stdin=fixture_path("demo-song").read_bytes)
    (result,) = run(jobs)
    assert result.status == "ok" and (tmp_path / "record.mid").exists()


def test_chunk_sizes() -> None:
    assert batch.chunk_size(1000, 2) == 32
    assert batch.chunk_size(100, 2) == 6
    assert batch.chunk_size(3, 2) == 1


def test_workers_never_fork_a_threaded_parent() -> None:
    assert batch.start_method() in ("forkserver", "spawn")


def test_a_link_loop_in_a_recursive_folder_is_not_followed(archive: Path, tmp_path: Path) -> None:
    (archive / "sub" / "loop").symlink_to(archive, target_is_directory=True)
    jobs = batch.plan([str(archive)], tmp_path / "out", recursive=True)
    assert len(jobs) == 6 and all(j.problem is None for j in jobs)


def test_upper_case_suffixes_are_records_too(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "LOUD.JSON").write_bytes(fixture_path("demo-song").read_bytes())
    (job,) = batch.plan([str(tmp_path / "in")], tmp_path / "out")
    assert job.output.name == "LOUD.mid"


def test_the_output_must_be_a_folder(archive: Path, tmp_path: Path) -> None:
    from midi_export import UsageError

    (tmp_path / "file.mid").write_bytes(b"x")
    with pytest.raises(UsageError, match="not a folder"):
        batch.plan([str(archive)], tmp_path / "file.mid")
