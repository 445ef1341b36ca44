"""What real importers show of our files (``tests/importers``; each skips with the reason when
its program is not installed; ``make importers`` installs MuseScore 3 and FluidSynth):

- MuseScore 3: one part per instrument for 17 melodic instruments and drums; measures that
  start on the downbeat of a song with a pickup; one tempo and whole bars with ``shift``;
  the metre and the key ``--bpm auto`` found in a 3/4 and a 6/8 song;
- mido, pretty_midi and midicsv read every note back where the record has it;
- what honours a MIDI port (``FF 21``): TiMidity++ does, FluidSynth and MuseScore do not
  (LMMS does: ``test_lmms.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from midi_export.midi.conversion import Conversion
from midi_export.midi.convert import convert
from midi_export.record import Record, RecordStatus, parse_record

from daw_records import REC17_NAMES, as_bytes, nonlatin, pickup, rec17
from grooves import to_json
from importers import or_skip
from importers.musescore import MsScore, musescore_import, parse_mscx
from importers.probes import two_tracks_on_one_channel
from importers.readers import (
    midicsv_rows,
    mido_notes,
    pretty_midi_notes,
    render_wav,
    timidity_programs,
    wav_stats,
)
from metres import oom_pah_pah, six_eight

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo-song.json"
PPQ = 480
RECORDS: dict[str, Callable[[], bytes]] = {
    "rec17": lambda: as_bytes(rec17()),
    "pickup": lambda: as_bytes(pickup()),
    "nonlatin": lambda: as_bytes(nonlatin()),
    "demo-song": DEMO.read_bytes,
    # a waltz in G (bass on 1, chords on 2 and 3) and a 6/8 in D with drums
    "waltz": lambda: to_json(Record(task_id="waltz", status=RecordStatus.SUCCESS,
                                    instruments=oom_pah_pah(120.0, tonic=7))),
    "jig": lambda: to_json(Record(task_id="jig", status=RecordStatus.SUCCESS,
                                  instruments=six_eight(70.0, tonic=2))),
}
CASES = {  # name -> (record, convert options)
    "rec17": ("rec17", {}),
    "pickup": ("pickup", {"bpm": "auto"}),
    "pickup-shift": ("pickup", {"bpm": "auto", "lead_in": "shift"}),
    "demo-song": ("demo-song", {"bpm": "auto"}),
    "nonlatin": ("nonlatin", {}),
    "waltz": ("waltz", {"bpm": "auto"}),
    "jig": ("jig", {"bpm": "auto"}),
}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], tuple[Path, Conversion]]:
    """``written(case) -> (path, conversion)``: the case converted and written once."""
    folder = tmp_path_factory.mktemp("daw")
    done: dict[str, tuple[Path, Conversion]] = {}

    def make(case: str) -> tuple[Path, Conversion]:
        if case not in done:
            record, options = CASES[case]
            conversion = convert(parse_record(RECORDS[record]()), **options)  # type: ignore[arg-type]
            path = folder / f"{case}.mid"
            path.write_bytes(conversion.to_bytes())
            done[case] = (path, conversion)
        return done[case]

    return make


def score_of(path: Path, tmp_path: Path) -> MsScore:
    return parse_mscx(or_skip(musescore_import, path, tmp_path / f"{path.stem}.mscx"))


# --------------------------------------------------------------------------- MuseScore 3


def test_musescore_one_part_per_instrument_for_17_melodic_and_drums(
    written: Any, tmp_path: Path
) -> None:
    path, _ = written("rec17")
    score = score_of(path, tmp_path)
    assert len(score.parts) == 18
    assert all(part.staves == 1 for part in score.parts)
    assert [part.is_drum for part in score.parts] == [True] + [False] * 17
    assert [part.name.split(", ", 1)[1] for part in score.parts[1:]] == list(REC17_NAMES)


def test_musescore_measures_start_on_the_downbeat_of_a_pickup(written: Any, tmp_path: Path) -> None:
    path, conversion = written("pickup")
    tempo = conversion.report.tempo
    score = score_of(path, tmp_path)
    first = score.first_full_measure()
    assert first is not None and first.index == 2
    assert first.start == Fraction(tempo.downbeat_tick, PPQ) == Fraction(7, 4)
    assert score.measures[0].irregular  # the pickup bar, shown as an anacrusis
    assert round(score.tempos[0].bpm) == 110 and score.tempos[0].position == 0
    # MuseScore shows whole-BPM marks: the downbeat is still within 2 ms of the music's
    assert abs(score.seconds_at(first.start) - tempo.first_downbeat) < 0.002
    assert all(m.full for m in score.measures[1:-1])


def test_musescore_shift_has_one_tempo_and_whole_bars(written: Any, tmp_path: Path) -> None:
    path, conversion = written("pickup-shift")
    score = score_of(path, tmp_path)
    assert [round(t.bpm) for t in score.tempos] == [110]
    assert all(m.full and not m.irregular for m in score.measures[:-1])
    assert score.measures[1].start == Fraction(conversion.report.tempo.downbeat_tick, PPQ) == 4


def test_musescore_shows_the_round_tempo(written: Any, tmp_path: Path) -> None:
    path, _ = written("demo-song")
    assert score_of(path, tmp_path).tempos[0].text.endswith("= 96")


@pytest.mark.parametrize(("case", "metre", "key", "sharps", "quarter_bpm"), [
    ("waltz", (3, 4), "G", 1, 120), ("jig", (6, 8), "D", 2, 105)])
def test_musescore_shows_the_metre_and_the_key_found(
    written: Any, tmp_path: Path, case: str, metre: tuple[int, int], key: str, sharps: int,
    quarter_bpm: int,
) -> None:
    path, conversion = written(case)
    report = conversion.report
    assert report.metre is not None and report.metre.time_signature == f"{metre[0]}/{metre[1]}"
    assert report.key is not None and (report.key.key, report.key.sharps) == (key, sharps)
    score = score_of(path, tmp_path)
    # from the first downbeat on, every bar is a whole bar of the metre found
    first = score.first_full_measure()
    assert first is not None and first.time_signature == metre
    assert first.start == Fraction(report.tempo.downbeat_tick, PPQ)
    assert all(m.time_signature == metre and m.full for m in score.measures[first.index - 1:-1])
    # the key on every melodic staff (the drum staff shows none)
    melodic = [i for i, part in enumerate(score.parts) if not part.is_drum]
    shown = {staff: accidentals for staff, _, accidentals in score.key_signatures}
    assert all(shown.get(staff) == sharps for staff in melodic), score.key_signatures
    # MuseScore shows the tempo per quarter note, as the file stores it (a 6/8 at a dotted
    # quarter of 70 is 105)
    assert round(score.tempos[-1].bpm) == quarter_bpm


def test_musescore_shows_names_in_any_script(written: Any, tmp_path: Path) -> None:
    path, _ = written("nonlatin")
    names = [part.name for part in score_of(path, tmp_path).parts]
    assert any(name.endswith("ベース") for name in names)
    assert any(name.endswith("Скрипка") for name in names)


# --------------------------------------------------------------------------- readers


@pytest.mark.parametrize("case", sorted(CASES))
def test_round_trip_through_mido_pretty_midi_and_midicsv(written: Any, case: str) -> None:
    path, conversion = written(case)
    report = conversion.report
    record = parse_record(RECORDS[CASES[case][0]]())
    delay = report.tempo.delay_seconds
    half_tick = 0.5 * max(us for _, us in conversion.tempo_map.tempos) / PPQ / 1e6 + 1e-9
    by_mido = mido_notes(path)[1:]
    head, by_pm = pretty_midi_notes(path)
    assert head["tempo_changes"][0][1] == pytest.approx(report.bpm)  # the first is the song's
    for ins, source, track, pm_ins in zip(report.instruments, record.instruments, by_mido,
                                          by_pm, strict=True):
        assert (track["name"], pm_ins["program"]) == (ins.name, ins.program)
        want = sorted((n.pitch, n.start + delay, n.end + delay) for n in source.notes)
        got = track["notes"]
        assert len(got) == len(want) == len(pm_ins["notes"]) == ins.notes_written
        slack = half_tick + (1.1 * 2 * half_tick if ins.shared_with else 0)  # a moved onset
        for (pitch, start, end, _), (w_pitch, w_start, w_end) in zip(got, want, strict=True):
            assert pitch == w_pitch and abs(start - w_start) <= slack
            if not ins.shared_with and not ins.cut:
                assert abs(end - w_end) <= half_tick
        for (_, start, _, _), (_, pm_start, _, _) in zip(got, pm_ins["notes"], strict=True):
            assert abs(start - pm_start) < 1e-6
    rows = or_skip(midicsv_rows, path)
    ons = [r for r in rows if r[2] == "Note_on_c" and r[5] != "0"]
    assert len(ons) == report.notes_written
    assert [r[1] for r in rows if r[2] == "Tempo"].count("0") == 1
    assert all(r[5:7] == ["24", "8"] for r in rows if r[2] == "Time_signature")
    assert all(r[0] == "1" for r in rows if r[2] in ("Tempo", "Time_signature"))


# --------------------------------------------------------------------------- MIDI ports


def test_timidity_honours_midi_ports(written: Any, tmp_path: Path) -> None:
    with_ports = two_tracks_on_one_channel(tmp_path / "p.mid", ports=True)
    without = two_tracks_on_one_channel(tmp_path / "q.mid", ports=False)
    tones = or_skip(timidity_programs, with_ports)
    assert tones.get(("tone", 0, 0)) == 8 and tones.get(("tone", 0, 56)) == 8
    assert or_skip(timidity_programs, without).get(("tone", 0, 0), 0) < 8  # one program wins
    # the issue record: every program sounds, the four pianos' notes all on program 0
    programs = or_skip(timidity_programs, written("rec17")[0])
    assert programs[("tone", 0, 0)] == 4 * 32
    assert {p for kind, _, p in programs if kind == "tone"} >= {0, 33, 48, 73, 80, 89}


def test_fluidsynth_ignores_midi_ports(tmp_path: Path) -> None:
    with_ports = two_tracks_on_one_channel(tmp_path / "p.mid", ports=True)
    without = two_tracks_on_one_channel(tmp_path / "q.mid", ports=False)
    a = or_skip(render_wav, with_ports, tmp_path / "p.wav").read_bytes()
    b = or_skip(render_wav, without, tmp_path / "q.wav").read_bytes()
    assert a == b


def test_musescore_ignores_midi_ports_and_joins_neighbouring_keyboard_tracks(
    tmp_path: Path,
) -> None:
    # why shared channels never go to neighbouring tracks: MuseScore makes one two-staff
    # part of adjacent tracks on one channel when the first is a keyboard, port or not
    for ports in (True, False):
        path = two_tracks_on_one_channel(tmp_path / f"{ports}.mid", ports=ports)
        parts = score_of(path, tmp_path).parts
        assert len(parts) == 1 and parts[0].staves == 2


@pytest.mark.parametrize("synth", ["fluidsynth", "timidity"])
def test_renders_of_the_issue_record_are_not_silent(
    written: Any, tmp_path: Path, synth: str
) -> None:
    stats = wav_stats(or_skip(render_wav, written("rec17")[0], tmp_path / "r.wav", synth=synth))
    assert not stats.silent and stats.seconds > 15
