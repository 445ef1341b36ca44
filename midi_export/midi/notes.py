"""Notes in ticks -> MIDI note events: velocity, zero-length notes, the same-pitch rules of
one instrument (a note cut where the next of its pitch starts; notes of one pitch on one tick
merged), and the same rules across the tracks that share a channel (``share_channel``).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress, count
from operator import gt, le
from typing import NamedTuple

from ..errors import InvalidRecordError

__all__ = [
    "SharedCounts",
    "TrackNotes",
    "VelocityCache",
    "last_at_least_one_tick",
    "midi_velocity",
    "pitch_bytes",
    "same_pitch_rules",
    "share_channel",
]


def midi_velocity(velocity: float) -> int:
    """MIDI velocity of a 0..1 velocity: ``round(v * 127)`` clamped to 1..127.

    Never 0, which a note_on would turn into a note-off. Raises ``InvalidRecordError`` for a
    value that is not a finite number.
    """
    try:
        value = round(velocity * 127)
    except (ValueError, OverflowError, TypeError) as exc:
        raise InvalidRecordError(f"velocity {velocity!r} is not a finite number") from exc
    return 1 if value < 1 else 127 if value > 127 else value


class VelocityCache(dict[float, int]):
    """0..1 velocity -> MIDI velocity, computed once per distinct value (they are k/127)."""

    def __missing__(self, velocity: float) -> int:
        value = midi_velocity(velocity)
        self[velocity] = value
        return value

    def of(self, velocities: Sequence[float]) -> list[int]:
        """The MIDI velocities of a column of 0..1 velocities."""
        return list(map(self.__getitem__, velocities))


def pitch_bytes(pitches: list[int]) -> bytes:
    """The pitches as bytes (for ``note_keys.sorted_note_keys``), which checks them on the way:
    a pitch outside 0..127 raises ``InvalidRecordError``."""
    try:
        data = bytes(pitches)
    except (ValueError, TypeError):  # below 0, above 255, or not a whole number
        pass
    else:
        if data.isascii():
            return data
    raise InvalidRecordError("a pitch is outside 0..127")


def last_at_least_one_tick(starts: list[int], ends: list[int]) -> None:
    """Give every note that ends at or before its start tick an end one tick after it.

    In place; the scans are C code, the Python work only for the (few) notes it finds.
    """
    if all(map(gt, ends, starts)):
        return
    for i in compress(count(), map(le, ends, starts)):
        ends[i] = starts[i] + 1


_Columns = tuple[list[int], list[int], list[int], list[int]]


def _in_start_order(
    pitches: list[int], starts: list[int], ends: list[int], vels: list[int]
) -> _Columns:
    """The note columns sorted by start tick, then record order (a stable sort)."""
    order = sorted(range(len(starts)), key=starts.__getitem__)
    return (
        list(map(pitches.__getitem__, order)),
        list(map(starts.__getitem__, order)),
        list(map(ends.__getitem__, order)),
        list(map(vels.__getitem__, order)),
    )


class _Outcome:
    """What the same-pitch rules decided: new ends and velocities of the kept notes that
    were cut or took merged notes in, the notes merged away, and how many were cut.

    (A plain class: a dataclass would cost start-up time for nothing.)
    """

    __slots__ = ("cut", "ends", "merged_away", "vels")

    def __init__(self) -> None:
        self.ends: dict[int, int] = {}
        self.vels: dict[int, int] = {}
        self.merged_away: list[int] = []
        self.cut = 0

    def apply(self, ends: list[int], vels: list[int]) -> None:
        """Write the new ends and velocities into the columns (the merged-away notes stay:
        the caller drops their keys)."""
        for i, end in self.ends.items():
            ends[i] = end
        for i, vel in self.vels.items():
            vels[i] = vel


class TrackNotes(NamedTuple):
    """An instrument's notes once the same-pitch rules hold: pitches and MIDI velocities as
    bytes, start and end ticks, in start order; how many notes were cut and merged away."""

    pitches: bytes
    velocities: bytes
    starts: list[int]
    ends: list[int]
    cut: int
    merged: int


def same_pitch_rules(
    pitches: bytes, starts: list[int], ends: list[int], vels: list[int]
) -> TrackNotes:
    """Apply the same-pitch rules to one instrument's notes (ticks and MIDI velocities).

    Same-pitch notes, compared in ticks in order of start tick, then record order, never
    overlap: a note that starts while the previous one of its pitch still sounds cuts that
    one at its onset, and notes of one pitch starting on the same tick merge into one (the
    longer end, the louder velocity). The columns are sorted by start only when some pitch's
    notes come out of start order; ``ends`` and ``vels`` may be changed in place.
    """
    outcome = _decide(pitches, starts, ends, vels)
    if outcome is None:  # some pitch's notes are not in start order: put them in it
        ordered, starts, ends, vels = _in_start_order(list(pitches), starts, ends, vels)
        pitches = bytes(ordered)
        outcome = _decide(pitches, starts, ends, vels)
        assert outcome is not None  # in start order, the rules always apply
    outcome.apply(ends, vels)
    vel_bytes = bytes(vels)
    merged = len(outcome.merged_away)
    if merged:  # leave the merged-away notes out
        keep = bytearray(b"\x01") * len(pitches)
        for i in outcome.merged_away:
            keep[i] = 0
        pitches = bytes(compress(pitches, keep))
        vel_bytes = bytes(compress(vel_bytes, keep))
        starts, ends = list(compress(starts, keep)), list(compress(ends, keep))
    return TrackNotes(pitches, vel_bytes, starts, ends, outcome.cut, merged)


def _decide(
    pitches: Sequence[int], starts: Sequence[int], ends: Sequence[int], vels: Sequence[int]
) -> _Outcome | None:
    """Cut and merge same-pitch notes; None when some pitch's notes are out of start order.

    The rules take each pitch's notes by start tick, then record order. Records usually
    list each pitch's notes in that order already, so one pass in record order does: each
    note is compared with the note of its pitch kept so far. Starting at or after that
    note's end, it becomes the kept note (most notes: two list lookups); starting on that
    note's tick, it merges into it (the longer end, the louder velocity); starting between,
    it cuts that note at its onset; starting before it, the order is broken and the caller
    sorts the notes. Nothing is changed here, so that a broken order costs nothing to undo.
    """
    kept = [0] * 128  # per pitch: the index of the note kept so far
    until = [-1] * 128  # per pitch: the tick that note sounds until (-1: none yet)
    outcome = _Outcome()
    new_ends, new_vels, merged_away = outcome.ends, outcome.vels, outcome.merged_away
    for i, pitch, start, end in zip(count(), pitches, starts, ends):
        if start >= until[pitch]:
            kept[pitch] = i
            until[pitch] = end
            continue
        k = kept[pitch]
        if start > starts[k]:  # starts while the kept note sounds: cut that one here
            outcome.cut += 1
            new_ends[k] = start
            kept[pitch] = i
            until[pitch] = end
        elif start == starts[k]:  # the same pitch on the same tick: one note
            merged_away.append(i)
            if end > until[pitch]:
                until[pitch] = new_ends[k] = end
            if vels[i] > new_vels.get(k, vels[k]):
                new_vels[k] = vels[i]
        else:
            return None
    return outcome


# --------------------------------------------------------------------------- shared channels


class SharedCounts(NamedTuple):
    """What ``share_channel`` did to one track's notes: ends cut before another track's
    onset, ends lengthened to end with another track's note of the same onset, onsets moved
    one tick earlier onto another track's, and notes merged into one of the same track."""

    cut: int = 0
    aligned: int = 0
    moved: int = 0
    merged: int = 0


class _SharedDecision:
    """New starts, ends and velocities by note index, the notes merged away, the counts."""

    __slots__ = ("aligned", "cut", "dropped", "ends", "starts", "vels")

    def __init__(self) -> None:
        self.starts: dict[int, int] = {}
        self.ends: dict[int, int] = {}
        self.vels: dict[int, int] = {}
        self.dropped: list[int] = []
        self.cut = 0
        self.aligned = 0


_Member = tuple[int, int]  # (track, note index)


def share_channel(tracks: Sequence[TrackNotes]) -> list[tuple[TrackNotes, SharedCounts]]:
    """The same-pitch rules across tracks on one channel, each already clean on its own.

    A synth keeps one voice per channel and key: a note-off ends whatever sounds on that key,
    whichever track it came from, and when two tracks' events fall on one tick a player may
    send them in either order. So each pitch's notes of all the tracks are taken together as
    the one voice a synth plays, onset by onset:

    - notes of different tracks that start on the same tick, or one tick apart (the later
      then move one tick earlier), are one sound: they keep that onset and all end at the
      latest of their ends ("aligned"); two notes of one track that this brings onto one
      tick merge, as a track's own rules merge them (the longer end, the louder velocity);
    - the next onset of that pitch cuts them: one tick before it when another track is
      involved (so the note-off comes first in any player), at it when only one track is;
    - nothing else changes: what a DAW shows of each track stays what was transcribed, and
      every note lasts at least one tick.

    Returns each track's notes after the rules (merges counted in ``TrackNotes.merged`` as
    well) and what was done to it. Pure Python per note: it runs only for the tracks of a
    shared channel (more than 15 melodic instruments).
    """
    decisions = [_SharedDecision() for _ in tracks]
    by_pitch: dict[int, dict[int, list[_Member]]] = {}  # pitch -> onset tick -> notes
    for t, notes in enumerate(tracks):
        for i, pitch, start in zip(count(), notes.pitches, notes.starts):
            by_pitch.setdefault(pitch, {}).setdefault(start, []).append((t, i))
    for onsets in by_pitch.values():
        clusters = _clusters(onsets)
        for k, (first, members) in enumerate(clusters):
            kept = _merge_within_tracks(first, members, tracks, decisions)
            end = max(decisions[t].ends.get(i, tracks[t].ends[i]) for t, i in kept)
            if k + 1 < len(clusters):
                following, next_members = clusters[k + 1]
                involved = {t for t, _ in kept} | {t for t, _ in next_members}
                end = min(end, following - 1 if len(involved) > 1 else following)
                # a sound one tick before the next cannot end a tick early: it ends on that
                # tick, where its own track starts again (a cluster one tick later joins
                # other tracks only), and a track's note-off comes before its note-on
                end = max(end, first + 1)
            for t, i in kept:
                decision, old = decisions[t], tracks[t].ends[i]
                if end == old:
                    decision.ends.pop(i, None)
                    continue
                decision.ends[i] = end
                if end < old:
                    decision.cut += 1
                else:
                    decision.aligned += 1
    return [_applied(notes, decision) for notes, decision in zip(tracks, decisions, strict=True)]


def _clusters(onsets: dict[int, list[_Member]]) -> list[tuple[int, list[_Member]]]:
    """One pitch's onsets in order, with those one tick after an onset of another track
    joined to it: ``(first tick, notes)`` per sound."""
    out: list[tuple[int, list[_Member]]] = []
    for start in sorted(onsets):
        members = onsets[start]
        if out and start - out[-1][0] <= 1:
            tracks = {t for t, _ in out[-1][1]} | {t for t, _ in members}
            if len(tracks) > 1:
                out[-1][1].extend(members)
                continue
        out.append((start, list(members)))
    return out


def _merge_within_tracks(
    first: int,
    members: list[_Member],
    tracks: Sequence[TrackNotes],
    decisions: list[_SharedDecision],
) -> list[_Member]:
    """Move a sound's notes onto its first tick; two of one track meeting there merge."""
    kept: dict[int, int] = {}  # track -> its note kept in this sound
    for t, i in members:
        notes, decision = tracks[t], decisions[t]
        if notes.starts[i] != first:
            decision.starts[i] = first
        k = kept.get(t)
        if k is None:
            kept[t] = i
            continue
        decision.ends[k] = max(decision.ends.get(k, notes.ends[k]), notes.ends[i])
        vel = max(decision.vels.get(k, notes.velocities[k]), notes.velocities[i])
        decision.vels[k] = vel
        decision.dropped.append(i)
    return list(kept.items())


def _applied(notes: TrackNotes, decision: _SharedDecision) -> tuple[TrackNotes, SharedCounts]:
    """One track's notes with the decisions written in, and their counts."""
    starts, ends, vels = list(notes.starts), list(notes.ends), bytearray(notes.velocities)
    for i, tick in decision.starts.items():
        starts[i] = tick
    for i, tick in decision.ends.items():
        ends[i] = tick
    for i, vel in decision.vels.items():
        vels[i] = vel
    pitches, velocities = notes.pitches, bytes(vels)
    dropped = decision.dropped
    if dropped:
        keep = bytearray(b"\x01") * len(pitches)
        for i in dropped:
            keep[i] = 0
        pitches, velocities = bytes(compress(pitches, keep)), bytes(compress(velocities, keep))
        starts, ends = list(compress(starts, keep)), list(compress(ends, keep))
    gone = set(dropped)
    moved = sum(1 for i in decision.starts if i not in gone)
    counts = SharedCounts(decision.cut, decision.aligned, moved, len(dropped))
    merged = notes.merged + len(dropped)
    return TrackNotes(pitches, velocities, starts, ends, notes.cut, merged), counts
