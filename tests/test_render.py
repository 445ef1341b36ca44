"""--render: FluidSynth and a soundfont found (or one line naming the install, exit 2), the
command an argument list, and here, where FluidSynth is installed, a file of the song's
length that is not silent. Without FluidSynth the rendering tests skip, saying why."""

from __future__ import annotations

import array
import math
import wave
from pathlib import Path
from typing import Any

import pytest

from midi_export import (
    MissingDependencyError,
    Renderer,
    RenderError,
    UsageError,
    convert,
    parse_record,
)
from midi_export.render import audio_type, find_fluidsynth, find_soundfont, soundfont_places

from conftest import fixture_path, run_cli


def _renderer() -> Renderer | MissingDependencyError:
    try:
        return Renderer.find(home=Path.home())
    except MissingDependencyError as exc:
        return exc


FOUND = _renderer()
needs_fluidsynth = pytest.mark.skipif(
    isinstance(FOUND, Exception),
    reason=f"cannot render here ({FOUND}); make test installs fluidsynth and "
    "fluid-soundfont-gm where apt works",
)


@pytest.fixture(scope="module")
def demo() -> Any:
    return convert(parse_record(fixture_path("demo-song").read_bytes()), bpm="auto")


def test_missing_fluidsynth_is_one_line_naming_the_package() -> None:
    with pytest.raises(MissingDependencyError) as info:
        find_fluidsynth("no-such-fluidsynth-here", platform="linux")
    message = str(info.value)
    assert "\n" not in message and "apt install fluidsynth" in message
    assert int(info.value.exit_code) == 2
    with pytest.raises(MissingDependencyError, match="brew install fluid-synth"):
        find_fluidsynth("no-such-fluidsynth-here", platform="darwin")
    with pytest.raises(MissingDependencyError, match="winget install"):
        find_fluidsynth("no-such-fluidsynth-here", platform="win32")


def test_missing_soundfont_names_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(MissingDependencyError, match="apt install fluid-soundfont-gm"):
        find_soundfont(places=[tmp_path / "none.sf2", tmp_path], platform="linux")
    with pytest.raises(MissingDependencyError, match=r"--soundfont .*missing\.sf2: no such file"):
        find_soundfont(tmp_path / "missing.sf2")


def test_where_soundfonts_are_looked_for(tmp_path: Path) -> None:
    places = soundfont_places(tmp_path, "linux")
    assert places[0] == Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")  # Debian's first
    assert tmp_path / ".local/share/soundfonts" in places
    assert Path("/opt/homebrew/share/soundfonts/default.sf2") in soundfont_places(tmp_path,
                                                                                  "darwin")
    assert soundfont_places(None, "win32")[0] == Path("C:/soundfonts/default.sf2")
    folder = tmp_path / "fonts"
    folder.mkdir()
    for name in ("b.sf2", "a.sf3", "notes.txt"):
        (folder / name).write_bytes(b"x")
    assert find_soundfont(places=[tmp_path / "nope.sf2", folder]) == folder / "a.sf3"


def test_the_command_is_an_argument_list() -> None:
    renderer = Renderer("/usr/bin/fluidsynth", Path("gm.sf2"), sample_rate=48000)
    assert renderer.command(Path("in.mid"), Path("o.flac"), "flac") == [
        "/usr/bin/fluidsynth", "-ni", "-q", "-F", "o.flac", "-T", "flac", "-r", "48000",
        "gm.sf2", "in.mid"]
    assert "-g" in Renderer("f", Path("s"), gain=0.4).command(Path("m"), Path("o"))


def test_only_wav_and_flac() -> None:
    assert audio_type("song.WAV") == "wav" and audio_type("a/b.flac") == "flac"
    with pytest.raises(UsageError, match=r"\.wav or \.flac"):
        audio_type("song.mp3")
    with pytest.raises(UsageError):
        Renderer("x", Path("y")).render(b"MThd", "mp3")


def test_without_fluidsynth_the_command_says_what_to_install(tmp_path: Path) -> None:
    demo = str(fixture_path("demo-song"))
    result = run_cli(["--from-json", demo, "--render", "x.wav"], tmp_path,
                     env={"PATH": str(tmp_path)})
    assert result.exit_code == 2 and "apt install fluidsynth" in result.stderr
    assert result.stderr.count("\n") == 1 and list(tmp_path.iterdir()) == []
    sf = run_cli(["--from-json", demo, "--render", "x.wav", "--soundfont", "nope.sf2"], tmp_path)
    if not isinstance(FOUND, Exception):  # FluidSynth is there: the soundfont is what lacks
        assert sf.exit_code == 2 and "--soundfont nope.sf2: no such file" in sf.stderr
    lone = run_cli(["--from-json", demo, "--soundfont", "gm.sf2"], tmp_path)
    assert lone.exit_code == 2 and "--soundfont goes with --render" in lone.stderr


def wav_facts(path: Path) -> tuple[float, float]:
    """(seconds, RMS level in dBFS) of a 16-bit wav."""
    with wave.open(str(path)) as w:
        rate, frames = w.getframerate(), w.getnframes()
        samples = array.array("h", w.readframes(frames))
    step = samples[::16]
    rms = math.sqrt(sum(s * s for s in step) / max(1, len(step)))
    return frames / rate, 20 * math.log10(max(rms, 1) / 32768)


def flac_seconds(path: Path) -> float:
    data = path.read_bytes()
    assert data[:4] == b"fLaC"
    info = data[8 : 8 + 34]  # STREAMINFO, after its 4-byte block header
    rate = (info[10] << 12) | (info[11] << 4) | (info[12] >> 4)
    total = ((info[13] & 0x0F) << 32) | int.from_bytes(info[14:18], "big")
    return total / rate


@needs_fluidsynth
def test_a_wav_of_the_right_length_that_is_not_silent(tmp_path: Path, demo: Any) -> None:
    assert isinstance(FOUND, Renderer)
    target = tmp_path / "demo.wav"
    target.write_bytes(FOUND.render(demo, "wav"))
    length, level = wav_facts(target)
    song = demo.report.duration_seconds
    assert song <= length <= song + 6  # FluidSynth lets the last notes ring out
    assert level > -45
    quiet = tmp_path / "quiet.wav"  # a check of the check: near silence measures low
    empty = convert(parse_record(fixture_path("record-info-success").read_bytes()))
    quiet.write_bytes(FOUND.render(empty, "wav"))
    assert wav_facts(quiet)[1] < level


@needs_fluidsynth
def test_flac(tmp_path: Path, demo: Any) -> None:
    assert isinstance(FOUND, Renderer)
    target = tmp_path / "demo.flac"
    target.write_bytes(Renderer(FOUND.fluidsynth, FOUND.soundfont, 22050).render(demo, "flac"))
    song = demo.report.duration_seconds
    assert song <= flac_seconds(target) <= song + 6 and target.stat().st_size > 100_000


@needs_fluidsynth
def test_a_failed_render_is_a_render_error(demo: Any) -> None:
    assert isinstance(FOUND, Renderer)
    with pytest.raises(RenderError, match="could not render"):
        FOUND.render(b"MThd not really", "wav", duration_seconds=1)
    with pytest.raises(RenderError, match="did not finish within"):
        FOUND.render(demo, "wav", timeout=0.01)
    assert int(RenderError("x").exit_code) == 8


@needs_fluidsynth
def test_the_command_renders_beside_the_song_and_never_leaves_a_partial_file(
    tmp_path: Path,
) -> None:
    demo = str(fixture_path("demo-song"))
    result = run_cli(["--from-json", demo, "--render", "out/", "-o", "out/"], tmp_path)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["demo-song.mid",
                                                                   "demo-song.wav"]
    length, level = wav_facts(tmp_path / "out" / "demo-song.wav")
    assert length > 40 and level > -45
    again = run_cli(["--from-json", demo, "--render", "out/", "-o", "other.mid"], tmp_path)
    assert again.exit_code == 8 and not (tmp_path / "other.mid").exists()
    bad = run_cli(["--from-json", demo, "--render", "x.ogg"], tmp_path)
    assert bad.exit_code == 2 and not (tmp_path / "demo-song.mid").exists()
