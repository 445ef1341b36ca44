"""The analysis of issue 11 under hostile input (hostile11): many instruments, a note ending
at 1e308 s, and every bad option or estimate given to the library raising the package's
own errors (``UsageError``, a ``ValueError``; ``WrongType``, also a ``TypeError``), never a
bare ``ValueError``, ``TypeError`` or an ``IndexError`` from deep inside.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from midi_export import (
    KeyEstimate,
    MetreEstimate,
    analyse,
    convert,
    estimate_key,
    estimate_metre,
    estimate_tempo,
)
from midi_export._check import WrongType
from midi_export.errors import InvalidRecordError, MidiExportError, UsageError
from midi_export.music.onsets import onset_scatter
from midi_export.record import parse_record


def record(*instruments: tuple[str, list[tuple[int, float, float]]]) -> Any:
    return parse_record({"taskId": "t", "midiData": {"instruments": [
        {"name": name, "notes": [{"pitch": p, "start": s, "end": e, "velocity": 0.8}
                                 for p, s, e in notes]}
        for name, notes in instruments]}})


def song() -> Any:
    beat = 0.5
    drums = [(36 if i % 2 == 0 else 38, i * beat, i * beat + 0.1) for i in range(64)]
    chords = [(p, i * beat, i * beat + 0.45) for i in range(64)
              for p in ((57, 60, 64), (53, 57, 60), (48, 52, 55), (55, 59, 62))[(i // 4) % 4]]
    return record(("Drums", drums), ("Piano", chords))


def scatter_by_definition(onsets: list[Any]) -> float:
    """The nearest onset of another instrument for every onset, one instrument at a time."""
    diffs = []
    for i, a in enumerate(onsets):
        others = np.sort(np.concatenate([b for j, b in enumerate(onsets) if j != i]))
        k = np.clip(np.searchsorted(others, a), 1, others.size - 1)
        d = np.minimum(np.abs(a - others[k - 1]), np.abs(others[k] - a))
        diffs.append(d[d < 0.06])
    d = np.concatenate(diffs)
    return 0.0 if d.size < 20 else float(1.4826 * np.median(d) / math.sqrt(2.0))


@pytest.mark.parametrize("seed", range(40))
def test_the_onset_scatter_is_its_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    onsets = [np.sort(np.round(rng.uniform(0, rng.choice([0.5, 3.0, 20.0]),
                                           int(rng.integers(1, 40))), int(rng.choice([2, 6]))))
              for _ in range(int(rng.integers(2, 8)))]
    assert onset_scatter(onsets) == scatter_by_definition(onsets)


def test_the_onset_scatter_of_twenty_thousand_instruments() -> None:
    # one onset each, in pairs 4 ms apart: per instrument, a sort of all the others made
    # this (and --bpm auto on 20,000 instruments of 5 notes) take minutes
    onsets = [np.array([k // 2 + (0.004 if k % 2 else 0.0)]) for k in range(20_000)]
    assert onset_scatter(onsets) == pytest.approx(1.4826 * 0.004 / math.sqrt(2.0))
    assert onset_scatter([np.array([1.0])] * 1) == 0.0
    assert onset_scatter([np.zeros(0), np.zeros(0)]) == 0.0


def test_a_note_ending_at_1e308_is_analysed_and_refused_by_convert() -> None:
    rec = record(("Piano", [(60 + i % 12, i * 0.5, i * 0.5 + 0.3) for i in range(40)]
                  + [(60, 1.0, 1e308)]))
    # the chord-change rhythm did int(1e308 / 0.1): OverflowError, from every estimator
    assert analyse(rec).key is not None
    assert estimate_key(rec) is not None
    assert estimate_metre(rec).name in ("2/4", "3/4", "4/4", "6/8", "9/8", "12/8")
    assert estimate_tempo(rec).bpm > 0
    with pytest.raises(InvalidRecordError):
        convert(rec, bpm="auto")


@pytest.mark.parametrize("metre", ["7/8", "0/4", "", "x", "4/4/4", "99999/4", "9" * 5000 + "/4"])
def test_a_bad_metre_name_is_a_usage_error(metre: str) -> None:
    with pytest.raises(UsageError) as info:
        analyse(song(), metre=metre)
    assert len(str(info.value)) < 200 and "\n" not in str(info.value)
    with pytest.raises(UsageError):
        convert(song(), bpm="auto", metre=metre)


@pytest.mark.parametrize("key", ["H", "Cbm", "C##", "x" * 10_000, "", "Fb", "\u202eC"])
def test_a_bad_key_name_is_a_usage_error(key: str) -> None:
    for call in (lambda: analyse(song(), key=key), lambda: convert(song(), key=key),
                 lambda: convert(song(), bpm="auto", key=key)):
        with pytest.raises(UsageError) as info:
            call()
        assert len(str(info.value)) < 200


@pytest.mark.parametrize("value", [3, None, 3.5, b"3/4", ["3/4"]])
def test_a_metre_or_key_of_the_wrong_type_is_wrong_type(value: Any) -> None:
    for option in ("metre", "key"):
        with pytest.raises(WrongType):
            analyse(song(), **{option: value})


def test_min_bpm_above_max_bpm_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        analyse(song(), min_bpm=200, max_bpm=60)


@pytest.mark.parametrize("fields", [(99, "major", 0), (-1, "minor", -9), (0, "weird", 0),
                                    (0, "major", 5), (0, "major", 8)])
def test_a_key_estimate_a_file_cannot_carry_is_not_made(fields: tuple[Any, ...]) -> None:
    # given to analyse it was an IndexError among the profiles; to convert with a fixed
    # tempo, a report of tonic 99 over a C signature
    with pytest.raises(UsageError):
        KeyEstimate(*fields)


@pytest.mark.parametrize("fields", [(True, "major", 0), (0.0, "major", 0), (0, "major", "0")])
def test_a_key_estimate_of_the_wrong_types_is_not_made(fields: tuple[Any, ...]) -> None:
    with pytest.raises(WrongType):
        KeyEstimate(*fields)


@pytest.mark.parametrize("fields", [(7, "simple"), (0, "simple"), (-2, "compound"),
                                    (4, "bogus"), (4.0, "simple"), (True, "simple")])
def test_a_metre_estimate_the_estimator_cannot_lay_out_is_not_made(
        fields: tuple[Any, ...]) -> None:
    # MetreEstimate(0, ...) given to analyse was an IndexError in the bar evidence
    with pytest.raises(UsageError):
        MetreEstimate(*fields)


def test_every_key_and_metre_the_package_makes_is_still_made() -> None:
    for sharps in range(-7, 8):
        for mode in ("major", "minor"):
            tonic = (7 * sharps + (9 if mode == "minor" else 0)) % 12
            assert KeyEstimate(tonic, mode, sharps).sharps == sharps  # type: ignore[arg-type]
    for bpb in (2, 3, 4):
        for division in ("simple", "compound"):
            assert MetreEstimate(bpb, division).beats_per_bar == bpb  # type: ignore[arg-type]
    found = analyse(song())
    assert analyse(song(), metre=found.metre, key=found.key or "auto").metre == found.metre


def test_every_library_refusal_is_a_package_error() -> None:
    calls = [lambda: analyse(song(), metre="5/4"), lambda: analyse(song(), key="E#m"),
             lambda: estimate_key("not a record"), lambda: estimate_metre([1]),
             lambda: convert(song(), bpm=100, metre="3/5"),
             lambda: convert(song(), bpm=100, metre="auto")]
    for call in calls:
        with pytest.raises(MidiExportError):
            call()


def long_song() -> Any:
    """A minute of A minor, and one note after the 2-hour limit of the grid's analysis."""
    notes = [(p, i * 0.5, i * 0.5 + 0.45) for i in range(120)
             for p in ((57, 60, 64), (53, 57, 60), (52, 55, 59), (57, 60, 64))[(i // 8) % 4]]
    return record(("Piano", [*notes, (45, 7300.0, 7302.0)]))


def test_the_key_of_notes_spanning_more_than_two_hours() -> None:
    # the key needs no grid: estimate_key went through analyse, which refuses the span,
    # so convert(bpm=100, key="auto") was exit 7 and bpm="auto" said "too few pitched notes"
    rec = long_song()
    with pytest.raises(InvalidRecordError):
        analyse(rec)
    key = estimate_key(rec)
    assert key is not None
    fixed = convert(rec, bpm=100, key="auto").report.to_dict()
    assert fixed["key"]["written"] and fixed["key"]["key"] == key.name
    auto = convert(rec, bpm="auto").report.to_dict()
    assert auto["tempo"]["source"] == "too-long"
    assert auto["key"]["key"] == key.name
    assert not [w for w in auto["warnings"] if w.startswith("key:")]
    assert convert(rec, bpm="auto", key="none").report.key is None


def test_a_tempo_range_whose_ratio_overflows_is_a_usage_error() -> None:
    # 1e-9..1e308 BPM: a grid of log(inf) steps, numpy's bare "Maximum allowed size exceeded"
    for call in (analyse, estimate_tempo):
        with pytest.raises(UsageError):
            call(song(), min_bpm=1e-9, max_bpm=1e308)
    assert estimate_tempo(song(), min_bpm=60.0, max_bpm=1e308).bpm > 0
