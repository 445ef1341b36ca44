"""midi_export.music.gm: instrument name -> General MIDI program or drum kit, rule by rule."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from midi_export.errors import UsageError
from midi_export.music import gm, gm_names
from midi_export.music.gm import (
    DRUM_KIT_NAME,
    SOURCES,
    ProgramMatch,
    gm_program,
    is_drum_kit_name,
    parse_program_option,
    resolve_program_value,
)
from midi_export.music.gm_names import fold_name, gm_class_names, program_name

REPO = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------- pretty_midi's tables


def test_names_are_pretty_midis_instrument_map() -> None:
    import pretty_midi.constants

    assert gm_names.gm_names() == tuple(pretty_midi.constants.INSTRUMENT_MAP)
    assert len(gm_names.gm_names()) == 128


def test_class_names_are_pretty_midis_instrument_classes() -> None:
    import pretty_midi.constants

    assert gm_class_names() == tuple(pretty_midi.constants.INSTRUMENT_CLASSES)
    assert len(gm_class_names()) == 16


def test_tables_read_from_the_file_equal_a_normal_import() -> None:
    import pretty_midi.constants

    expected = (
        tuple(pretty_midi.constants.INSTRUMENT_MAP),
        tuple(pretty_midi.constants.INSTRUMENT_CLASSES),
    )
    saved = sys.modules.pop("pretty_midi.constants")  # force the read-the-file path
    try:
        assert gm_names._constants_from_package_file() == expected
    finally:
        sys.modules["pretty_midi.constants"] = saved
    assert gm_names._constants_from_import() == expected
    assert gm_names._PRIVATE_MODULE not in sys.modules


def test_without_a_findable_package_the_file_path_gives_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "pretty_midi.constants")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, package=None: None)
    assert gm_names._constants_from_package_file() is None


def test_a_broken_constants_file_falls_back(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "constants.py").write_text("INSTRUMENT_MAP = ['only one']\n", encoding="utf-8")
    fake = importlib.machinery.ModuleSpec("pretty_midi", None, is_package=True)
    fake.submodule_search_locations = [str(tmp_path)]
    monkeypatch.delitem(sys.modules, "pretty_midi.constants")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, package=None: fake)
    assert gm_names._constants_from_package_file() is None
    (tmp_path / "constants.py").write_text("INSTRUMENT_MAP = [\n", encoding="utf-8")
    assert gm_names._constants_from_package_file() is None
    # ... and the uncached loader then takes the normal import
    tables = gm_names._pretty_midi_tables.__wrapped__()
    assert tables == (gm_names.gm_names(), gm_class_names())
    assert len(tables[0]) == 128


@pytest.mark.parametrize(
    ("module", "sound"),
    [
        (types.SimpleNamespace(INSTRUMENT_MAP=["x"] * 128, INSTRUMENT_CLASSES=["c"] * 16), True),
        (types.SimpleNamespace(INSTRUMENT_MAP=["x"] * 127, INSTRUMENT_CLASSES=["c"] * 16), False),
        (types.SimpleNamespace(INSTRUMENT_MAP=["x"] * 128, INSTRUMENT_CLASSES=[1] * 16), False),
        (types.SimpleNamespace(INSTRUMENT_MAP=[""] * 128, INSTRUMENT_CLASSES=["c"] * 16), False),
        (types.SimpleNamespace(INSTRUMENT_MAP="x" * 128, INSTRUMENT_CLASSES=["c"] * 16), False),
        (types.SimpleNamespace(), False),
    ],
)
def test_tables_of_accepts_only_sound_tables(module: object, sound: bool) -> None:
    assert (gm_names._tables_of(module) is not None) is sound


def test_import_and_lookups_load_neither_numpy_nor_mido_nor_pretty_midi() -> None:
    code = """
import json, sys
import midi_export.music.gm as gm
import midi_export.music.gm_names
after_import = sorted(m for m in ("difflib", "numpy", "mido", "pretty_midi") if m in sys.modules)
exact = gm.gm_program("Electric Bass (finger)")
after_exact = "difflib" in sys.modules
gm.gm_program("Violn"); gm.gm_program("Drums"); gm.gm_program("My Bass Stem")
print(json.dumps({
    "after_import": after_import,
    "exact": list(exact),
    "difflib_after_exact": after_exact,
    "loaded": sorted(m for m in sys.modules
                     if m.split(".")[0] in ("numpy", "mido", "pretty_midi", "requests")),
    "private": midi_export.music.gm_names._PRIVATE_MODULE in sys.modules,
}))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    facts = json.loads(done.stdout)
    assert facts == {
        "after_import": [],
        "exact": [33, False, "exact"],
        "difflib_after_exact": False,
        "loaded": [],
        "private": False,
    }


# --------------------------------------------------------------------------- small functions


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Electric Bass (FINGER)", "electricbassfinger"),
        ("  Honky-tonk   Piano ", "honkytonkpiano"),
        ("Lead 8 (bass + lead)", "lead8basslead"),
        ("FX 8 (sci-fi)", "fx8scifi"),
        ("snake_case_name", "snakecasename"),
        ("Straße", "strasse"),
        ("Café Piano", "cafépiano"),
        ("🎹", ""),
        ("", ""),
    ],
)
def test_fold_name(name: str, folded: str) -> None:
    assert fold_name(name) == folded


@pytest.mark.parametrize(
    ("folded", "forms"),
    [
        ("violins", ("violin", "violinss")),
        ("basses", ("basse", "bass", "bassess")),
        ("steeldrum", ("steeldrums",)),
        ("fx", ("fxs",)),
        ("bus", ("buss",)),  # too short to drop an "s"
        ("", ()),
    ],
)
def test_word_forms(folded: str, forms: tuple[str, ...]) -> None:
    assert gm_names.word_forms(folded) == forms


def test_synth_short_forms() -> None:
    forms = gm_names._synth_short_forms(gm_names.gm_names())
    assert forms["lead1"] == 80
    assert forms["squarelead"] == 80
    assert forms["chifflead"] == 83  # pretty_midi spells it "Lead 4 chiff", without brackets
    assert forms["lead8"] == 87
    assert "bassleadlead" not in forms
    assert forms["warmpad"] == 89
    assert forms["pad8"] == 95
    assert forms["scififx"] == 103
    assert forms["fx1"] == 96
    assert len(forms) == 3 * 8 * 2 - 1


def test_numberless_forms() -> None:
    assert gm_names._numberless_forms(gm_names.gm_names()) == {
        "electricpiano": 4,
        "slapbass": 36,
        "synthbass": 38,
        "stringensemble": 48,
        "synthstrings": 50,
        "synthbrass": 62,
    }


@pytest.mark.parametrize(
    ("program", "name"),
    [(0, "Acoustic Grand Piano"), (33, "Electric Bass (finger)"), (54, "Synth Choir"),
     (114, "Steel Drums"), (127, "Gunshot")],
)  # fmt: skip
def test_program_name(program: int, name: str) -> None:
    assert program_name(program) == name


@pytest.mark.parametrize("program", [-1, 128, True, 3.0, "3"])
def test_program_name_rejects_what_is_not_a_program(program: object) -> None:
    with pytest.raises(UsageError, match=r"0\.\.127"):
        program_name(program)  # type: ignore[arg-type]


def test_gm_name_of_a_match() -> None:
    assert ProgramMatch(48, False, "alias").gm_name == "String Ensemble 1"
    assert ProgramMatch(0, True, "drums").gm_name == DRUM_KIT_NAME == "Standard Drum Kit"


def test_sources_in_rule_order() -> None:
    assert SOURCES == (
        "override", "drums", "exact", "variant", "alias", "class", "fuzzy", "fallback",
    )  # fmt: skip


@pytest.mark.parametrize(
    "name",
    ["Drums", "drums", "DRUM KIT", "Drum-Set", "Drumkit", "drum_set", "Percussion", "Kit",
     "Standard Kit", "standard drum kit", "Jazz Kit", "TR-808 Kit", "Brush Kits", "Kick",
     "Snare", "Hi-Hat", "Bass Drum", "Drums & Percussion"],
)  # fmt: skip
def test_drum_kit_names(name: str) -> None:
    assert is_drum_kit_name(name)


@pytest.mark.parametrize(
    "name",
    ["Steel Drums", "Synth Drum", "Taiko Drum", "Melodic Tom", "Reverse Cymbal", "Percussive",
     "Percussive Organ", "Chromatic Percussion", "Kitten", "Toolkit", "", "Piano"],
)  # fmt: skip
def test_not_drum_kit_names(name: str) -> None:
    assert not is_drum_kit_name(name)


# --------------------------------------------------------------------------- the rules

CASES = [
    # rule 2: the drum kit
    ("Drums", 0, True, "drums"),
    ("drum kit", 0, True, "drums"),
    ("Drum Set", 0, True, "drums"),
    ("Drumkit", 0, True, "drums"),
    ("  PERCUSSION ", 0, True, "drums"),
    ("Kit", 0, True, "drums"),
    ("Standard Kit", 0, True, "drums"),
    ("Jazz Kit", 0, True, "drums"),
    ("Bass Drum", 0, True, "drums"),
    # rule 3: exact GM names win over drum-ish words
    ("Steel Drums", 114, False, "exact"),
    ("Synth Drum", 118, False, "exact"),
    ("Taiko Drum", 116, False, "exact"),
    ("Melodic Tom", 117, False, "exact"),
    ("Percussive Organ", 17, False, "exact"),
    ("electric bass (FINGER)", 33, False, "exact"),
    ("Electric Bass finger", 33, False, "exact"),
    ("Acoustic Grand Piano", 0, False, "exact"),
    ("Honky Tonk Piano", 3, False, "exact"),
    ("Acoustic Guitar nylon", 24, False, "exact"),
    ("Electric Guitar jazz", 26, False, "exact"),
    ("Orchestral Harp", 46, False, "exact"),
    ("Electric Piano 1", 4, False, "exact"),
    ("Breath Noise", 121, False, "exact"),
    ("Gunshot", 127, False, "exact"),
    ("Gun Shot", 127, False, "exact"),
    ("Synth Choir", 54, False, "exact"),
    # GM1 spellings that fold to pretty_midi's
    ("SynthStrings 1", 50, False, "exact"),
    ("SynthStrings 2", 51, False, "exact"),
    ("SynthBrass 1", 62, False, "exact"),
    ("Lead 1 (square)", 80, False, "exact"),
    ("Lead 1 square", 80, False, "exact"),
    ("Lead 4 (chiff)", 83, False, "exact"),
    ("Lead 8 (bass+lead)", 87, False, "exact"),
    ("Pad 3 (polysynth)", 90, False, "exact"),
    ("FX 8 (sci-fi)", 103, False, "exact"),
    ("Bag pipe", 109, False, "exact"),
    # rule 4: spellings of other tables
    ("String Ensembles 1", 48, False, "variant"),
    ("String Ensembles 2", 49, False, "variant"),
    ("Synth Voice", 54, False, "variant"),
    ("Clavi", 7, False, "variant"),
    ("Rhodes Piano", 4, False, "variant"),
    ("Chorused Piano", 5, False, "variant"),
    ("Orchestral Strings", 46, False, "variant"),
    ("Electric Bass (fingered)", 33, False, "variant"),
    ("Melodic Drum", 117, False, "variant"),
    ("Taiko", 116, False, "variant"),
    ("Square Lead", 80, False, "variant"),
    ("Lead 2", 81, False, "variant"),
    ("Warm Pad", 89, False, "variant"),
    ("Sci-Fi FX", 103, False, "variant"),
    ("Slap Bass", 36, False, "variant"),
    ("Electric Piano", 4, False, "variant"),
    ("Synth Strings", 50, False, "variant"),
    ("E.Piano 1", 4, False, "variant"),
    ("Syn.Strings1", 50, False, "variant"),
    ("Nylon-str.Gt", 24, False, "variant"),
    ("Bass & Lead", 87, False, "variant"),
    ("5th Saw Wave", 86, False, "variant"),
    # rule 5: plain words, stems and word forms
    ("vocals", 53, False, "alias"),
    ("Lead Vocals", 53, False, "alias"),
    ("Vocals (Lead)", 53, False, "alias"),
    ("Backing Vocals", 52, False, "alias"),
    ("Choir", 52, False, "alias"),
    ("bass", 33, False, "alias"),
    ("Bass Guitar", 33, False, "alias"),
    ("Electric Bass", 33, False, "alias"),
    ("Basses", 33, False, "alias"),
    ("guitar", 27, False, "alias"),
    ("Guitars", 27, False, "alias"),
    ("Electric Guitar", 27, False, "alias"),
    ("Acoustic Guitar", 25, False, "alias"),
    ("keyboard", 0, False, "alias"),
    ("Keys", 0, False, "alias"),
    ("Piano", 0, False, "alias"),
    ("Strings", 48, False, "alias"),
    ("Violins", 40, False, "alias"),
    ("Cellos", 42, False, "alias"),
    ("brass", 61, False, "alias"),
    ("Horns", 61, False, "alias"),
    ("Trumpets", 56, False, "alias"),
    ("woodwinds", 73, False, "alias"),
    ("Sax", 65, False, "alias"),
    ("synth", 81, False, "alias"),
    ("Synthesizer", 81, False, "alias"),
    ("pad", 89, False, "alias"),
    ("lead", 81, False, "alias"),
    ("organ", 16, False, "alias"),
    ("FX", 99, False, "alias"),
    ("Sound FX", 99, False, "alias"),
    ("Bells", 9, False, "alias"),
    ("Harp", 46, False, "alias"),
    ("Mallets", 12, False, "alias"),
    ("Steel Drum", 114, False, "alias"),
    ("Taiko Drums", 116, False, "alias"),
    ("Synth Drums", 118, False, "alias"),
    # rule 6: GM class names ("Percussive" is melodic, "Percussion" is the kit above)
    ("Chromatic Percussion", 8, False, "class"),
    ("Ensemble", 48, False, "class"),
    ("Reed", 64, False, "class"),
    ("Pipe", 72, False, "class"),
    ("Synth Lead", 80, False, "class"),
    ("Synth Pad", 88, False, "class"),
    ("Synth Effects", 96, False, "class"),
    ("Ethnic", 104, False, "class"),
    ("Percussive", 112, False, "class"),
    ("Sound Effects", 120, False, "class"),
    # rule 7: typos, then known names inside longer names
    ("Acoustic Grand Pian", 0, False, "fuzzy"),
    ("Electirc Bass (finger)", 33, False, "fuzzy"),
    ("Violn", 40, False, "fuzzy"),
    ("Accordian", 21, False, "fuzzy"),
    ("Synth Pads", 88, False, "fuzzy"),
    ("Drumz", 0, True, "fuzzy"),
    ("Drums 2", 0, True, "fuzzy"),
    ("Distorted Lead Guitar", 30, False, "fuzzy"),
    ("My Bass Stem", 33, False, "fuzzy"),
    ("Guitar Lead", 27, False, "fuzzy"),  # "lead" is a role, the guitar the instrument
    ("Lead Guitar Take 3", 29, False, "fuzzy"),
    ("Piano Strings", 48, False, "fuzzy"),  # the rightmost instrument word
    ("Steel Drum Loop", 114, False, "fuzzy"),  # not the drum kit
    ("Electronic Drums", 0, True, "fuzzy"),
    ("Drum Loop", 0, True, "fuzzy"),
    ("Chromatic Percussion Stem", 8, False, "fuzzy"),
    # rule 8
    ("zzz", 0, False, "fallback"),
    ("", 0, False, "fallback"),
    ("🎹", 0, False, "fallback"),
    ("nonsense", 0, False, "fallback"),
    ("Track 7", 0, False, "fallback"),
]


@pytest.mark.parametrize(("name", "program", "is_drum", "source"), CASES)
def test_gm_program(name: str, program: int, is_drum: bool, source: str) -> None:
    assert gm_program(name) == ProgramMatch(program, is_drum, source)


@pytest.mark.parametrize(("program", "name"), list(enumerate(gm_names.gm_names())))
def test_every_gm_name_is_exact_in_any_case_and_spacing(program: int, name: str) -> None:
    assert gm_program(name) == ProgramMatch(program, False, "exact")
    assert gm_program(f"  {name.upper()}  ") == ProgramMatch(program, False, "exact")
    assert gm_program(name.replace(" ", "_").lower()) == ProgramMatch(program, False, "exact")


@pytest.mark.parametrize(
    "name",
    [name for name in gm_names.gm_names() if any(w in name.lower() for w in ("drum", "tom"))],
)
def test_drum_ish_gm_names_are_melodic(name: str) -> None:
    assert not gm_program(name).is_drum
    assert not gm_program(name + " 2").is_drum  # a numbered copy too


# The six class names that are also stems take rule 5's program, not the class's first.
STEM_CLASSES = {"piano": 0, "organ": 16, "guitar": 27, "bass": 33, "strings": 48, "brass": 61}


@pytest.mark.parametrize(("index", "name"), list(enumerate(gm_names.gm_class_names())))
def test_class_names(index: int, name: str) -> None:
    folded = fold_name(name)
    if folded in STEM_CLASSES:
        assert gm_program(name) == ProgramMatch(STEM_CLASSES[folded], False, "alias")
    else:
        assert gm_program(name) == ProgramMatch(8 * index, False, "class")


def test_every_variant_and_alias_resolves_by_its_own_rule() -> None:
    tables = gm_names.name_tables()
    for key, program in tables.variant.items():
        assert gm_program(key) == ProgramMatch(program, False, "variant"), key
    for key, program in tables.alias.items():
        assert gm_program(key) == ProgramMatch(program, False, "alias"), key


def test_hand_made_tables_are_folded_and_sound() -> None:
    tables = gm_names.name_tables()
    for table in (gm_names.DRUM_KIT_NAMES, gm_names.VARIANTS, gm_names.ALIASES):
        assert all(fold_name(key) == key and key for key in table)
    for key, program in {**gm_names.VARIANTS, **gm_names.ALIASES}.items():
        assert 0 <= program <= 127, key
    assert len(tables.exact) == 128  # the folded GM names are distinct
    # No key is shadowed by an earlier rule (a dead entry).
    assert not set(gm_names.VARIANTS) & set(tables.exact)
    assert not set(gm_names.ALIASES) & (set(tables.exact) | set(tables.variant))
    assert not gm_names.DRUM_KIT_NAMES & (
        set(tables.exact) | set(tables.variant) | set(tables.alias) | set(tables.classes)
    )
    # Class names shadowed by aliases are exactly the stems documented above.
    assert set(tables.classes) & set(tables.alias) == set(STEM_CLASSES)


def test_table_values_against_names() -> None:
    # spot checks of the hand-made tables against the GM names they stand for
    names = gm_names.gm_names()
    assert names[gm_names.VARIANTS["stringensembles1"]] == "String Ensemble 1"
    assert names[gm_names.VARIANTS["synthvoice"]] == "Synth Choir"
    assert names[gm_names.VARIANTS["clavi"]] == "Clavinet"
    assert names[gm_names.VARIANTS["solovox"]] == "Lead 6 (voice)"
    assert names[gm_names.VARIANTS["metalpad"]] == "Pad 6 (metallic)"
    assert names[gm_names.VARIANTS["echodrops"]] == "FX 7 (echoes)"
    assert names[gm_names.ALIASES["vocals"]] == "Voice Oohs"
    assert names[gm_names.ALIASES["backingvocals"]] == "Choir Aahs"
    assert names[gm_names.ALIASES["bass"]] == "Electric Bass (finger)"
    assert names[gm_names.ALIASES["guitar"]] == "Electric Guitar (clean)"
    assert names[gm_names.ALIASES["strings"]] == "String Ensemble 1"
    assert names[gm_names.ALIASES["brass"]] == "Brass Section"
    assert names[gm_names.ALIASES["woodwinds"]] == "Flute"
    assert names[gm_names.ALIASES["synth"]] == "Lead 2 (sawtooth)"
    assert names[gm_names.ALIASES["fx"]] == "FX 4 (atmosphere)"


def test_every_separation_stem_has_a_deliberate_program() -> None:
    stems = ["vocals", "backing vocals", "drums", "bass", "guitar", "keyboard", "strings",
             "brass", "woodwinds", "percussion", "synth", "fx"]  # fmt: skip
    for stem in stems:
        assert gm_program(stem).source in ("drums", "alias"), stem


def test_lookups_are_cached() -> None:
    gm._match_name.cache_clear()
    gm_program("Violn")
    gm_program("Violn")
    assert gm._match_name.cache_info().hits >= 1


# --------------------------------------------------------------------------- overrides


@pytest.mark.parametrize(
    ("overrides", "name", "expected"),
    [
        ({"Piano": 5}, "Piano", ProgramMatch(5, False, "override")),
        ({"piano": 5}, "  PIANO ", ProgramMatch(5, False, "override")),
        ({"Lead Vocals": "String Ensemble 1"}, "lead-vocals", ProgramMatch(48, False, "override")),
        ({"Lead Vocals": "strings"}, "Lead Vocals", ProgramMatch(48, False, "override")),
        ({"Lead Vocals": " 40 "}, "Lead Vocals", ProgramMatch(40, False, "override")),
        ({"Bongos": "drums"}, "Bongos", ProgramMatch(0, True, "override")),
        ({"Bongos": "Drum Kit"}, "Bongos", ProgramMatch(0, True, "override")),
        ({"Drums": 0}, "Drums", ProgramMatch(0, False, "override")),  # a piano, as asked
        ({"Drums": "Steel Drums"}, "Drums", ProgramMatch(114, False, "override")),
        ({"🎹": 4}, "🎹", ProgramMatch(4, False, "override")),
        ({"🎹": 4}, "🎸", ProgramMatch(0, False, "fallback")),
        ({"Piano": 5}, "Bass", ProgramMatch(33, False, "alias")),
        ({}, "Bass", ProgramMatch(33, False, "alias")),
    ],
)
def test_overrides(overrides: dict[str, int | str], name: str, expected: ProgramMatch) -> None:
    assert gm_program(name, overrides) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (128, "128"),
        (129, "129"),
        (-1, "-1"),
        ("129", "129"),
        ("nonsense", "'nonsense'"),
        ("", "empty"),
        # not a number of ours, and no int() of 5000 digits (which Python refuses)
        pytest.param("9" * 5000, "'999", id="5000-digit-text"),
        pytest.param(10**5000, "out of range", id="5000-digit-int"),
        ("   ", "empty"),
        (True, "True"),
        (1.5, "1.5"),
        (None, "None"),
    ],
)
def test_bad_override_values_raise_a_one_line_usage_error(value: object, fragment: str) -> None:
    with pytest.raises(UsageError) as caught:
        gm_program("Piano", {"Piano": value})  # type: ignore[dict-item]
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_bad_override_raises_even_when_no_instrument_uses_it() -> None:
    with pytest.raises(UsageError, match="nonsense"):
        gm_program("Bass", {"Piano": 5, "Flute": "nonsense"})


def test_two_spellings_of_one_instrument_must_agree() -> None:
    with pytest.raises(UsageError, match=r"'Bass'.*'bass'"):
        gm_program("Bass", {"Bass": 33, "bass": 34})
    assert gm_program("bass", {"Bass": 33, "BASS": "Electric Bass (finger)"}).program == 33


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, ProgramMatch(0, False, "override")),
        (127, ProgramMatch(127, False, "override")),
        ("33", ProgramMatch(33, False, "override")),
        ("+7", ProgramMatch(7, False, "override")),
        ("0005", ProgramMatch(5, False, "override")),
        ("Electric Bass (finger)", ProgramMatch(33, False, "override")),
        ("String Ensembles 1", ProgramMatch(48, False, "override")),
        ("strings", ProgramMatch(48, False, "override")),
        ("Percussive", ProgramMatch(112, False, "override")),
        ("Violn", ProgramMatch(40, False, "override")),
        ("drums", ProgramMatch(0, True, "override")),
        ("drum kit", ProgramMatch(0, True, "override")),
        (" Drum Kit ", ProgramMatch(0, True, "override")),
    ],
)
def test_resolve_program_value(value: int | str, expected: ProgramMatch) -> None:
    assert resolve_program_value(value) == expected


# --------------------------------------------------------------------------- --program


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Piano=0", ("Piano", 0)),
        ("  Lead Vocals =  53 ", ("Lead Vocals", 53)),
        ("Bass=Electric Bass (finger)", ("Bass", "Electric Bass (finger)")),
        ("Perc=drums", ("Perc", "drums")),
        ("Synth=strings", ("Synth", "strings")),
        ("A=B=5", ("A=B", 5)),  # the last "=" splits
        ("x=y=z=String Ensemble 1", ("x=y=z", "String Ensemble 1")),
    ],
)
def test_parse_program_option(text: str, expected: tuple[str, int | str]) -> None:
    assert parse_program_option(text) == expected


@pytest.mark.parametrize("text", ["Piano", "=5", "Piano=", " = ", "", "   "])
def test_parse_program_option_needs_both_sides(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_program_option(text)
    message = str(caught.value)
    assert "NAME=PROGRAM" in message and "e.g." in message and "\n" not in message


@pytest.mark.parametrize(("text", "fragment"), [("Piano=129", "129"), ("Piano=zzz", "'zzz'")])
def test_parse_program_option_checks_the_value(text: str, fragment: str) -> None:
    with pytest.raises(UsageError, match=fragment):
        parse_program_option(text)


def test_parsed_options_feed_gm_program() -> None:
    overrides = dict(
        parse_program_option(text) for text in ["Lead Vocals=Flute", "Perc Loop=drums", "Bass=38"]
    )
    assert gm_program("lead vocals", overrides) == ProgramMatch(73, False, "override")
    assert gm_program("PERC LOOP", overrides) == ProgramMatch(0, True, "override")
    assert gm_program("Bass", overrides) == ProgramMatch(38, False, "override")
    assert gm_program("Strings", overrides) == ProgramMatch(48, False, "alias")


# --------------------------------------------------------------------------- any input


def _is_valid(match: ProgramMatch) -> bool:
    return (
        isinstance(match, ProgramMatch)
        and 0 <= match.program <= 127
        and match.source in SOURCES
        and (not match.is_drum or match.program == 0)
    )


@given(st.text())
def test_any_name_gives_a_valid_match(name: str) -> None:
    assert _is_valid(gm_program(name))


@given(st.text(), st.dictionaries(st.text(), st.integers(0, 127), max_size=5))
def test_any_name_with_valid_overrides_gives_a_valid_match(
    name: str, overrides: dict[str, int]
) -> None:
    by_key: dict[str, set[int]] = {}
    for key, program in overrides.items():
        by_key.setdefault(gm._override_key(key), set()).add(program)
    if any(len(programs) > 1 for programs in by_key.values()):  # "Bass" and "bass" disagree
        with pytest.raises(UsageError, match="two different programs"):
            gm_program(name, overrides)
        return
    match = gm_program(name, overrides)
    assert _is_valid(match)
    if gm._override_key(name) in by_key:
        assert match.source == "override"
    else:
        assert match.source != "override"


@given(st.one_of(st.text(), st.integers()))
def test_any_override_value_resolves_or_is_a_usage_error(value: int | str) -> None:
    try:
        match = resolve_program_value(value)
    except UsageError as error:
        assert str(error) and "\n" not in str(error)
    else:
        assert _is_valid(match) and match.source == "override"


@given(st.text())
def test_any_option_text_parses_or_is_a_usage_error(text: str) -> None:
    try:
        name, value = parse_program_option(text)
    except UsageError:
        return
    assert name and name == name.strip()
    assert resolve_program_value(value).source == "override"
