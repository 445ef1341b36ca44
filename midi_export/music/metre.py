"""Metre and grid: beats per bar (2, 3, 4), the beat's division (simple, compound), the tempo.

``estimate_grid`` turns the candidate beats of ``beats`` (each refined in period and phase
and scored there by the 4/4 model) into *metre hypotheses* ``(pulse, division, beats per
bar)`` and picks the one whose bars best explain the accents:

- simple hypotheses: the best five candidate beats, each in bars of 2, 3 and 4;
- compound hypotheses: the best three candidates times 1, 1.5, 2 and 3 (a beat heard in
  three; a quarter that is two 8ths of a dotted quarter; an 8th), refined, kept when the
  pulse is 40-140 per minute, shows some sign of threes and, with drums or a bass, holds
  most of their strength on the pulse (on the development split a 4/4 groove read in dotted
  quarters puts 23-37 % there, a 6/8 or 12/8 groove 51 % or more), each in bars of 2, 3 and
  4 pulses (6/8, 9/8, 12/8);
- each hypothesis gets the features of ``metre_weights.FEATURES`` (the tempo prior of its
  beat, how it fared in the 4/4 model, the accents' likelihood under its beat hierarchy,
  the evidence of threes against twos, how the rhythm and the pitches repeat every bar, how
  clearly chord changes, kicks and bass, accents and snares mark the bar, the time between
  chord changes against the bar, whether a bar of six 8ths moves in quarters or in dotted
  quarters (3/4 against 6/8), how much the long notes start on one beat of the bar, the
  share of notes faster than the beat's division (a 3/4 at 150 moves in 8ths; read at 75,
  in 16ths) and tempo priors of their own for 3/4 (``oct_waltz``: waltzes run faster than
  4/4's centre of 115, and read at half they are 3/4 at 65-95) and for 6/8 (``oct_six``)
  and a score, ``WEIGHTS . (features - MEAN) / SCALE``: a conditional logit fitted by
  ``evaluation/fit_metre.py`` on songs that are not in the evaluation set. The softmax over
  a song's hypotheses gives each its probability.

The metre written is the best hypothesis's; its confidence the probability mass of all the
hypotheses in that metre. A 2/4 reading counts as the 4/4 of its beat (``metre="2/4"``
writes 2/4): the notes do not tell them apart. A metre other than 4/4 falls back to 4/4
(``MetreEstimate.fell_back``) when the readings in 4/4 keep more than ``1 - MIN_CONFIDENCE``
of the probability (a lone melody's more: ``MELODY_EASING``, ``min_confidence``): a simple
metre fallen back keeps its own beat (the 4/4 reading of the
3/4 beat: a waltz not sure of its bars still has its tempo), a compound one takes the best
4/4 reading.
The tempo written is the best reading's of the metre written, but a band's 4/4 (drums, a
bass or more than one instrument: ``is_band``) or a given 4/4 (``metre="4/4"``) takes the
4/4 model's octave (``rel44``, fitted for that question): the metre model's would double
slow ballads with drums. A lone melody keeps the metre model's octave (O'Neill's reels at
150-190 are halved by the 4/4 model). Held out on the development split (``fit_metre.py
--cv 5``): the 4/4 model's octave whenever 4/4 is written 88.7 % of the tempi right (3/4
songs 86.7 %), this rule 93.3 % (3/4 95.0 %, 4/4 94.2 %). The
first downbeat is then placed on the chosen pulse and bar by ``bar_lines``. Every
hypothesis (the best twelve) is in the estimate's ``candidates``, with its features'
largest contributions.

numpy is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import metre_evidence as evidence
from .bar_lines import downbeat_position, first_bar_line
from .beats import (
    PRIOR_BPM,
    backbone_ioi,
    beat_fraction,
    best_phase,
    fits,
    grid_fit,
    metrical_fit,
    refine,
)
from .downbeat import beat_arrays
from .estimates import MetreEstimate, TempoCandidate, TempoEstimate, metre_name
from .metre_weights import FEATURES, MEAN, SCALE, WEIGHTS

if TYPE_CHECKING:
    from ..record import Instrument
    from .onsets import Onsets

__all__ = ["DEFAULT_BPM", "MELODY_EASING", "MIN_CONFIDENCE", "Hypothesis", "estimate_grid",
           "four_four_octave", "is_band", "metre_hypotheses", "min_confidence", "written_reading"]

#: tempo returned when there is nothing to estimate from (with confidence 0)
DEFAULT_BPM = 120.0

MIN_CONFIDENCE = 0.75
"""A best reading in a metre other than 4/4 is written when the readings in 4/4 together keep
less than ``1 - MIN_CONFIDENCE`` of the probability (the confidence that the song is not in
4/4), else 4/4 is. Not the best metre's own mass: 3/4, 6/8, 9/8 and 12/8 share the evidence
of threes (a 12/8 at 0.45 with 6/8 at 0.35 leaves 4/4 little), and how they split it says
nothing for 4/4. Chosen on the development split so that at most 3 % of its 4/4 songs are
written in another metre (``evaluation/tiers.py --tiers dev-clean,dev-transcribed``; at 0.7
the fit of 2026-12-01 wrote 2.9 %). This is a band's threshold; a lone melody's is lower
(``MELODY_EASING``). With both (and ``PRUNE_THIRDS`` 0.2), held out (``evaluation/fit_metre.py
--cv 5``, both tiers): 68.3 % of non-4/4 songs right, 2.2 % of 4/4 written otherwise; dev
74.6 % and 66.9 % right at 2.2 % and 0.0 %. The rules and figures before: the log in
``evaluation/README.md``."""

MELODY_EASING = {"simple": 0.25, "compound": 0.1}
"""A lone melody (``is_band`` false) in 3/4 is written when its 4/4 readings keep less than
half the probability, in 6/8, 9/8 or 12/8 less than 0.35: on the dev split no lone 4/4
melody had 3/4 on top, three O'Neill reels had 6/8 on top with 4/4 at 0.38-0.59. Held out
non-4/4 right 64.9 -> 68.6 %, 4/4 written otherwise 2.6 % both times, tempo 93.3 -> 93.9 %
(the dev figures and the variants tried: ``evaluation/README.md``)."""

PRUNE_C3 = -0.2  # compound pulses with c3 - c2 below this are not considered
PRUNE_THIRDS = 0.2  # nor those with fewer off-pulse onsets on thirds than this (transcribed
# onsets smear onto the 16ths: MMA 68March at 0.24, written 4/4 at 2:3 with 0.3 before)
PRUNE_ON_PULSE = 0.45  # nor those that leave most of the kicks, snares and bass off the pulse
COMPOUND_PRIOR_BPM = 75.0  # dotted quarters are measured in octaves from here
CANDIDATES = 12  # hypotheses kept in the estimate's candidates
REL44 = FEATURES.index("rel44")  # the 4/4 model's score of a reading's tempo octave


@dataclass
class Hypothesis:
    """One reading: a pulse (period and phase, s), its division, beats per bar, features."""

    period: float
    phase: float
    division: str
    beats_per_bar: int
    features: tuple[float, ...]
    score: float = 0.0

    @property
    def metre(self) -> str:
        return metre_name(self.division, self.beats_per_bar)

    @property
    def bpm(self) -> float:
        """Quarter notes per minute."""
        return 60.0 / self.period * (1.5 if self.division == "compound" else 1.0)


def _beat_readings(
    ev: Onsets, min_bpm: float, max_bpm: float, keep_compound: bool
) -> list[dict[str, Any]]:
    """The candidate beats: simple ones from the 4/4 model, compound pulses derived from them."""
    import numpy as np

    found = fits(ev, min_bpm, max_bpm)
    found.sort(key=lambda f: -f.score)
    top = found[0].score
    ref = float(np.percentile(ev.accent, 90)) or 1.0
    w = ev.accent + 0.5 * ev.w
    grooved = float((ev.low + ev.snare).sum()) > 0  # kicks, snares or bass to judge a pulse by
    out: list[dict[str, Any]] = []
    for fit in found[:5]:
        rate, _ = metrical_fit(ev, fit.period, fit.phase, ref)
        out.append({"period": fit.period, "phase": fit.phase, "division": "simple",
                    "rel44": fit.score - top, "loglik": rate,
                    "pairs": evidence.pair_contrast(ev, fit.period, fit.phase)})
    seen: list[float] = []
    for fit in found[:3]:
        for mult in (1.0, 1.5, 2.0, 3.0):
            q = fit.period * mult
            if not 60.0 / 140.0 <= q <= 1.5 or any(abs(q / s - 1) < 0.02 for s in seen):
                continue
            if not min_bpm <= 90.0 / q <= max_bpm:
                continue  # the quarter-note tempo it writes must be within the limits
            seen.append(q)
            q, _ = refine(ev.t, w, q)
            ph = best_phase(ev.t, w, q)
            tri = evidence.triple_evidence(ev, q, ph)
            if not keep_compound and (tri["c3"] - tri["c2"] < PRUNE_C3
                                      or tri["thirds"] < PRUNE_THIRDS):
                continue  # no sign of threes: not worth the bar evidence
            on_pulse = evidence.on_pulse_share(ev, q, ph) if grooved else 1.0
            if not keep_compound and on_pulse < PRUNE_ON_PULSE:
                continue  # a dotted quarter across a groove of quarters (four on the floor)
            out.append({"period": q, "phase": ph, "division": "compound",
                        "rel44": fit.score - top,
                        "loglik": evidence.compound_loglik(ev, q, ph, ref), **tri})
    return out


def metre_hypotheses(
    ev: Onsets,
    instruments: Sequence[Instrument],
    programs: Mapping[str, int | str] | None = None,
    *,
    min_bpm: float = 60.0,
    max_bpm: float = 200.0,
    keep_compound: bool = False,
) -> list[Hypothesis]:
    """Every metre hypothesis of the onsets with its features (unscored): for estimating,
    and for ``evaluation/fit_metre.py`` to fit the weights on."""
    import numpy as np

    readings = _beat_readings(ev, min_bpm, max_bpm, keep_compound)
    ref = float(np.percentile(ev.accent, 90)) or 1.0
    ioi = backbone_ioi(ev, ref)
    starts, codes = evidence.note_codes(instruments, programs)
    hyps: list[Hypothesis] = []
    for b in readings:
        comp = b["division"] == "compound"
        d = 3 if comp else 2
        period, phase = b["period"], b["phase"]
        bpm = 60.0 / period
        o_s = 0.0 if comp else math.log2(bpm / PRIOR_BPM)
        o_c = math.log2(bpm / COMPOUND_PRIOR_BPM) if comp else 0.0
        x, j0 = evidence.tatum_sequence(ev, period, phase, d)
        seq, coverage = evidence.code_sequence(starts, codes, period, phase, d)
        arrays = beat_arrays(ev, period, phase)
        backbone = min(1.0, math.log2(ioi / period) ** 2) if ioi == ioi else 0.0
        fast = evidence.fast_notes(ev, period / d)
        per_bar = {}
        for bpb in (2, 3, 4):
            lag = bpb * d
            sim = 0.5 * (evidence.self_similarity(x, lag) + evidence.self_similarity(x, 2 * lag))
            first, bar = evidence.bar_evidence(arrays, bpb)
            if bpb * d == 6:  # 3/4 or 6/8: quarters or dotted quarters in the bar
                six = evidence.six_eighths(x, j0, first * d)
                bar["level"] = six if bpb == 3 else -six
            bar["long"] = evidence.long_notes(ev, period, phase, bpb)
            # a grid that leaves notes out repeats too easily: weigh by the notes it holds
            rep = coverage * max(evidence.repeat_share(seq, k * lag) for k in (1, 2, 4, 8))
            per_bar[bpb] = (sim, bar, rep)
        for bpb in (2, 3, 4):
            sim, bar, rep = per_bar[bpb]
            others = [per_bar[o] for o in (2, 3, 4) if o != bpb]
            if ev.harmony == ev.harmony:
                hb = math.log2(ev.harmony / (bpb * period))
                harm = min(1.0, min(abs(hb), abs(hb - 1.0)) ** 2)
            else:
                harm = 0.0
            feats = (
                float(comp), o_s, o_s * o_s, o_c, o_c * o_c,
                0.0 if comp else b["rel44"], b["rel44"] if comp else 0.0, b["loglik"],
                (b["c3"] - b["c2"]) if comp else 0.0, b.get("mid", 0.0), b.get("thirds", 0.0),
                b.get("h2", 0.0), 0.0 if comp else b["pairs"],
                float(bpb == 2), float(bpb == 3), float(bpb == 2 and comp),
                float(bpb == 3 and comp), sim, bar["changes"], bar["low"], bar["accent"],
                bar["backbeat"], harm, backbone, rep, b["loglik"] if comp else 0.0,
                rep - max(o[2] for o in others), sim - max(o[0] for o in others),
                bar["changes"] - max(o[1]["changes"] for o in others), bar.get("level", 0.0),
                bar["long"], fast, o_s if bpb == 3 and not comp else 0.0,
                o_s * o_s if bpb == 3 and not comp else 0.0,
                o_c if bpb == 2 and comp else 0.0, o_c * o_c if bpb == 2 and comp else 0.0,
            )
            hyps.append(Hypothesis(period, phase, b["division"], bpb, feats))
    return hyps


def is_band(ev: Onsets) -> bool:
    """Whether ``ev`` are a band's onsets (drums, a bass, or more than one instrument) rather
    than a lone melody's. A band in 4/4 takes the 4/4 model's tempo octave; a lone melody
    (a fiddle's reel, a waltz on a flute) the metre model's, whose tempo priors per metre and
    fast notes read it (dev: the O'Neill reels at 150-190, halved by the 4/4 model)."""
    return bool((ev.low + ev.snare).any()) or (ev.edges is not None and len(ev.edges) > 1)


def min_confidence(best: Hypothesis, band: bool) -> float:
    """The confidence that the song is not in 4/4 needed to write ``best``'s metre: a band's
    ``MIN_CONFIDENCE``, a lone melody's less (``MELODY_EASING``)."""
    return MIN_CONFIDENCE - (0.0 if band else MELODY_EASING[best.division])


def four_four_octave(same: Sequence[Hypothesis]) -> Hypothesis:
    """The reading the 4/4 model puts in the right tempo octave (``rel44``), best first."""
    return max(same, key=lambda h: (h.features[REL44], h.score))


def written_reading(same: Sequence[Hypothesis], top: Hypothesis, fell_back: bool,
                    octave_44: bool) -> Hypothesis:
    """The reading whose tempo is written, among ``same`` (the readings in the metre written,
    best first; ``top`` the best of all): a simple metre fallen back to 4/4 keeps its own
    beat (a waltz not sure of its bars still has its tempo); with ``octave_44`` (a band's or
    a given 4/4) the 4/4 model's octave; else the best."""
    twin = [h for h in same if fell_back and top.division == "simple" and h.period == top.period]
    if twin:
        return twin[0]
    return four_four_octave(same) if octave_44 else same[0]


def score(h: Hypothesis) -> float:
    """The hypothesis's score under the fitted metre model."""
    return sum(wt * (f - m) / s for wt, f, m, s in zip(WEIGHTS, h.features, MEAN, SCALE,
                                                        strict=True))


def _why(h: Hypothesis) -> tuple[tuple[str, float], ...]:
    contrib = [(n, round(wt * (f - m) / s, 3)) for n, wt, f, m, s in
               zip(FEATURES, WEIGHTS, h.features, MEAN, SCALE, strict=True) if wt]
    return tuple(sorted(contrib, key=lambda kv: -abs(kv[1]))[:5])


def estimate_grid(
    ev: Onsets | None,
    instruments: Sequence[Instrument],
    *,
    programs: Mapping[str, int | str] | None = None,
    metre: MetreEstimate | None = None,
    min_bpm: float = 60.0,
    max_bpm: float = 200.0,
    triad: Sequence[int] = (),
) -> tuple[TempoEstimate, MetreEstimate]:
    """Tempo (quarter notes), first downbeat and metre of the onsets ``ev`` of ``instruments``.

    ``metre`` fixes the metre (``estimates.parse_metre("3/4")``): then only the hypotheses
    of that metre compete, for the tempo and the downbeat. ``triad``: the pitch classes of
    the tonic triad when a key is known (they favour downbeats).
    """
    fixed = metre
    if ev is None or ev.t.size < 8:
        start = float(ev.t[0]) if ev is not None and ev.t.size else 0.0
        given = fixed or MetreEstimate(4, "simple", 0.0)
        return (TempoEstimate(DEFAULT_BPM, start, given.beats_per_bar, 0.0, "none",
                              given.division), given)
    hyps = metre_hypotheses(ev, instruments, programs, min_bpm=min_bpm, max_bpm=max_bpm,
                            keep_compound=fixed is not None and fixed.division == "compound")
    for h in hyps:
        h.score = score(h)
    if fixed is None:
        hyps = _two_four_as_four_four(hyps)
    pool = hyps
    if fixed is not None:
        pool = [h for h in hyps if h.metre == fixed.name] or [
            _as_metre(h, fixed) for h in hyps if h.division == "simple"][:1]
    ranked = sorted(pool, key=lambda h: -h.score)
    top = ranked[0].score
    total = sum(math.exp(h.score - top) for h in ranked)
    mass: dict[str, float] = {}
    for h in ranked:
        mass[h.metre] = mass.get(h.metre, 0.0) + math.exp(h.score - top) / total
    chosen = ranked[0].metre
    conf = 1.0 if fixed is not None else mass[chosen]
    runner = next((n for n in sorted(mass, key=lambda k: -mass[k]) if n != chosen), "")
    band = is_band(ev)
    needed = min_confidence(ranked[0], band)
    fell_back = fixed is None and chosen != "4/4" and 1.0 - mass.get("4/4", 0.0) < needed
    estimated = chosen
    if fell_back:
        chosen = "4/4"
    same = [h for h in ranked if h.metre == chosen] or ranked
    best = written_reading(same, ranked[0], fell_back,
                           chosen == "4/4" and (fixed is not None or band))
    by_44 = four_four_octave(same)
    if fixed is not None:
        met = fixed
    else:
        met = MetreEstimate(best.beats_per_bar, "compound" if best.division == "compound"
                            else "simple", round(conf, 3), fell_back, runner,
                            round(mass.get(runner, 0.0), 3), estimated,
                            min_confidence=round(needed, 3))
    period, phase, bpb = best.period, best.phase, best.beats_per_bar
    if chosen == "4/4" and by_44 is not best and abs(by_44.period / period - 2.0) < 0.04:
        # a lone melody at twice the 4/4 model's tempo: the downbeat is found on the slower
        # beat, whose bars span twice the music (dev first bar line +0.2 / +0.7 points)
        b = downbeat_position(ev, by_44.period, by_44.phase, bpb, triad, best.division)
        origin = by_44.phase + b * by_44.period
    else:
        b = downbeat_position(ev, period, phase, bpb, triad, best.division)
        origin = phase + b * period
    first = first_bar_line(origin, bpb * period, float(ev.t[0]), period)
    n = ev.t.size
    conf_grid = grid_fit(beat_fraction(ev.t, period, phase), ev.w, period, ev.jitter)
    conf_grid *= 1.0 - math.exp(-n / 24.0)
    candidates = tuple(
        TempoCandidate(round(h.bpm, 2), round(60.0 / h.period, 2), h.metre,
                       round(math.exp(h.score - top) / total, 3), round(h.score, 3),
                       h is best, _why(h))
        for h in ranked[:CANDIDATES])
    if not any(c.chosen for c in candidates):
        candidates = (*candidates[: CANDIDATES - 1],
                      TempoCandidate(round(best.bpm, 2), round(60.0 / best.period, 2),
                                     best.metre, round(math.exp(best.score - top) / total, 3),
                                     round(best.score, 3), True, _why(best)))
    bpm = min(max_bpm, max(min_bpm, best.bpm))
    return (TempoEstimate(float(bpm), float(first), bpb, round(float(conf_grid), 3), ev.source,
                          met.division, candidates), met)


def _two_four_as_four_four(hyps: list[Hypothesis]) -> list[Hypothesis]:
    """Each 2/4 reading merged into the 4/4 reading of the same beat (their probabilities
    added): notes do not tell 2/4 from 4/4 (on the development split 2 of 80 songs in 2/4
    were read as 2/4, and 4/4 grooves whose chords change every two beats read as 2/4), and
    4/4 bars over a 2/4 song only leave out every other bar line. ``metre="2/4"`` writes it."""
    four = {(round(h.period, 6), round(h.phase, 6)): h for h in hyps
            if h.division == "simple" and h.beats_per_bar == 4}
    out = []
    for h in hyps:
        if h.division == "simple" and h.beats_per_bar == 2:
            twin = four.get((round(h.period, 6), round(h.phase, 6)))
            if twin is not None:
                top = max(twin.score, h.score)
                twin.score = top + math.log(math.exp(twin.score - top) + math.exp(h.score - top))
                continue
            h = Hypothesis(h.period, h.phase, h.division, 4, h.features, h.score)
        out.append(h)
    return out


def _as_metre(h: Hypothesis, metre: MetreEstimate) -> Hypothesis:
    """A simple beat read in a given metre no hypothesis had (a compound metre given for
    notes without any sign of threes: its pulse is taken as a dotted quarter)."""
    period = h.period * (1.5 if metre.division == "compound" else 1.0)
    return Hypothesis(period, h.phase, metre.division, metre.beats_per_bar, h.features, h.score)
