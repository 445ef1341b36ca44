"""basic-pitch (ONNX) transcription of one mono stem, batched, silent windows skipped.

The same windows, model, unwrapping and note creation as ``basic_pitch.inference.predict``
with its defaults (onset 0.5, frame 0.3, minimum note 127.7 ms, melodia trick), but windows
are run in batches and windows whose audio is silent (every sample exactly 0) are not run at
all (their activations are set to 0, which creates no note). The ONNX weights ship inside
the basic-pitch wheel (``basic_pitch/saved_models/icassp_2022/nmp.onnx``): nothing is
downloaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

AUDIO_SAMPLE_RATE = 22050
FFT_HOP = 256
AUDIO_N_SAMPLES = AUDIO_SAMPLE_RATE * 2 - FFT_HOP
ANNOTATIONS_FPS = AUDIO_SAMPLE_RATE // FFT_HOP
N_OVERLAP_FRAMES = 30
OVERLAP_LEN = N_OVERLAP_FRAMES * FFT_HOP
HOP_SIZE = AUDIO_N_SAMPLES - OVERLAP_LEN
SILENT_PEAK = 0.0  # only windows of exact digital silence are skipped (identical output)

_SESSION = None


def onnx_path() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("basic_pitch")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "saved_models" / "icassp_2022" / "nmp.onnx"


def session(threads: int = 2):  # type: ignore[no-untyped-def]
    global _SESSION
    if _SESSION is None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        _SESSION = ort.InferenceSession(str(onnx_path()), opts, providers=["CPUExecutionProvider"])
    return _SESSION


def model_output(audio: np.ndarray, batch: int = 8) -> dict[str, np.ndarray]:
    """Activations (note, onset, contour) for mono float32 audio at 22050 Hz."""
    sess = session()
    inp = sess.get_inputs()[0].name
    names = ["StatefulPartitionedCall:1", "StatefulPartitionedCall:2", "StatefulPartitionedCall:0"]
    original_length = audio.shape[0]
    audio = np.concatenate([np.zeros(OVERLAP_LEN // 2, np.float32), audio.astype(np.float32)])
    starts = list(range(0, audio.shape[0], HOP_SIZE))
    windows = np.zeros((len(starts), AUDIO_N_SAMPLES, 1), np.float32)
    for j, i in enumerate(starts):
        w = audio[i: i + AUDIO_N_SAMPLES]
        windows[j, : w.size, 0] = w
    loud = np.abs(windows).max(axis=(1, 2)) > SILENT_PEAK
    out: dict[str, np.ndarray] = {}
    idx = np.flatnonzero(loud)
    results: list[list[np.ndarray]] = [[], [], []]
    for b in range(0, idx.size, batch):
        res = sess.run(names, {inp: windows[idx[b: b + batch]]})
        for k in range(3):
            results[k].append(res[k])
    for k, key in enumerate(("note", "onset", "contour")):
        if results[k]:
            got = np.concatenate(results[k])
            full = np.zeros((len(starts), *got.shape[1:]), np.float32)
            full[idx] = got
        else:
            shape = sess.run(names, {inp: windows[:1]})[k].shape[1:]
            full = np.zeros((len(starts), *shape), np.float32)
        n_olap = N_OVERLAP_FRAMES // 2
        full = full[:, n_olap:-n_olap, :]
        n_frames = int(np.floor(original_length * (ANNOTATIONS_FPS / AUDIO_SAMPLE_RATE)))
        out[key] = full.reshape(-1, full.shape[2])[:n_frames]
    return out


def transcribe(audio: np.ndarray) -> list[tuple[float, float, int, float]]:
    """Note events (start s, end s, pitch, amplitude 0..1) as basic-pitch's predict gives."""
    from basic_pitch import note_creation

    out = model_output(audio)
    min_note_len = int(np.round(127.70 / 1000 * (AUDIO_SAMPLE_RATE / FFT_HOP)))
    _, events = note_creation.model_output_to_notes(
        out, onset_thresh=0.5, frame_thresh=0.3, min_note_len=min_note_len,
        min_freq=None, max_freq=None, multiple_pitch_bends=False, melodia_trick=True,
        midi_tempo=120)
    return [(float(s), float(e), int(p), float(a)) for s, e, p, a, _ in events]
