"""The pickup bar: the tempo map of an estimate keeps every note's time and puts a bar line on
the first downbeat (``midi.pickup.pickup_layout``, through ``TempoMap.from_estimate``).

The songs come from the evaluation set's generator (``evaluation/make_set.py``).
"""

from __future__ import annotations

import io

import pytest

from evaluation.make_set import generate_song  # the repo root is on pythonpath
from midi_export.midi.pickup import pickup_layout
from midi_export.music.tempo import TempoEstimate, estimate_tempo


def tempo_map_for(
    est: TempoEstimate, ppq: int = 480
) -> tuple[list[tuple[int, int]], list[tuple[int, int, int]]]:
    return pickup_layout(est.bpm, est.first_downbeat, est.beats_per_bar, ppq)


def seconds_at(tick: int, tempos: list[tuple[int, int]], ppq: int) -> float:
    """A tick's time as a MIDI reader computes it from integer ticks and tempos."""
    t = 0.0
    for i, (start, tempo_us) in enumerate(tempos):
        end = tempos[i + 1][0] if i + 1 < len(tempos) else None
        if end is not None and tick >= end:
            t += (end - start) * tempo_us / (ppq * 1e6)
            continue
        return t + (tick - start) * tempo_us / (ppq * 1e6)
    raise AssertionError("unreachable")


def tick_of(t: float, tempos: list[tuple[int, int]], ppq: int) -> int:
    """The converter's rule: tick = K_i + round((t - S_i) * ppq * 1e6 / tempo_us_i)."""
    for i in range(len(tempos) - 1, -1, -1):
        start, tempo_us = tempos[i]
        s_i = seconds_at(start, tempos, ppq)
        if t >= s_i or i == 0:
            return start + round((t - s_i) * ppq * 1e6 / tempo_us)
    raise AssertionError("unreachable")


def bar_lines(sigs: list[tuple[int, int, int]], ppq: int, until: int) -> list[int]:
    lines = []
    for i, (start, num, den) in enumerate(sigs):
        end = sigs[i + 1][0] if i + 1 < len(sigs) else until
        step = num * ppq * 4 // den
        lines.extend(range(start, end, step))
    return lines


def test_no_lead_in_when_the_downbeat_is_at_zero() -> None:
    tempos, sigs = tempo_map_for(TempoEstimate(100.0, 0.0, 4, 0.9, "drums"))
    assert tempos == [(0, 600_000)]
    assert sigs == [(0, 4, 4)]


def test_a_lead_in_shorter_than_20_ms_is_left_out() -> None:
    tempos, sigs = tempo_map_for(TempoEstimate(120.0, 0.012, 4, 0.9, "drums"))
    assert tempos == [(0, 500_000)] and sigs == [(0, 4, 4)]


@pytest.mark.parametrize("ppq", [480, 96, 960, 100, 125])
@pytest.mark.parametrize(
    ("bpm", "downbeat"),
    [(120.0, 0.75), (97.3, 1.1234), (183.0, 3.97), (64.0, 0.05), (140.0, 2.571), (75.5, 9.3),
     (120.0, 0.021)],
)
def test_the_map_puts_a_bar_line_on_the_first_downbeat(bpm: float, downbeat: float,
                                                       ppq: int) -> None:
    est = TempoEstimate(bpm, downbeat, 4, 0.9, "drums")
    tempos, sigs = tempo_map_for(est, ppq=ppq)
    main_us = round(60e6 / bpm)
    assert tempos[-1][1] == main_us
    assert all(type(x) is int for seg in tempos for x in seg)
    assert all(type(x) is int for sig in sigs for x in sig)
    assert all(1 <= us <= 0xFFFFFF for _, us in tempos)
    assert tempos[0][0] == 0 and sigs[0][0] == 0
    assert [t for t, _ in tempos] == sorted({t for t, _ in tempos})
    assert all(den in (4, 8, 16) for _, _, den in sigs)
    assert sigs[-1][1:] == (4, 4)
    downbeat_tick = tick_of(downbeat, tempos, ppq)
    assert seconds_at(downbeat_tick, tempos, ppq) == pytest.approx(downbeat, abs=1e-6)
    lines = bar_lines(sigs, ppq, downbeat_tick + 9 * ppq)
    assert downbeat_tick in lines and downbeat_tick + 4 * ppq in lines
    assert downbeat_tick == max(line for line in lines if line <= downbeat_tick)
    unit_ticks = ppq // 4 if ppq % 4 == 0 else ppq
    if len(tempos) == 2:  # only the first 16th (or beat) has a tempo of its own
        assert tempos[1][0] == unit_ticks <= downbeat_tick
        unit = main_us / 1e6 * unit_ticks / ppq
        first = seconds_at(unit_ticks, tempos, ppq)
        if downbeat >= unit / 2:
            assert 0.5 * unit - 1e-6 <= first < 1.5 * unit
        else:
            assert first == pytest.approx(downbeat, abs=1e-6)


def test_every_note_keeps_its_time_and_the_pickup_lands_on_the_grid() -> None:
    song = generate_song("map", style="rock", bpm=131.0, lead="pickup", bars=16,
                         jitter_ms=0.0, noise=False)
    est = estimate_tempo(song.to_instruments())
    ppq = 480
    tempos, _ = tempo_map_for(est, ppq)
    half_tick = 0.5 * 60.0 / est.bpm / ppq
    for track in song.tracks:
        for _, start, end, _ in track.notes:
            for t in (start, end):
                back = seconds_at(tick_of(t, tempos, ppq), tempos, ppq)
                assert back == pytest.approx(t, abs=half_tick + 1e-6)
    # without jitter the notes sit on 16ths of the map, the pickup included (within the
    # generator's constant per-instrument offsets of up to 6 ms and its strums)
    sixteenth = ppq // 4
    seconds_per_tick = 60.0 / est.bpm / ppq
    starts = sorted(n[1] for track in song.tracks for n in track.notes
                    if "Guitar" not in track.name)  # strummed chords spread over 50 ms
    pickup = [t for t in starts if t < est.first_downbeat - 0.01]
    assert pickup
    for t in pickup + starts[:200]:
        tick = tick_of(t, tempos, ppq)
        off = min(tick % sixteenth, sixteenth - tick % sixteenth)
        assert off * seconds_per_tick <= 0.02, (t, tick)


def test_pretty_midi_reads_the_map_back() -> None:
    mido = pytest.importorskip("mido")
    pretty_midi = pytest.importorskip("pretty_midi")
    song = generate_song("readback", style="funk", bpm=103.0, lead="pickup", bars=12)
    est = estimate_tempo(song.to_instruments())
    ppq = 480
    tempos, sigs = tempo_map_for(est, ppq)
    meta = [(tick, mido.MetaMessage("set_tempo", tempo=us)) for tick, us in tempos]
    meta += [(tick, mido.MetaMessage("time_signature", numerator=n, denominator=d))
             for tick, n, d in sigs]
    notes = [n for t in song.tracks if t.name != "Drums" for n in t.notes]
    events = list(meta)
    for pitch, start, end, vel in notes:
        events.append((tick_of(start, tempos, ppq),
                       mido.Message("note_on", note=pitch, velocity=max(1, round(vel * 127)))))
        events.append((max(tick_of(end, tempos, ppq), tick_of(start, tempos, ppq) + 1),
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
    downbeats = pm.get_downbeats()
    assert min(abs(d - est.first_downbeat) for d in downbeats) < 1e-4
    assert min(abs(d - (est.first_downbeat + 4 * 60 / est.bpm)) for d in downbeats) < 1e-3
