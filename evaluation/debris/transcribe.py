"""Step 3 of the debris measurement (in basic-pitch's own environment, see README.md): each
``work/stems/*.wav`` -> transcribed notes, with two settings from one model run.

    evaluation/debris/.bpvenv/bin/python evaluation/debris/transcribe.py evaluation/debris/work

- ``default``: basic-pitch's defaults (onset 0.5, frame 0.3, minimum note 127.7 ms = 11 frames);
- ``raw``: the same thresholds with a 1-frame minimum (11.6 ms): all the debris.

Writes ``evaluation/debris/transcribed.json.gz``: ``{"<song>-<NN>-<setting>": [{"pitch",
"start", "end", "velocity"}, ...]}``, times and velocities rounded to 1e-5 (the committed
copy, so that ``analyse.py`` runs without basic-pitch).
"""

from __future__ import annotations

import gzip
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

logging.disable(logging.WARNING)
from basic_pitch import note_creation  # noqa: E402
from basic_pitch.constants import AUDIO_SAMPLE_RATE, FFT_HOP  # noqa: E402
from basic_pitch.inference import ICASSP_2022_MODEL_PATH, Model, run_inference  # noqa: E402

SETTINGS = {"default": 127.70, "raw": 11.6}  # minimum note length, ms
HERE = Path(__file__).resolve().parent


def main(work: Path) -> None:
    model = Model(ICASSP_2022_MODEL_PATH)
    out: dict[str, list[dict[str, float]]] = {}
    for wav in sorted((work / "stems").glob("*.wav")):
        t0 = time.time()
        output = run_inference(str(wav), model)
        for name, ms in SETTINGS.items():
            frames = int(np.round(ms / 1000 * (AUDIO_SAMPLE_RATE / FFT_HOP)))
            _, events = note_creation.model_output_to_notes(
                output, onset_thresh=0.5, frame_thresh=0.3, min_note_len=frames,
                melodia_trick=True, midi_tempo=120)
            out[f"{wav.stem}-{name}"] = [
                {"pitch": int(p), "start": round(float(s), 5), "end": round(float(e), 5),
                 "velocity": round(float(v), 5)} for s, e, p, v, _ in events]
            print(wav.stem, name, frames, len(out[f"{wav.stem}-{name}"]),
                  f"{time.time() - t0:.1f}s", flush=True)
    data = json.dumps(out, separators=(",", ":"), sort_keys=True).encode()
    (HERE / "transcribed.json.gz").write_bytes(gzip.compress(data, 9, mtime=0))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "evaluation/debris/work"))
