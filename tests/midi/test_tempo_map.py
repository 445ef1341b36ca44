"""timing: seconds -> ticks through a tempo map, exact to half a tick from absolute times."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from midi_export.errors import InvalidRecordError, UsageError
from midi_export.midi.tempo_map import TempoChange, TempoMap, TimeSignature, tempo_from_bpm

HALF = Fraction(1, 2)
EPS = Fraction(1, 10**9)  # float products within a billionth of a tie may round either way


def exact_ticks(seconds: float, ppq: int, tempo_us: int) -> Fraction:
    return Fraction(seconds) * ppq * 1_000_000 / tempo_us


# --------------------------------------------------------------------------- tempo from bpm


@pytest.mark.parametrize(
    ("bpm", "tempo_us"),
    [(120, 500_000), (120.0, 500_000), (97, 618_557), (60, 1_000_000), (133.33, 450_011)],
)
def test_tempo_is_the_nearest_whole_microsecond(bpm: float, tempo_us: int) -> None:
    assert tempo_from_bpm(bpm) == tempo_us


@pytest.mark.parametrize(
    "bpm", [0, -1, math.nan, math.inf, -math.inf, 1.0, 3.5, 1e9, True, "120", None]
)
def test_bad_bpm_is_a_usage_error(bpm: object) -> None:
    with pytest.raises(UsageError):
        tempo_from_bpm(bpm)  # type: ignore[arg-type]


def test_extreme_bpms_that_fit_the_file_are_accepted() -> None:
    assert tempo_from_bpm(3.58) == round(60e6 / 3.58)  # 0xFFFFFF is about 3.576 BPM
    assert tempo_from_bpm(60_000_000) == 1


def test_bpm_is_as_written_in_the_file() -> None:
    tm = TempoMap.constant(97)
    assert tm.tempo_us == 618_557
    assert tm.bpm == 60e6 / 618_557
    assert tm.bpm != 97  # the file cannot say 97 exactly
    assert TempoMap.constant(120).bpm == 120.0


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("ppq", [0, -1, 32768, 1.5, True, "480"])
def test_bad_ppq_is_a_usage_error(ppq: object) -> None:
    with pytest.raises(UsageError):
        TempoMap.constant(120, ppq)  # type: ignore[arg-type]


def test_ppq_limits_are_accepted() -> None:
    assert TempoMap.constant(120, 1).ppq == 1
    assert TempoMap.constant(120, 32767).ppq == 32767


@pytest.mark.parametrize("denominator", [0, 3, 6, 12, 256, -4])
def test_time_signature_denominator_must_be_a_power_of_two(denominator: int) -> None:
    with pytest.raises(UsageError):
        TempoMap.constant(120, 480, (4, denominator))


@pytest.mark.parametrize("signature", [(3, 4), (6, 8), (7, 16), (1, 1), (255, 128)])
def test_time_signatures_that_fit(signature: tuple[int, int]) -> None:
    tm = TempoMap.constant(120, 480, signature)
    assert tm.time_signatures == ((0, *signature),)


@pytest.mark.parametrize(
    "tempos",
    [
        (),
        ((10, 500_000),),  # must start at 0
        ((0, 500_000), (0, 400_000)),  # not strictly increasing
        ((0, 500_000), (960, 300_000), (480, 400_000)),
        ((0, 0),),
        ((0, 0x1000000),),
        ((0, 500_000.0),),
        ((0,),),
    ],
)
def test_bad_tempo_segments_are_usage_errors(tempos: tuple[tuple[int, int], ...]) -> None:
    with pytest.raises(UsageError):
        TempoMap(480, tempos)


def test_tempo_map_is_immutable_and_comparable() -> None:
    tm = TempoMap.constant(97)
    with pytest.raises(AttributeError):
        tm.ppq = 960  # type: ignore[misc]
    assert tm == TempoMap(480, [(0, 618_557)], [(0, 4, 4)])  # lists become tuples
    assert hash(tm) == hash(TempoMap.constant(97))
    assert tm.is_constant


# --------------------------------------------------------------------------- constant tempo


def test_the_api_grid_lands_exactly_on_ticks_at_the_defaults() -> None:
    tm = TempoMap.constant(120, 480)
    assert tm.to_ticks([k / 192 for k in range(0, 192 * 3600, 977)]) == [
        5 * k for k in range(0, 192 * 3600, 977)
    ]


def test_ticks_come_from_absolute_times_not_accumulated_deltas() -> None:
    # 0.1 s is not a binary fraction: accumulating it drifts, absolute times do not
    tm = TempoMap.constant(97, 480)
    times = [k * 0.1 for k in range(36_000)]  # an hour in steps of 0.1 s
    ticks = tm.to_ticks(times)
    for s, t in zip(times, ticks, strict=True):
        assert abs(t - exact_ticks(s, 480, tm.tempo_us)) <= HALF + EPS


@given(
    seconds=st.lists(st.floats(0, 3600, allow_nan=False), max_size=50),
    bpm=st.one_of(st.sampled_from([97, 120, 133.7, 60, 240]), st.floats(3.6, 10_000)),
    ppq=st.one_of(st.sampled_from([96, 480, 960, 32767]), st.integers(1, 32767)),
)
def test_every_tick_is_within_half_a_tick_of_the_exact_time(
    seconds: list[float], bpm: float, ppq: int
) -> None:
    tm = TempoMap.constant(bpm, ppq)
    ticks = tm.to_ticks(seconds)
    assert len(ticks) == len(seconds)
    for s, t in zip(seconds, ticks, strict=True):
        assert isinstance(t, int)
        assert abs(t - exact_ticks(s, ppq, tm.tempo_us)) <= HALF + EPS
        # and a reader using the file's tempo finds the event within half a tick
        assert abs(tm.tick_to_seconds(t) - s) <= 0.5 * tm.tempo_us / ppq / 1e6 * (1 + 1e-9)


def test_to_tick_is_to_ticks_of_one() -> None:
    tm = TempoMap.constant(97)
    assert tm.to_tick(12.345) == tm.to_ticks([12.345])[0]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, -1.0, "1.0", None])
def test_times_that_are_not_finite_or_before_zero_are_invalid_records(bad: object) -> None:
    for tm in (TempoMap.constant(120), TempoMap(480, [(0, 500_000), (960, 250_000)])):
        with pytest.raises(InvalidRecordError):
            tm.to_ticks([0.5, bad])  # type: ignore[list-item]


def test_a_tiny_negative_time_that_rounds_to_zero_is_tick_zero() -> None:
    assert TempoMap.constant(120).to_ticks([-1e-9]) == [0]


def test_empty_input_gives_empty_output() -> None:
    assert TempoMap.constant(120).to_ticks([]) == []
    assert TempoMap(480, [(0, 500_000), (480, 400_000)]).to_ticks([]) == []


# --------------------------------------------------------------------------- several tempos


def exact_piecewise(seconds: float, ppq: int, tempos: list[tuple[int, int]]) -> Fraction:
    """The exact (fractional) tick of ``seconds`` under a piecewise tempo map."""
    s = Fraction(seconds)
    elapsed = Fraction(0)
    for i, (tick, tempo_us) in enumerate(tempos):
        last = i == len(tempos) - 1
        length = None if last else Fraction((tempos[i + 1][0] - tick) * tempo_us, ppq * 10**6)
        if length is None or s < elapsed + length:
            return tick + (s - elapsed) * ppq * 1_000_000 / tempo_us
        elapsed += length
    raise AssertionError("unreachable")


def test_a_lead_in_then_a_steady_tempo() -> None:
    # 1.5 s of lead-in at 60 BPM (3 beats of 480), then 120 BPM from tick 1440
    tm = TempoMap(480, [(0, 1_000_000), (1440, 500_000)])
    assert not tm.is_constant
    assert tm.to_ticks([0.0, 1.0, 3.0, 3.5, 4.0]) == [0, 480, 1440, 1920, 2400]
    assert tm.tick_to_seconds(1440) == 3.0
    assert tm.tick_to_seconds(2400) == 4.0
    assert tm.tick_to_seconds(480) == 1.0
    assert tm.bpm == 60.0
    assert [s for _, _, s in tm.segments()] == [0.0, 3.0]


@given(
    data=st.data(),
    ppq=st.sampled_from([96, 480, 960]),
    count=st.integers(1, 5),
)
def test_piecewise_ticks_are_within_half_a_tick(data: st.DataObject, ppq: int, count: int) -> None:
    gaps = data.draw(st.lists(st.integers(1, 20_000), min_size=count - 1, max_size=count - 1))
    ticks = [0]
    for gap in gaps:
        ticks.append(ticks[-1] + gap)
    tempos = [(t, data.draw(st.integers(200_000, 2_000_000))) for t in ticks]
    tm = TempoMap(ppq, tempos)
    seconds = data.draw(st.lists(st.floats(0, 600, allow_nan=False), max_size=30))
    got = tm.to_ticks(seconds)
    for s, t in zip(seconds, got, strict=True):
        assert abs(t - exact_piecewise(s, ppq, tempos)) <= HALF + Fraction(1, 10**6)
    # tick -> seconds -> tick is the identity
    for t in range(0, ticks[-1] + 2000, 97):
        assert tm.to_tick(tm.tick_to_seconds(t)) == t


def test_segment_start_times_do_not_drift() -> None:
    # 1000 segments of 7 ticks at an odd tempo: the start of the last one is exact
    tempos = [(7 * i, 618_557 if i % 2 else 333_333) for i in range(1000)]
    tm = TempoMap(480, tempos)
    exact = sum(Fraction(7 * u, 480 * 10**6) for _, u in tempos[:-1])
    assert tm.segments()[-1][2] == float(exact)
    assert tm.tick_to_seconds(7 * 999) == float(exact)


def test_tick_to_seconds_rejects_negative_ticks() -> None:
    with pytest.raises(ValueError):
        TempoMap.constant(120).tick_to_seconds(-1)


# --------------------------------------------------------------------------- conductor events


def test_conductor_events_of_a_constant_map() -> None:
    assert TempoMap.constant(97).conductor_events() == [
        TempoChange(0, 618_557),
        TimeSignature(0, 4, 4),
    ]


def test_conductor_events_are_by_tick_with_tempo_first() -> None:
    tm = TempoMap(
        480,
        [(0, 1_000_000), (960, 500_000), (1920, 400_000)],
        [(0, 3, 4), (960, 4, 4)],
    )
    assert tm.conductor_events() == [
        TempoChange(0, 1_000_000),
        TimeSignature(0, 3, 4),
        TempoChange(960, 500_000),
        TimeSignature(960, 4, 4),
        TempoChange(1920, 400_000),
    ]


def test_no_time_signature_is_allowed() -> None:
    tm = TempoMap(480, [(0, 500_000)], ())
    assert tm.conductor_events() == [TempoChange(0, 500_000)]
