"""The tempo evaluation set: seeded synthetic songs with known answers, plus real MIDI songs.

Run ``python evaluation/make_set.py`` to write the set into ``evaluation/set/`` (one
record-info JSON envelope per song, exactly the shape the API answers, and ``answers.json``
with the true tempo and first downbeat of each). The same seed gives the same files.

The synthetic songs imitate what the MIDI record endpoint returns for a generated song: a
transcription of audio, so besides human timing there are dropped and spurious notes. Each
song has a style (a drum groove or a drum-less arrangement), a tempo inside the range that
style is usually played at, an arrangement in sections (intro, verses and choruses, a
breakdown without drums, fills, crashes, a final held chord), a chord progression with
changes on the bar lines (sometimes also on beat 3), a bass line, comping and a melody. Then:

- swing on the 8th or the 16th level in the styles that swing (ratio 0.54-0.62);
- human timing: every note moves by a gaussian of 3-8 ms (drawn per song), every instrument
  by a constant of up to +-6 ms (a laid-back bass, an eager drummer), chords are strummed;
- the start: music on the first downbeat within 0.25 s, or 0.6-4 s of silence first, or a
  pickup (anacrusis) of 0.5-3 beats (a drum fill, a melody or a bass run) before it;
- transcription noise: 2-8 % of the notes dropped, up to 3 % spurious notes at random times;
- velocities as k/127 and times rounded to 1/192 s, as the API gives them.

Every bar is 4/4 (a waltz-free set); the true tempo is the quarter note of the written
music, so a half-time groove at 150 BPM counts 150 as the answer and 75 as an octave error.

``generate_song(seed, ...)`` builds one song (the tests use it with fixed parameters),
``make_set(n, seed)`` the whole synthetic set, ``real_songs()`` the real ones found on this
machine (see ``evaluation/README.md``). Only the standard library is used for the synthetic
songs, so the set does not change with numpy versions.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_SEED",
    "DRUM_STYLES",
    "PLAIN_STYLES",
    "STYLES",
    "Song",
    "generate_song",
    "make_set",
    "midi_file_to_song",
    "real_songs",
]

DEFAULT_SEED = 20251124
TICK = 1.0 / 192.0  # the API's time resolution

NoteTuple = tuple[int, float, float, float]  # pitch, start s, end s, velocity 0..1

# GM drum keys
KICK, SIDE_STICK, SNARE, CLAP = 36, 37, 38, 39
HAT, PEDAL_HAT, OPEN_HAT, CRASH, RIDE = 42, 44, 46, 49, 51
TOM_LO, TOM_MID, TOM_HI = 45, 47, 50
SHAKER, COWBELL = 70, 56

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
PROGRESSIONS_MAJOR = ((0, 4, 5, 3), (0, 5, 3, 4), (5, 3, 0, 4), (1, 4, 0, 0), (0, 3, 0, 4),
                      (3, 4, 2, 5))
PROGRESSIONS_MINOR = ((0, 5, 2, 6), (0, 3, 4, 0), (0, 6, 5, 6), (0, 5, 3, 4))


@dataclass(frozen=True)
class Style:
    """What a style plays: a tempo range (quarter-note BPM) and its grooves.

    Drum patterns are 16 steps per bar: ``X`` accent, ``x`` normal, ``g`` ghost, ``.`` rest;
    each row lists variants, one picked per bar.
    """

    name: str
    bpm: tuple[float, float]
    drums: bool
    swing: tuple[float, float] = (0.5, 0.5)  # ratio drawn from this range; 0.5 is straight
    swing_level: int = 0  # 8 or 16 when the style swings
    kick: tuple[str, ...] = ()
    snare: tuple[str, ...] = ()
    snare_key: int = SNARE
    hats: tuple[str, ...] = ()
    hat_keys: tuple[int, ...] = (HAT,)
    extra: tuple[tuple[int, str], ...] = ()
    bass: tuple[str, ...] = ()  # 16-step rhythm cells for the bass; "w" walks quarter notes
    comp: tuple[str, ...] = ()  # 16-step rhythm cells for chords; "arp8"/"arp16" arpeggiate
    pad: bool = False
    melody_density: float = 0.6
    names: tuple[tuple[str, ...], ...] = ()  # GM names to draw from: bass, comp, pad, lead


STYLES: tuple[Style, ...] = (
    Style("four_on_floor", (115, 132), True,
          kick=("X...X...X...X...",), snare=("....X.......X...",), snare_key=CLAP,
          hats=("..x...x...x...x.", "x.X.x.X.x.X.x.X."), hat_keys=(OPEN_HAT, HAT),
          bass=("..x...x...x...x.", "x.x.x.x.x.x.x.x.", "..x..xx...x..x.x"),
          comp=("..x...x...x...x.", "x.......x.......", "pad"), pad=True,
          names=(("Synth Bass 1", "Synth Bass 2"), ("Electric Piano 1", "Synth Strings 1"),
                 ("Pad 2 (warm)", "Pad 3 (polysynth)"), ("Lead 2 (sawtooth)", "Voice Oohs"))),
    Style("rock", (88, 168), True,
          kick=("X.......X.......", "X.......X.x.....", "X......xX.......", "X.....x.X.x....."),
          snare=("....X.......X...",), hats=("X.x.X.x.X.x.X.x.",), hat_keys=(HAT, RIDE),
          bass=("x.x.x.x.x.x.x.x.", "x.....x.x.......", "x...x...x...x..."),
          comp=("x.x.x.x.x.x.x.x.", "x.....x.x.....x.", "x.......x......."),
          names=(("Electric Bass (pick)", "Electric Bass (finger)"),
                 ("Overdriven Guitar", "Distortion Guitar", "Electric Guitar (clean)"),
                 ("Rock Organ", "String Ensemble 1"), ("Lead 1 (square)", "Voice Oohs"))),
    Style("pop_ballad", (60, 84), True,
          kick=("X.....x.X.......", "X.......x.x.....", "X.........x....."),
          snare=("....X.......X...",), snare_key=SIDE_STICK,
          hats=("XxxxXxxxXxxxXxxx", "X.x.X.x.X.x.X.x."),
          bass=("x.......x.......", "x.........x.x...", "x..............."),
          comp=("arp8", "arp16", "x...x...x...x..."), pad=True,
          names=(("Electric Bass (finger)", "Fretless Bass"),
                 ("Acoustic Grand Piano", "Electric Piano 1"),
                 ("String Ensemble 1", "String Ensembles 1", "Pad 1 (new age)"),
                 ("Voice Oohs", "Flute", "Violin"))),
    Style("half_time", (130, 176), True,
          kick=("X.....x...x.....", "X.........x..x..", "X.x.......x....."),
          snare=("........X.......",), hats=("x.x.x.x.x.x.x.x.", "xxxxxxxxxxxxxxxx"),
          bass=("x.....x...x.....", "x...............", "x.........x....."),
          comp=("pad", "x.......x......."), pad=True,
          names=(("Synth Bass 1", "Electric Bass (finger)"), ("Electric Piano 2", "Pad 2 (warm)"),
                 ("Pad 3 (polysynth)", "Synth Strings 1"), ("Lead 2 (sawtooth)", "Voice Oohs"))),
    Style("funk", (88, 118), True, swing=(0.5, 0.58), swing_level=16,
          kick=("X..x..x...x..x..", "X.x...x..x......", "X..x....x.x...x."),
          snare=("....X..g.g..X..g", "....X.g..g..X.g."),
          hats=("XxxxXxxxXxxxXxxx", "x.xxx.xxx.xxx.xx"),
          bass=("x..x..x.x.x..x..", "x.xx..x...x.x..x", "x...x.x..x.x..x."),
          comp=(".x.x..x..x.x..x.", "..x...x...x..xx.", ".x...x.x.x...x.."),
          names=(("Slap Bass 1", "Electric Bass (finger)"), ("Clavinet", "Electric Guitar (muted)"),
                 ("Brass Section", "Rock Organ"), ("Alto Sax", "Lead 1 (square)"))),
    Style("shuffle", (90, 150), True, swing=(0.56, 0.62), swing_level=8,
          kick=("X.......X.......", "X.......X.....x."),
          snare=("....X.......X...",), hats=("X.x.X.x.X.x.X.x.",), hat_keys=(RIDE, HAT),
          bass=("w",), comp=("..x...x...x...x.", "x.....x.....x...", "....x.......x..."),
          names=(("Acoustic Bass", "Electric Bass (finger)"),
                 ("Acoustic Grand Piano", "Rock Organ"),
                 ("Brass Section",), ("Tenor Sax", "Alto Sax", "Trumpet"))),
    Style("punk", (168, 200), True,
          kick=("X.x.X.x.X.x.X.x.", "X.......X.x....."),
          snare=("....X.......X...",), hats=("x.x.x.x.x.x.x.x.",), hat_keys=(HAT, CRASH),
          bass=("x.x.x.x.x.x.x.x.",), comp=("x.x.x.x.x.x.x.x.", "x...x...x...x..."),
          names=(("Electric Bass (pick)",), ("Distortion Guitar", "Overdriven Guitar"),
                 ("Distortion Guitar",), ("Voice Oohs", "Lead 1 (square)"))),
    Style("breakbeat", (160, 180), True,
          kick=("X.........X.....", "X.........x..x..", "X.x.......X....."),
          snare=("....X.......X...", "....X..g.g..X..."),
          hats=("x.x.x.x.x.x.x.x.", "xxxxxxxxxxxxxxxx"),
          bass=("x...............", "x.........x.....", "x.....x...x....."),
          comp=("pad",), pad=True,
          names=(("Synth Bass 2", "Synth Bass 1"), ("Pad 2 (warm)",), ("Synth Strings 1",),
                 ("Lead 2 (sawtooth)", "Electric Piano 1"))),
    Style("hiphop", (78, 100), True, swing=(0.54, 0.6), swing_level=16,
          kick=("X.....x...X..x..", "X..x......X.....", "X.....xx..X....."),
          snare=("....X.......X...",), hats=("x.x.x.x.x.x.x.x.", "xxx.xxx.xxx.xxx."),
          bass=("x.....x...x.....", "x..x......x....."),
          comp=("x.......x.......", ".....x.......x.."),
          names=(("Electric Bass (finger)", "Synth Bass 1"), ("Electric Piano 1", "Vibraphone"),
                 ("String Ensemble 1",), ("Flute", "Electric Piano 2"))),
    Style("dembow", (88, 102), True,
          kick=("X...X...X...X...",), snare=("...x..x....x..x.",), hats=("x.x.x.x.x.x.x.x.",),
          extra=((SHAKER, "xxxxxxxxxxxxxxxx"),),
          bass=("x..x..x.x..x..x.", "x...x...x...x..."), comp=("...x..x....x..x.", "pad"),
          names=(("Synth Bass 1",), ("Electric Piano 1", "Acoustic Guitar (nylon)"),
                 ("Pad 2 (warm)",), ("Voice Oohs", "Lead 2 (sawtooth)"))),
    # without drums
    Style("piano_ballad", (60, 92), False,
          bass=("x.......x.......", "x..............."), comp=("arp8", "arp16", "x...x...x...x..."),
          pad=True, melody_density=0.7,
          names=(("Acoustic Grand Piano",), ("Acoustic Grand Piano", "Electric Piano 1"),
                 ("String Ensemble 1", "Pad 1 (new age)"), ("Violin", "Flute", "Voice Oohs"))),
    Style("acoustic_strum", (80, 150), False,
          bass=("x.......x.......", "x.....x.x......."),
          comp=("x.x.x.xxx.x.x.xx", "x..x..x.x.x.x.x.", "x.x.xx.xx.x.xx.x"),
          names=(("Acoustic Bass", "Electric Bass (finger)"),
                 ("Acoustic Guitar (steel)", "Acoustic Guitar (nylon)"),
                 ("Accordion", "String Ensemble 1"), ("Flute", "Voice Oohs", "Harmonica"))),
    Style("synth_arp", (100, 138), False,
          bass=("x.x.x.x.x.x.x.x.", "x..x..x.x..x..x."), comp=("arp16",), pad=True,
          names=(("Synth Bass 1", "Synth Bass 2"), ("Lead 1 (square)", "Lead 8 (bass + lead)"),
                 ("Pad 2 (warm)", "Pad 8 (sweep)"), ("Lead 2 (sawtooth)", "Lead 6 (voice)"))),
    Style("chamber", (60, 116), False,
          bass=("x...x...x...x...", "x.......x......."), comp=("x.x.x.x.x.x.x.x.", "arp8"),
          pad=True, melody_density=0.8,
          names=(("Cello", "Contrabass"), ("Viola", "Pizzicato Strings"),
                 ("String Ensemble 1", "SynthStrings 1"), ("Violin", "Oboe", "Clarinet"))),
    Style("jazz_combo", (100, 180), False, swing=(0.56, 0.62), swing_level=8,
          bass=("w",), comp=("x.....x.........", "..x.......x.....", "x.....x.x......."),
          melody_density=0.7,
          names=(("Acoustic Bass",), ("Acoustic Grand Piano", "Electric Guitar (jazz)"),
                 ("Vibraphone",), ("Tenor Sax", "Alto Sax", "Trumpet"))),
)
DRUM_STYLES = tuple(s.name for s in STYLES if s.drums)
PLAIN_STYLES = tuple(s.name for s in STYLES if not s.drums)
_BY_NAME = {s.name: s for s in STYLES}

MELODY_CELLS = (  # (16th step, length in 16ths) within a bar
    ((0, 4), (4, 4), (8, 4), (12, 4)),
    ((0, 2), (2, 2), (4, 4), (8, 2), (10, 2), (12, 4)),
    ((0, 6), (6, 2), (8, 8)),
    ((2, 2), (4, 2), (6, 4), (10, 2), (12, 4)),
    ((0, 3), (3, 3), (6, 2), (8, 4), (14, 2)),
    ((0, 8), (8, 4), (12, 2), (14, 2)),
    ((0, 2), (2, 2), (4, 2), (6, 2), (8, 2), (10, 2), (12, 2), (14, 2)),
    ((4, 2), (6, 2), (8, 6), (14, 4)),  # the last note anticipates the next bar
    ((0, 16),),
    (),
)


@dataclass
class Track:
    name: str
    notes: list[NoteTuple] = field(default_factory=list)


@dataclass
class Song:
    """One song of the set and its answer."""

    name: str
    style: str
    bpm: float
    first_downbeat: float
    beats_per_bar: int
    has_drums: bool
    swing: float
    swing_level: int
    jitter_ms: float
    lead: str  # "none", "silence", "pickup", or "file" for real songs
    pickup_beats: float
    tracks: list[Track]
    source: str = "synthetic"
    key: tuple[int, str] | None = None  # (tonic pitch class, "major"/"minor"), when known

    @property
    def note_count(self) -> int:
        return sum(len(t.notes) for t in self.tracks)

    @property
    def duration(self) -> float:
        return max((n[2] for t in self.tracks for n in t.notes), default=0.0)

    def answer(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "style": self.style,
            "bpm": self.bpm,
            "first_downbeat": self.first_downbeat,
            "beats_per_bar": self.beats_per_bar,
            "has_drums": self.has_drums,
            "swing": self.swing,
            "swing_level": self.swing_level,
            "jitter_ms": self.jitter_ms,
            "lead": self.lead,
            "pickup_beats": self.pickup_beats,
            "notes": self.note_count,
            "duration": round(self.duration, 3),
            "key": list(self.key) if self.key else None,
        }

    def to_instruments(self) -> list[Any]:
        """The song as ``midi_export.Instrument`` objects (empty tracks kept)."""
        from midi_export.record import Instrument

        return [
            Instrument.from_columns(
                t.name,
                [n[0] for n in t.notes],
                [n[1] for n in t.notes],
                [n[2] for n in t.notes],
                [n[3] for n in t.notes],
            )
            for t in self.tracks
        ]

    def to_envelope(self) -> dict[str, Any]:
        """The song as the record-info endpoint answers it (``{code, msg, data}``)."""
        return {
            "code": 200,
            "msg": "success",
            "data": {
                "taskId": self.name,
                "recordTaskId": -1,
                "audioId": None,
                "callbackUrl": None,
                "completeTime": 1760335255000,
                "createTime": 1760335251000,
                "midiData": {
                    "state": "complete",
                    "instruments": [
                        {
                            "name": t.name,
                            "notes": [
                                {"pitch": p, "start": s, "end": e, "velocity": v}
                                for p, s, e, v in t.notes
                            ],
                        }
                        for t in self.tracks
                    ],
                },
                "successFlag": 1,
                "errorCode": None,
                "errorMessage": None,
            },
        }


def _q192(t: float) -> float:
    return round(t * 192.0) / 192.0


def _vel(v: float) -> float:
    return max(1, min(127, round(v))) / 127.0


class _Builder:
    """Places notes given in beats (from the first downbeat) onto seconds, humanized."""

    def __init__(self, rng: random.Random, bpm: float, downbeat: float, swing: float,
                 swing_level: int, jitter_ms: float) -> None:
        self.rng = rng
        self.spb = 60.0 / bpm
        self.downbeat = downbeat
        self.swing = swing
        self.swing_level = swing_level
        self.jitter = jitter_ms / 1000.0
        self.tracks: dict[str, Track] = {}
        self.offsets: dict[str, float] = {}

    def track(self, name: str) -> Track:
        if name not in self.tracks:
            self.tracks[name] = Track(name)
            self.offsets[name] = self.rng.uniform(-0.006, 0.006)
        return self.tracks[name]

    def _swung(self, beat: float) -> float:
        whole = math.floor(beat)
        f = beat - whole
        r = self.swing
        if self.swing_level == 8 and r != 0.5:
            f = f / 0.5 * r if f <= 0.5 else r + (f - 0.5) / 0.5 * (1.0 - r)
        elif self.swing_level == 16 and r != 0.5:
            half = 0.5 if f >= 0.5 else 0.0
            g = f - half
            g = g / 0.25 * r * 0.5 if g <= 0.25 else r * 0.5 + (g - 0.25) / 0.25 * (1 - r) * 0.5
            f = half + g
        return whole + f

    def add(self, name: str, pitch: int, beat: float, length: float, velocity: float,
            *, delay: float = 0.0) -> None:
        """A note at ``beat`` (straight position, swung here) lasting ``length`` beats."""
        tr = self.track(name)
        start_beat = self._swung(beat)
        end_beat = self._swung(beat + length) if length < 1.0 else start_beat + length
        t = self.downbeat + start_beat * self.spb + self.offsets[name] + delay
        t += self.rng.gauss(0.0, self.jitter)
        end = self.downbeat + end_beat * self.spb + self.offsets[name] + delay
        end += self.rng.gauss(0.0, self.jitter)
        start = max(0.0, _q192(t))
        end = max(start + TICK, _q192(end))
        tr.notes.append((int(pitch), start, end, _vel(velocity * self.rng.uniform(0.9, 1.1))))


def _accent(step: int) -> float:
    if step == 0:
        return 1.0
    if step % 4 == 0:
        return 0.92
    if step % 2 == 0:
        return 0.8
    return 0.7


def _chord(root_pc: int, scale: Sequence[int], degree: int, low: int) -> list[int]:
    """Triad (or seventh) on ``degree`` of the scale, voiced upward from ``low``."""
    pcs = [(root_pc + scale[(degree + k) % 7] + 12 * ((degree + k) // 7)) for k in (0, 2, 4)]
    base = pcs[0]
    while base < low:
        base += 12
    while base >= low + 12:
        base -= 12
    shift = base - pcs[0]
    return [p + shift for p in pcs]


def generate_song(
    seed: int | str,
    *,
    style: str | None = None,
    bpm: float | None = None,
    lead: str | None = None,
    swing: float | None = None,
    bars: int | None = None,
    jitter_ms: float | None = None,
    noise: bool = True,
    name: str | None = None,
) -> Song:
    """One seeded song. Every keyword left at ``None`` is drawn from the seed.

    ``style`` is a name from ``STYLES``; ``lead`` is ``"none"``, ``"silence"`` or
    ``"pickup"``; ``swing`` overrides the style's ratio (only styles that swing use it);
    ``noise=False`` leaves out dropped and spurious notes.
    """
    rng = random.Random(f"midi-export-tempo:{seed}")
    st = _BY_NAME[style] if style is not None else rng.choice(STYLES)
    tempo = float(bpm) if bpm is not None else round(rng.uniform(*st.bpm), 1)
    ratio = swing if swing is not None else round(rng.uniform(*st.swing), 3)
    if not st.swing_level:
        ratio = 0.5
    lead_kind = lead if lead is not None else rng.choice(("none", "silence", "pickup"))
    jit = jitter_ms if jitter_ms is not None else round(rng.uniform(3.0, 8.0), 2)
    spb = 60.0 / tempo
    pickup = 0.0
    if lead_kind == "none":
        downbeat = rng.uniform(0.0, 0.25)
    elif lead_kind == "silence":
        downbeat = rng.uniform(0.6, 4.0)
    elif lead_kind == "pickup":
        pickup = rng.choice((0.5, 1.0, 1.5, 2.0, 3.0))
        downbeat = rng.uniform(0.0, 1.0) + pickup * spb
    else:
        raise ValueError(f"unknown lead {lead_kind!r}")
    downbeat = _q192(downbeat)
    if bars is None:
        bars = max(12, round(rng.uniform(45.0, 150.0) / (4 * spb)))

    b = _Builder(rng, tempo, downbeat, ratio, st.swing_level, jit)
    bass_name, comp_name, pad_name, lead_name = (rng.choice(n) for n in st.names)
    if comp_name == bass_name:
        comp_name += " "  # one instrument per track name; the API never repeats names anyway
    if pad_name in (comp_name, bass_name):
        pad_name = ""
    key = rng.randrange(12)
    minor = rng.random() < 0.4
    scale = MINOR if minor else MAJOR
    prog = rng.choice(PROGRESSIONS_MINOR if minor else PROGRESSIONS_MAJOR)
    two_chords = rng.random() < 0.3
    kick_rows = st.kick
    bass_cell = rng.choice(st.bass)
    comp_cell = rng.choice(st.comp)
    hat_row = rng.choice(st.hats) if st.hats else ""
    hat_key = rng.choice(st.hat_keys)

    # arrangement: intro, 8-bar blocks, maybe a breakdown, a held final bar
    intro = rng.choice((0, 2, 4))
    intro_kind = rng.choice(("pad", "drums", "band")) if st.drums else "pad"
    breakdown_at = rng.randrange(intro + 8, max(intro + 9, bars - 4)) if rng.random() < 0.4 else -1
    breakdown_at -= (breakdown_at - intro) % 4 if breakdown_at > 0 else 0

    def degree_at(bar: int, beat: float) -> int:
        d = prog[bar % len(prog)]
        if two_chords and beat >= 2.0:
            d = prog[(bar + 1) % len(prog)] if bar % 2 else (d + 3) % 7
        return d

    melody_pitch = 72 + key % 12 - 12 * ((key % 12) > 7)
    last = bars - 1
    for bar in range(bars):
        beat0 = 4.0 * bar
        in_intro = bar < intro
        in_break = breakdown_at >= 0 and breakdown_at <= bar < breakdown_at + 4
        phrase_start = bar == intro or (bar - intro) % 8 == 0 or bar == breakdown_at + 4
        fill = (bar - intro) % 8 == 7 and bar < last - 1 and not in_intro
        drums_on = st.drums and not in_break and (not in_intro or intro_kind != "pad")
        band_on = not in_intro or intro_kind == "band"
        if bar == last:  # final chord, crash
            if st.drums:
                b.add("Drums", CRASH, beat0, 1.0, 115)
                b.add("Drums", KICK, beat0, 0.25, 110)
            for p in _chord(key, scale, prog[0], 55):
                b.add(comp_name, p, beat0, 3.5, 85, delay=rng.uniform(0, 0.02))
            b.add(bass_name, 36 + key % 12, beat0, 3.5, 95)
            continue
        # drums
        if drums_on:
            if phrase_start:
                b.add("Drums", CRASH, beat0, 1.0, 112)
            krow = rng.choice(kick_rows)
            srow = rng.choice(st.snare)
            for step in range(16):
                pos = beat0 + step / 4.0
                if fill and step >= 8:
                    if step % 2 == 0 or rng.random() < 0.5:
                        b.add("Drums", rng.choice((SNARE, TOM_HI, TOM_MID, TOM_LO)), pos, 0.25,
                              70 + 4 * (step - 8))
                    if step == 8:
                        b.add("Drums", KICK, pos, 0.25, 100)
                    continue
                for row, keyn in ((krow, KICK), (srow, st.snare_key), (hat_row, hat_key),
                                  *((r, k) for k, r in st.extra)):
                    c = row[step] if row else "."
                    if c == ".":
                        continue
                    v = {"X": 112, "x": 92, "g": 38}[c] * (_accent(step) if keyn in (
                        HAT, RIDE, OPEN_HAT, SHAKER, CRASH) else 1.0)
                    if keyn == hat_key and in_intro and intro_kind == "drums" and bar < 1:
                        v *= 0.8
                    b.add("Drums", keyn, pos, 0.25, v)
        if not band_on:
            if st.pad or intro_kind == "pad":  # intro pad only
                for p in _chord(key, scale, degree_at(bar, 0), 57):
                    b.add(pad_name or comp_name, p, beat0, 3.9, 70)
            continue
        # bass
        if not in_break or rng.random() < 0.5:
            if bass_cell == "w":  # walking: chord tones and approach notes on every beat
                for q in range(4):
                    d = degree_at(bar, q)
                    root = 36 + (key + scale[d % 7]) % 12
                    p = root if q == 0 else root + rng.choice((0, 3, 4, 7, 5, -1, 2))
                    b.add(bass_name, p, beat0 + q, 0.9, 92 if q % 2 == 0 else 84)
            else:
                for step, c in enumerate(bass_cell):
                    if c != "x":
                        continue
                    d = degree_at(bar, step / 4)
                    root = 33 + (key + scale[d % 7] + 3) % 12
                    nxt = bass_cell.find("x", step + 1)
                    length = ((nxt if nxt > 0 else 16) - step) / 4.0
                    p = root + (12 if rng.random() < 0.15 else 0)
                    b.add(bass_name, p, beat0 + step / 4, max(0.2, length * 0.85),
                          100 * _accent(step))
        # comping
        if comp_cell == "pad" or in_break:
            for p in _chord(key, scale, degree_at(bar, 0), 55):
                b.add(pad_name or comp_name, p, beat0, 3.8 if not two_chords else 1.9, 72)
            if two_chords:
                for p in _chord(key, scale, degree_at(bar, 2), 55):
                    b.add(pad_name or comp_name, p, beat0 + 2, 1.9, 70)
        elif comp_cell.startswith("arp"):
            step_len = 0.5 if comp_cell == "arp8" else 0.25
            n = int(4 / step_len)
            for k in range(n):
                pos = k * step_len
                tones = _chord(key, scale, degree_at(bar, pos), 60)
                pat = (0, 1, 2, 1, 2, 0, 1, 2) if n == 8 else (0, 1, 2, 3, 2, 1, 0, 1)
                i = pat[k % len(pat)]
                p = tones[i % 3] + 12 * (i // 3)
                b.add(comp_name, p, beat0 + pos, step_len * 1.6, 78 * _accent(int(pos * 4)))
            if rng.random() < 0.8:  # left hand / root under the arpeggio
                b.add(comp_name, 48 + (key + scale[degree_at(bar, 0)]) % 12, beat0, 3.6, 80)
        else:
            strum = comp_name.startswith(("Acoustic Guitar", "Overdriven", "Distortion",
                                          "Electric Guitar"))
            for step, c in enumerate(comp_cell):
                if c != "x":
                    continue
                nxt = comp_cell.find("x", step + 1)
                length = ((nxt if nxt > 0 else 16) - step) / 4.0
                tones = _chord(key, scale, degree_at(bar, step / 4), 55)
                if strum:
                    tones = [tones[0] - 12, *tones, tones[0] + 12]
                up = strum and step % 2 == 1
                for k, p in enumerate(reversed(tones) if up else tones):
                    delay = k * rng.uniform(0.004, 0.012) if strum else rng.uniform(0, 0.008)
                    b.add(comp_name, p, beat0 + step / 4, max(0.2, length * 0.9),
                          88 * _accent(step) * (0.85 if up else 1.0), delay=delay)
            if st.pad and pad_name and bar % 2 == 0:
                for p in _chord(key, scale, degree_at(bar, 0), 60):
                    b.add(pad_name, p, beat0, 7.6, 60)
        # melody
        if (bar - intro) % 16 < 8 or rng.random() < st.melody_density:
            cell = rng.choice(MELODY_CELLS)
            if rng.random() > st.melody_density:
                cell = ()
            for step, length in cell:
                tones = _chord(key, scale, degree_at(bar, step / 4), 64)
                if step % 4 == 0 and rng.random() < 0.6:
                    target = min(tones, key=lambda t: abs(t - melody_pitch))
                    melody_pitch = target + 12 * (target < 62)
                else:
                    melody_pitch += rng.choice((-2, -1, 1, 2, 3, -3))
                    melody_pitch = min(86, max(60, melody_pitch))
                b.add(lead_name, melody_pitch, beat0 + step / 4, length / 4 * 0.92,
                      90 * _accent(step))

    # the pickup (anacrusis) before the first downbeat
    if pickup:
        n = int(pickup * 2)
        for k in range(n):
            pos = -pickup + k * 0.5
            if st.drums and rng.random() < 0.7:
                b.add("Drums", rng.choice((SNARE, TOM_HI, TOM_MID, TOM_LO)), pos, 0.25,
                      70 + 30 * k / max(1, n))
                if pickup >= 1.0 and k % 2 == 1:
                    b.add("Drums", SNARE, pos + 0.25, 0.25, 60 + 30 * k / max(1, n))
            else:
                p = 72 + (key + scale[(k - n) % 7]) % 12
                b.add(lead_name, p, pos, 0.45, 85)
                if k == 0:
                    b.add(bass_name, 40 + key % 12, pos, pickup, 80)

    tracks = [t for t in b.tracks.values() if t.notes]
    for t in tracks:
        t.name = t.name.strip()
        t.notes.sort(key=lambda n: (n[1], n[0]))
    if noise:
        _transcription_noise(rng, tracks)
    return Song(
        name=name or f"{st.name}-{seed}",
        style=st.name,
        bpm=tempo,
        first_downbeat=downbeat,
        beats_per_bar=4,
        has_drums=st.drums,
        swing=ratio,
        swing_level=st.swing_level if ratio != 0.5 else 0,
        jitter_ms=jit,
        lead=lead_kind,
        pickup_beats=pickup,
        tracks=tracks,
        key=(key % 12, "minor" if minor else "major"),
    )


def _transcription_noise(rng: random.Random, tracks: list[Track]) -> None:
    """Drop 2-8 % of the notes and add up to 3 % spurious ones, as a transcription does."""
    drop = rng.uniform(0.02, 0.08)
    spurious = rng.uniform(0.0, 0.03)
    everything = [n for t in tracks for n in t.notes]
    if not everything:
        return
    lo = min(n[1] for n in everything)
    hi = max(n[1] for n in everything)
    for t in tracks:
        t.notes = [n for n in t.notes if rng.random() >= drop]
    for _ in range(int(spurious * len(everything))):
        t = rng.choice(tracks)
        if not t.notes:
            continue
        pitch = rng.choice(t.notes)[0]
        start = _q192(rng.uniform(lo, hi))
        end = start + _q192(rng.uniform(0.05, 0.3))
        t.notes.append((pitch, start, end, _vel(rng.uniform(25, 75))))
    for t in tracks:
        t.notes.sort(key=lambda n: (n[1], n[0]))


def make_set(n: int = 96, seed: int = DEFAULT_SEED) -> list[Song]:
    """The synthetic set: styles in turn (9 with drums, 5 without), the rest drawn per song."""
    songs = []
    for i in range(n):
        st = STYLES[i % len(STYLES)]
        songs.append(generate_song(f"{seed}:{i}", style=st.name, name=f"syn-{i:03d}-{st.name}"))
    return songs


# --- real songs -------------------------------------------------------------------------

#: Debian packages whose MIDI music is used (see README.md for provenance and licences).
REAL_DIRS = (
    ("openttd-openmsx", "usr/share/games/openttd/baseset/openmsx"),
    ("planetblupi-music-midi", "usr/share/planetblupi/music"),
)
REAL_ROOTS = (Path("/"), Path(__file__).resolve().parent / "real")


def midi_file_to_song(path: Path, *, package: str, max_seconds: float = 300.0) -> Song | None:
    """A steady-tempo MIDI file as a record (notes in seconds via pretty_midi), or None.

    Files with more than one tempo are skipped (their answer is not one number). The song is
    cut at ``max_seconds`` (the API's songs are at most a few minutes long). The answer is
    the file's tempo, and its first bar line at or after the first note.
    """
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(str(path))
    _, tempi = pm.get_tempo_changes()
    if len({round(float(t), 3) for t in tempi}) != 1:
        return None
    bpm = float(tempi[0])
    sigs = pm.time_signature_changes
    num, den = (sigs[0].numerator, sigs[0].denominator) if sigs else (4, 4)
    tracks = []
    for ins in pm.instruments:
        name = "Drums" if ins.is_drum else pretty_midi.program_to_instrument_name(ins.program)
        notes = [
            (int(n.pitch), _q192(n.start), max(_q192(n.start) + TICK, _q192(n.end)),
             _vel(n.velocity))
            for n in ins.notes if n.start < max_seconds and n.velocity > 0
        ]
        if notes:
            base = name
            k = 2
            while any(t.name == name for t in tracks):
                name = f"{base} {k}"
                k += 1
            tracks.append(Track(name, sorted(notes, key=lambda x: (x[1], x[0]))))
    if not tracks:
        return None
    first = min(n[1] for t in tracks for n in t.notes)
    bar = num * (4.0 / den) * 60.0 / bpm
    first_downbeat = math.ceil((first - 0.03) / bar) * bar
    return Song(
        name=f"real-{package}-{path.stem}",
        style=f"{num}/{den}",
        bpm=round(bpm, 3),
        first_downbeat=round(first_downbeat, 6),
        beats_per_bar=num if den == 4 else num * 4 // den,
        has_drums=any(t.name == "Drums" for t in tracks),
        swing=0.5,
        swing_level=0,
        jitter_ms=0.0,
        lead="file",
        pickup_beats=0.0,
        tracks=tracks,
        source=f"debian:{package}",
    )


def real_midi_files() -> Iterator[tuple[str, Path]]:
    """(package, path) of every real MIDI file found, installed or unpacked into real/."""
    seen: set[str] = set()
    for root in REAL_ROOTS:
        for package, sub in REAL_DIRS:
            folder = root / sub
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.mid")):
                if path.name not in seen:
                    seen.add(path.name)
                    yield package, path


def real_songs(skipped: list[str] | None = None) -> list[Song]:
    """The real songs found on this machine (none when the packages are not there)."""
    import warnings

    songs = []
    for package, path in real_midi_files():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            song = midi_file_to_song(path, package=package)
        if song is None:
            if skipped is not None:
                skipped.append(f"{package}/{path.name}: more than one tempo")
            continue
        songs.append(song)
    return songs


def write_set(songs: Iterable[Song], out: Path) -> list[dict[str, Any]]:
    """Write each song's envelope as ``<name>.json`` and all answers as ``answers.json``."""
    out.mkdir(parents=True, exist_ok=True)
    answers = []
    for song in songs:
        (out / f"{song.name}.json").write_text(
            json.dumps(song.to_envelope(), separators=(",", ":")), encoding="utf-8")
        answers.append(song.answer())
    (out / "answers.json").write_text(json.dumps(answers, indent=1) + "\n", encoding="utf-8")
    return answers


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = Path(__file__).resolve().parent
    parser.add_argument("--out", type=Path, default=here / "set")
    parser.add_argument("-n", type=int, default=96, help="number of synthetic songs")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--no-real", action="store_true", help="leave out the real MIDI songs")
    args = parser.parse_args(argv)
    songs = make_set(args.n, args.seed)
    skipped: list[str] = []
    if not args.no_real:
        songs += real_songs(skipped)
    answers = write_set(songs, args.out)
    real = sum(a["source"] != "synthetic" for a in answers)
    print(f"wrote {len(answers)} songs ({len(answers) - real} synthetic, {real} real) "
          f"to {args.out}")
    for s in skipped:
        print(f"skipped {s}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
