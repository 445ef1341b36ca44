"""A plain offline conversion loads only what it uses (its start-up is most of a small
record's time): no numpy, mido, pretty_midi or requests, none of the tempo, metre and key
estimator's modules, which only ``--bpm auto`` and ``--key auto`` need, none of the other
verbs (``convert``, ``generate``, ``serve``: imported when they run) and not the optional
stages' report classes (``option_reports``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-song.json"

LAZY = ("midi_export.cli.convert", "midi_export.cli.generate", "midi_export.cli.serve",
        "midi_export.midi.option_reports")

PROBE = f"""
LAZY = {LAZY!r}
import json, sys
from midi_export.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
loaded = sorted(m for m in sys.modules if m.split(".")[0] in
                ("numpy", "mido", "pretty_midi", "requests") or m.startswith("midi_export.music.")
                or m in LAZY)
print(json.dumps({{"code": code, "loaded": loaded}}), file=sys.stderr)
"""


def _loaded(tmp_path: Path, *options: str, argv: list[str] | None = None) -> tuple[int, list[str]]:
    if argv is None:
        argv = ["fetch-mid", "--from-json", str(DEMO), "-o", str(tmp_path / "song.mid"), "-q",
                *options]
    done = subprocess.run([sys.executable, "-c", f"import sys; sys.argv = {argv!r}\n" + PROBE],
                          capture_output=True, text=True, check=False)
    result = json.loads(done.stderr.strip().splitlines()[-1])
    return result["code"], result["loaded"]


def test_a_plain_conversion_loads_no_estimator_and_no_heavy_dependency(tmp_path: Path) -> None:
    code, loaded = _loaded(tmp_path)
    assert code == 0 and (tmp_path / "song.mid").stat().st_size > 0
    # the GM name table is the one music module a plain conversion needs
    assert [m for m in loaded if m not in ("midi_export.music.gm", "midi_export.music.gm_names",
                                           "midi_export.music.limits")] == []


def test_a_fixed_metre_with_a_fixed_tempo_still_loads_no_estimator(tmp_path: Path) -> None:
    code, loaded = _loaded(tmp_path, "--bpm", "100", "--metre", "7/8")
    assert code == 0
    assert not any(m.startswith(("numpy", "midi_export.music.estimates")) for m in loaded)


def test_bpm_auto_loads_the_estimator(tmp_path: Path) -> None:
    # the probe can see the estimator when it is used (the tests above are not vacuous)
    code, loaded = _loaded(tmp_path, "--bpm", "auto")
    assert code == 0
    assert "numpy" in loaded and "midi_export.music.estimates" in loaded


def test_a_plain_conversion_and_the_help_load_no_other_verb(tmp_path: Path) -> None:
    code, loaded = _loaded(tmp_path)
    assert code == 0 and not set(LAZY) & set(loaded)
    code, loaded = _loaded(tmp_path, argv=["fetch-mid", "--help"])
    assert code == 0 and not set(LAZY) & set(loaded)


def test_each_verb_and_each_optional_report_loads_when_used(tmp_path: Path) -> None:
    # the probe sees the lazy modules when they are used (the test above is not vacuous)
    code, loaded = _loaded(tmp_path, argv=["fetch-mid", "convert", str(DEMO), "-o",
                                           str(tmp_path / "out"), "-q", "--quantize", "1/16"])
    assert code == 0
    assert {"midi_export.cli.convert", "midi_export.midi.option_reports"} <= set(loaded)
    for verb in ("generate", "serve"):
        code, loaded = _loaded(tmp_path, argv=["fetch-mid", verb, "--help"])
        assert code == 0 and f"midi_export.cli.{verb}" in loaded
    code, loaded = _loaded(tmp_path, "--force", "--key", "C")
    assert code == 0 and "midi_export.midi.option_reports" in loaded
