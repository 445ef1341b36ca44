"""MuseScore 3's MIDI import, headless, and what the score it makes shows.

``musescore_import`` runs ``mscore3 -o out.mscx in.mid`` with ``QT_QPA_PLATFORM=offscreen``
(Debian ``musescore3``; 0.4-1 s); ``parse_mscx`` reads the score: its parts (track name,
program, channel, port, drum set, staves), the measures of the first staff (start and length
in quarter notes, the time signature in force, MuseScore's ``irregular`` pickup flag), the
tempo marks (walking ``<location>`` moves and tuplets), the key signatures of every staff
and where the first note is.

What the import does, read in its source (``mscore/importmidi``) and confirmed with probe
files: one part per track, except that two *adjacent* tracks on one channel become a single
two-staff part when the first has a keyboard-like program (``isGrandStaff``); the MIDI port
(``FF 21``) is ignored; tempo marks are shown rounded to whole BPM; a key signature is read
from the track of each staff's notes only (one in the conductor track alone is ignored, and
MuseScore guesses a key instead).
"""

from __future__ import annotations

import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from . import need, run

__all__ = ["MsMeasure", "MsPart", "MsScore", "MsTempo", "musescore_import", "parse_mscx"]


@dataclass(frozen=True)
class MsPart:
    """One part of the imported score."""

    name: str  # the part's track name as MuseScore shows it
    program: int | None
    channel: int | None  # 0..15 as MuseScore stores it
    port: int | None
    is_drum: bool
    staves: int


@dataclass(frozen=True)
class MsMeasure:
    """One measure: start and length in quarter notes, the time signature in force."""

    index: int  # 1-based, as MuseScore numbers bars
    start: Fraction
    length: Fraction
    time_signature: tuple[int, int]
    irregular: bool  # MuseScore's pickup / odd-length flag

    @property
    def full(self) -> bool:
        num, den = self.time_signature
        return self.length == Fraction(4 * num, den)


@dataclass(frozen=True)
class MsTempo:
    """A tempo mark: position in quarter notes from the start, quarter-note BPM, its text."""

    position: Fraction
    bpm: float
    text: str


@dataclass
class MsScore:
    """What MuseScore's import made of a file."""

    parts: list[MsPart]
    measures: list[MsMeasure]
    tempos: list[MsTempo]
    time_signatures: list[tuple[Fraction, int, int]]  # (position, num, den), as displayed
    first_note: Fraction | None  # quarters from the start, over all staves
    # (staff index, position, accidentals: sharps > 0, flats < 0) of every key signature shown
    key_signatures: list[tuple[int, Fraction, int]] = field(default_factory=list)

    def seconds_at(self, position: Fraction) -> float:
        """The time in seconds of a position through the score's tempo marks (120 BPM
        before the first)."""
        seconds, last, bpm = 0.0, Fraction(0), 120.0
        for tempo in self.tempos:
            if tempo.position >= position:
                break
            seconds += float(tempo.position - last) * 60 / bpm
            last, bpm = tempo.position, tempo.bpm
        return seconds + float(position - last) * 60 / bpm

    def first_full_measure(self) -> MsMeasure | None:
        return next((m for m in self.measures if m.full and not m.irregular), None)


def musescore_import(mid: str | os.PathLike[str], out: str | os.PathLike[str],
                     timeout: float = 180) -> Path:
    """Import ``mid`` with MuseScore 3 headless into the score ``out`` (.mscx). Raises
    ``Unavailable``, ``TimeoutError`` or ``RuntimeError`` (the import failed)."""
    exe = need("mscore3", "musescore3")
    source, target = Path(mid).resolve(), Path(out).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               XDG_RUNTIME_DIR=os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())
    done = run([exe, "-o", str(target), str(source)], timeout, env=env)
    if done.returncode != 0 or not target.exists():
        raise RuntimeError(f"mscore3 failed ({done.returncode}): {done.stderr[-500:]}")
    return target


_DURATIONS = {  # durationType -> quarters
    "long": Fraction(16), "breve": Fraction(8), "whole": Fraction(4), "half": Fraction(2),
    "quarter": Fraction(1), "eighth": Fraction(1, 2), "16th": Fraction(1, 4),
    "32nd": Fraction(1, 8), "64th": Fraction(1, 16), "128th": Fraction(1, 32),
    "256th": Fraction(1, 64), "512th": Fraction(1, 128), "1024th": Fraction(1, 256),
}


def _duration(element: ET.Element, measure_len: Fraction) -> Fraction:
    kind = element.findtext("durationType", "quarter")
    if kind == "measure":
        return measure_len
    dots = int(element.findtext("dots", "0"))
    return _DURATIONS[kind] * (2 - Fraction(1, 2**dots))


def _fraction(text: str) -> Fraction:
    num, _, den = text.partition("/")
    return Fraction(int(num), int(den or 1))


def _part(part: ET.Element) -> MsPart:
    instrument = part.find("Instrument")
    channel = instrument.find("Channel") if instrument is not None else None

    def number(tag: str, attr: bool = False) -> int | None:
        found = channel.find(tag) if channel is not None else None
        if found is None:
            return None
        value = found.get("value") if attr else found.text
        return int(value) if value not in (None, "") else None

    return MsPart(
        name=part.findtext("trackName", ""),
        program=number("program", attr=True),
        channel=number("midiChannel"),
        port=number("midiPort"),
        is_drum=instrument is not None and instrument.findtext("useDrumset", "0") == "1",
        staves=len(part.findall("Staff")),
    )


def parse_mscx(path: str | os.PathLike[str]) -> MsScore:
    """Read a MuseScore 3 .mscx: parts, the measures of the first staff, tempo marks."""
    score = ET.parse(path).getroot().find("Score")
    if score is None:
        raise ValueError(f"{path}: no <Score>")
    parts = [_part(part) for part in score.findall("Part")]
    staves = [s for s in score.findall("Staff") if s.find("Measure") is not None]
    measures: list[MsMeasure] = []
    tempos: list[MsTempo] = []
    signatures: list[tuple[Fraction, int, int]] = []
    first_note: Fraction | None = None
    keys: list[tuple[int, Fraction, int]] = []
    for staff_index, staff in enumerate(staves):
        start, sig = Fraction(0), (4, 4)
        for index, measure in enumerate(staff.findall("Measure"), 1):
            voices = measure.findall("voice") or [measure]
            for voice in voices:  # a key and a time signature sit in the first voice
                key = voice.find("KeySig")
                if key is not None:
                    keys.append((staff_index, start, int(key.findtext("accidental", "0"))))
                found = voice.find("TimeSig")
                if found is not None:
                    sig = (int(found.findtext("sigN", "4")), int(found.findtext("sigD", "4")))
                    if staff_index == 0:
                        signatures.append((start, *sig))
            length = (_fraction(measure.get("len", "")) * 4 if measure.get("len")
                      else Fraction(4 * sig[0], sig[1]))
            if staff_index == 0:
                measures.append(MsMeasure(index, start, length, sig,
                                          measure.findtext("irregular", "0") == "1"))
            for voice in voices:
                for kind, position in _walk_voice(voice, start, length):
                    if isinstance(kind, MsTempo):
                        if staff_index == 0:
                            tempos.append(kind)
                    elif first_note is None or position < first_note:
                        first_note = position
            start += length
    tempos.sort(key=lambda t: t.position)
    return MsScore(parts, measures, tempos, signatures, first_note, keys)


def _walk_voice(voice: ET.Element, start: Fraction,
                measure_len: Fraction) -> Iterator[tuple[Any, Fraction]]:
    """``(MsTempo | "chord", position)`` for the voice's tempo marks and chords."""
    position = start
    ratios: list[Fraction] = []
    for element in voice:
        tag = element.tag
        if tag == "location":
            position += _fraction(element.findtext("fractions", "0")) * 4
        elif tag == "Tuplet":
            normal, actual = element.findtext("normalNotes"), element.findtext("actualNotes")
            if normal and actual:
                ratios.append(Fraction(int(normal), int(actual)))
        elif tag == "endTuplet" and ratios:
            ratios.pop()
        elif tag == "Tempo":
            text_node = element.find("text")
            text = "".join(text_node.itertext()) if text_node is not None else ""
            bpm = float(element.findtext("tempo", "2")) * 60  # stored in beats per second
            yield MsTempo(position, bpm, text), position
        elif tag in ("Chord", "Rest"):
            if tag == "Chord":
                yield "chord", position
            duration = _duration(element, measure_len)
            for ratio in ratios:
                duration *= ratio
            position += duration
