"""The lead-in layouts (``midi.pickup``): a pickup bar whose first tempo is the song's and whose
bar lines fall on the downbeat, or one tempo and every note delayed onto a bar line.

The songs come from the evaluation set's generator (``evaluation/make_set.py``).
"""

from __future__ import annotations

import io

import pytest

from evaluation.make_set import generate_song  # the repo root is on pythonpath
from midi_export.midi.pickup import (
    LeadIn,
    pickup_layout,
    shift_layout,
    tempo_ignoring_offset,
)
from midi_export.midi.tempo_map import TempoMap
from midi_export.music.tempo import estimate_tempo


def seconds_at(tick: int, tempos: tuple[tuple[int, int], ...], ppq: int) -> float:
    """A tick's time as a MIDI reader computes it from integer ticks and tempos."""
    t = 0.0
    for i, (start, tempo_us) in enumerate(tempos):
        end = tempos[i + 1][0] if i + 1 < len(tempos) else None
        if end is not None and tick >= end:
            t += (end - start) * tempo_us / (ppq * 1e6)
            continue
        return t + (tick - start) * tempo_us / (ppq * 1e6)
    raise AssertionError("unreachable")


def bar_lines(layout: LeadIn, ppq: int, until: int) -> list[int]:
    sigs = layout.time_signatures
    lines = []
    for i, (start, num, den) in enumerate(sigs):
        end = sigs[i + 1][0] if i + 1 < len(sigs) else until
        lines.extend(range(start, end, num * ppq * 4 // den))
    return lines


def test_no_lead_in_when_the_downbeat_is_at_zero() -> None:
    layout = pickup_layout(100.0, 0.0)
    assert (layout.tempos, layout.time_signatures, layout.units) == (((0, 600_000),),
                                                                     ((0, 4, 4),), 0)


def test_a_lead_in_under_one_and_a_half_128ths_is_left_out() -> None:
    assert pickup_layout(120.0, 0.012).tempos == ((0, 500_000),)  # 23 ms at 120 BPM
    assert pickup_layout(120.0, 0.025).units == 2  # two 128ths


def test_the_issue_song_110_bpm_downbeat_at_095() -> None:
    main = round(60e6 / 110)
    layout = pickup_layout(110.0, 0.95)
    assert layout.tempos[0] == (0, main)  # the first tempo is the song's
    assert [t for t, _ in layout.tempos].count(0) == 1  # no second tempo at tick 0
    assert layout.tempos[1][0] == layout.downbeat_tick - 120  # without onsets: the last 16th
    assert layout.tempos[-1] == (layout.downbeat_tick, main)
    assert layout.time_signatures == ((0, 7, 16), (840, 4, 4))
    assert seconds_at(840, layout.tempos, 480) == pytest.approx(0.95, abs=1e-6)
    # the melody starts three 8ths before the downbeat: the odd unit goes into the silence
    # before it (here the second 16th: never the first, which would be a tempo at tick 0)
    early = pickup_layout(110.0, 0.95, first_onset=0.95 - 3 * 60 / 110 / 2)
    assert early.tempos[:2] == ((0, main), (120, layout.tempos[1][1]))
    late = pickup_layout(110.0, 0.95, first_onset=0.95 - 60 / 110)  # one beat before
    assert late.tempos[1][0] == 840 - 4 * 120 - 120


@pytest.mark.parametrize("ppq", [480, 96, 960, 100, 125])
@pytest.mark.parametrize("bpm", [60.0, 97.3, 110.0, 128.0, 183.0, 200.0])
@pytest.mark.parametrize("lead", [0.03, 0.07, 0.12, 0.2, 0.5, 0.95, 1.7, 3.97, 9.3])
def test_every_pickup_keeps_the_rules(ppq: int, bpm: float, lead: float) -> None:
    layout = pickup_layout(bpm, lead, ppq)
    main = round(60e6 / bpm)
    assert layout.tempos[0] == (0, main) and layout.tempos[-1][1] == main
    assert all(type(x) is int for seg in layout.tempos for x in seg)
    assert all(1 <= us <= 0xFFFFFF for _, us in layout.tempos)
    assert [t for t, _ in layout.tempos] == sorted({t for t, _ in layout.tempos})
    TempoMap(ppq, layout.tempos, layout.time_signatures)  # a valid map
    if layout.units == 0:  # too short for two of the finest units: no pickup
        assert layout.tempos == ((0, main),) and layout.time_signatures == ((0, 4, 4),)
        finest = (60 / bpm) / (32 if ppq % 32 == 0 else 4 if ppq % 4 == 0 else 1)
        assert lead < 1.5 * finest + 1e-9
        return
    downbeat = layout.downbeat_tick
    assert seconds_at(downbeat, layout.tempos, ppq) == pytest.approx(lead, abs=1e-6)
    lines = bar_lines(layout, ppq, downbeat + 9 * ppq)
    assert downbeat in lines and downbeat + 4 * ppq in lines  # bars on the downbeat
    assert layout.time_signatures[-1][1:] == (4, 4)
    if len(layout.tempos) == 3:  # one unit of its own tempo: between 0.5 and 1.5 units
        odd_tick, odd_us = layout.tempos[1]
        assert layout.tempos[2][0] - odd_tick == layout.unit_ticks
        unit = main / 1e6 * layout.unit_ticks / ppq
        assert 0.5 * unit - 1e-6 <= odd_us / 1e6 * layout.unit_ticks / ppq <= 1.5 * unit + 1e-6
    unit_seconds = main / 1e6 * layout.unit_ticks / ppq
    assert abs(tempo_ignoring_offset(layout, ppq, lead)) <= unit_seconds / 2 + 1e-6


def test_short_lead_ins_use_finer_units_rather_than_an_odd_first_tempo() -> None:
    layout = pickup_layout(120.0, 0.1)  # under a 16th (0.125 s): two 32nds
    assert (layout.unit_ticks, layout.units, layout.time_signatures[0]) == (60, 2, (0, 1, 16))
    layout = pickup_layout(120.0, 0.09)  # three 64ths
    assert (layout.unit_ticks, layout.time_signatures[0]) == (30, (0, 3, 64))
    assert layout.tempos[0] == (0, 500_000)


@pytest.mark.parametrize(
    ("metre", "lead", "signatures"),
    [((6, 8), 0.75, ((0, 3, 8), (720, 6, 8))),  # six 16ths: 3/8, then 6/8 bars
     ((6, 8), 0.5, ((0, 2, 8), (480, 6, 8))),  # a pickup of a quarter in 6/8 reads 2/8
     ((3, 4), 0.75, ((0, 3, 8), (720, 3, 4))),
     ((3, 4), 2.25, ((0, 3, 8), (720, 3, 4))),  # longer than a bar: whole 3/4 bars first
     ((12, 8), 0.25, ((0, 1, 8), (240, 12, 8))),
     ((7, 16), 0.375, ((0, 3, 16), (360, 7, 16)))],
)
def test_the_layout_follows_any_metre(
    metre: tuple[int, int], lead: float, signatures: tuple[tuple[int, int, int], ...]
) -> None:
    layout = pickup_layout(120.0, lead, 480, *metre)
    assert layout.time_signatures == signatures
    assert seconds_at(layout.downbeat_tick, layout.tempos, 480) == pytest.approx(lead, abs=1e-6)
    bar = metre[0] * 4 * 480 // metre[1]
    assert (layout.downbeat_tick - signatures[-1][0]) % bar == 0
    shifted = shift_layout(120.0, lead, 480, *metre)
    assert shifted.time_signatures == ((0, *metre),)
    assert shifted.downbeat_tick % bar == 0


@pytest.mark.parametrize("metre", [(0, 4), (4, 3), (4, 256), (256, 4)])
def test_an_impossible_metre_is_refused(metre: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="metre"):
        pickup_layout(120.0, 1.0, 480, *metre)
    with pytest.raises(ValueError, match="metre"):
        shift_layout(120.0, 1.0, 480, *metre)


def test_shift_one_tempo_one_metre_and_the_delay_to_the_next_bar_line() -> None:
    layout = shift_layout(110.0, 0.95)
    assert layout.tempos == ((0, 545_455),) and layout.time_signatures == ((0, 4, 4),)
    bar = 4 * 545_455 / 1e6
    assert layout.delay == pytest.approx(bar - 0.95, abs=1e-9)
    assert layout.downbeat_tick == 1920 and layout.mode == "shift"
    assert tempo_ignoring_offset(layout, 480, 0.95) == pytest.approx(0, abs=1e-6)
    longer = shift_layout(110.0, 2.5)  # past the first bar line: to the second
    assert longer.downbeat_tick == 3840
    assert longer.delay == pytest.approx(2 * bar - 2.5, abs=1e-9)


@pytest.mark.parametrize("lead", [0.0, 0.003, 1.998, 2.0, 2.004])
def test_shift_within_5_ms_of_a_bar_line_is_not_delayed(lead: float) -> None:
    layout = shift_layout(120.0, lead)
    assert layout.delay == 0.0 and layout.mode == "none"
    assert layout.downbeat_tick == 1920 * round(lead / 2.0)


def test_every_note_keeps_its_time_and_the_pickup_lands_on_the_grid() -> None:
    song = generate_song("map", style="rock", bpm=131.0, lead="pickup", bars=16,
                         jitter_ms=0.0, noise=False)
    est = estimate_tempo(song.to_instruments())
    first_onset = min(n[1] for track in song.tracks for n in track.notes)
    ppq = 480
    layout = pickup_layout(est.bpm, est.first_downbeat, ppq, first_onset=first_onset)
    tempo_map = TempoMap(ppq, layout.tempos, layout.time_signatures)
    half_tick = 0.5 * 60.0 / est.bpm / ppq
    for track in song.tracks:
        for _, start, end, _ in track.notes:
            for t in (start, end):
                back = tempo_map.tick_to_seconds(tempo_map.to_tick(t))
                assert back == pytest.approx(t, abs=half_tick + 1e-6)
    # without jitter the notes sit on 16ths of the map, the pickup's too (within the
    # generator's constant per-instrument offsets of up to 6 ms and its strums)
    seconds_per_tick = 60.0 / est.bpm / ppq
    starts = sorted(n[1] for track in song.tracks for n in track.notes
                    if "Guitar" not in track.name)  # strummed chords spread over 50 ms
    pickup = [t for t in starts if t < est.first_downbeat - 0.01]
    assert pickup
    for t in pickup + starts[:200]:
        off = (tempo_map.to_tick(t) - layout.downbeat_tick) % 120
        assert min(off, 120 - off) * seconds_per_tick <= 0.02, t


def test_pretty_midi_reads_the_map_back() -> None:
    mido = pytest.importorskip("mido")
    pretty_midi = pytest.importorskip("pretty_midi")
    song = generate_song("readback", style="funk", bpm=103.0, lead="pickup", bars=12)
    est = estimate_tempo(song.to_instruments())
    ppq = 480
    layout = pickup_layout(est.bpm, est.first_downbeat, ppq)
    tempo_map = TempoMap(ppq, layout.tempos, layout.time_signatures)
    meta = [(tick, mido.MetaMessage("set_tempo", tempo=us)) for tick, us in layout.tempos]
    meta += [(tick, mido.MetaMessage("time_signature", numerator=n, denominator=d))
             for tick, n, d in layout.time_signatures]
    notes = [n for t in song.tracks if t.name != "Drums" for n in t.notes]
    events = list(meta)
    for pitch, start, end, vel in notes:
        on = tempo_map.to_tick(start)
        events.append((on, mido.Message("note_on", note=pitch, velocity=max(1, round(vel * 127)))))
        events.append((max(tempo_map.to_tick(end), on + 1),
                       mido.Message("note_off", note=pitch, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1].type == "note_on"))
    track = mido.MidiTrack()
    now = 0
    for tick, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    midi = mido.MidiFile(ticks_per_beat=ppq)
    midi.tracks.append(track)
    buf = io.BytesIO()
    midi.save(file=buf)
    buf.seek(0)
    pm = pretty_midi.PrettyMIDI(buf)
    starts = sorted(n.start for ins in pm.instruments for n in ins.notes)
    assert starts == pytest.approx(sorted(n[1] for n in notes), abs=0.6 * 60 / est.bpm / ppq)
    assert pm.get_tempo_changes()[1][0] == pytest.approx(60e6 / layout.tempos[0][1])
    downbeats = pm.get_downbeats()
    assert min(abs(d - est.first_downbeat) for d in downbeats) < 1e-4
    assert min(abs(d - (est.first_downbeat + 4 * 60 / est.bpm)) for d in downbeats) < 1e-3
