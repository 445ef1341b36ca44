"""The names General MIDI programs go by: pretty_midi's 128 program and 16 class names, the
spellings of other GM tables, plain words and separation stems, and how names are folded.

The 128 names come from pretty_midi's ``constants.py``, loaded on the first lookup *as a
file*: importing ``pretty_midi`` would run its ``__init__`` and pull in numpy and mido,
about 0.2 s of start-up that a command-line conversion does not need. ``gm`` applies the
rules that use these tables.
"""

from __future__ import annotations

import functools
import re
from typing import Final, NamedTuple

from ..errors import UsageError

__all__ = [
    "ALIASES",
    "DRUM_KIT_NAMES",
    "KIT",
    "VARIANTS",
    "NameTables",
    "fold_name",
    "gm_class_names",
    "gm_names",
    "name_tables",
    "name_words",
    "program_name",
    "word_forms",
]

KIT: Final = -1  # the drum kit, in the tables that map a folded name to a program
_PRIVATE_MODULE: Final = "_midi_export_pretty_midi_constants"
_NOT_ALNUM = re.compile(r"[\W_]+")
_WORD = re.compile(r"[^\W_]+")
_SYNTH_NAME = re.compile(r"(lead|pad|fx) ?([1-8]) \(?([^)]*)\)?", re.IGNORECASE)


# --------------------------------------------------------------------------- folding


def fold_name(name: str) -> str:
    """``name`` without case, spaces or punctuation.

    "Electric Bass (FINGER)" -> "electricbassfinger".
    """
    return _NOT_ALNUM.sub("", name.casefold())


def name_words(name: str) -> list[str]:
    """The words of ``name``, folded: "Lead-Vocals (L)" -> ["lead", "vocals", "l"]."""
    return _WORD.findall(name.casefold())


def word_forms(folded: str) -> tuple[str, ...]:
    """Other numbers of a folded name: its singulars, then its plural.

    "violins" -> ("violin", "violinss"), "basses" -> ("basse", "bass", "bassess"),
    "steeldrum" -> ("steeldrums",).
    """
    forms: tuple[str, ...] = ()
    if folded.endswith("s") and len(folded) > 3:
        forms += (folded[:-1],)
        if folded.endswith("es"):
            forms += (folded[:-2],)
    return (*forms, folded + "s") if folded else forms


# --------------------------------------------------------------------------- pretty_midi's tables


def _valid_names(value: object, count: int) -> tuple[str, ...] | None:
    """``value`` as a tuple of ``count`` non-empty strings, or None when it is anything else."""
    if not isinstance(value, (list, tuple)) or len(value) != count:
        return None
    if not all(isinstance(item, str) and item.strip() for item in value):
        return None
    return tuple(value)


def _tables_of(module: object) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(INSTRUMENT_MAP, INSTRUMENT_CLASSES) of a loaded ``constants`` module, when sound."""
    names = _valid_names(getattr(module, "INSTRUMENT_MAP", None), 128)
    classes = _valid_names(getattr(module, "INSTRUMENT_CLASSES", None), 16)
    if names is None or classes is None:
        return None
    return names, classes


def _constants_from_package_file() -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """pretty_midi's tables, read from its ``constants.py`` without running the package.

    ``find_spec`` of a top-level name locates the package without importing it; the file is
    executed as a private module that is not registered in ``sys.modules``. None on failure.
    """
    import importlib.util
    import os.path
    import sys

    already = sys.modules.get("pretty_midi.constants")
    if already is not None:
        return _tables_of(already)
    try:
        package = importlib.util.find_spec("pretty_midi")
        folders = None if package is None else package.submodule_search_locations
        if not folders:
            return None
        path = os.path.join(next(iter(folders)), "constants.py")
        spec = importlib.util.spec_from_file_location(_PRIVATE_MODULE, path)
        if spec is None or spec.loader is None:
            return None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception:  # whatever went wrong, the normal import will do it (or say why not)
        return None
    return _tables_of(module)


def _constants_from_import() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """pretty_midi's tables by a normal import (slow: runs pretty_midi's ``__init__``)."""
    import pretty_midi.constants

    tables = _tables_of(pretty_midi.constants)
    if tables is None:
        raise ImportError("pretty_midi.constants has no usable INSTRUMENT_MAP/INSTRUMENT_CLASSES")
    return tables


@functools.lru_cache(maxsize=1)
def _pretty_midi_tables() -> tuple[tuple[str, ...], tuple[str, ...]]:
    return _constants_from_package_file() or _constants_from_import()


def gm_names() -> tuple[str, ...]:
    """The 128 General MIDI program names, as pretty_midi spells them (index = program)."""
    return _pretty_midi_tables()[0]


def gm_class_names() -> tuple[str, ...]:
    """The 16 GM classes ("Piano" ... "Sound Effects"); class ``i`` is programs 8i..8i+7."""
    return _pretty_midi_tables()[1]


def program_name(program: int) -> str:
    """The GM name of ``program`` (0..127), as pretty_midi spells it."""
    if isinstance(program, bool) or not isinstance(program, int) or not 0 <= program <= 127:
        raise UsageError(f"program {program!r} is not a General MIDI program (0..127)")
    return gm_names()[program]


# --------------------------------------------------------------------------- hand-made tables
# Keys are folded names (see fold_name); a test checks that each table's keys are folded, that
# no key is also a key of an earlier rule (which would make it dead), and every value.

# fmt: off
# Rule 2. Whole names of the percussion kit. Any name whose last word is "kit" is one too
# (GS kit names: "Jazz Kit", "TR-808 Kit", "Brush Kit"...).
DRUM_KIT_NAMES: Final = frozenset({
    "drums", "drum", "drumkit", "drumkits", "drumset", "drumsets", "drumsandpercussion",
    "drumspercussion", "percussion", "percussions", "perc", "kit", "kits", "standardkit",
    "standarddrumkit", "standarddrums", "percussionkit", "gmdrums", "gmkit", "gmdrumkit",
    "gmpercussion", "drummachine", "beat", "bassdrum", "kickdrum", "snaredrum", "kick",
    "snare", "hihat", "hihats", "cymbals", "toms",
})

# Rule 4. Spellings from other GM tables that differ from pretty_midi's even after folding
# (GM1's "SynthStrings 1", "Bag pipe" or "Lead 8 (bass+lead)" already fold to pretty_midi's
# names and match as `exact`). name_tables() adds generated ones: the short forms of the synth
# names ("Lead 1", "Square Lead") and the names without their "1" ("Slap Bass").
VARIANTS: Final = {
    # seen in records of the API (FACTS.md)
    "stringensembles1": 48, "stringensembles2": 49,
    # the GM1 specification (MMA RP-003), where pretty_midi says "Clavinet", "Synth Choir"
    "clavi": 7, "synthvoice": 54,
    # older GM lists (Haskore and many 1990s tools); their "Orchestral Strings" is program
    # 46, the harp, not a string section
    "rhodespiano": 4, "chorusedpiano": 5, "hammondorgan": 16, "electricbassfingered": 33,
    "electricbasspicked": 34, "orchestralstrings": 46, "melodicdrum": 117,
    "acousticgrand": 0, "brightgrand": 1, "electricgrand": 2, "honkytonk": 3,
    "shehnai": 111,  # the usual English spelling of "Shanai"
    # Roland GS tone names (the GM sound set of Sound Canvas modules and of Windows);
    # GS's "Strings", "Harp" and "Choir Aahs" are rule 5's or already exact
    "piano1": 0, "piano2": 1, "piano3": 2, "epiano1": 4, "epiano2": 5, "clav": 7,
    "tubularbell": 14, "santur": 15, "organ1": 16, "organ2": 17, "organ3": 18,
    "churchorg1": 19, "accordionfr": 21, "bandneon": 23, "bandoneon": 23, "nylonstrgt": 24,
    "steelstrgt": 25, "jazzgt": 26, "cleangt": 27, "mutedgt": 28, "overdrivegt": 29,
    "distortiongt": 30, "gtharmonics": 31, "acousticbs": 32, "fingeredbs": 33,
    "pickedbs": 34, "fretlessbs": 35, "tremolostr": 44, "pizzicatostr": 45,
    "slowstrings": 49, "synstrings1": 50, "synstrings2": 51, "synvox": 54, "brass1": 61,
    "bottleblow": 76, "squarewave": 80, "sawwave": 81, "sawtoothwave": 81, "sawlead": 81,
    "syncalliope": 82, "chifferlead": 83, "solovox": 85, "5thsawwave": 86,
    "basslead": 87, "bassandlead": 87, "fantasia": 88, "polysynth": 90, "spacevoice": 91,
    "bowedglass": 92, "metalpad": 93, "icerain": 96, "soundtrack": 97, "crystal": 98,
    "atmosphere": 99, "brightness": 100, "goblin": 101, "echodrops": 102, "startheme": 103,
    "taiko": 116, "melotom1": 117, "reversecym": 119, "gtfretnoise": 120, "bird": 123,
    "telephone1": 124,
}

# Rule 5. Plain words, the stems of the separation step (vocals, backing vocals, bass, guitar,
# keyboard, strings, brass, woodwinds, synth, fx; drums and percussion are rule 2) and their
# common forms. Each gets the most typical sound of that part in a song, which is not always
# the first program of its GM class (rule 6 does that, mechanically, for the class names).
ALIASES: Final = {
    # A lead vocal is one sung line: 53 "Voice Oohs" is GM's solo human voice and renders a
    # melody recognisably as singing. 52 "Choir Aahs" is an ensemble (backing vocals, choirs);
    # 54 ("Synth Voice", pretty_midi "Synth Choir") is a synthetic voice.
    "vocals": 53, "vocal": 53, "voice": 53, "vox": 53, "leadvocals": 53, "leadvocal": 53,
    "leadvoice": 53, "leadvox": 53, "mainvocals": 53, "vocalslead": 53, "vocallead": 53,
    "singer": 53, "singing": 53,
    "backingvocals": 52, "backingvocal": 52, "backgroundvocals": 52, "backingvox": 52,
    "bgv": 52, "harmonyvocals": 52, "choir": 52,
    # The bass stem is nearly always an electric bass played with the fingers.
    "bass": 33, "bassguitar": 33, "electricbass": 33, "bassline": 33,
    "uprightbass": 32, "doublebass": 32,
    # "Guitar" is acoustic and electric alike: 27 "Electric Guitar (clean)" is the neutral
    # choice, right for strummed chords and single lines in most genres. "Acoustic guitar"
    # gets the steel-string 25, a lead guitar the overdriven 29.
    "guitar": 27, "gtr": 27, "electricguitar": 27, "rhythmguitar": 27, "cleanguitar": 27,
    "acousticguitar": 25, "classicalguitar": 24, "nylonguitar": 24, "spanishguitar": 24,
    "ukulele": 24, "jazzguitar": 26, "mutedguitar": 28, "leadguitar": 29,
    "distortedguitar": 30,
    # A keyboard part is a piano part unless it says otherwise.
    "keyboard": 0, "keys": 0, "piano": 0, "pno": 0, "grandpiano": 0, "acousticpiano": 0,
    "uprightpiano": 0, "epiano": 4, "rhodes": 4, "organ": 16, "hammond": 16, "pipeorgan": 19,
    # Strings: the section (48), not the first program of the class (40, Violin).
    "strings": 48, "string": 48, "stringsection": 48, "orchestra": 48, "violoncello": 42,
    "harp": 46,
    # Brass: pop "horns" are a brass section; one "horn" is a French horn.
    "brass": 61, "horns": 61, "hornsection": 61, "horn": 60,
    # Woodwinds: the flute is the most common woodwind in arrangements and blends best when
    # one program stands for a mixed section. The alto is the usual solo and section sax.
    "woodwinds": 73, "woodwind": 73, "winds": 73, "sax": 65, "saxophone": 65,
    # Synths: a generic synth or lead is the sawtooth lead, the archetypal subtractive synth
    # sound (program 80's square is thinner); a pad the warm pad; the fx stem (risers,
    # textures) FX 4 (atmosphere), the most neutral pitched effect.
    "synth": 81, "synthesizer": 81, "synthesiser": 81, "lead": 81, "leadsynth": 81,
    "pad": 89, "padsynth": 89, "fx": 99, "sfx": 99, "effects": 99, "soundfx": 99,
    # Tuned percussion: "bells" are orchestra bells, the glockenspiel; mallets the marimba.
    "bells": 9, "bell": 9, "glock": 9, "chimes": 14, "mallets": 12, "mallet": 12, "vibes": 11,
}
# fmt: on

def _synth_short_forms(names: tuple[str, ...]) -> dict[str, int]:
    """Short forms of the synth names: "Lead 1 (square)" -> "lead1", "squarelead"."""
    forms: dict[str, int] = {}
    for program, name in enumerate(names):
        found = _SYNTH_NAME.fullmatch(name)
        if found is None:
            continue
        kind, number, flavour = found.groups()
        forms[fold_name(kind + number)] = program
        if kind.casefold() not in fold_name(flavour):  # not "bass + lead" + "lead"
            forms[fold_name(flavour + kind)] = program
    return forms


def _numberless_forms(names: tuple[str, ...]) -> dict[str, int]:
    """Names without their " 1": "Slap Bass 1" -> "slapbass" (36), "Synth Strings 1" -> 50."""
    return {
        fold_name(name[:-2]): program for program, name in enumerate(names) if name.endswith(" 1")
    }


class NameTables(NamedTuple):
    exact: dict[str, int]
    variant: dict[str, int]
    alias: dict[str, int]
    classes: dict[str, int]
    known: dict[str, int]  # every name above and the drum-kit names (KIT): rule 7's targets


@functools.lru_cache(maxsize=1)
def name_tables() -> NameTables:
    names, class_names = _pretty_midi_tables()
    exact = {fold_name(name): program for program, name in enumerate(names)}
    variant = {**_synth_short_forms(names), **_numberless_forms(names), **VARIANTS}
    variant = {key: program for key, program in variant.items() if key not in exact}
    classes = {fold_name(name): 8 * index for index, name in enumerate(class_names)}
    known = {
        **classes,
        **ALIASES,
        **variant,
        **exact,
        **dict.fromkeys(DRUM_KIT_NAMES, KIT),
    }
    return NameTables(exact, variant, dict(ALIASES), classes, known)


# --------------------------------------------------------------------------- the rules
