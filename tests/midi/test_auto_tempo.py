"""``convert(..., bpm="auto")`` and ``fetch-mid --bpm auto``: the written tempo map follows the
music (its tempo, a bar line on its first downbeat) while every note keeps its time.

The songs are small synthetic grooves with a known answer (``grooves.py``), plus a few songs
of the tempo evaluation set when ``evaluation/`` is importable. Everything is read back from
the file's bytes with mido and pretty_midi.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import mido
import pytest
from click.testing import Result

from midi_export.errors import UsageError
from midi_export.midi.conversion import Conversion
from midi_export.midi.convert import convert
from midi_export.midi.tempo_choice import AUTO_MIN_CONFIDENCE
from midi_export.midi.tempo_map import TempoMap
from midi_export.record import Instrument, Record, RecordStatus

from conftest import run_cli
from grooves import groove, random_onsets, to_json
from strategies import reference_notes

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pretty_midi

# (bpm, first downbeat s, pickup beats, drums)
SONGS = [
    (97.0, 0.0, 0.0, True),
    (97.0, 1.2, 0.0, True),
    (126.0, 1.014, 1.5, True),
    (75.5, 2.3, 0.0, True),
    (160.0, 0.475, 1.0, False),
    (140.0, 0.9, 2.0, False),
    (64.0, 0.7, 0.0, True),
    (180.0, 0.02, 0.0, True),
]


def tempos_of(data: bytes) -> tuple[list[tuple[int, int]], list[tuple[int, int, int]]]:
    """(tick, tempo) and (tick, numerator, denominator) of the conductor track, via mido."""
    midi = mido.MidiFile(file=io.BytesIO(data))
    tick = 0
    tempos, signatures = [], []
    for msg in midi.tracks[0]:
        tick += msg.time
        if msg.type == "set_tempo":
            tempos.append((tick, msg.tempo))
        elif msg.type == "time_signature":
            signatures.append((tick, msg.numerator, msg.denominator))
    for track in midi.tracks[1:]:
        assert not [m for m in track if m.type in ("set_tempo", "time_signature")]
    return tempos, signatures


def half_tick_seconds(conversion: Conversion) -> float:
    """Half a tick at the slowest tempo of the map (the most a time may round by)."""
    tempo_map = conversion.tempo_map
    slowest = max(tempo_us for _, tempo_us in tempo_map.tempos)
    return 0.5 * slowest / tempo_map.ppq / 1e6 + 1e-9


def assert_notes_keep_their_times(record: Record, conversion: Conversion) -> None:
    """Every note read back with pretty_midi starts and ends within half a tick of its time
    (after the same-pitch cut and merge rules, ``strategies.reference_notes``)."""
    tolerance = half_tick_seconds(conversion)
    pm = pretty_midi.PrettyMIDI(io.BytesIO(conversion.to_bytes()))
    written = [ins for ins in record.instruments if len(ins)]
    assert len(pm.instruments) == len(written)
    for source, got in zip(written, pm.instruments, strict=True):
        expected, _, _ = reference_notes(source, conversion.tempo_map.to_tick)
        expected.sort(key=lambda n: (n.start_tick, n.pitch))
        found = sorted(got.notes, key=lambda n: (n.start, n.pitch))
        assert len(found) == len(expected)
        for note, back in zip(expected, found, strict=True):
            assert back.pitch == note.pitch
            assert abs(back.start - note.start_seconds) <= tolerance
            if note.end_seconds is not None:
                assert abs(back.end - note.end_seconds) <= tolerance


@pytest.mark.parametrize(("bpm", "downbeat", "pickup", "drums"), SONGS)
def test_the_file_has_the_music_tempo_and_a_bar_line_on_its_first_downbeat(
    bpm: float, downbeat: float, pickup: float, drums: bool
) -> None:
    record = groove(bpm, downbeat, pickup_beats=pickup, drums=drums, seed=int(bpm))
    conversion = convert(record, bpm="auto")
    tempo = conversion.report.tempo
    assert tempo.mode == "auto" and not tempo.fell_back
    assert tempo.source == ("drums" if drums else "bass")
    assert tempo.confidence is not None and tempo.confidence >= AUTO_MIN_CONFIDENCE
    assert conversion.report.warnings == ()

    data = conversion.to_bytes()
    tempos, signatures = tempos_of(data)
    assert tempos == list(tempo.tempos)
    assert signatures == list(tempo.time_signatures)
    main_bpm = mido.tempo2bpm(tempos[-1][1])
    assert abs(main_bpm / bpm - 1) < 0.02
    assert abs(tempo.bpm - main_bpm) < 1e-6
    assert signatures[-1][1:] == (4, 4)

    # bar lines as a reader computes them: one within a few ms of the true first downbeat
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    downbeats = list(pm.get_downbeats())
    nearest = min(downbeats, key=lambda t: abs(t - downbeat))
    assert abs(nearest - downbeat) < 0.03
    if downbeat >= 0.02:  # a shorter lead-in is left out: bar 1 starts at 0 s then
        assert abs(nearest - tempo.first_downbeat) < 0.001
    # and the bars after it keep the music's bar length
    after = [t for t in downbeats if t >= nearest - 1e-6][:5]
    bar = 4 * 60.0 / bpm
    for a, b in itertools.pairwise(after):
        assert abs((b - a) / bar - 1) < 0.02


@pytest.mark.parametrize(("bpm", "downbeat", "pickup", "drums"), SONGS)
def test_every_note_keeps_its_time_through_the_tempo_map(
    bpm: float, downbeat: float, pickup: float, drums: bool
) -> None:
    record = groove(bpm, downbeat, pickup_beats=pickup, drums=drums, seed=int(bpm))
    conversion = convert(record, bpm="auto", ppq=480)
    assert_notes_keep_their_times(record, conversion)


@pytest.mark.parametrize("ppq", [96, 100, 960, 25])
def test_other_resolutions_keep_the_times_too(ppq: int) -> None:
    record = groove(126.0, 1.014, pickup_beats=1.5, seed=3)
    conversion = convert(record, bpm="auto", ppq=ppq)
    assert conversion.tempo_map.ppq == ppq
    assert not conversion.report.tempo.fell_back
    assert_notes_keep_their_times(record, conversion)


def test_a_pickup_becomes_a_lead_in_not_a_shift() -> None:
    record = groove(126.0, 1.014, pickup_beats=1.5, seed=1)
    conversion = convert(record, bpm="auto")
    tempo_map = conversion.tempo_map
    # the first bar line of 4/4 lies after tick 0, and the first note stays where it was
    assert tempo_map.time_signatures[-1][0] > 0
    first = min(min(ins.starts) for ins in record.instruments)
    assert first > 0.1
    assert tempo_map.to_tick(first) > 0
    # the report's top-level tempo is the song's, not the lead-in's
    assert len(tempo_map.tempos) > 1
    assert conversion.report.bpm == pytest.approx(126.0, rel=0.02)
    assert conversion.report.tempo_us == tempo_map.tempos[-1][1]


def test_random_onsets_fall_back_with_a_warning() -> None:
    record = random_onsets(1)
    conversion = convert(record, bpm="auto")
    tempo = conversion.report.tempo
    assert tempo.mode == "auto"
    assert tempo.fell_back is True
    assert tempo.confidence is not None and tempo.confidence < AUTO_MIN_CONFIDENCE
    assert tempo.estimated_bpm is not None
    assert tempo.bpm == 120.0 and conversion.tempo_map == TempoMap.constant(120.0)
    assert tempo.first_downbeat == 0.0
    assert any("auto tempo" in w and "uncertain" in w for w in conversion.report.warnings)
    # the file is the plain 120 BPM one (with the key signature when one was written)
    key = conversion.report.key
    assert key is not None and key.mode == "auto"
    plain = convert(record, bpm=120, key=key.key or "none")
    assert conversion.to_bytes() == plain.to_bytes()


def test_the_fallback_tempo_can_be_chosen() -> None:
    conversion = convert(random_onsets(2), bpm="auto", fallback_bpm=90.0)
    assert conversion.report.tempo.fell_back
    assert conversion.report.tempo.bpm == pytest.approx(90.0)
    with pytest.raises(UsageError):
        convert(random_onsets(2), bpm="auto", fallback_bpm=0.0)


def test_too_few_notes_fall_back_and_say_why() -> None:
    record = Record(
        task_id="few",
        status=RecordStatus.SUCCESS,
        instruments=[Instrument("Piano", [(60, 0.5, 1.0, 0.8), (64, 1.0, 1.5, 0.8)])],
    )
    conversion = convert(record, bpm="auto")
    assert conversion.report.tempo.fell_back
    assert conversion.report.tempo.source == "none"
    assert any("too few notes" in w for w in conversion.report.warnings)


def test_fixed_mode_reports_itself() -> None:
    conversion = convert(groove(97.0, 0.5), bpm=97)
    tempo = conversion.report.tempo
    assert (tempo.mode, tempo.fell_back, tempo.confidence, tempo.source) == (
        "fixed", False, None, None
    )
    assert tempo.bpm == pytest.approx(97.0, abs=1e-3)
    facts = conversion.report.to_dict()["tempo"]
    assert json.loads(json.dumps(facts)) == facts
    assert facts["tempos"] == [[0, 618557]]


def test_the_report_has_the_tempo_section() -> None:
    conversion = convert(groove(126.0, 1.014, pickup_beats=1.5), bpm="auto")
    facts = conversion.report.to_dict()
    assert json.loads(json.dumps(facts)) == facts
    tempo = facts["tempo"]
    assert set(tempo) == {
        "mode", "bpm", "first_downbeat", "confidence", "source", "fell_back", "estimated_bpm",
        "min_confidence", "tempos", "time_signatures", "rounding", "round_drift_ms",
        "lead_in", "delay_seconds", "downbeat_tick", "pulse_bpm", "candidates",
    }
    assert tempo["mode"] == "auto" and tempo["fell_back"] is False
    assert tempo["min_confidence"] == AUTO_MIN_CONFIDENCE
    assert abs(tempo["first_downbeat"] - 1.014) < 0.03
    assert (tempo["lead_in"], tempo["delay_seconds"]) == ("pickup", 0.0)
    # the song's tempo first, one 16th of its own in the lead-in, the song's again
    assert len(tempo["tempos"]) == 3 and tempo["tempos"][0][1] == tempo["tempos"][2][1]
    assert tempo["downbeat_tick"] == tempo["time_signatures"][-1][0] > 0


def test_auto_is_deterministic() -> None:
    record = groove(140.0, 0.9, pickup_beats=2.0, drums=False)
    assert convert(record, bpm="auto").to_bytes() == convert(record, bpm="auto").to_bytes()


@pytest.mark.parametrize(
    "options",
    [
        {"bpm": "fast"},
        {"bpm": "auto", "tempo_map": TempoMap.constant(100)},
        {"bpm": "auto", "ppq": 0},
        {"bpm": "auto", "ppq": 1.5},
        {"bpm": "auto", "lead_in": "delay"},
        {"bpm": 97.0, "lead_in": "shift"},
        {"tempo_map": TempoMap.constant(100), "lead_in": "shift"},
    ],
)
def test_bad_auto_options_are_usage_errors(options: dict[str, object]) -> None:
    with pytest.raises(UsageError):
        convert(groove(97.0, 0.0), **options)  # type: ignore[arg-type]


def test_numpy_is_imported_only_for_auto(tmp_path: Path) -> None:
    tests = str(Path(__file__).parents[1])
    code = (
        "import sys\n"
        f"sys.path.insert(0, {tests!r})\n"
        "from grooves import groove\n"
        "from midi_export import convert\n"
        "convert(groove(97.0, 0.0), bpm=97, quantize='1/16')\n"
        "before = 'numpy' in sys.modules\n"
        "convert(groove(97.0, 0.0), bpm='auto')\n"
        "print(before, 'numpy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_songs_of_the_evaluation_set() -> None:
    make_set = pytest.importorskip("evaluation.make_set")
    for seed, bpm, lead in ((11, 92.0, "pickup"), (12, 133.0, "silence"), (13, 104.0, "none")):
        song = make_set.generate_song(seed, style="rock", bpm=bpm, lead=lead, noise=False)
        record = Record(task_id=song.name, status=RecordStatus.SUCCESS,
                        instruments=song.to_instruments())
        conversion = convert(record, bpm="auto")
        tempo = conversion.report.tempo
        assert not tempo.fell_back
        assert abs(tempo.bpm / song.bpm - 1) < 0.02
        assert abs(tempo.first_downbeat - song.first_downbeat) < 0.05
        assert_notes_keep_their_times(record, conversion)


# --------------------------------------------------------------------------- the CLI


def run(args: list[str], cwd: Path) -> Result:
    return run_cli(args, cwd)


def test_cli_bpm_auto_writes_the_map_and_says_so(tmp_path: Path) -> None:
    source = tmp_path / "song.json"
    source.write_bytes(to_json(groove(97.0, 1.2, task_id="song-97")))
    result = run(["--from-json", str(source), "--bpm", "auto"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert re.search(r" 97(\.\d+)? BPM \(auto from drums, confidence 1\.00, downbeat at 1\.2",
                     result.stderr)
    tempos, _ = tempos_of((tmp_path / "song-97.mid").read_bytes())
    assert abs(mido.tempo2bpm(tempos[-1][1]) / 97.0 - 1) < 0.02

    result = run(["--from-json", str(source), "--bpm", "AUTO", "--json", "-o", "auto.mid", "-q"],
                 tmp_path)
    assert result.exit_code == 0, result.stderr
    facts = json.loads(result.stdout)["report"]["tempo"]
    assert facts["mode"] == "auto" and facts["fell_back"] is False


def test_cli_bpm_auto_fallback_warns(tmp_path: Path) -> None:
    source = tmp_path / "noise.json"
    source.write_bytes(to_json(random_onsets(3)))
    result = run(["--from-json", str(source), "--bpm", "auto"], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "120 BPM (auto fell back: confidence" in result.stderr
    assert "warning: auto tempo:" in result.stderr


@pytest.mark.parametrize("value", ["nonsense", "", "3", "1001", "auto2"])
def test_cli_bad_bpm_is_a_usage_error(tmp_path: Path, value: str) -> None:
    source = tmp_path / "song.json"
    source.write_bytes(to_json(groove(97.0, 0.0)))
    result = run(["--from-json", str(source), "--bpm", value], tmp_path)
    assert result.exit_code == 2
    assert not list(tmp_path.glob("*.mid"))


def test_cli_help_shows_auto(tmp_path: Path) -> None:
    result = run(["--help"], tmp_path)
    assert "BPM|auto" in result.output
    assert "--quantize GRID" in result.output and "--split" in result.output
