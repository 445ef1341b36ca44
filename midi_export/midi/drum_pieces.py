"""The drum kit in pieces (``--split-drums``) and on another layout (``--drum-map``): the
record's instruments as ``convert`` writes them.

``arrange_drums`` takes the record's instruments with their program matches and gives the
instruments to write, in order, each a ``Part``:

- an instrument that is not a drum kit stays as it is;
- with ``split``, a kit with notes becomes one drum instrument per piece group that has
  notes (``music.drums.PIECE_GROUPS``: kick, snare, hi-hat, toms, cymbals, percussion, in
  that order), at the kit's place, named ``Kick``, ``Snare``, ... (with several kits in the
  record, ``<kit name>: Kick``). Each keeps the kit's notes of its group in record order;
  the kit's parse counts (invalid notes, clamped velocities) go with its first piece, so
  the report still adds up. The converter puts every drum instrument on channel 10;
- with a ``drum_map``, each kit's (or piece's) notes move to the map's keys. Pieces are
  grouped by the GM key *before* the move, so a split still follows what each note means
  in General MIDI. Two keys moved onto one can overlap; the same-pitch rules then apply.

A kit without notes is kept as it is (the report lists it as skipped). Pure: instruments in,
instruments out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ..music.drum_maps import DrumMap
from ..music.drums import PIECE_GROUPS, PIECE_LABELS, piece_of
from ..music.gm import ProgramMatch
from ..record import Instrument

__all__ = ["Part", "arrange_drums"]


class Part(NamedTuple):
    """One instrument to write: the instrument, its program match, and for a drum piece the
    kit it came from (``kit``: the record's name) and its group (``piece``: "kick"...);
    ``remapped`` counts the notes the drum map moved to another key."""

    instrument: Instrument
    match: ProgramMatch
    kit: str | None = None
    piece: str | None = None
    remapped: int = 0


_Columns = tuple[list[int], list[float], list[float], list[float]]


def _group(ins: Instrument) -> dict[str, _Columns]:
    groups: dict[str, _Columns] = {}
    for pitch, start, end, velocity in zip(
        ins.pitches, ins.starts, ins.ends, ins.velocities, strict=True
    ):
        # a pitch outside 0..127 is the converter's to refuse later, with its own message
        group = piece_of(pitch) if isinstance(pitch, int) and 0 <= pitch <= 127 else "percussion"
        cols = groups.get(group)
        if cols is None:
            cols = groups[group] = ([], [], [], [])
        cols[0].append(pitch)
        cols[1].append(start)
        cols[2].append(end)
        cols[3].append(velocity)
    return groups


def _remapped(ins: Instrument, drum_map: DrumMap | None) -> tuple[Instrument, int]:
    if drum_map is None or not drum_map.notes:
        return ins, 0
    notes = drum_map.notes
    pitches = [notes.get(p, p) for p in ins.pitches]
    moved = sum(1 for a, b in zip(pitches, ins.pitches, strict=True) if a != b)
    if not moved:
        return ins, 0
    return Instrument.from_columns(
        ins.name, pitches, ins.starts, ins.ends, ins.velocities,
        dropped=ins.dropped, clamped=ins.clamped, problems=ins.problems,
    ), moved


def arrange_drums(
    instruments: Sequence[Instrument],
    matches: Sequence[ProgramMatch],
    *,
    split: bool = False,
    drum_map: DrumMap | None = None,
) -> list[Part]:
    """The instruments to write (see the module), one ``Part`` each, in order."""
    kits = sum(1 for ins, m in zip(instruments, matches, strict=True) if m.is_drum and len(ins))
    parts: list[Part] = []
    for ins, match in zip(instruments, matches, strict=True):
        if not match.is_drum:
            parts.append(Part(ins, match))
            continue
        if not split or not len(ins):
            remapped, moved = _remapped(ins, drum_map)
            parts.append(Part(remapped, match, remapped=moved))
            continue
        groups = _group(ins)
        first = True
        for group in PIECE_GROUPS:
            cols = groups.get(group)
            if cols is None:
                continue
            label = PIECE_LABELS[group]
            name = label if kits == 1 else f"{ins.name}: {label}"
            piece = Instrument.from_columns(name, *cols) if not first else Instrument.from_columns(
                name, *cols, dropped=ins.dropped, clamped=ins.clamped, problems=ins.problems
            )
            first = False
            piece, moved = _remapped(piece, drum_map)
            parts.append(Part(piece, match, kit=ins.name, piece=group, remapped=moved))
    return parts
