"""``convert(..., metre=..., key=...)``: the time signature and key signature written, the tempo
in quarter notes, the report; read back with mido and pretty_midi. Plain conversions (no
``bpm="auto"``) stay byte for byte what they were: no key signature, 4/4."""

from __future__ import annotations

import io
import warnings

import mido
import pytest

from midi_export.errors import UsageError
from midi_export.midi.convert import convert
from midi_export.midi.tempo_map import TempoMap
from midi_export.record import Instrument, Record, RecordStatus

from grooves import groove
from metres import eight_beat_rock, folk_waltz, oom_pah_pah, six_eight, twelve_eight

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pretty_midi


def record_of(instruments: list[Instrument], task_id: str = "metre") -> Record:
    return Record(task_id=task_id, status=RecordStatus.SUCCESS, instruments=instruments)


def conductor(data: bytes) -> list[tuple[int, mido.MetaMessage]]:
    """(tick, message) of the meta events of track 0, via mido."""
    midi = mido.MidiFile(file=io.BytesIO(data))
    tick, out = 0, []
    for msg in midi.tracks[0]:
        tick += msg.time
        if msg.type in ("set_tempo", "time_signature", "key_signature"):
            out.append((tick, msg))
    keys = [m.key for _, m in out if m.type == "key_signature"]
    for track in midi.tracks[1:]:
        assert not [m for m in track if m.type in ("set_tempo", "time_signature")]
        # the key again at tick 0 of every melodic track (MuseScore reads it there), never
        # on the drums' channel
        here = [(m.time, m.key) for m in track if m.type == "key_signature"]
        drums = any(m.type == "note_on" and m.channel == 9 for m in track)
        assert here == ([] if drums or not keys else [(0, keys[0])])
    return out


def test_a_plain_conversion_has_no_key_signature_and_4_4() -> None:
    record = groove(97.0, 0.0)
    data = convert(record).to_bytes()
    assert b"\xff\x59" not in data
    assert [(t, m.type) for t, m in conductor(data)] == [(0, "set_tempo"), (0, "time_signature")]
    # the defaults are what they were: the same bytes as 4/4 and no key asked for
    assert data == convert(record, metre="4/4", key="none").to_bytes()
    report = convert(record).report
    assert report.key is None
    assert report.metre is not None and (report.metre.mode, report.metre.time_signature) == (
        "fixed", "4/4")


def test_a_fixed_tempo_with_a_metre_and_a_key() -> None:
    conversion = convert(groove(120.0, 0.0), bpm=120, metre="6/8", key="Ebm")
    events = conductor(conversion.to_bytes())
    assert [(t, m.type) for t, m in events] == [
        (0, "set_tempo"), (0, "time_signature"), (0, "key_signature")]
    assert events[0][1].tempo == 500_000  # quarter notes: a dotted quarter of 80
    assert (events[1][1].numerator, events[1][1].denominator) == (6, 8)
    assert events[2][1].key == "Ebm"
    report = conversion.report
    assert report.tempo.bpm == 120 and report.tempo.pulse_bpm == pytest.approx(80)
    assert report.metre is not None and report.metre.time_signature == "6/8"
    assert report.key is not None and (report.key.mode, report.key.key, report.key.sharps) == (
        "fixed", "Ebm", -6)
    pm = pretty_midi.PrettyMIDI(io.BytesIO(conversion.to_bytes()))
    assert [(s.numerator, s.denominator) for s in pm.time_signature_changes] == [(6, 8)]
    assert [k.key_number for k in pm.key_signature_changes] == [12 + 3]  # Eb minor


def test_any_time_signature_with_a_fixed_tempo() -> None:
    events = conductor(convert(groove(120.0, 0.0), bpm=100, metre="7/8").to_bytes())
    assert (events[1][1].numerator, events[1][1].denominator) == (7, 8)


@pytest.mark.parametrize(("song", "metre", "pulse"), [
    (lambda: six_eight(70.0), (6, 8), 70.0),
    (lambda: oom_pah_pah(120.0), (3, 4), 120.0),
    (lambda: twelve_eight(80.0), (12, 8), 80.0),
])
def test_auto_writes_the_metre_found_and_the_quarter_note_tempo(
    song: object, metre: tuple[int, int], pulse: float
) -> None:
    record = record_of(song())  # type: ignore[operator]
    conversion = convert(record, bpm="auto")
    events = conductor(conversion.to_bytes())
    signatures = [(t, m.numerator, m.denominator) for t, m in events if m.type == "time_signature"]
    assert signatures[-1][1:] == metre
    # the music's bar lines from the first downbeat on, in the metre's bars
    assert signatures[-1][0] == conversion.report.tempo.downbeat_tick
    quarters = 1.5 if metre[1] == 8 else 1.0
    report = conversion.report
    assert report.tempo.bpm == pytest.approx(quarters * pulse, rel=0.02)
    assert report.tempo.pulse_bpm == pytest.approx(pulse, rel=0.02)
    assert report.metre is not None and report.metre.mode == "auto"
    assert report.metre.time_signature == f"{metre[0]}/{metre[1]}"
    assert report.metre.confidence is not None and report.metre.confidence >= 0.6
    assert any(c.chosen for c in report.tempo.candidates)
    # a key signature too: C major, the songs' key
    keys = [m.key for _, m in events if m.type == "key_signature"]
    assert keys == ["C"] and report.key is not None and report.key.written


def test_a_pickup_in_6_8_is_whole_16ths_then_6_8_bars() -> None:
    song = six_eight(70.0)  # starts at 0.5 s: the lead-in is a short pickup
    conversion = convert(record_of(song), bpm="auto")
    signatures = [(t, m.numerator, m.denominator) for t, m in conductor(conversion.to_bytes())
                  if m.type == "time_signature"]
    tick = conversion.report.tempo.downbeat_tick
    assert signatures[-1] == (tick, 6, 8)
    if len(signatures) == 2:  # the pickup bar, in 8ths or 16ths
        assert signatures[0][0] == 0 and signatures[0][2] in (8, 16)
        assert signatures[0][1] * 4 * 480 // signatures[0][2] == tick


def test_shift_writes_one_tempo_and_the_metre() -> None:
    conversion = convert(record_of(oom_pah_pah(120.0)), bpm="auto", lead_in="shift")
    events = conductor(conversion.to_bytes())
    assert [(m.numerator, m.denominator) for _, m in events if m.type == "time_signature"] == [
        (3, 4)]
    assert len([m for _, m in events if m.type == "set_tempo"]) == 1


def test_a_given_metre_with_auto() -> None:
    conversion = convert(record_of(eight_beat_rock(120.0)), bpm="auto", metre="3/4")
    assert conversion.report.metre is not None
    assert conversion.report.metre.mode == "fixed"
    assert conversion.report.metre.time_signature == "3/4"
    signatures = [m for _, m in conductor(conversion.to_bytes()) if m.type == "time_signature"]
    assert (signatures[-1].numerator, signatures[-1].denominator) == (3, 4)


def test_key_none_with_auto_writes_no_key() -> None:
    conversion = convert(record_of(eight_beat_rock(120.0)), bpm="auto", key="none")
    assert b"\xff\x59" not in conversion.to_bytes() and conversion.report.key is None


def test_key_auto_with_a_fixed_tempo() -> None:
    conversion = convert(record_of(eight_beat_rock(120.0, tonic=7)), key="auto")
    keys = [m.key for _, m in conductor(conversion.to_bytes()) if m.type == "key_signature"]
    assert keys == ["G"]
    assert conversion.report.key is not None and conversion.report.key.estimated == "G"


def test_the_key_signature_follows_every_tick_0_event_of_a_pickup() -> None:
    conversion = convert(groove(110.0, 0.951, pickup_beats=1.0), bpm="auto", key="F")
    events = conductor(conversion.to_bytes())
    key_at = [i for i, (_, m) in enumerate(events) if m.type == "key_signature"]
    assert len(key_at) == 1 and events[key_at[0]][0] == 0
    assert all(t == 0 for t, _ in events[: key_at[0]])
    assert all(t > 0 for t, _ in events[key_at[0] + 1:])


def test_an_uncertain_key_is_not_written(monkeypatch: pytest.MonkeyPatch) -> None:
    from midi_export.midi import key_choice

    monkeypatch.setattr(key_choice, "KEY_MIN_CONFIDENCE", 1.01)
    conversion = convert(record_of(eight_beat_rock(120.0)), bpm="auto")
    assert b"\xff\x59" not in conversion.to_bytes()
    key = conversion.report.key
    assert key is not None and not key.written and key.estimated == "C"
    assert any(w.startswith("key:") and "uncertain" in w for w in conversion.report.warnings)


def test_an_uncertain_metre_falls_back_to_4_4_with_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from midi_export.music import metre

    monkeypatch.setattr(metre, "MIN_CONFIDENCE", 1.01)
    conversion = convert(record_of(six_eight(70.0)), bpm="auto")
    report = conversion.report
    assert report.metre is not None and report.metre.fell_back
    assert (report.metre.time_signature, report.metre.estimated) == ("4/4", "6/8")
    assert [(m.numerator, m.denominator) for _, m in conductor(conversion.to_bytes())
            if m.type == "time_signature"][-1] == (4, 4)
    assert any(w.startswith("metre:") and "6/8" in w for w in report.warnings)


def test_the_report_gives_the_threshold_the_song_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    from midi_export.music import metre

    # a band (bass and chords) needs 0.75 to leave 4/4, a fiddle alone 0.5 for 3/4; the
    # warning of a fallen-back waltz names what its 4/4 readings were allowed to keep
    band = convert(record_of(oom_pah_pah(120.0)), bpm="auto").report.metre
    lone = convert(record_of(folk_waltz(180.0)), bpm="auto").report.metre
    assert band is not None and band.min_confidence == metre.MIN_CONFIDENCE == 0.75
    assert lone is not None and lone.min_confidence == 0.5 and lone.time_signature == "3/4"
    monkeypatch.setattr(metre, "MIN_CONFIDENCE", 1.0)
    report = convert(record_of(folk_waltz(180.0)), bpm="auto").report
    assert report.metre is not None and report.metre.fell_back
    assert report.metre.min_confidence == pytest.approx(0.75)
    assert any(w.startswith("metre:") and "more than 0.25 of the probability" in w
               for w in report.warnings)


def test_drums_only_with_auto_has_no_key_and_no_key_warning() -> None:
    drums = groove(120.0, 0.0).instruments[:1]
    conversion = convert(record_of(list(drums)), bpm="auto")
    assert conversion.report.key is not None and not conversion.report.key.written
    assert not any(w.startswith("key:") for w in conversion.report.warnings)


@pytest.mark.parametrize("options", [
    {"metre": "auto"},  # needs bpm auto
    {"bpm": "auto", "metre": "5/4"},  # the estimator lays out six metres
    {"metre": "3/5"},
    {"metre": "x"},
    {"metre": 3},
    {"key": "H"},
    {"key": "Fb"},
    {"key": 5},
    {"tempo_map": TempoMap.constant(100), "metre": "3/4"},
])
def test_bad_metre_and_key_options_are_usage_errors(options: dict[str, object]) -> None:
    with pytest.raises(UsageError):
        convert(groove(120.0, 0.0), **options)  # type: ignore[arg-type]


def test_the_report_has_the_metre_and_key_sections() -> None:
    facts = convert(record_of(six_eight(70.0)), bpm="auto").report.to_dict()
    assert set(facts["metre"]) == {
        "mode", "time_signature", "numerator", "denominator", "beats_per_bar", "division",
        "confidence", "estimated", "runner_up", "runner_up_confidence", "fell_back",
        "min_confidence"}
    assert set(facts["key"]) == {
        "mode", "key", "written", "tonic", "minor", "sharps", "estimated", "confidence",
        "runner_up", "tie_break", "min_confidence"}
    assert facts["tempo"]["pulse_bpm"] == pytest.approx(70, rel=0.02)
    assert set(facts["tempo"]["candidates"][0]) == {
        "bpm", "pulse_bpm", "metre", "p", "score", "chosen", "why"}
