"""What LMMS shows of our files (``make lmms``: about 10 s per import through Xvfb, so these
are marked ``lmms`` and skipped unless ``MIDI_EXPORT_LMMS=1``).

LMMS makes one track per channel *and port*, so the MIDI ports of a shared channel keep its
tracks apart; it moves tempo changes onto its eighth-note grid and places a time signature
that follows a pickup of odd 16ths at the quarter below, so ``--lead-in shift`` is the mode
for LMMS.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from midi_export.midi.convert import convert
from midi_export.record import parse_record

from daw_records import as_bytes, pickup, rec17
from importers import or_skip
from importers.lmms import LMMS_TICKS_PER_QUARTER, LmmsProject, lmms_import, parse_mmp
from importers.probes import two_tracks_on_one_channel

pytestmark = pytest.mark.lmms
PPQ = 480


def project_of(data_or_path: bytes | Path, tmp_path: Path, name: str = "x") -> LmmsProject:
    path = data_or_path if isinstance(data_or_path, Path) else tmp_path / f"{name}.mid"
    if not isinstance(data_or_path, Path):
        path.write_bytes(data_or_path)
    return parse_mmp(or_skip(lmms_import, path, tmp_path / f"{name}.mmp"))


def test_lmms_18_tracks_for_17_melodic_and_drums(tmp_path: Path) -> None:
    project = project_of(convert(parse_record(as_bytes(rec17()))).to_bytes(), tmp_path)
    tracks = project.instrument_tracks
    assert len(tracks) == 18  # the ports of the two shared channels keep their tracks apart
    assert [len(t.notes) for t in tracks] == [98] + [32] * 17


def test_lmms_keeps_tracks_of_one_channel_apart_only_by_port(tmp_path: Path) -> None:
    with_ports = two_tracks_on_one_channel(tmp_path / "p.mid", ports=True)
    without = two_tracks_on_one_channel(tmp_path / "q.mid", ports=False)
    assert len(project_of(with_ports, tmp_path, "p").instrument_tracks) == 2
    assert len(project_of(without, tmp_path, "q").instrument_tracks) == 1


def test_lmms_pickup_starts_with_the_songs_tempo(tmp_path: Path) -> None:
    project = project_of(convert(parse_record(as_bytes(pickup())), bpm="auto").to_bytes(),
                         tmp_path)
    assert project.tempo[0] == (0, pytest.approx(110.0, abs=1e-3))
    # LMMS's own misplacement: the 4/4 after a 7/16 pickup at beat 1.0, not 1.75
    assert project.numerator == [(0, 7), (LMMS_TICKS_PER_QUARTER, 4)]


def test_lmms_shift_has_one_tempo_and_bars_on_the_downbeat(tmp_path: Path) -> None:
    conversion = convert(parse_record(as_bytes(pickup())), bpm="auto", lead_in="shift")
    project = project_of(conversion.to_bytes(), tmp_path)
    assert project.numerator == [(0, 4)] and len(project.tempo) == 1
    bass = next(t for t in project.instrument_tracks if "Bass" in t.name)
    downbeat = conversion.report.tempo.downbeat_tick * LMMS_TICKS_PER_QUARTER // PPQ
    assert abs(bass.notes[0][0] - downbeat) <= 1  # LMMS truncates to its 48 per quarter
