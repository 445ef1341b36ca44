"""`fetch-mid serve` receiving deliveries offline: the whole push loop with --chain.

    python scripts/demo-serve.py BIN_DIR OUTPUT_DIR

The receiver runs as its own process and requires signed callbacks (--hmac-key). The stand-in
plays the provider: it creates a separation whose callback goes to the receiver, which
(--chain) creates the MIDI task, whose callback, sent twice as the provider may, is written
once. Then a forged delivery is refused, and SIGTERM stops the receiver (exit 0).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from midi_export.testing import FakeLoopAPI, midi_callback_body, signed_headers

KEY = "demo-key-0123456789"
HMAC_KEY = "demo-webhook-hmac-key"
TOKEN = "demo_token_0123456789abcdef"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> int:
    from midi_export.api.client import Client

    bin_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    with FakeLoopAPI(api_key=KEY, hmac_key=HMAC_KEY, duplicates=1, complete_after=0.3,
                     separation_polls=0, midi_polls=0) as api:
        env = {**os.environ, "APIKLEY_API_KEY": KEY, "APIKLEY_BASE_URL": api.base_url,
               "MIDI_EXPORT_SERVE_TOKEN": TOKEN, "MIDI_EXPORT_HMAC_KEY": HMAC_KEY}
        args = ["serve", "--port", str(port), "-o", str(out), "--chain", "--public-url", public]
        print(f"$ fetch-mid {' '.join(args)}   (token and HMAC key from the environment)")
        receiver = subprocess.Popen([str(bin_dir / "fetch-mid"), *args], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert receiver.stdout is not None
        callback_url = receiver.stdout.readline().strip().split(": ", 1)[1]
        print(f"callBackUrl: {callback_url.replace(TOKEN, '<token>')}")
        with Client(KEY, base_url=api.base_url) as client:
            separation = client.create_separation("demo-song", "track-1",
                                                  callback_url=callback_url)
        print(f"(the provider) created separation {separation.task_id} with that callBackUrl")
        end = time.monotonic() + 20
        while time.monotonic() < end and len(api.deliveries) < 4:  # 2 separation + 2 MIDI
            time.sleep(0.05)
        forged = api.deliver(callback_url, midi_callback_body("forged-task"),
                             headers=signed_headers("not-the-key", "forged-task"))
        sent = [(d.kind, d.task_id, d.status) for d in api.deliveries]
        print(f"(the provider) delivered: {sent}")
        print(f"a forged delivery was answered HTTP {forged.status}")
        receiver.send_signal(signal.SIGTERM)
        code = receiver.wait(timeout=20)
        print("the receiver's log:")
        for line in (receiver.stderr.read() if receiver.stderr else "").splitlines():
            print(f"  {line}")
        print(f"receiver exit code after SIGTERM: {code}")
    print(f"demo: wrote {', '.join(sorted(p.name for p in out.iterdir()))} in {out}")
    return 0 if code == 0 and forged.status == 401 else 1


if __name__ == "__main__":
    sys.exit(main())
