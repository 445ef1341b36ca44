"""Listen (``--render``): a conversion rendered to .wav or .flac through FluidSynth.

FluidSynth is a system program: ``Renderer.find()`` looks for it with ``shutil.which`` and for
a General MIDI soundfont in the usual places, and raises ``MissingDependencyError`` (exit
code 2) with one line that says what to install on this platform. ``Renderer.render`` runs

    fluidsynth -ni -q -F OUT -T wav|flac -r RATE [-g GAIN] SOUNDFONT IN.mid

(``-n`` no MIDI input, ``-i`` no shell, ``-F`` render to a file, ``-T`` its type) with an
argument list, never a shell string, standard input closed and a time limit, in a private
temporary folder, and returns the audio's bytes; the caller writes them with the writer
(atomically, all or nothing with the ``.mid``). FluidSynth 2.3 exits 0 even on a file it
cannot read (it prints an error and writes a bare header), so an ``error`` line on its
stderr, or less than 4 KiB of audio, is a failure too (``RenderError``, exit code 8).

Soundfonts: ``--soundfont PATH`` when given (it must be a file), else the first of
``soundfont_places(home, platform)`` that exists: the GM files Linux distributions install
(Debian's ``fluid-soundfont-gm`` first), then any ``.sf2``/``.sf3`` in the usual folders
(``~/.local/share/soundfonts``, ``/usr/share/soundfonts``, Homebrew's ``share/soundfonts``,
``~/Library/Audio/Sounds/Banks``, ``C:\\soundfonts``). The library takes ``home`` and
``platform`` as arguments (it never reads the environment); the CLI passes ``Path.home()``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import MissingDependencyError, RenderError, UsageError

if TYPE_CHECKING:
    from .midi.conversion import Conversion

__all__ = ["AUDIO_TYPES", "Renderer", "audio_type", "find_fluidsynth", "find_soundfont",
           "soundfont_places"]

AUDIO_TYPES = {".wav": "wav", ".flac": "flac"}
"""Output suffix -> FluidSynth's ``-T`` file type."""

DEFAULT_RATE = 44100
MIN_AUDIO_BYTES = 4096  # less is a header and a few milliseconds: nothing was rendered
MAX_RENDER_SECONDS = 3600.0
"""The longest song rendered: an hour of 44.1 kHz stereo WAV is 635 MB, read into memory
once rendered; a 2.5 KB record with one note at 20 h would otherwise make 12.7 GB."""


def audio_type(path: str | os.PathLike[str]) -> str:
    """FluidSynth's file type for an output path (``"wav"``, ``"flac"``); ``UsageError``
    for any other suffix."""
    kind = AUDIO_TYPES.get(Path(os.fspath(path)).suffix.lower())
    if kind is None:
        raise UsageError(f"--render {os.fspath(path)}: the file must end in .wav or .flac")
    return kind


def _install_hint(platform: str, what: str) -> str:
    mac, windows = platform == "darwin", platform.startswith("win")
    if what == "fluidsynth":
        if mac:
            return "brew install fluid-synth"
        if windows:
            return ("winget install FluidSynth.FluidSynth (or choco install fluidsynth), "
                    "then add it to PATH")
        return ("apt install fluidsynth (Debian/Ubuntu), dnf install fluidsynth (Fedora), "
                "pacman -S fluidsynth (Arch)")
    if mac:
        return ("put a General MIDI soundfont (such as FluidR3_GM.sf2) in "
                "/opt/homebrew/share/soundfonts/default.sf2, or give --soundfont PATH")
    if windows:
        return ("put a General MIDI soundfont in C:\\soundfonts\\default.sf2, "
                "or give --soundfont PATH")
    return ("apt install fluid-soundfont-gm (Debian/Ubuntu), dnf install fluid-soundfont-gm "
            "(Fedora), pacman -S soundfont-fluid (Arch), or give --soundfont PATH")


def find_fluidsynth(program: str | None = None, *, platform: str = sys.platform) -> str:
    """The FluidSynth executable: ``program`` (a name or a path) or ``fluidsynth`` on PATH."""
    found = shutil.which(program or "fluidsynth")
    if found is None:
        hint = _install_hint(platform, "fluidsynth")
        raise MissingDependencyError(f"FluidSynth renders the audio and was not found: {hint}")
    return found


def soundfont_places(home: Path | None, platform: str = sys.platform) -> list[Path]:
    """Where to look for a GM soundfont, best first: exact files, then folders to scan."""
    if platform.startswith("win"):
        return [Path("C:/soundfonts/default.sf2"), Path("C:/soundfonts"),
                *([home / "soundfonts"] if home is not None else [])]
    places = [
        Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),  # Debian/Ubuntu fluid-soundfont-gm
        Path("/usr/share/sounds/sf2/default-GM.sf2"),  # Debian's alternative link
        Path("/usr/share/soundfonts/FluidR3_GM.sf2"),  # Fedora, Arch (soundfont-fluid)
        Path("/usr/share/soundfonts/default.sf2"),
        Path("/usr/share/sounds/sf3/default-GM.sf3"),  # Debian musescore-general
        Path("/usr/share/sounds/sf2/TimGM6mb.sf2"),  # Debian timgm6mb-soundfont
    ]
    folders = [Path("/usr/share/soundfonts"), Path("/usr/share/sounds/sf2"),
               Path("/usr/local/share/soundfonts")]
    if platform == "darwin":
        places += [Path("/opt/homebrew/share/soundfonts/default.sf2"),  # Homebrew, Apple silicon
                   Path("/usr/local/share/soundfonts/default.sf2")]  # Homebrew, Intel
        folders.insert(0, Path("/opt/homebrew/share/soundfonts"))
    if home is not None:
        folders[:0] = [home / ".local/share/soundfonts", home / ".soundfonts"]
        if platform == "darwin":
            folders.append(home / "Library/Audio/Sounds/Banks")
    return places + folders


def find_soundfont(
    explicit: str | os.PathLike[str] | None = None,
    *,
    home: Path | None = None,
    platform: str = sys.platform,
    places: Sequence[Path] | None = None,
) -> Path:
    """The soundfont to render with: ``explicit`` (it must be a file), else the first found
    in ``places`` (default ``soundfont_places(home, platform)``)."""
    if explicit is not None:
        path = Path(os.fspath(explicit))
        if not path.is_file():
            raise MissingDependencyError(f"--soundfont {path}: no such file")
        return path
    for place in places if places is not None else soundfont_places(home, platform):
        try:
            if place.is_file():
                return place
            if place.is_dir():
                found = sorted(p for p in place.iterdir()
                               if p.suffix.lower() in (".sf2", ".sf3") and p.is_file())
                if found:
                    return found[0]
        except OSError:  # an unreadable folder is one place fewer
            continue
    raise MissingDependencyError(
        f"no General MIDI soundfont found to render with: {_install_hint(platform, 'soundfont')}"
    )


@dataclass(frozen=True)
class Renderer:
    """FluidSynth and the soundfont it renders with (``find()`` finds both), the sample rate,
    and the gain (None keeps FluidSynth's own 0.2: measured here, a dense four-instrument song
    already reaches full scale at 0.5, so louder defaults clip)."""

    fluidsynth: str
    soundfont: Path
    sample_rate: int = DEFAULT_RATE
    gain: float | None = None

    @classmethod
    def find(
        cls,
        soundfont: str | os.PathLike[str] | None = None,
        *,
        home: Path | None = None,
        platform: str = sys.platform,
        fluidsynth: str | None = None,
    ) -> Renderer:
        """FluidSynth on PATH (or ``fluidsynth``) and ``soundfont`` or the first GM soundfont
        found; ``MissingDependencyError`` names what to install."""
        program = find_fluidsynth(fluidsynth, platform=platform)
        return cls(program, find_soundfont(soundfont, home=home, platform=platform))

    def command(self, midi: Path, output: Path, file_type: str = "wav") -> list[str]:
        """FluidSynth's argument list: options first, then the soundfont and the MIDI file."""
        argv = [self.fluidsynth, "-ni", "-q", "-F", str(output), "-T", file_type,
                "-r", str(int(self.sample_rate))]
        if self.gain is not None:
            argv += ["-g", f"{self.gain:g}"]
        return [*argv, str(self.soundfont), str(midi)]

    def render(
        self,
        midi: Conversion | bytes,
        file_type: str = "wav",
        *,
        timeout: float | None = None,
        duration_seconds: float | None = None,
    ) -> bytes:
        """The audio of ``midi`` (a ``Conversion`` or SMF bytes) as ``file_type`` bytes.

        The time limit is ``timeout``, else 30 s plus twice the song's length (FluidSynth
        renders some 50-100 times faster than real time). ``RenderError`` when FluidSynth
        fails, gives no audio or runs past the limit, and before it runs when the song is
        longer than ``MAX_RENDER_SECONDS``.
        """
        import tempfile

        from .writer import write_midi

        if file_type not in AUDIO_TYPES.values():
            raise UsageError(f"cannot render to {file_type!r}: wav or flac")
        if isinstance(midi, (bytes, bytearray)):
            data = bytes(midi)
        else:
            data = midi.to_bytes()
            if duration_seconds is None:
                duration_seconds = midi.report.duration_seconds
        if duration_seconds is not None and duration_seconds > MAX_RENDER_SECONDS:
            from .music.limits import clock

            raise RenderError(
                f"the song is {clock(duration_seconds)} long; --render renders at most "
                f"{clock(MAX_RENDER_SECONDS)} (an hour of WAV is 635 MB)")
        limit = timeout if timeout is not None else 30.0 + 2.0 * (duration_seconds or 300.0)
        with tempfile.TemporaryDirectory(prefix="midi-export-render-") as work:
            song, audio = Path(work) / "song.mid", Path(work) / f"song.{file_type}"
            write_midi(data, song)
            try:
                done = subprocess.run(self.command(song, audio, file_type),
                                      stdin=subprocess.DEVNULL, capture_output=True,
                                      timeout=limit, check=False)
            except subprocess.TimeoutExpired:
                raise RenderError(f"FluidSynth did not finish within {limit:.0f} s") from None
            except OSError as exc:
                raise RenderError(
                    f"cannot run FluidSynth ({self.fluidsynth}): {exc.strerror or exc}"
                ) from None
            lines = (done.stderr or b"").decode("utf-8", "replace").strip().splitlines()
            errors = [line for line in lines if "error" in line.lower()]
            size = audio.stat().st_size if audio.is_file() else 0
            if done.returncode != 0 or errors or size < MIN_AUDIO_BYTES:
                why = (errors or lines or [f"exit status {done.returncode}, no audio"])[-1]
                raise RenderError(f"FluidSynth could not render the song: {' '.join(why.split())}")
            return audio.read_bytes()
