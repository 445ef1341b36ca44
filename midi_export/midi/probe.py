"""Conversion options checked up front: a tiny probe record converted with them, so a bad
option is a ``UsageError`` before any work (a billed separation, a served delivery) starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import UsageError

__all__ = ["check_convert_options"]


def check_convert_options(options: Mapping[str, Any]) -> None:
    """Raise ``UsageError`` now for options ``convert`` would refuse later (an unknown
    name, a value out of range); pure and quick (two notes)."""
    from ..record import parse_record
    from .convert import convert

    probe = parse_record({"taskId": "probe", "successFlag": 1, "midiData": {"instruments": [
        {"name": "Acoustic Grand Piano", "notes": [
            {"pitch": 60, "start": 0.0, "end": 0.5, "velocity": 0.8},
            {"pitch": 64, "start": 0.5, "end": 1.0, "velocity": 0.8}]}]}})
    try:
        convert(probe, **dict(options))
    except UsageError:
        raise
    except TypeError as exc:
        raise UsageError(f"unknown conversion option: {exc}") from None
