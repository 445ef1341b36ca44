"""Step 2 of the debris measurement: each pitched instrument of each song alone -> its .mid (our
converter, 120 BPM) -> a .wav through FluidSynth and the GM soundfont, at 22.05 kHz.

    .venv/bin/python evaluation/debris/render_stems.py evaluation/debris/work

Reads ``work/songs/*.json``, writes ``work/stems/<song>-<NN>.mid`` and ``.wav`` (NN: the
track number). Needs FluidSynth and fluid-soundfont-gm (``make test`` installs them).
"""

from __future__ import annotations

import sys
from pathlib import Path

from midi_export import Renderer, convert, parse_record, write_midi


def main(work: Path) -> None:
    found = Renderer.find(home=Path.home())
    renderer = Renderer(found.fluidsynth, found.soundfont, sample_rate=22050)
    stems = work / "stems"
    stems.mkdir(parents=True, exist_ok=True)
    for path in sorted((work / "songs").glob("*.json")):
        conversion = convert(parse_record(path.read_bytes()))
        for ins in conversion.report.instruments:
            if not ins.written or ins.is_drum or ins.track is None:
                continue
            stem = stems / f"{path.stem}-{ins.track:02d}"
            midi = conversion.stem_bytes(ins.track)
            write_midi(midi, stem.with_suffix(".mid"), overwrite=True)
            if not stem.with_suffix(".wav").exists():
                write_midi(renderer.render(midi, "wav", duration_seconds=60), stem.with_suffix(
                    ".wav"))
            print(stem.name, ins.name, file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "evaluation/debris/work"))
