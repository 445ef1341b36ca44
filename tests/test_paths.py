"""Stem file names (``paths.instrument_slug``, ``paths.stem_paths``): the instrument's own name
in any script, safe on Windows, macOS and Linux, unique within the song."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from midi_export.export import write_conversion
from midi_export.midi.convert import convert
from midi_export.paths import MAX_SLUG_BYTES, MAX_SLUG_CHARS, instrument_slug, stem_paths
from midi_export.record import Instrument, Record, RecordStatus, parse_record

from daw_records import as_bytes, nonlatin

GM0 = "Acoustic Grand Piano"
PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want", with a ZWNJ
FORBIDDEN = set('<>:"/\\|?*') | {chr(c) for c in range(32)} | {"\x7f"}


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Drums", "drums"),
        ("Electric Bass (finger)", "electric-bass-finger"),
        ("ベース", "ベース"),
        ("Скрипка", "скрипка"),
        ("Guitarra Eléctrica", "guitarra-eléctrica"),
        ("Guitarra Ele\u0301ctrica", "guitarra-eléctrica"),  # composed (NFKC)
        ("बाँसुरी", "बाँसुरी"),  # combining marks stay with their letters
        ("ＢＡＳＳ²", "bass2"),  # full-width and superscripts folded
        ("Ωmega ﬁve", "ωmega-five"),
        ("鼓 2", "鼓-2"),
        ("a/b:c*?", "a-b-c"),
        ("../../etc/passwd", "etc-passwd"),
        ("Piano. ", "piano"),
        ("  --Lead 1 (square)--  ", "lead-1-square"),
        ("x\u200by", "x-y"),  # a zero-width space is a separator
        (PERSIAN, PERSIAN),  # a zero-width non-joiner inside a word stays
        ("CON", "con"),  # inside <song>-<NN>-con.mid it names no device
        ("a" * 80, "a" * 40),
        ("x" * 39 + " y", "x" * 39),
    ],
)
def test_slugs(name: str, slug: str) -> None:
    assert instrument_slug(name, GM0) == slug


@pytest.mark.parametrize(
    ("name", "slug"),
    [("CON", "_con"), ("lpt¹", "_lpt1"), ("Nul", "_nul"), ("com0", "_com0"),
     ("aux.txt", "aux-txt"), ("console", "console"), ("conout$", "conout")],
)
def test_windows_device_names_get_a_prefix_when_the_slug_is_a_whole_name(
    name: str, slug: str
) -> None:
    assert instrument_slug(name, standalone=True) == slug


@pytest.mark.parametrize("name", ["🎹🎹", " .. ", "", "\u0301", "???", "\u200b", "\u200c"])
def test_the_program_name_only_when_the_name_has_no_letter_or_digit(name: str) -> None:
    assert instrument_slug(name, GM0) == "acoustic-grand-piano"
    assert instrument_slug(name, "") == "track"
    assert instrument_slug(name, "ドラム") == "ドラム"


@pytest.mark.parametrize("name", ["鋼琴" * 40, "é" * 200, "a" * 300, "क्षि" * 50, "e\u0301" * 100,
                                  "a" * 39 + "\u0301" * 5])
def test_length_limits_never_leave_a_mark_without_its_letter(name: str) -> None:
    slug = instrument_slug(name)
    assert len(slug) <= MAX_SLUG_CHARS and len(slug.encode()) <= MAX_SLUG_BYTES
    assert unicodedata.category(slug[0])[0] in "LN"
    cut_at = len(slug)
    folded = unicodedata.normalize("NFKC", name).lower()
    assert folded.startswith(slug)
    assert cut_at == len(folded) or unicodedata.category(folded[cut_at])[0] != "M"


@pytest.mark.parametrize("name", ["a.", "a ", "-a-", "a\t", " a", "...a...", "a\u200c"])
def test_never_starts_or_ends_with_a_dot_space_dash_or_joiner(name: str) -> None:
    assert instrument_slug(name) == "a"


def names_record(*names: str) -> Record:
    return Record(task_id="s", status=RecordStatus.SUCCESS,
                  instruments=[Instrument(n, [(60, 0.0, 0.5, 0.5)]) for n in names])


def test_stem_names_of_the_issue_record(tmp_path: Path) -> None:
    conversion = convert(parse_record(as_bytes(nonlatin())))
    names = [p.name for _, p in stem_paths(tmp_path / "nonlatin.mid", conversion.report)]
    assert names[:10] == [
        "nonlatin-01-drums.mid", "nonlatin-02-ベース.mid", "nonlatin-03-скрипка.mid",
        "nonlatin-04-acoustic-grand-piano.mid", "nonlatin-05-ギター.mid", "nonlatin-06-con.mid",
        "nonlatin-07-a-b-c.mid", "nonlatin-08-acoustic-grand-piano.mid",  # 🎹🎹: its program
        "nonlatin-09-piano.mid", "nonlatin-10-скрипка.mid",
    ]
    assert names[10] == f"nonlatin-11-{'鋼琴' * 20}.mid"
    for name in names:
        assert not FORBIDDEN & set(name) and len(name.encode()) < 255
        assert name == unicodedata.normalize("NFC", name)
    # they are real files on this file system, each holding its own track
    _, stems = write_conversion(conversion, tmp_path / "nonlatin.mid", split=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names, "nonlatin.mid"])
    assert len(stems) == len(names)


def test_names_that_fold_together_still_get_files_of_their_own(tmp_path: Path) -> None:
    # "ß" and "SS" differ, but fold alike on case-insensitive file systems; track numbers
    # keep them apart anyway, so nothing is added
    paths = stem_paths(tmp_path / "s.mid", convert(names_record("Straße", "STRASSE")).report)
    assert [p.name for _, p in paths] == ["s-01-straße.mid", "s-02-strasse.mid"]
