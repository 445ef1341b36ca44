"""Real importers and readers of a .mid file, for tests: what a user sees after opening it.

- ``musescore``: MuseScore 3's headless MIDI import (Debian ``musescore3``) and a reader of
  the score it makes (parts, measures, tempo marks);
- ``lmms``: LMMS's MIDI import (Debian ``lmms``; driven through ``Xvfb`` + ``xdotool``, about
  10 s, or its recovery autosave, about 65 s) and a reader of the project it saves;
- ``readers``: ``midicsv``, FluidSynth and TiMidity++ renders, which programs TiMidity++
  sounds, mido and pretty_midi.

A program or library that is missing raises ``Unavailable`` (the reason names the Debian or
PyPI package); ``or_skip`` turns that into ``pytest.skip``. Every external program is found
with ``shutil.which``, called with an argument list and a time limit, under ``nice``. Only
the standard library is imported at module level. ``python -m importers FILE.mid...`` (with
``tests`` on the path) prints what MuseScore and LMMS show, one line each.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["Unavailable", "need", "or_skip", "run", "soundfont"]

T = TypeVar("T")

SOUNDFONTS = (  # General MIDI soundfonts Debian installs, the fullest first
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/sounds/sf3/default-GM.sf3",
    "/usr/share/sounds/sf3/MuseScore_General.sf3",
    "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3",
)


class Unavailable(RuntimeError):
    """A program or library an importer needs is not installed (the message says which)."""


def or_skip(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)``, or ``pytest.skip`` with the reason when it is
    ``Unavailable``."""
    try:
        return function(*args, **kwargs)
    except Unavailable as exc:
        import pytest

        pytest.skip(str(exc))


def need(program: str, package: str) -> str:
    """The path of ``program``, else ``Unavailable`` naming the Debian package."""
    path = shutil.which(program)
    if path is None:
        raise Unavailable(f"{program} not found: install the Debian package {package}")
    return path


def soundfont(*, sf2_only: bool = False) -> str:
    """A General MIDI soundfont on this machine, else ``Unavailable``."""
    for path in SOUNDFONTS:
        if Path(path).exists() and (not sf2_only or path.endswith(".sf2")):
            return path
    raise Unavailable("no General MIDI soundfont: install the Debian package fluid-soundfont-gm")


def run(args: list[str], timeout: float, env: dict[str, str] | None = None,
        cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run a program (under ``nice``) with a time limit; its output as text."""
    nice = shutil.which("nice")
    full = [nice, "-n", "10", *args] if nice else args
    try:
        return subprocess.run(full, capture_output=True, text=True, errors="replace",
                              timeout=timeout, env=env, cwd=cwd, check=False)
    except subprocess.TimeoutExpired as exc:
        raise TimeoutError(f"{args[0]} took more than {timeout} s") from exc
