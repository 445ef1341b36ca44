"""The metre and key options, ``--metre auto|N/D`` and ``--key auto|none|KEY``: their values
checked as they are read (a bad one is a one-line usage error), and their combinations with
``--bpm`` (``check_grid_combinations``). Part of the conversion group every verb shares.
"""

from __future__ import annotations

from typing import Any

import click

__all__ = ["check_grid_combinations", "key_option", "metre_option"]


def _metre_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None or value.strip().lower() == "auto":
        return None if value is None else "auto"
    from ..errors import UsageError
    from ..midi.tempo_choice import parse_time_signature

    try:
        numerator, denominator = parse_time_signature(value)
    except UsageError as exc:
        raise click.BadParameter(str(exc)) from None
    return f"{numerator}/{denominator}"


def _key_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None or value.strip().lower() in ("auto", "none"):
        return None if value is None else value.strip().lower()
    from ..music.key import parse_key

    try:
        return parse_key(value).name
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


metre_option = click.option(
    "--metre",
    metavar="auto|N/D",
    callback=_metre_callback,
    help="The metre written. 'auto' (the default with --bpm auto) finds 2/4, 3/4, 4/4, "
    "6/8, 9/8 or 12/8 in the notes, 4/4 with a warning when unsure; N/D writes that "
    "metre (with --bpm auto one of those six, the beats and bars laid out in it). "
    "Without --bpm auto the default is 4/4. The tempo stays in quarter notes: a 6/8 "
    "at 80 dotted quarters is written as 120 BPM.",
)

key_option = click.option(
    "--key",
    metavar="auto|none|KEY",
    callback=_key_callback,
    help="The key signature written: 'auto' (the default with --bpm auto) the key found "
    "in the notes when it is clear enough; a key such as C, Am, F#m, Bb, Ebm as given; "
    "'none' for no key signature (the default without --bpm auto).",
)


def check_grid_combinations(options: dict[str, Any]) -> str | None:
    """What is wrong with ``--metre`` given the ``--bpm``, as a usage message (None: fine)."""
    metre = options.get("metre")
    if metre == "auto" and options.get("bpm") != "auto":
        return ("--metre auto needs --bpm auto (with a fixed tempo give the metre: "
                "--metre 3/4)")
    if metre in (None, "auto") or options.get("bpm") != "auto":
        return None
    # only here: a plain conversion does not load the estimator's types (start-up)
    from ..music.estimates import AUTO_METRES

    if metre not in AUTO_METRES:
        return (f"with --bpm auto, --metre takes auto, {', '.join(AUTO_METRES)}; "
                f"not {metre} (a fixed --bpm writes any N/D)")
    return None
