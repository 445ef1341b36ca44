"""Callback bodies as the provider sends them, and kie.ai's signature headers, for tests of a
receiver (``fetch-mid serve``, or your own): standard library only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Sequence

from .steps import dumps, sample_record

__all__ = ["SPLIT_STEMS", "midi_callback_body", "separation_callback_body", "signed_headers"]

SPLIT_STEMS = ("Vocals", "Drums", "Bass", "Keyboard")


def midi_callback_body(task_id: str, *, shape: str = "task_id-top", fail: bool = False) -> bytes:
    """A MIDI callback body: ``shape`` ``"task_id-top"`` (``{task_id, code, data: {state,
    instruments}}``, times as strings as the docs show) or ``"taskId-in-data"``; with
    ``fail``, code 500 with ``data: null`` (or ``data: {taskId}``)."""
    if fail:
        if shape == "taskId-in-data":
            return dumps({"code": 500, "msg": "MIDI generation failed",
                          "data": {"taskId": task_id}})
        return dumps({"task_id": task_id, "code": 500, "msg": "MIDI generation failed",
                      "data": None})
    midi = sample_record(task_id)["data"]["midiData"]
    if shape == "taskId-in-data":
        return dumps({"code": 200, "msg": "success", "data": {"taskId": task_id, **midi}})
    for ins in midi["instruments"]:  # times as strings, sometimes mixed within one note
        for i, note in enumerate(ins["notes"]):
            note["end"] = repr(note["end"])
            if i % 2:
                note["start"] = repr(note["start"])
    return dumps({"task_id": task_id, "code": 200, "msg": "success", "data": midi})


def separation_callback_body(
    task_id: str, stems: Sequence[str] = SPLIT_STEMS, *, fail: bool = False
) -> bytes:
    """A separation callback body (``data.vocal_removal_info`` with one ``<stem>_url`` per
    stem); with ``fail``, code 500 and the info null."""
    if fail:
        return dumps({"code": 500, "msg": "vocal separation failed",
                      "data": {"task_id": task_id, "vocal_removal_info": None}})
    info = {"origin_url": ""}
    for name in stems:
        slug = name.lower().replace(" ", "_")
        info[f"{slug}_url"] = f"https://example.cdn/{task_id}/{slug}.mp3"
    return dumps({"code": 200, "msg": "vocal Removal generated successfully.",
                  "data": {"task_id": task_id, "vocal_removal_info": info}})


def signed_headers(key: str | bytes, task_id: str, timestamp: int | None = None) -> dict[str, str]:
    """kie.ai's signature headers for a callback of ``task_id`` (now, unless ``timestamp``):
    ``X-Webhook-Timestamp`` and ``base64(HMAC-SHA256(key, taskId + "." + timestamp))``."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    raw = key if isinstance(key, bytes) else key.encode("utf-8")
    digest = hmac.new(raw, f"{task_id}.{stamp}".encode(), hashlib.sha256).digest()
    return {"X-Webhook-Timestamp": stamp,
            "X-Webhook-Signature": base64.b64encode(digest).decode("ascii")}
