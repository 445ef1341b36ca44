"""The whole loop offline: `fetch-mid generate` against the stand-in (no network, no key).

    python scripts/demo-generate.py BIN_DIR OUTPUT_DIR

1. from a song: a separation (billed, --yes), waited for, then MIDI, waited for, written;
2. from that separation again, one stem only (--stem bass), with the raw record kept;
3. --no-wait: prints the created id and exits 0.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from midi_export.testing import FakeLoopAPI

KEY = "demo-key-0123456789"


def fetch_mid(bin_dir: Path, api: FakeLoopAPI, *args: str) -> str:
    env = {**os.environ, "APIKLEY_API_KEY": KEY, "APIKLEY_BASE_URL": api.base_url}
    print(f"$ fetch-mid {' '.join(args)}", flush=True)
    done = subprocess.run([str(bin_dir / "fetch-mid"), *args], env=env, stdout=subprocess.PIPE,
                          text=True, timeout=120)
    if done.stdout:
        print(done.stdout, end="", flush=True)
    if done.returncode != 0:
        raise SystemExit(f"demo: fetch-mid exited {done.returncode}")
    return done.stdout.strip()


def main() -> int:
    bin_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    with FakeLoopAPI(api_key=KEY, separation_polls=1, midi_polls=1) as api:
        print(f"(the stand-in of the API runs at {api.base_url})")
        fetch_mid(bin_dir, api, "generate", "--song", "demo-song", "--audio-id", "track-1",
                  "--yes", "--poll-interval", "0.5", "--bpm", "auto", "-o", f"{out}/",
                  "--force")
        separation = api.created[0].task_id
        print()
        fetch_mid(bin_dir, api, "generate", separation, "--stem", "bass", "--poll-interval",
                  "0.5", "-o", f"{out}/", "--save-json", f"{out}/", "--force")
        print()
        fetch_mid(bin_dir, api, "generate", "--song", "demo-song", "--audio-id", "track-2",
                  "--yes", "--no-wait", "-q")
        billed = api.billed
    print(f"\nthe stand-in created {len(api.created)} tasks, {billed} separations (billed)")
    print(f"demo: wrote {', '.join(sorted(p.name for p in out.iterdir()))} in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
