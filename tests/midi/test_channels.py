"""Channels: the kit on channel 10, every free channel before any is shared, same program first,
neighbouring tracks apart, MIDI ports for the tracks of a shared channel (``midi.channels``)."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from midi_export.midi.channels import DRUM_CHANNEL, MELODIC_CHANNELS, allocate_channels
from midi_export.music.gm import ProgramMatch

DRUMS = ProgramMatch(0, True, "drums")
FREE = sorted(MELODIC_CHANNELS)
PIANO = 0


def melodic(*programs: int) -> list[ProgramMatch]:
    return [ProgramMatch(p, False, "exact") for p in programs]


def test_one_instrument_gets_channel_1_and_the_kit_channel_10() -> None:
    plan = allocate_channels(melodic(5))
    assert (plan.channels, plan.ports, plan.shared, plan.warnings) == ((0,), (0,), (), ())
    assert allocate_channels([DRUMS]).channels == (DRUM_CHANNEL,) == (9,)


def test_fifteen_melodic_instruments_each_get_their_own_channel_whatever_the_programs() -> None:
    plan = allocate_channels(melodic(*[PIANO] * 15))  # the same program even
    assert list(plan.channels) == FREE  # in order: 0..8, then 10..15
    assert plan.shared == () and plan.warnings == () and not plan.uses_ports


def test_drums_are_on_channel_index_9_and_nothing_else_is() -> None:
    matches = [DRUMS, *melodic(*range(8)), DRUMS, *melodic(*range(8, 15))]
    plan = allocate_channels(matches)
    assert [c for c, m in zip(plan.channels, matches, strict=True) if m.is_drum] == [9, 9]
    assert sorted(c for c, m in zip(plan.channels, matches, strict=True) if not m.is_drum) == FREE
    assert plan.warnings == ()


def test_sixteen_melodic_share_one_channel_of_one_program() -> None:
    programs = [*range(15), 3]  # the 16th plays the program of the 4th
    plan = allocate_channels(melodic(*programs))
    assert plan.shared == ((3, 15),)
    assert plan.channels[15] == plan.channels[3]
    assert sorted(set(plan.channels)) == FREE  # all 15 melodic channels in use
    assert len(plan.warnings) == 1 and "the same program" in plan.warnings[0]


def test_the_issue_record_four_pianos_share_two_channels_never_as_neighbours() -> None:
    # drums + 17 melodic, the first four of program 0: two sharings are needed
    matches = [DRUMS, *melodic(*[PIANO] * 4, 33, 48, 73, 56, 40, 42, 65, 71, 11, 19, 24, 80, 89)]
    names = ["Drums", "Acoustic Grand Piano", "piano", "keyboard", "Grand", *"abcdefghijklm"]
    plan = allocate_channels(matches, names)
    assert len(set(plan.channels)) == 16  # every channel used, none left free
    assert plan.shared == ((1, 3), (2, 4))  # pianos 1&3 and 2&4: not neighbouring tracks
    assert all(b - a > 1 for group in plan.shared for a, b in pairwise(group))
    assert plan.sharing(1) == (3,) and plan.sharing(5) == ()
    assert [plan.ports[i] for i in (1, 2, 3, 4)] == [0, 0, 1, 1]
    assert plan.uses_ports
    # one warning per shared channel, naming its tracks (track = position + 1)
    assert len(plan.warnings) == 2
    assert plan.warnings[0].startswith(
        "channel 1 is shared by 'Acoustic Grand Piano' (track 2, program 0), "
        "'keyboard' (track 4, program 0)"
    )
    assert "'piano' (track 3, program 0), 'Grand' (track 5, program 0)" in plan.warnings[1]


def test_the_biggest_program_group_shares_first_and_spreads() -> None:
    programs = [PIANO] * 6 + [40, 40] + list(range(50, 60))  # 18 melodic: 3 sharings
    plan = allocate_channels(melodic(*programs))
    assert all(programs[i] == PIANO for group in plan.shared for i in group)
    assert [len(g) for g in plan.shared] == [2, 2, 2]  # six pianos on three channels


def test_sixteen_distinct_programs_make_two_programs_share_with_a_warning() -> None:
    plan = allocate_channels(melodic(*range(16)))
    assert len(plan.shared) == 1 and len(plan.shared[0]) == 2
    assert "different programs" in plan.warnings[0]
    assert sorted(set(plan.channels)) == FREE


def test_twenty_distinct_programs_reuse_channels_naming_every_instrument() -> None:
    names = [f"inst{p}" for p in range(20)]
    plan = allocate_channels(melodic(*range(20)), names)
    assert DRUM_CHANNEL not in plan.channels and sorted(set(plan.channels)) == FREE
    assert len(plan.shared) == len(plan.warnings) == 5
    for group, warning in zip(plan.shared, plan.warnings, strict=True):
        assert warning.startswith(f"channel {plan.channels[group[0]] + 1} ")
        assert all(repr(names[i]) in warning for i in group)


instruments = st.lists(
    st.one_of(st.just(DRUMS), st.builds(lambda p: ProgramMatch(p, False, "exact"),
                                        st.integers(0, 20))),
    max_size=45,
)


@settings(max_examples=300, deadline=None)
@given(matches=instruments)
def test_property_the_channel_rules_hold_for_any_instruments(matches: list[ProgramMatch]) -> None:
    plan = allocate_channels(matches)
    melodic_at = [i for i, m in enumerate(matches) if not m.is_drum]
    assert all((plan.channels[i] == DRUM_CHANNEL) == m.is_drum for i, m in enumerate(matches))
    used = {plan.channels[i] for i in melodic_at}
    assert len(used) == min(15, len(melodic_at))  # every free channel before any is shared
    per_channel = Counter(plan.channels[i] for i in melodic_at)
    assert {frozenset(g) for g in plan.shared} == {
        frozenset(i for i in melodic_at if plan.channels[i] == c)
        for c, k in per_channel.items() if k > 1
    }
    if len({matches[i].program for i in melodic_at}) <= 15:  # then programs never mix
        assert all(len({matches[i].program for i in g}) == 1 for g in plan.shared)
        for program in {matches[i].program for i in melodic_at}:  # and spread evenly
            counts = Counter(plan.channels[i] for i in melodic_at if matches[i].program == program)
            assert max(counts.values()) - min(counts.values()) <= 1
    for group in plan.shared:
        assert [plan.ports[i] for i in group] == list(range(len(group)))
    assert all(plan.ports[i] == 0 for i in range(len(matches)) if not plan.sharing(i))
    assert len(plan.warnings) == len(plan.shared)
    assert plan.uses_ports == bool(plan.shared)
