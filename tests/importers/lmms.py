"""LMMS's MIDI import, driven headlessly, and what the project it saves shows.

LMMS has no batch import (``--import FILE -e`` imports and exits without saving), so
``lmms_import`` drives it one of two ways:

- ``"xvfb"`` (Debian ``xvfb`` and ``xdotool``; about 10 s): ``Xvfb`` plus ``lmms --import``,
  then Ctrl+S and the target typed into the Save dialog; there is no window manager, so focus
  follows the pointer, which is moved onto each window first;
- ``"autosave"`` (Qt's offscreen platform, no X at all; about 65 s): LMMS's recovery autosave
  writes ``recover.mmp`` after one minute.

Either way it runs with a fresh ``HOME`` whose configuration says ``configured="1"`` (else a
"Setup LMMS" dialog blocks), names a General MIDI soundfont (else a "no default soundfont"
box) and uses dummy audio. ``parse_mmp`` reads the instrument tracks (name, sf2 bank and
patch, notes in LMMS ticks of 48 per quarter and MIDI pitches; LMMS key + 12 = MIDI note) and
the global automation track's Tempo / Numerator / Denominator points.

What the import does (``plugins/MidiImport/MidiImport.cpp``, confirmed with probe files): one
LMMS track per portsmf channel, whose channel number includes the MIDI port, so ``FF 21``
keeps tracks of one channel apart; tempo automation points moved onto its eighth-note grid;
a time signature after a bar that is not whole quarters placed at the quarter below.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import need, soundfont

__all__ = ["LMMS_TICKS_PER_QUARTER", "LmmsProject", "LmmsTrack", "lmms_import", "parse_mmp"]

LMMS_TICKS_PER_QUARTER = 48  # LMMS: 192 ticks per 4/4 bar
LMMS_KEY_OFFSET = 12  # LMMS key 48 is MIDI note 60

_CONFIG = """<?xml version="1.0"?>
<!DOCTYPE lmms-config-file>
<lmms version="1.2.2">
  <app configured="1" nomsgaftersetup="1" openlastproject="0" nommpz="1" language="en"
       disablebackup="1"/>
  <mixer audiodev="Dummy (no sound output)" mididev="Dummy MIDI"/>
  <paths workingdir="{work}/" defaultsf2="{sf2}"/>
  <ui enableautosave="1" saveinterval="1" enablerunningautosave="0"/>
</lmms>
"""


@dataclass(frozen=True)
class LmmsTrack:
    name: str
    type: int  # 0 instrument, 5 sample, 6 automation
    patch: int | None  # the sf2 player's program
    bank: int | None  # 128 is the drum kit
    notes: tuple[tuple[int, int, int], ...]  # (position, length, MIDI pitch) in LMMS ticks


@dataclass
class LmmsProject:
    base_bpm: float  # the tempo knob (the automation overrides it when playing)
    tracks: list[LmmsTrack]
    tempo: list[tuple[int, float]]  # automation points (LMMS tick, BPM)
    numerator: list[tuple[int, int]]
    denominator: list[tuple[int, int]]

    @property
    def instrument_tracks(self) -> list[LmmsTrack]:
        return [t for t in self.tracks if t.type == 0]


@contextmanager
def _home(sf2: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="lmms-home-") as home:
        work = Path(home) / "lmms"
        for sub in ("projects", "presets", "samples", "plugins", "templates"):
            (work / sub).mkdir(parents=True)
        (Path(home) / ".lmmsrc.xml").write_text(_CONFIG.format(work=work, sf2=sf2))
        yield Path(home)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End a process this module started (by its own handle)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def lmms_import(mid: str | os.PathLike[str], out: str | os.PathLike[str],
                timeout: float = 150, method: str = "auto") -> Path:
    """Import ``mid`` with LMMS and save the project as ``out`` (.mmp, XML); ``method`` is
    ``"xvfb"``, ``"autosave"`` or ``"auto"`` (xvfb when installed). LMMS refuses to run as
    root without ``--allowroot``, which is passed."""
    exe = need("lmms", "lmms")
    sf2 = soundfont(sf2_only=True)
    source, target = Path(mid).resolve(), Path(out).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    if method == "auto":
        method = "xvfb" if shutil.which("Xvfb") and shutil.which("xdotool") else "autosave"
    with _home(sf2) as home:
        args = [exe, "--allowroot", "-c", str(home / ".lmmsrc.xml"), "--import", str(source)]
        nice = shutil.which("nice")
        args = [nice, "-n", "10", *args] if nice else args
        env = dict(os.environ, HOME=str(home), XDG_RUNTIME_DIR=str(home))
        if method == "autosave":
            return _by_autosave(args, env, home, target, timeout)
        if method == "xvfb":
            return _by_xvfb(args, env, target, timeout)
    raise ValueError(f"unknown method {method!r}")


def _complete_xml(path: Path) -> bool:
    try:
        ET.parse(path)
    except ET.ParseError:
        return False
    return True


def _by_autosave(args: list[str], env: dict[str, str], home: Path, out: Path,
                 timeout: float) -> Path:
    env["QT_QPA_PLATFORM"] = "offscreen"
    recover = home / "lmms" / "recover.mmp"
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if recover.exists() and _complete_xml(recover):
                shutil.copyfile(recover, out)
                return out
            if process.poll() is not None:
                raise RuntimeError(f"lmms exited ({process.returncode}) before saving")
            time.sleep(1)
        raise TimeoutError(f"lmms did not autosave within {timeout} s")
    finally:
        _stop(process)


def _free_display() -> str:
    for number in range(90, 190):
        if not (Path(f"/tmp/.X11-unix/X{number}").exists()
                or Path(f"/tmp/.X{number}-lock").exists()):
            return f":{number}"
    raise RuntimeError("no free X display number")


def _by_xvfb(args: list[str], env: dict[str, str], out: Path, timeout: float) -> Path:
    xvfb, xdotool = need("Xvfb", "xvfb"), need("xdotool", "xdotool")
    display = _free_display()
    server = subprocess.Popen([xvfb, display, "-screen", "0", "1600x1000x24", "-nolisten",
                               "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(env, DISPLAY=display)
    env.pop("QT_QPA_PLATFORM", None)
    process: subprocess.Popen[bytes] | None = None
    deadline = time.monotonic() + timeout

    def xdo(*words: str) -> str:
        return subprocess.run([xdotool, *words], capture_output=True, text=True, env=env,
                              timeout=30, check=False).stdout

    def window(title: str) -> dict[str, int]:
        while time.monotonic() < deadline:
            found = xdo("search", "--name", title).split()
            if found:
                shell = xdo("getwindowgeometry", "--shell", found[0])
                return {k: int(v) for k, v in (ln.split("=", 1) for ln in shell.split()
                                               if "=" in ln and ln.split("=", 1)[1].isdigit())}
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"lmms exited ({process.returncode})")
            time.sleep(0.5)
        raise TimeoutError(f"no LMMS window {title!r} within {timeout} s")

    try:
        time.sleep(1)
        process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        main = window(r"LMMS 1\.")
        time.sleep(3)  # the import runs after the window shows
        xdo("mousemove", str(main.get("X", 0) + 300), str(main.get("Y", 0) + 200), "click", "1")
        xdo("key", "ctrl+s")
        dialog = window("Save Project")
        xdo("mousemove", str(dialog.get("X", 0) + dialog.get("WIDTH", 400) // 2),
            str(dialog.get("Y", 0) + dialog.get("HEIGHT", 300) // 2))
        time.sleep(0.5)
        xdo("type", "--delay", "10", str(out))
        xdo("key", "Return")
        while time.monotonic() < deadline:
            if out.exists() and _complete_xml(out):
                return out
            time.sleep(0.5)
        raise TimeoutError(f"lmms did not save {out} within {timeout} s")
    finally:
        if process is not None:
            _stop(process)
        _stop(server)


def parse_mmp(path: str | os.PathLike[str]) -> LmmsProject:
    """Read an LMMS project (.mmp): tracks with their notes, tempo and metre automation."""
    root = ET.parse(path).getroot()
    song, head = root.find("song"), root.find("head")
    base = 140.0
    if head is not None:
        knob = head.find("bpm")
        base = float(knob.get("value", base) if knob is not None else head.get("bpm", base))
    tracks: list[LmmsTrack] = []
    points: dict[str, list[tuple[int, float]]] = {"Tempo": [], "Numerator": [],
                                                  "Denominator": []}
    container = song.find("trackcontainer") if song is not None else None
    found = container.findall("track") if container is not None else []
    found += song.findall("track") if song is not None else []  # the global automation track
    for track in found:
        player = track.find(".//sf2player")
        notes = []
        for pattern in track.findall("pattern"):
            offset = int(pattern.get("pos", "0"))
            notes += [(offset + int(n.get("pos", "0")), int(n.get("len", "0")),
                       int(n.get("key", "0")) + LMMS_KEY_OFFSET) for n in pattern.findall("note")]
        for auto in track.findall("automationpattern"):
            offset = int(auto.get("pos", "0"))
            if auto.get("name", "") in points:
                points[auto.get("name", "")] += [
                    (offset + int(t.get("pos", "0")), float(t.get("value", "0")))
                    for t in auto.findall("time")]

        def number(attr: str, node: ET.Element | None = player) -> int | None:
            value = node.get(attr) if node is not None else None
            return int(value) if value else None

        tracks.append(LmmsTrack(track.get("name", ""), int(track.get("type", "0")),
                                number("patch"), number("bank"), tuple(sorted(notes))))
    return LmmsProject(base, tracks, sorted(points["Tempo"]),
                       sorted((p, int(v)) for p, v in points["Numerator"]),
                       sorted((p, int(v)) for p, v in points["Denominator"]))
