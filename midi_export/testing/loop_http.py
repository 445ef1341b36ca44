"""The HTTP side of ``FakeLoopAPI``: the separation status (GET) and the create POSTs, with
the cues that make a create fail after creating (``CREATE_THEN_DROP``, ``CREATE_THEN_ERROR``).
"""

from __future__ import annotations

import json
import socket
from typing import Any, cast
from urllib.parse import urlsplit

from .server import _Handler, _Server
from .steps import Step, StepContext, body_code, dumps, respond, unauthorized

__all__ = [
    "CREATE_THEN_DROP",
    "CREATE_THEN_ERROR",
    "MIDI_GENERATE_PATH",
    "SEPARATION_INFO_PATH",
    "SEPARATION_PATH",
    "LoopHandler",
    "Refused",
]

SEPARATION_PATH = "/api/v1/vocal-removal/generate"
SEPARATION_INFO_PATH = "/api/v1/vocal-removal/record-info"
MIDI_GENERATE_PATH = "/api/v1/midi/generate"
CREATE_THEN_DROP = "create-then-drop"
CREATE_THEN_ERROR = "create-then-error"


class Refused(Exception):
    """A create POST the stand-in refuses with ``step`` (nothing is created)."""

    def __init__(self, step: Step) -> None:
        super().__init__("refused")
        self.step = step


class LoopHandler(_Handler):
    """``FakeRecordAPI``'s handler plus the separation status and the create POSTs."""

    server_version = "FakeLoopAPI"

    def do_GET(self) -> None:
        if urlsplit(self.path).path.rstrip("/") != SEPARATION_INFO_PATH:
            super().do_GET()
            return
        api: Any = cast(_Server, self.server).api
        request = self._note("GET")
        task_id = request.query.get("taskId", [""])[0]
        if not request.authorized:
            step = unauthorized()
        elif not task_id:
            step = body_code(400, "taskId is required")
        else:
            step = api._separation_step(task_id)
        self._send(step, StepContext(task_id, None), api)

    def do_POST(self) -> None:
        api: Any = cast(_Server, self.server).api
        length = int(self.headers.get("Content-Length") or 0)
        request = self._note("POST", self.rfile.read(length) if length else b"")
        path = urlsplit(self.path).path.rstrip("/")
        nothing = StepContext("", None)
        if path not in (SEPARATION_PATH, MIDI_GENERATE_PATH):
            self._send(respond(404, "not found"), nothing, api)
            return
        if not request.authorized:
            self._send(unauthorized(), nothing, api)
            return
        try:
            payload = json.loads(request.body)
            if not isinstance(payload, dict):
                raise ValueError("not an object")
            cue, task = api._create("separation" if path == SEPARATION_PATH else "midi", payload)
        except ValueError:
            cue, task = body_code(400, "the body is not a JSON object"), None
        except Refused as refused:
            cue, task = refused.step, None
        if isinstance(cue, Step):
            self._send(cue, nothing, api)
        elif cue == CREATE_THEN_DROP:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif cue == CREATE_THEN_ERROR:
            self._send(body_code(500, "Server error"), nothing, api)
        else:
            assert task is not None
            created = {"code": 200, "msg": "success", "data": {"taskId": task.task_id}}
            self._send(respond(200, dumps(created), content_type="application/json"),
                       nothing, api)
