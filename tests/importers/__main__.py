"""What MuseScore 3 and LMMS show for .mid files: ``python -m importers [--no-lmms] [--keep DIR]
FILE.mid...`` (with ``tests`` on the path), one JSON line per importer and file."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import Unavailable
from .lmms import LMMS_TICKS_PER_QUARTER, lmms_import, parse_mmp
from .musescore import musescore_import, parse_mscx


def musescore_facts(mid: Path, folder: Path) -> dict[str, Any]:
    score = parse_mscx(musescore_import(mid, folder / (mid.stem + ".mscx")))
    first = score.first_full_measure()
    return {
        "parts": len(score.parts),
        "staves": [p.staves for p in score.parts],
        "names": [p.name for p in score.parts],
        "tempo_marks": [(str(t.position), round(t.bpm, 3), t.text) for t in score.tempos[:6]],
        "time_signatures": [(str(p), n, d) for p, n, d in score.time_signatures[:4]],
        "measures": [(m.index, str(m.start), str(m.length), m.irregular)
                     for m in score.measures[:3]],
        "first_full_measure": None if first is None else {
            "index": first.index, "quarters": str(first.start),
            "seconds": round(score.seconds_at(first.start), 4)},
    }


def lmms_facts(mid: Path, folder: Path) -> dict[str, Any]:
    project = parse_mmp(lmms_import(mid, folder / (mid.stem + ".mmp")))
    tracks = project.instrument_tracks
    return {
        "tracks": len(tracks),
        "names": [t.name for t in tracks],
        "notes": [len(t.notes) for t in tracks],
        "tempo_points": [(p, round(v, 3)) for p, v in project.tempo[:6]],
        "numerator": project.numerator[:4],
        "denominator": project.denominator[:4],
        "ticks_per_quarter": LMMS_TICKS_PER_QUARTER,
        "first_note_tick": min((t.notes[0][0] for t in tracks if t.notes), default=None),
    }


def main(argv: list[str]) -> int:
    lmms = "--no-lmms" not in argv
    argv = [a for a in argv if a != "--no-lmms"]
    keep = None
    if argv[:1] == ["--keep"]:
        keep, argv = Path(argv[1]), argv[2:]
    with tempfile.TemporaryDirectory() as scratch:
        folder = keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for name in argv:
            mid = Path(name)
            for importer, facts in (("musescore", musescore_facts), ("lmms", lmms_facts)):
                if importer == "lmms" and not lmms:
                    continue
                try:
                    shown: Any = facts(mid, folder)
                except Unavailable as exc:
                    shown = f"skipped: {exc}"
                print(f"{mid.name} {importer}: {json.dumps(shown, ensure_ascii=False)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
