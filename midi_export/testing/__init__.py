"""A stand-in of the MIDI record API, for tests, demos and your own integration tests.

``FakeRecordAPI`` is a small HTTP server on 127.0.0.1 (a free port) built on the standard
library alone. It answers ``GET /api/v1/midi/record-info?taskId=ID`` like the real API,
from the records you give it, and misbehaves on cue::

    from midi_export import Client
    from midi_export.testing import FakeRecordAPI, http_error, pending, success

    with FakeRecordAPI({"t1": record_payload}) as api:
        api.script("t1", [pending(), http_error(502), success()])
        with Client("test-key", base_url=api.base_url) as client:
            record = client.wait_for_record("t1")
        assert len(api.requests) == 3

A script is a list of steps answered in order, one per request for that task id; the last
step repeats. A task with a record and no script always answers ``success()``; an unknown
task answers ``not_found()``. A request without the right ``Bearer`` key gets the API's
``{"code": 401, ...}`` with HTTP 200 (``api_key=None`` turns the check off).

``FakeLoopAPI`` (``loop``) is the same server that also creates separations and MIDI tasks
and delivers their callbacks (duplicates, failures, signatures on cue), so the whole loop,
``fetch-mid generate`` and ``fetch-mid serve``, runs offline; ``midi_callback_body``,
``separation_callback_body`` and ``signed_headers`` build what a receiver gets.

From the command line (prints the base URL on one line, then serves until stopped)::

    python -m midi_export.testing --port 0 --record fixtures/demo-song.json \\
        --task-id demo-song --pending-polls 2
"""


from .callbacks import (
    SPLIT_STEMS,
    midi_callback_body,
    separation_callback_body,
    signed_headers,
)
from .command import main
from .loop import CREATE_THEN_DROP, CREATE_THEN_ERROR, CreatedWork, Delivery, FakeLoopAPI
from .server import FakeRecordAPI, ReceivedRequest
from .steps import (
    Step,
    body_code,
    cut_short,
    empty,
    failed,
    http_error,
    no_length,
    not_found,
    pending,
    redirect,
    respond,
    sample_record,
    slow,
    success,
    unauthorized,
)

__all__ = [
    "CREATE_THEN_DROP",
    "CREATE_THEN_ERROR",
    "SPLIT_STEMS",
    "CreatedWork",
    "Delivery",
    "FakeLoopAPI",
    "FakeRecordAPI",
    "ReceivedRequest",
    "Step",
    "body_code",
    "cut_short",
    "empty",
    "failed",
    "http_error",
    "main",
    "midi_callback_body",
    "no_length",
    "not_found",
    "pending",
    "redirect",
    "respond",
    "sample_record",
    "separation_callback_body",
    "signed_headers",
    "slow",
    "success",
    "unauthorized",
]
