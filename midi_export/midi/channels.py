"""MIDI channels for the instruments: the drum kit on channel 10, every other instrument on
a channel of its own while there are channels to give."""

from __future__ import annotations

from collections.abc import Sequence

from ..music.gm import ProgramMatch

__all__ = ["DRUM_CHANNEL", "MELODIC_CHANNELS", "allocate_channels"]

DRUM_CHANNEL = 9
"""The channel index of the General MIDI drum kit (channel 10 as DAWs show it)."""

MELODIC_CHANNELS: tuple[int, ...] = tuple(c for c in range(16) if c != DRUM_CHANNEL)
"""The 15 channel indexes melodic instruments use, in the order they are handed out."""


def allocate_channels(
    matches: Sequence[ProgramMatch], names: Sequence[str] | None = None
) -> tuple[list[int], list[str]]:
    """A channel index (0..15) for each instrument, and warnings.

    - the drum kit gets channel index 9, and nothing else does;
    - with at most 15 melodic instruments each gets a channel of its own, in order
      (0..8, then 10..15);
    - with more, instruments that share a program share a channel (programs in order of
      first appearance), so up to 15 distinct programs still get a channel each;
    - only when distinct programs outnumber the 15 channels are channels reused (program
      groups take the channels round-robin), with a warning per reused channel naming the
      instruments on it (``names``, else "instrument N" by position).
    """
    if names is None:
        names = [f"instrument {i + 1}" for i in range(len(matches))]
    labels = list(names)
    if len(labels) != len(matches):
        raise ValueError("names and matches must have the same length")
    channels = [DRUM_CHANNEL] * len(matches)
    melodic = [i for i, match in enumerate(matches) if not match.is_drum]
    warnings: list[str] = []
    if len(melodic) <= len(MELODIC_CHANNELS):
        for slot, i in enumerate(melodic):
            channels[i] = MELODIC_CHANNELS[slot]
        return channels, warnings

    groups: dict[int, list[int]] = {}  # program -> instrument indexes, first appearance order
    for i in melodic:
        groups.setdefault(matches[i].program, []).append(i)
    on_channel: dict[int, list[int]] = {}
    for slot, members in enumerate(groups.values()):
        channel = MELODIC_CHANNELS[slot % len(MELODIC_CHANNELS)]
        for i in members:
            channels[i] = channel
        on_channel.setdefault(channel, []).extend(members)
    if len(groups) > len(MELODIC_CHANNELS):
        for channel, members in on_channel.items():
            programs = {matches[i].program for i in members}
            if len(programs) < 2:
                continue
            who = ", ".join(
                f"{labels[i]!r} (program {matches[i].program})" for i in sorted(members)
            )
            warnings.append(
                f"channel {channel + 1} is shared by {who}: {len(groups)} distinct programs "
                f"for {len(MELODIC_CHANNELS)} melodic channels, so a player may sound them "
                "all with one program"
            )
    return channels, warnings
