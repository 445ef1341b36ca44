"""Baseline: read the record with the standard library's ``json.load`` and nothing else.

Usage: python json_load.py RECORD.json [OUT.mid]   (OUT is accepted and ignored)

This is the floor for time and memory: any pipeline has to at least decode the JSON.
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    with open(argv[1], "rb") as f:
        payload = json.load(f)
    return 0 if payload else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
