"""The drum tables (the tempo estimator's groups, a producer's pieces, GM names) and the drum
maps (built in, parsed from JSON, with clear errors)."""

from __future__ import annotations

import pytest

from midi_export import DrumMap, UsageError, parse_drum_map
from midi_export.music import drums
from midi_export.music.drum_maps import DRUM_MAPS, builtin_drum_map, resolve_drum_map


def test_the_names_are_gm_percussion_as_pretty_midi_has_them() -> None:
    import pretty_midi

    assert [drums.GM_DRUM_NAMES[k] for k in range(35, 82)] == list(pretty_midi.constants.DRUM_MAP)


@pytest.mark.parametrize(
    ("keys", "group"),
    [((35, 36), "kick"), ((37, 38, 40), "snare"), ((42, 44, 46), "hihat"),
     ((41, 43, 45, 47, 48, 50), "toms"), ((49, 51, 52, 53, 55, 57, 59), "cymbals"),
     ((39, 54, 56, 58, 60, 70, 81, 27, 34, 82, 87, 0, 127), "percussion")],
)
def test_piece_groups(keys: tuple[int, ...], group: str) -> None:
    assert {drums.piece_of(k) for k in keys} == {group}


def test_every_gm_key_has_one_piece_and_the_order_is_fixed() -> None:
    assert drums.PIECE_GROUPS == ("kick", "snare", "hihat", "toms", "cymbals", "percussion")
    named = [k for keys in drums.PIECE_KEYS.values() for k in keys]
    assert len(named) == len(set(named))  # no key in two groups
    assert set(drums.PIECE_LABELS) == set(drums.PIECE_GROUPS)


def test_the_two_tables_agree_on_kicks_and_toms_and_differ_where_documented() -> None:
    assert drums.PIECE_KEYS["kick"] == drums.KICKS and drums.PIECE_KEYS["toms"] == drums.TOMS
    # a ride keeps time like a hi-hat for the estimator, and is a cymbal for a producer
    assert 51 in drums.HATS and drums.piece_of(51) == "cymbals"
    # the hand clap marks the beat like a snare, and is its own sample for a producer
    assert 39 in drums.SNARES and drums.piece_of(39) == "percussion"


@pytest.mark.parametrize("bad", [-1, 128, 36.0, True, "36"])
def test_a_bad_key(bad: object) -> None:
    with pytest.raises(ValueError):
        drums.piece_of(bad)  # type: ignore[arg-type]


def test_drum_names() -> None:
    assert drums.drum_name(38) == "Acoustic Snare" and drums.drum_name(20) == "drum key 20"


def test_the_built_in_maps() -> None:
    assert builtin_drum_map("GM") == DrumMap("gm", {})
    basic = DRUM_MAPS["basic"].notes
    assert basic[35] == 36 and basic[40] == 38 and basic[57] == 49 and basic[59] == 51
    assert 42 not in basic and 39 not in basic  # hi-hats and percussion stay
    # every target of the small kit is one of its eight pads (or percussion left alone)
    assert set(basic.values()) <= {36, 38, 41, 45, 48, 49, 51}


def test_a_map_from_json_by_number_and_by_name() -> None:
    parsed = parse_drum_map(
        {"name": "my  kit", "comment": "for the test", "36": 24, "Acoustic Snare": 26,
         "closed hi-hat": 30.0}, origin="kit.json")
    assert parsed == DrumMap("my kit", {36: 24, 38: 26, 42: 30})
    assert parse_drum_map({"36": 24}, origin="kit.json").name == "kit.json"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "a drum map is a JSON object"),
        ({"x": 1}, "neither a note number 0..127 nor a GM drum name"),
        ({"36": 128}, "128 is not a note number"),
        ({"36": "kick"}, "'kick' is not a note number"),
        ({"200": 1}, "200 is not a note number"),
        ({"36": True}, "True is not a note number"),
        ({"36": 1.5}, "1.5 is not a note number"),
        ({"36": None}, "None is not a note number"),
        ({"38": 1, "Acoustic Snare": 2}, "note 38 (Acoustic Snare) is mapped twice"),
        ({"٣٦": 1}, "neither a note number"),  # Arabic-Indic digits are not a note number
    ],
)
def test_map_errors_name_the_file_and_the_entry(data: object, message: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_drum_map(data, origin="kit.json")
    assert str(info.value).startswith("kit.json: ") and message in str(info.value)


def test_resolve_a_map_option() -> None:
    assert resolve_drum_map("basic") is DRUM_MAPS["basic"]
    assert resolve_drum_map({38: 40}) == DrumMap("custom", {38: 40})
    with pytest.raises(UsageError, match="unknown drum map 'roland'"):
        resolve_drum_map("roland")
    with pytest.raises(UsageError, match="not a note number"):
        resolve_drum_map({38: 400})
    with pytest.raises(UsageError, match="drum_map must be"):
        resolve_drum_map(38)  # type: ignore[arg-type]
