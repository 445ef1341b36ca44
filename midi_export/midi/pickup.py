"""The pickup bar: how the time before the first downbeat is written, so that bar 2 starts
exactly on the music's first downbeat while every note keeps its time in seconds.

``pickup_layout`` gives the tempo segments and time signatures of such a map;
``TempoMap.from_estimate`` builds it from a tempo estimate.
"""

from __future__ import annotations

__all__ = ["pickup_layout"]


def pickup_layout(
    bpm: float, first_downbeat: float, beats_per_bar: int, ppq: int = 480
) -> tuple[list[tuple[int, int]], list[tuple[int, int, int]]]:
    """Tempo segments ``[(tick, tempo_us)]`` and time signatures ``[(tick, num, den)]``.

    The grid of the returned map falls on the beats of ``bpm`` counted from
    ``first_downbeat`` (seconds) and its bar lines on every ``beats_per_bar``-th beat, while
    a note at ``t`` seconds keeps that time (the converter computes
    ``tick = K_i + round((t - S_i) * ppq * 1e6 / tempo_us_i)`` per segment). When the first
    downbeat is not at 0 s, the time before it becomes a lead-in of ``n`` whole 16ths,
    written as a pickup bar with its own time signature (``3/16``, ``3/8``, ``2/4``...; whole
    bars of the metre first when the lead-in is longer than a bar). All of it runs at the
    main tempo except its very first 16th, whose own tempo segment absorbs the remainder
    (it lasts between half and one and a half 16ths), so the first downbeat falls exactly on
    its bar line.

    Why this rather than a lead-in tempo over whole beats: a pickup (anacrusis) is played at
    the song's tempo, so every 16th of it but the first lands on the DAW's grid, bar 2 starts
    on the first downbeat, and the odd tempo is confined to the first 16th of the file, which
    is silence unless the music starts right away. A lead-in shorter than 20 ms (and than
    half a 16th) is left out: bar 1 then starts at 0 s, that much early; a lead-in shorter
    than a 16th makes a fast first 16th (a 30 ms lead-in at 120 BPM: 500 BPM for 30 ms).

    Every boundary is an integer tick (16ths are ``ppq // 4`` ticks; when ``ppq`` is not a
    multiple of 4 the units are whole beats instead), and every tempo an integer number of
    microseconds per quarter note. A reader that derives each segment's start in seconds
    from them finds the first downbeat within a microsecond of ``first_downbeat``. The main
    tempo is ``round(60e6 / bpm)``: 0.5 us per beat from the estimate, 0.3 ms over 10 minutes
    at 100 BPM.
    """
    if ppq <= 0:
        raise ValueError(f"ppq must be positive, got {ppq}")
    bpb = max(1, int(beats_per_bar))
    main_us = max(1, min(0xFFFFFF, round(60_000_000 / bpm)))
    lead = float(first_downbeat)
    per_beat = 4 if ppq % 4 == 0 else 1  # lead-in units per beat (16ths, else beats)
    unit_ticks = ppq // per_beat
    n = round(lead * 1e6 * per_beat / main_us)
    if lead <= 0 or (n == 0 and lead < 0.02):
        return [(0, main_us)], [(0, bpb, 4)]
    n = max(1, n)
    # the first unit lasts what is left once the other n - 1 run at the main tempo
    first_us = round(lead * 1e6 * per_beat - (n - 1) * main_us)
    first_us = max(1, min(0xFFFFFF, first_us))
    tempos = [(0, first_us), (unit_ticks, main_us)] if first_us != main_us else [(0, main_us)]
    units_per_bar = bpb * per_beat
    rest = n % units_per_bar
    sigs: list[tuple[int, int, int]] = []
    if rest:
        num, den = rest, 4 * per_beat
        while num % 2 == 0 and den > 4:
            num, den = num // 2, den // 2
        sigs.append((0, num, den))
    sigs.append((rest * unit_ticks, bpb, 4))
    return tempos, sigs
