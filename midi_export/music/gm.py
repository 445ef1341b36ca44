"""General MIDI lookup: an instrument name -> a program number (0..127) or the drum kit.

``gm_program(name)`` tries these rules in order and says in ``ProgramMatch.source`` which
one matched (the converter puts it in the conversion report):

1. ``override``  the caller's ``overrides`` (the CLI's ``--program "NAME=N"``);
2. ``drums``     a drum-kit name: "Drums", "Drum Kit", "Percussion", "Kit", "Jazz Kit"...;
3. ``exact``     a General MIDI name, after folding case, spaces and punctuation;
4. ``variant``   a spelling of another GM table ("String Ensembles 1", "Synth Voice");
5. ``alias``     a plain word or separation stem ("vocals", "bass", "strings", "Guitars");
6. ``class``     one of the 16 GM class names: the first program of the class;
7. ``fuzzy``     a close match (a typo), else a known name inside the name as whole words;
8. ``fallback``  program 0.

The close match (difflib, 0.3-0.9 ms a name) is the one costly rule: ``match_programs``, the
converter's entry, tries it for the first ``FUZZY_BUDGET`` distinct names of a record that
reach it and the plainer rules for the rest (10,000 odd names took 11.7 s; a record has a
dozen stems).

Drum-ish GM names ("Steel Drums", "Synth Drum", "Taiko Drum", "Melodic Drum") are melodic:
rule 2 knows only whole kit names, none of which is a GM name, a variant or an alias (a test
checks this), and the "a drum word somewhere in the name" guess is part of rule 7, after
every exact rule has had its turn.

The tables (pretty_midi's 128 names, other spellings, plain words) and the folding of
names are ``gm_names``'s.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Final, NamedTuple

from .._check import check_mapping, check_type
from ..errors import UsageError
from .gm_names import (
    DRUM_KIT_NAMES,
    KIT,
    NameTables,
    fold_name,
    name_tables,
    name_words,
    program_name,
    word_forms,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "DRUM_KIT_NAME",
    "FUZZY_BUDGET",
    "SOURCES",
    "ProgramMatch",
    "fuzzy_budget_warnings",
    "gm_program",
    "is_drum_kit_name",
    "match_programs",
    "parse_program_option",
    "resolve_program_value",
]

#: What reports call the percussion kit (the kit has no program of its own: program 0).
DRUM_KIT_NAME: Final = "Standard Drum Kit"

#: Every ``ProgramMatch.source``, in the order the rules are tried.
SOURCES: Final = (
    "override",
    "drums",
    "exact",
    "variant",
    "alias",
    "class",
    "fuzzy",
    "fallback",
)

FUZZY_BUDGET: Final = 256
"""Distinct names per record that ``match_programs`` lets try the close (difflib) match."""

_FUZZY_CUTOFF: Final = 0.8  # difflib ratio on folded names: catches typos, not other words
_FUZZY_MAX_LEN: Final = 64  # longer folded names skip difflib (they are not typos of a name)
_MAX_WORDS: Final = 4  # the longest known name inside a name, in words ("lead 8 bass lead")
_INTEGER = r"[+-]?0*[0-9]{1,9}"  # longer is no number of ours: a name
# A word that says a part's role rather than its instrument: inside a longer name, another
# known word wins ("Guitar Lead" is a guitar).
_ROLE_WORDS: Final = frozenset({"lead"})


class ProgramMatch(NamedTuple):
    """A General MIDI program (0 for the drum kit), whether it is the kit, and which rule."""

    program: int
    is_drum: bool
    source: str

    @property
    def gm_name(self) -> str:
        """The GM name of the program, or ``DRUM_KIT_NAME`` for the kit (for reports)."""
        return DRUM_KIT_NAME if self.is_drum else program_name(self.program)

def is_drum_kit_name(name: str) -> bool:
    """Rule 2: "Drums", "Drum Kit", "Drum Set", "Percussion", "Kit", "Jazz Kit"... (any case)."""
    if fold_name(name) in DRUM_KIT_NAMES:
        return True
    words = name_words(name)
    return len(words) > 1 and words[-1] in ("kit", "kits")


def _alias_program(folded: str, tables: NameTables) -> int | None:
    """Rule 5: a plain word, or another number of any known name ("Violins", "Steel Drum")."""
    if folded in tables.alias:
        return tables.alias[folded]
    for form in word_forms(folded):
        for table in (tables.exact, tables.variant, tables.alias):
            if form in table:
                return table[form]
    return None


def _close_program(folded: str, tables: NameTables) -> int | None:
    """Rule 7a: the known name closest to a typo ("Violn" -> 40), or None."""
    if not 3 <= len(folded) <= _FUZZY_MAX_LEN:
        return None
    import difflib

    close = difflib.get_close_matches(folded, tables.known, n=1, cutoff=_FUZZY_CUTOFF)
    return tables.known[close[0]] if close else None


def _contained_program(words: list[str], tables: NameTables) -> int | None:
    """Rule 7b: the longest known name found as whole words ("My Bass Stem" -> 33), or None.

    Among equally long ones the rightmost wins (English puts the instrument last: "Piano
    Strings"), and a role word ("lead") only when nothing else is there ("Guitar Lead").
    """
    fallback: int | None = None
    for size in range(min(_MAX_WORDS, len(words)), 0, -1):
        for start in range(len(words) - size, -1, -1):
            key = "".join(words[start : start + size])
            for form in (key, *word_forms(key)):
                if form not in tables.known:
                    continue
                if form not in _ROLE_WORDS:
                    return tables.known[form]
                if fallback is None:
                    fallback = tables.known[form]
    return fallback


@functools.lru_cache(maxsize=4096)
def _match_name(name: str, fuzzy: bool = True) -> ProgramMatch:
    """Rules 2 to 8 for one name (the part of gm_program that does not depend on overrides);
    without ``fuzzy``, rule 7a (the close match) is not tried."""
    if is_drum_kit_name(name):
        return ProgramMatch(0, True, "drums")
    tables = name_tables()
    folded = fold_name(name)
    for table, source in ((tables.exact, "exact"), (tables.variant, "variant")):
        if folded in table:
            return ProgramMatch(table[folded], False, source)
    program = _alias_program(folded, tables)
    if program is not None:
        return ProgramMatch(program, False, "alias")
    if folded in tables.classes:
        return ProgramMatch(tables.classes[folded], False, "class")
    program = _close_program(folded, tables) if fuzzy else None
    if program is None:
        program = _contained_program(name_words(name), tables)
    if program is not None:
        return ProgramMatch(max(program, 0), program == KIT, "fuzzy")
    return ProgramMatch(0, False, "fallback")


# --------------------------------------------------------------------------- overrides


def _override_key(name: str) -> str:
    """How override keys and instrument names meet: folded ("🎹" stays itself)."""
    return fold_name(name) or name.strip().casefold()


def _shown(text: str, limit: int = 60) -> str:
    """``text`` quoted for a one-line message, shortened when long."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


@functools.lru_cache(maxsize=256)
def _resolve_program_text(text: str) -> ProgramMatch:
    if not text:
        raise UsageError("an empty program: give a number 0..127, a GM name or 'drums'")
    if re.fullmatch(_INTEGER, text):
        return resolve_program_value(int(text))
    match = _match_name(text)
    if match.source == "fallback":
        raise UsageError(
            f"no General MIDI program matches {_shown(text)}: give a number 0..127, a GM name "
            "such as 'Electric Bass (finger)' or 'strings', or 'drums'"
        )
    return match._replace(source="override")


def resolve_program_value(value: int | str) -> ProgramMatch:
    """An override value -> its program: a number 0..127, any name gm_program knows, or
    "drums"/"drum kit" for the kit. Raises ``UsageError`` for anything else (129,
    "nonsense"). The result's source is ``override``.
    """
    if isinstance(value, str):
        return _resolve_program_text(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"program {value!r} is neither a number 0..127 nor a name")
    if not 0 <= value <= 127:
        shown = value if abs(value) < 10**9 else "..."  # str() of a huge int would raise
        raise UsageError(
            f"program {shown} is out of range: General MIDI programs are numbered 0..127 "
            "(0 is Acoustic Grand Piano)"
        )
    return ProgramMatch(value, False, "override")


def _resolve_overrides(overrides: Mapping[str, int | str]) -> dict[str, ProgramMatch]:
    """Every override, checked (even those no instrument uses), keyed by its folded name."""
    resolved: dict[str, ProgramMatch] = {}
    given: dict[str, str] = {}
    for name, value in overrides.items():
        key = _override_key(name)
        match = resolve_program_value(value)
        if key in resolved and resolved[key] != match:
            raise UsageError(
                "two different programs for the same instrument: "
                f"{_shown(given[key])} and {_shown(name)}"
            )
        resolved[key], given[key] = match, name
    return resolved


def parse_program_option(text: str) -> tuple[str, int | str]:
    """``--program "NAME=N"`` -> (NAME, N): split on the last ``=``, N a number or a name.

    N is checked at once (the same way overrides are), so a bad value is a usage error
    before any work starts.
    """
    name, equals, value = text.rpartition("=")
    name, value = name.strip(), value.strip()
    if not equals or not name or not value:
        raise UsageError(
            f'--program expects NAME=PROGRAM, e.g. --program "Lead Vocals=53" or '
            f'--program "Percussion=drums"; got {_shown(text)}'
        )
    program: int | str = int(value) if re.fullmatch(_INTEGER, value) else value
    resolve_program_value(program)
    return name, program


# --------------------------------------------------------------------------- the entry point


def gm_program(
    name: str, overrides: Mapping[str, int | str] | None = None, *, fuzzy: bool = True
) -> ProgramMatch:
    """The General MIDI program for an instrument ``name``; see the module doc for the rules.

    ``overrides`` maps instrument names (folded like everything else) to a program number
    0..127, a name, or "drums". Every override is checked on every call: a bad one raises
    ``UsageError`` even when ``name`` does not use it. Without overrides nothing raises
    (a name that is not a ``str`` is a ``TypeError``). ``fuzzy=False`` skips rule 7a.
    """
    check_type("name", name, str, "a str")
    if overrides:
        check_mapping("overrides", overrides, str, (int, str),
                      "instrument names to a program (0-127, a GM name or 'drums')")
        match = _resolve_overrides(overrides).get(_override_key(name))
        if match is not None:
            return match
    return _match_name(name, fuzzy)


def match_programs(
    names: Sequence[str], overrides: Mapping[str, int | str] | None = None,
    budget: int = FUZZY_BUDGET,
) -> tuple[list[ProgramMatch], int]:
    """``gm_program`` of each name, the close match tried for the first ``budget`` distinct
    names that get that far; also how many distinct names did not get to try it."""
    found: dict[str, ProgramMatch] = {}
    skipped = 0
    for name in names:
        if name in found:
            continue
        match = gm_program(name, overrides, fuzzy=False)
        if match.source in ("fuzzy", "fallback"):  # it reached rule 7
            if budget > 0:
                budget -= 1
                match = gm_program(name, overrides)
            else:
                skipped += 1
        found[name] = match
    return [found[name] for name in names], skipped


def fuzzy_budget_warnings(skipped: int) -> list[str]:
    """The report's warning when ``match_programs`` skipped the close match for some names."""
    if not skipped:
        return []
    return [f"{skipped} instrument names were not tried against close General MIDI names: "
            f"only the first {FUZZY_BUDGET} unknown names of a record are (the rest went by "
            "the plainer rules)"]
