"""The command's options, in groups that every verb can share: conversion, output, messages,
network, preview and audio. Each group is one decorator; values are checked by their
callbacks, so a bad one is a usage error before any work starts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from .grid_options import key_option, metre_option

__all__ = [
    "DEFAULT_BASE_URL",
    "conversion_options",
    "look_options",
    "message_options",
    "network_options",
    "output_options",
    "parse_bpm",
    "producer_settings",
]

DEFAULT_BASE_URL = "https://api.apikley.ru"  # api.client.DEFAULT_BASE_URL; a test keeps them equal

F = TypeVar("F", bound=Callable[..., Any])


def parse_bpm(value: str) -> float | str:
    """A BPM from 4 to 1000, or ``"auto"``."""
    if value.strip().lower() == "auto":
        return "auto"
    try:
        bpm = float(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is neither a number nor 'auto' (examples: --bpm 97.5, --bpm auto)"
        ) from None
    if not 4.0 <= bpm <= 1000.0:
        raise click.BadParameter(f"{value} is outside 4..1000")
    return bpm


def _bpm_callback(ctx: click.Context, param: click.Parameter, value: str) -> float | str:
    return parse_bpm(value)


def _quantize_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from ..errors import UsageError
    from ..midi.quantize import parse_grid

    try:
        return parse_grid(value).name
    except UsageError as exc:
        raise click.BadParameter(str(exc)) from None


def _programs_callback(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> dict[str, int | str]:
    from ..errors import UsageError
    from ..music.gm import parse_program_option

    programs: dict[str, int | str] = {}
    for text in values:
        try:
            name, program = parse_program_option(text)
        except UsageError as exc:
            raise click.BadParameter(str(exc)) from None
        programs[name] = program
    return programs


_MAX_DRUM_MAP_BYTES = 1_000_000


def _drum_map_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """``--drum-map NAME|FILE``: a built-in map, else a JSON file read here (the library
    reads no files but records), as a ``DrumMap``."""
    if value is None:
        return None
    from ..errors import UsageError
    from ..music.drum_maps import DRUM_MAPS, builtin_drum_map, parse_drum_map

    found = builtin_drum_map(value)
    if found is not None:
        return found
    import json
    import os

    if not os.path.isfile(value):
        known = ", ".join(sorted(DRUM_MAPS))
        raise click.BadParameter(f"{value}: no such file, and not a built-in map ({known})")
    try:
        with open(value, "rb") as handle:
            text = handle.read(_MAX_DRUM_MAP_BYTES + 1)
        if len(text) > _MAX_DRUM_MAP_BYTES:
            raise click.BadParameter(f"{value} is over 1 MB: not a drum map")
        data = json.loads(text)
    except OSError as exc:
        raise click.BadParameter(f"cannot read {value}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        why = " ".join(str(exc).split())[:120]
        raise click.BadParameter(f"{value} is not valid JSON ({why})") from None
    try:
        return parse_drum_map(data, origin=os.path.basename(value))
    except UsageError as exc:
        raise click.BadParameter(str(exc)) from None


def producer_settings(options: dict[str, Any]) -> dict[str, Any]:
    """``convert``'s ``clean``, ``split_drums`` and ``drum_map`` from the options: ``--clean``
    is ``CLEAN_DEFAULTS``, and ``--min-duration``, ``--merge-gap`` and ``--min-velocity``
    set (or override) one rule each; nothing is passed when they are all off."""
    out: dict[str, Any] = {}
    rules = {name: options.get(name) for name in ("min_duration", "merge_gap", "min_velocity")}
    if options.get("clean") or any(v is not None for v in rules.values()):
        from ..midi.clean import CLEAN_DEFAULTS, CleanSettings

        base = CLEAN_DEFAULTS if options.get("clean") else CleanSettings()
        out["clean"] = CleanSettings(
            min_duration_ms=rules["min_duration"] if rules["min_duration"] is not None
            else base.min_duration_ms,
            merge_gap_ms=rules["merge_gap"] if rules["merge_gap"] is not None
            else base.merge_gap_ms,
            min_velocity=rules["min_velocity"] if rules["min_velocity"] is not None
            else base.min_velocity,
        )
    if options.get("split_drums"):
        out["split_drums"] = True
    if options.get("drum_map") is not None:
        out["drum_map"] = options["drum_map"]
    return out


def _group(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """One decorator for several options, which keep their order in ``--help``."""

    def apply(function: F) -> F:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


output_options = _group(
    click.option(
        "-o",
        "--output",
        metavar="PATH",
        help="Output file, or a folder when it exists or ends in '/'; '-' for stdout. "
        "Default: <task id>.mid in the current folder.",
    ),
    click.option(
        "--split",
        is_flag=True,
        help="Also write one file per instrument beside it, <stem>-<NN>-<instrument>.mid "
        "(5c79be8e-01-drums.mid), each with the same tempo map.",
    ),
    click.option("--force", is_flag=True, help="Overwrite existing output files."),
)

conversion_options = _group(
    click.option(
        "--bpm",
        default="120",
        metavar="BPM|auto",
        show_default=True,
        callback=_bpm_callback,
        help="Tempo written to the file; notes keep their times in seconds whatever it is. "
        "'auto' finds the tempo and the downbeats in the notes, so the file's beats and bars "
        "follow the music (120 when the estimate is too uncertain, with a warning).",
    ),
    click.option(
        "--lead-in",
        type=click.Choice(["pickup", "shift"]),
        default="pickup",
        show_default=True,
        help="With --bpm auto, how the time before the first downbeat is written: 'pickup' "
        "keeps every note's time (a pickup bar; the file lines up with the audio from 0 s); "
        "'shift' writes one tempo and delays every note so the first downbeat falls on a "
        "bar line (the summary says by how much: move the audio as much).",
    ),
    metre_option,
    key_option,
    click.option(
        "--quantize",
        metavar="GRID",
        callback=_quantize_callback,
        help="Move note starts and ends onto this grid of the written tempo map: 1/4, 1/8, "
        "1/16, 1/32, or triplets 1/8t, 1/16t. Off by default.",
    ),
    click.option(
        "--quantize-strength",
        type=click.FloatRange(0.0, 1.0),
        metavar="0..1",
        help="How far notes move toward the grid: 1 (the default) onto it, 0.5 halfway.",
    ),
    click.option(
        "--ppq",
        default=480,
        show_default=True,
        type=click.IntRange(24, 32767),
        help="Ticks per quarter note.",
    ),
    click.option(
        "--program",
        "programs",
        metavar="NAME=N",
        multiple=True,
        callback=_programs_callback,
        help="Force an instrument's program: a number 0-127, a GM name, or 'drums'. "
        "Repeatable.",
    ),
    click.option(
        "--strict", is_flag=True, help="Fail on the first invalid note instead of dropping it."
    ),
    click.option(
        "--clean",
        is_flag=True,
        help="Remove transcription debris: notes under 50 ms (= --min-duration 50, measured "
        "on transcribed audio). Drum kits are left alone.",
    ),
    click.option(
        "--min-duration",
        type=click.FloatRange(0, 10000),
        metavar="MS",
        help="Drop notes shorter than MS milliseconds (after the same-pitch rules).",
    ),
    click.option(
        "--merge-gap",
        type=click.FloatRange(0, 10000),
        metavar="MS",
        help="Join same-pitch notes separated by a gap shorter than MS (touching notes "
        "too): the louder velocity, the later end.",
    ),
    click.option(
        "--min-velocity",
        type=click.FloatRange(0.0, 1.0),
        metavar="0..1",
        help="Drop notes quieter than this (ghost notes); 0.3-0.35 suits basic-pitch output.",
    ),
    click.option(
        "--split-drums",
        is_flag=True,
        help="Write the drum kit as one track per piece: kick, snare, hi-hat, toms, cymbals, "
        "other percussion (all on channel 10; with --split, a stem file each).",
    ),
    click.option(
        "--drum-map",
        metavar="NAME|FILE",
        callback=_drum_map_callback,
        help="Move GM kit notes to another layout: 'basic' (an 8-pad kit), 'gm', or a JSON "
        'file of {gm_note: target_note}, such as {"38": 40}.',
    ),
)

look_options = _group(
    click.option(
        "--preview",
        metavar="PNG",
        help="Also draw a piano roll of the file (a folder: <task id>.png in it). Needs "
        "matplotlib: pip install 'midi-export[preview]'.",
    ),
    click.option(
        "--render",
        metavar="FILE.wav|.flac",
        help="Also render the file to audio with FluidSynth and a GM soundfont (a folder: "
        "<task id>.wav in it).",
    ),
    click.option(
        "--soundfont",
        metavar="PATH",
        help="The soundfont for --render [default: the first GM soundfont found, such as "
        "Debian's fluid-soundfont-gm].",
    ),
)

message_options = _group(
    click.option(
        "--json", "as_json", is_flag=True, help="Print one JSON object with the results to stdout."
    ),
    click.option("-q", "--quiet", is_flag=True, help="Print only errors."),
    click.option(
        "-v", "--verbose", is_flag=True, help="Print every detail (and a traceback on bugs)."
    ),
)

network_options = _group(
    click.option(
        "--api-key",
        envvar="APIKLEY_API_KEY",
        show_envvar=True,
        metavar="KEY",
        help="API key (better: set APIKLEY_API_KEY, so it stays out of your shell history).",
    ),
    click.option(
        "--base-url",
        envvar="APIKLEY_BASE_URL",
        show_envvar=True,
        default=DEFAULT_BASE_URL,
        show_default=True,
        metavar="URL",
        help="API server; any provider of the same API (https only, except 127.0.0.1).",
    ),
    click.option(
        "--wait/--no-wait",
        default=True,
        show_default=True,
        help="Wait while a task is pending; --no-wait reports it at once (exit 5).",
    ),
    click.option(
        "--timeout",
        default=600.0,
        show_default=True,
        type=click.FloatRange(0, 86400),
        metavar="SECONDS",
        help="How long to wait for a pending task, requests in flight included.",
    ),
    click.option(
        "--poll-interval",
        type=click.FloatRange(0.5, 3600),
        metavar="SECONDS",
        help="Fixed time between polls [default: from 2 s growing to 15 s].",
    ),
    click.option(
        "--request-timeout",
        default=30.0,
        show_default=True,
        type=click.FloatRange(1, 600),
        metavar="SECONDS",
        help="Total time of one HTTP request (connecting, the answer's headers and body).",
    ),
    click.option(
        "--retries",
        default=4,
        show_default=True,
        type=click.IntRange(0, 20),
        help="Retries of a request on network trouble, rate limits and server errors.",
    ),
    click.option(
        "--max-answer-mb",
        default=64,
        show_default=True,
        type=click.IntRange(1, 2048),
        metavar="MB",
        help="The largest answer accepted from the API (64 MB is about 900,000 notes).",
    ),
    click.option(
        "--save-json",
        metavar="PATH",
        help="Also save the raw record (a file; a folder for several tasks), so it outlives "
        "the API's 14 days. --from-json on it gives the same .mid.",
    ),
    click.option(
        "--jobs",
        default=4,
        show_default=True,
        type=click.IntRange(1, 32),
        help="Tasks fetched at the same time.",
    ),
)
