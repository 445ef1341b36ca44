"""MIDI channels (and ports) for the instruments: every free channel before any is shared.

The rules, in order:

- the drum kit is on channel index 9 (channel 10 as DAWs count), and nothing else is;
- up to 15 melodic instruments each get a channel of their own, in track order (0..8, then
  10..15), whatever their programs: no channel stays unused while two instruments share one;
- beyond 15, exactly as many channels are shared as needed, and **same program first**: each
  sharing is taken from the program whose tracks per channel stay lowest after it (ties:
  fewer neighbouring tracks left on one channel, then the program heard first). A program's
  instruments take its channels round-robin in track order, so two neighbouring tracks are
  on different channels whenever that is possible: MuseScore 3's MIDI import joins two
  *adjacent* tracks of one channel into a single two-staff part when the first has a
  keyboard-like program (``isGrandStaff`` in its ``importmidi``), and LMMS makes one track
  per channel;
- only when distinct melodic programs outnumber 15 do different programs share a channel
  (a General MIDI player then sounds them with one program): each program's instruments on
  one channel, the smallest groups joined (the latest-starting first) until 15 are left;
- each shared channel gets one warning naming its tracks, and its tracks a MIDI port: the
  k-th track of a shared channel port k (``FF 21``, written on every track, only when some
  channel is shared). Readers that honour ports (LMMS, TiMidity++) keep those tracks apart;
  readers that do not (FluidSynth, MuseScore 3) see the shared channel, which the
  cross-track same-pitch rules (``notes.share_channel``) keep safe to play.

Channels are numbered in order of each channel's first track. The common case (up to 15
melodic instruments) is one pass and gives exactly the channels of earlier versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from ..music.gm import ProgramMatch

__all__ = ["DRUM_CHANNEL", "MELODIC_CHANNELS", "ChannelPlan", "allocate_channels"]

DRUM_CHANNEL = 9
"""The channel index of the General MIDI drum kit (channel 10 as DAWs show it)."""

MELODIC_CHANNELS: tuple[int, ...] = tuple(c for c in range(16) if c != DRUM_CHANNEL)
MAX_PORT = 127  # the largest MIDI port (FF 21 01 pp)
"""The 15 channel indexes melodic instruments use, in the order they are handed out."""


@dataclass(frozen=True)
class ChannelPlan:
    """The channel index (0..15) and MIDI port of each instrument, in the order given; the
    groups of instrument positions that share a channel (empty in the common case); and one
    warning per shared channel.

    ``ports`` is all zeros unless some channel is shared (``uses_ports``): then the k-th
    instrument of a shared channel has port k and every track carries a port event.
    """

    channels: tuple[int, ...]
    ports: tuple[int, ...]
    shared: tuple[tuple[int, ...], ...]
    warnings: tuple[str, ...]

    @property
    def uses_ports(self) -> bool:
        """Whether the tracks carry MIDI port events (only when a channel is shared)."""
        return bool(self.shared)

    def sharing(self, position: int) -> tuple[int, ...]:
        """The other instruments on ``position``'s channel (empty when it has its own)."""
        for group in self.shared:
            if position in group:
                return tuple(i for i in group if i != position)
        return ()


def allocate_channels(
    matches: Sequence[ProgramMatch], names: Sequence[str] | None = None
) -> ChannelPlan:
    """The channel plan of the written instruments, in track order (see the module's rules).

    ``names`` label the instruments in the warnings (else "instrument N"); instrument ``i``
    is track ``i + 1`` of the file.
    """
    if names is None:
        names = [f"instrument {i + 1}" for i in range(len(matches))]
    labels = list(names)
    if len(labels) != len(matches):
        raise ValueError("names and matches must have the same length")
    channels = [DRUM_CHANNEL] * len(matches)
    ports = [0] * len(matches)
    melodic = [i for i, match in enumerate(matches) if not match.is_drum]
    free = len(MELODIC_CHANNELS)
    if len(melodic) <= free:
        for slot, i in enumerate(melodic):
            channels[i] = MELODIC_CHANNELS[slot]
        return ChannelPlan(tuple(channels), tuple(ports), (), ())

    groups: dict[int, list[int]] = {}  # program -> its instruments, in track order
    for i in melodic:
        groups.setdefault(matches[i].program, []).append(i)
    lanes = _same_program_lanes(groups, free) if len(groups) <= free else _mixed_lanes(groups, free)
    lanes.sort(key=lambda lane: lane[0])  # channels in order of each one's first track
    shared: list[tuple[int, ...]] = []
    warnings: list[str] = []
    for slot, lane in enumerate(lanes):
        for rank, i in enumerate(lane):
            channels[i] = MELODIC_CHANNELS[slot]
            ports[i] = min(rank, MAX_PORT)  # a port is 0..127: the 128th track on, shared
        if len(lane) > 1:
            shared.append(tuple(lane))
            warnings.append(_warning(matches, labels, lane, MELODIC_CHANNELS[slot]))
    return ChannelPlan(tuple(channels), tuple(ports), tuple(shared), tuple(warnings))


def _same_program_lanes(groups: dict[int, list[int]], free: int) -> list[list[int]]:
    """One lane (channel) per instrument to begin with; then, one sharing at a time, a
    program gives up a channel: the program whose tracks per channel stay lowest after it
    (ties: fewer neighbouring tracks on one channel, then the program heard first)."""
    count = {program: len(members) for program, members in groups.items()}
    # _adjacent_pairs(_round_robin(members, lanes)), without building the lanes (10,000
    # instruments of one program made this loop quadratic: 16 s): members are in track
    # order, so on two lanes or more no two neighbouring tracks share one
    alone = {program: _adjacent_pairs([members]) for program, members in groups.items()}
    for _ in range(sum(count.values()) - free):

        def cost(program: int) -> tuple[float, int, int]:
            members = groups[program]
            adjacent = alone[program] if count[program] - 1 == 1 else 0
            return (len(members) / (count[program] - 1), adjacent, members[0])

        best = min((p for p in groups if count[p] > 1), key=cost)
        count[best] -= 1
    lanes: list[list[int]] = []
    for program, members in groups.items():
        lanes.extend(_round_robin(members, count[program]))
    return lanes


def _mixed_lanes(groups: dict[int, list[int]], free: int) -> list[list[int]]:
    """More distinct programs than channels: each program's instruments on one lane, then
    the two smallest lanes joined (the latest-starting first) until ``free`` are left."""
    lanes = [list(members) for members in groups.values()]
    while len(lanes) > free:
        lanes.sort(key=lambda lane: (len(lane), -lane[0]))
        first, second = lanes.pop(0), lanes.pop(0)
        lanes.append(sorted(first + second))
    return lanes


def _round_robin(members: list[int], lanes: int) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in range(lanes)]
    for rank, i in enumerate(members):
        out[rank % lanes].append(i)
    return out


def _adjacent_pairs(lanes: list[list[int]]) -> int:
    return sum(1 for lane in lanes for a, b in pairwise(lane) if b == a + 1)


def _warning(
    matches: Sequence[ProgramMatch], labels: Sequence[str], lane: list[int], channel: int
) -> str:
    who = ", ".join(
        f"{labels[i]!r} (track {i + 1}, program {matches[i].program})" for i in lane[:8]
    ) + (f" and {len(lane) - 8} more" if len(lane) > 8 else "")  # one line, not 340 KB
    if len({matches[i].program for i in lane}) == 1:
        why = "the same program"
    else:
        why = "different programs, which a General MIDI player sounds with one"
    return (
        f"channel {channel + 1} is shared by {who}: more than 15 melodic instruments, {why}; "
        "where they play the same key, the earlier note ends just before the later one "
        "starts, and MIDI ports keep them apart for readers that honour them"
    )
