"""``python -m midi_export.testing``: serve records from the command line until stopped."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .server import FakeRecordAPI
from .steps import pending, sample_record, success

__all__ = ["main"]



def main(argv: Sequence[str] | None = None) -> int:
    """``python -m midi_export.testing``: serve records until stopped (Ctrl-C, SIGTERM)."""
    parser = argparse.ArgumentParser(
        prog="python -m midi_export.testing",
        description="A local stand-in of the MIDI record API. Prints its base URL on one "
        "line, then serves until stopped.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free one)")
    parser.add_argument("--record", action="append", default=[], metavar="FILE",
                        help="a record to serve (JSON, any shape); repeatable")
    parser.add_argument("--task-id", action="append", default=[], metavar="ID",
                        help="the task id of each --record, in order (default: the file name)")
    parser.add_argument("--api-key", metavar="KEY",
                        help="the only key accepted (default: no check)")
    parser.add_argument("--pending-polls", type=int, default=0, metavar="N",
                        help="answer 'pending' N times per task before the record")
    parser.add_argument("--log", action="store_true", help="print each request on stderr")
    args = parser.parse_args(argv)
    if len(args.task_id) > max(1, len(args.record)):
        parser.error("more --task-id than --record")

    records: dict[str, Any] = {}
    for i, name in enumerate(args.record):
        path = Path(name)
        try:
            body = path.read_bytes()
        except OSError as exc:
            parser.error(f"cannot read {name}: {exc.strerror or exc}")
        records[args.task_id[i] if i < len(args.task_id) else path.stem] = body
    if not records:
        task_id = args.task_id[0] if args.task_id else "demo-song"
        records[task_id] = sample_record(task_id)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    api = FakeRecordAPI(records, api_key=args.api_key, host=args.host, port=args.port,
                        log=log if args.log else None)
    if args.pending_polls > 0:
        for task_id in records:
            api.script(task_id, [pending()] * args.pending_polls + [success()])

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with api:
        print(api.base_url, flush=True)
        while not stop.wait(0.2):
            pass
    return 0
