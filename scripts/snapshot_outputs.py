"""Record what ``fetch-mid`` writes for many inputs and options, to compare two versions.

A refactoring must not change a byte: run this before and after and diff the manifests::

    .venv/bin/python scripts/snapshot_outputs.py --out /tmp/before.json
    ... change the code ...
    .venv/bin/python scripts/snapshot_outputs.py --out /tmp/after.json --compare /tmp/before.json

The inputs: every fixture, the benchmark's generated records (several sizes and seeds) and the
tempo evaluation set (the synthetic songs, plus the real ones when
``evaluation/get_real_midi.sh`` has unpacked them). Each runs through the command in process
(click's runner) under a spread of options; a case records the exit code, stdout (the
``--json`` object with the whole report), stderr (the summary, warnings, errors) and the
SHA-256 of every file written. Only the public command is used, so the manifest means the
same before and after any internal change.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

OPTION_SETS: dict[str, list[str]] = {
    "default": [],
    "auto": ["--bpm", "auto"],
    "auto-q16": ["--bpm", "auto", "--quantize", "1/16"],
    "q8t-half": ["--quantize", "1/8t", "--quantize-strength", "0.5"],
    "split": ["--split"],
    "ppq960-bpm97": ["--ppq", "960", "--bpm", "97"],
    "programs": ["--program", "Drums=0", "--program", "Acoustic Grand Piano=Flute",
                 "--program", "vocals=drums", "--program", "Electric Bass (finger)=40"],
    "strict": ["--strict"],
    "auto-split-ppq960": ["--bpm", "auto", "--split", "--ppq", "960", "-v"],
}


def inputs(with_evaluation: bool) -> Iterator[tuple[str, bytes]]:
    """(name, record bytes) of every input."""
    for path in sorted((ROOT / "fixtures").glob("*.json")):
        yield f"fixture/{path.stem}", path.read_bytes()
    from generate import dumps, make_record

    for notes, instruments, seed in ((1_000, 3, 0), (1_000, 10, 7), (10_000, None, 0),
                                     (30_000, 10, 3), (100_000, None, 1)):
        yield f"bench/{notes}-{instruments}-{seed}", dumps(make_record(notes, instruments, seed))
    if with_evaluation:
        from evaluation.make_set import make_set, real_songs

        for song in [*make_set(), *real_songs()]:
            yield f"eval/{song.name}", json.dumps(song.to_envelope()).encode()


def run_case(args: list[str], data: bytes) -> dict[str, object]:
    from click.testing import CliRunner

    from midi_export.cli import cli

    runner = CliRunner(env={"APIKLEY_API_KEY": None, "APIKLEY_BASE_URL": None})
    with tempfile.TemporaryDirectory() as tmp:
        old = os.getcwd()
        os.chdir(tmp)
        try:
            Path("in.json").write_bytes(data)
            result = runner.invoke(cli, [*args, "--from-json", "in.json", "--json"])
            files = {
                str(p.relative_to(tmp)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(Path(tmp).rglob("*")) if p.is_file() and p.name != "in.json"
            }
        finally:
            os.chdir(old)
    return {
        "exit": result.exit_code,
        "stdout": result.stdout,
        "stderr": result.stderr,
        "files": files,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path, help="a manifest to compare with")
    parser.add_argument("--no-evaluation", action="store_true")
    args = parser.parse_args(argv)
    manifest: dict[str, object] = {}
    for name, data in inputs(not args.no_evaluation):
        for label, options in OPTION_SETS.items():
            manifest[f"{name} [{label}]"] = run_case(options, data)
    args.out.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    files = sum(len(case["files"]) for case in manifest.values())  # type: ignore[arg-type]
    print(f"{len(manifest)} cases, {files} files written -> {args.out}")
    if args.compare is None:
        return 0
    before = json.loads(args.compare.read_text(encoding="utf-8"))
    differ = sorted(k for k in before.keys() | manifest.keys() if before.get(k) != manifest.get(k))
    for key in differ[:20]:
        print(f"DIFFERS: {key}")
    print(f"{len(before)} cases before, {len(manifest)} now, {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
