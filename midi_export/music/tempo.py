"""Tempo, beat phase and downbeat from the notes themselves: ``estimate_tempo``.

The record has notes in seconds and no tempo. ``estimate_tempo`` finds the beat period, the
beat phase, the metre and which beat is "1", so a MIDI file can put its grid on the music's
beats and its bar lines on the downbeats (``midi.tempo_map`` turns that into tempo segments
and time signatures while every note keeps its absolute time). It is the tempo part of
``analyse.analyse``.

How the estimate is made (all from note onsets; drums first when present):

1. Every onset gets a strength from its velocity and its instrument's role (kick and snare
   weigh most, then bass, then the rest; long notes and chords more than short single
   ones), and an accent (kicks, snares, bass, chords and long notes; hats and ghost notes
   hardly count). The onsets of one chord or strum become one event (``onsets``), and the
   song's onset scatter is measured between the instruments that play together (tighter
   for hand-played MIDI than for transcribed audio), which sets how far from the grid an
   onset may land.
2. An onset-strength envelope (10 ms frames) and its autocorrelation give the periodicities;
   a comb over 1..4 periods proposes candidate tempi, to which the related tempi of the
   strongest (x1/2, x2, x2/3, x3/2, x1/3, x3, x3/4, x4/3) are added (``periodicity``).
3. Each candidate's period and phase are refined by weighted least squares on the onsets
   near its beats, first over 12 beats, then over a span doubled each round, and scored by
   the 4/4 model: its distance in octaves from 115 BPM, how likely the accents are under a
   beat / 8th / 16th hierarchy, a backbeat, how consistently chord changes and kicks or
   bass notes mark one beat of each bar, and whether the typical gap between strong onsets
   (about a beat) and between chord changes (about a bar) come out at a plausible number of
   beats (``beats``).
4. Metre hypotheses (the best candidates as simple beats in bars of 2, 3, 4, and compound
   pulses derived from them in bars of 6/8, 9/8, 12/8) are scored by the fitted metre model
   (``metre``); the best gives the metre, the tempo and the bar (4/4 when another metre is
   not confident enough). ``TempoEstimate.candidates`` lists them with why.
5. The downbeat is the beat of the bar where kicks, bass notes, crashes, chord changes,
   accents and the tonic triad gather and snares do not, and where instruments come in and
   stop (``bar_lines``).

The confidence is how much better than chance the onsets sit on the grid of the beat (its
8ths, 16ths or triplets), scaled down for very few onsets: random onsets give about 0, a
steady groove 0.6-1. Below about 0.3 the grid is not worth trusting.

numpy is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..record import Instrument, Record
from .analyse import analyse, analyse_within_limits
from .estimates import MetreEstimate, TempoCandidate, TempoEstimate
from .metre import DEFAULT_BPM

__all__ = ["DEFAULT_BPM", "TempoCandidate", "TempoEstimate", "estimate_tempo",
           "estimate_within_limits"]


def estimate_tempo(
    record_or_instruments: Record | Iterable[Instrument],
    *,
    min_bpm: float = 60.0,
    max_bpm: float = 200.0,
    programs: Mapping[str, int | str] | None = None,
    metre: str | MetreEstimate = "auto",
) -> TempoEstimate:
    """Estimate the tempo, beat phase, metre and first downbeat of a record from its notes.

    Accepts a ``Record`` or any iterable of ``Instrument``. Which instruments are drums is
    decided as the converter decides it: ``gm_program(name, programs).is_drum`` (so
    ``programs``, the converter's overrides, can make one the kit). ``metre`` is ``"auto"``
    or the metre to lay the grid out in (``"4/4"`` for 4-beat bars whatever the music,
    ``"6/8"``...). The tempo is in quarter notes per minute whatever the metre (a 6/8 at a
    dotted quarter of 80 gives 120). Pure: no I/O, and the input is not changed. With no
    notes (or fewer than 8 onsets) the answer is ``DEFAULT_BPM`` with ``confidence`` 0 and
    ``source`` ``"none"``, its downbeat at the first note (or 0 s). Notes spanning more than
    ``limits.AUTO_MAX_SPAN_SECONDS`` (2 h) raise ``InvalidRecordError`` before anything is
    allocated. The same as ``analyse(record_or_instruments, ...).tempo``.
    """
    return analyse(record_or_instruments, programs=programs, metre=metre, key="none",
                   min_bpm=min_bpm, max_bpm=max_bpm).tempo


def estimate_within_limits(
    instruments: Iterable[Instrument], programs: Mapping[str, int | str] | None = None
) -> TempoEstimate:
    """``estimate_tempo``, or, for notes spanning more than ``AUTO_MAX_SPAN_SECONDS``, an
    estimate of confidence 0 and source ``"too-long"`` (nothing analysed, nothing
    allocated): ``analyse_within_limits(...).tempo``."""
    return analyse_within_limits(instruments, programs, key="none").tempo
