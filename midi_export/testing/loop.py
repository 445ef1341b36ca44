"""The stand-in of the whole loop: ``FakeLoopAPI`` creates separations and MIDI tasks, serves
their status, and delivers their callbacks like the provider (duplicates, failures, signatures).

It is a ``FakeRecordAPI`` (records, scripts, ``requests`` and the steps all work as there)
that also answers ``POST /api/v1/vocal-removal/generate``, ``GET
/api/v1/vocal-removal/record-info`` and ``POST /api/v1/midi/generate``::

    with FakeLoopAPI(separation_polls=2, midi_polls=2) as api:
        client = Client("test-key", base_url=api.base_url)
        sep = client.create_separation("music-1", "track-1")
        ...
        assert api.billed == 1                        # separations created

A created task is pending for ``*_polls`` status requests and ``complete_after`` seconds,
then final; ``fail_next_separation()`` / ``fail_next_midi()`` make the next one fail. A MIDI
task's record-info can still be scripted (``api.script(id, [...])``) once its id is known.
``script_create(kind, cues)`` answers the next create POSTs of that kind in order: a ``Step``
(``body_code(430)``...) is answered *without* creating anything; ``CREATE_THEN_DROP`` creates
the task (billed) and closes the connection without an answer; ``CREATE_THEN_ERROR`` creates
it and answers code 500.

Callbacks: a task created with a ``callBackUrl`` on a loopback host is delivered there when it
completes (never to any other host), ``1 + duplicates`` times, each tried up to 3 times like
the provider (15 s time-out). ``callback_shape`` picks the MIDI body (``"task_id-top"``,
``"taskId-in-data"``, ``"rotate"``); with ``hmac_key`` every delivery is signed, and
``bad_signatures=True`` signs with a wrong key. ``deliver(url, body, ...)`` sends one body by
hand; what was delivered is in ``deliveries``.
"""

from __future__ import annotations

import dataclasses
import http.client
import itertools
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import urlsplit

from .callbacks import (
    SPLIT_STEMS,
    midi_callback_body,
    separation_callback_body,
    signed_headers,
)
from .loop_http import CREATE_THEN_DROP, CREATE_THEN_ERROR, LoopHandler, Refused
from .server import FakeRecordAPI
from .steps import (
    Step,
    StepContext,
    body_code,
    failed,
    pending,
    respond,
    sample_record,
    success,
)

__all__ = ["CREATE_THEN_DROP", "CREATE_THEN_ERROR", "CreatedWork", "Delivery", "FakeLoopAPI"]

DELIVERY_TRIES = 3
DELIVERY_TIMEOUT = 15.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")

Kind = Literal["separation", "midi"]
Cue = Step | str


@dataclasses.dataclass(frozen=True)
class CreatedWork:
    """A task the stand-in created (what the provider would bill, for a separation)."""

    kind: Kind
    task_id: str
    payload: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Delivery:
    """One callback POST the stand-in made: the answer's status (None when it failed)."""

    url: str
    task_id: str
    kind: str
    status: int | None
    error: str | None = None


@dataclasses.dataclass
class _Task:
    kind: Kind
    task_id: str
    payload: Mapping[str, Any]
    polls_left: int
    ready_at: float
    fail: bool


class FakeLoopAPI(FakeRecordAPI):
    """The stand-in of the whole loop; a context manager (see the module docstring)."""

    def __init__(
        self,
        records: Mapping[str, Any] | None = None,
        *,
        api_key: str | None = "test-key",
        separation_polls: int = 1,
        midi_polls: int = 1,
        complete_after: float = 0.0,
        stems: Sequence[str] = SPLIT_STEMS,
        callback_shape: Literal["task_id-top", "taskId-in-data", "rotate"] = "task_id-top",
        duplicates: int = 0,
        hmac_key: str | None = None,
        bad_signatures: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        log: Callable[[str], object] | None = None,
    ) -> None:
        super().__init__(records, api_key=api_key, host=host, port=port, log=log)
        self.separation_polls = separation_polls
        self.midi_polls = midi_polls
        self.complete_after = complete_after
        self.stems = tuple(stems)
        self.callback_shape = callback_shape
        self.duplicates = duplicates
        self.hmac_key = hmac_key
        self.bad_signatures = bad_signatures
        self._tasks: dict[str, _Task] = {}
        self._cues: dict[str, list[Cue]] = {"separation": [], "midi": []}
        self._fail_next: dict[str, int] = {"separation": 0, "midi": 0}
        self._ids = itertools.count(1)
        self._shapes = itertools.cycle(("task_id-top", "taskId-in-data"))
        self._created: list[CreatedWork] = []
        self._deliveries: list[Delivery] = []
        self._callback_threads: list[threading.Thread] = []

    # -- set-up

    def add_separation(self, task_id: str, *, fail: bool = False) -> None:
        """A completed separation (for ``generate SEPARATION_TASK_ID``)."""
        with self._lock:
            self._tasks[task_id] = _Task("separation", task_id, {}, 0, 0.0, fail)

    def script_create(self, kind: Kind, cues: Iterable[Cue]) -> None:
        """Answer the next create POSTs of ``kind`` with ``cues`` (see the module)."""
        with self._lock:
            self._cues[kind].extend(cues)

    def fail_next_separation(self, count: int = 1) -> None:
        with self._lock:
            self._fail_next["separation"] += count

    def fail_next_midi(self, count: int = 1) -> None:
        with self._lock:
            self._fail_next["midi"] += count

    # -- what happened

    @property
    def created(self) -> list[CreatedWork]:
        with self._lock:
            return list(self._created)

    @property
    def billed(self) -> int:
        """How many separations were created (each is billed by the provider)."""
        return sum(1 for work in self.created if work.kind == "separation")

    @property
    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def posts(self) -> int:
        """How many create POSTs arrived (created or not)."""
        return sum(1 for r in self.requests if r.method == "POST")

    def wait_for_deliveries(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        """Block until ``count`` deliveries were attempted (or ``timeout``); returns them."""
        end = time.monotonic() + timeout
        while time.monotonic() < end and len(self.deliveries) < count:
            time.sleep(0.02)
        return self.deliveries

    # -- running

    def stop(self) -> None:
        self._stopping.set()
        super().stop()
        with self._lock:
            threads, self._callback_threads = self._callback_threads, []
        for thread in threads:
            thread.join(timeout=5)

    # -- callbacks

    def deliver(
        self,
        url: str,
        body: bytes,
        *,
        task_id: str = "",
        kind: str = "manual",
        headers: Mapping[str, str] | None = None,
        timeout: float = DELIVERY_TIMEOUT,
    ) -> Delivery:
        """POST ``body`` to ``url`` once (http on a loopback host only) and record it."""
        parts = urlsplit(url)
        if parts.hostname not in LOOPBACK or parts.scheme != "http":
            raise ValueError(f"the stand-in delivers only to http://127.0.0.1, not {url!r}")
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        status: int | None = None
        error: str | None = None
        connection = http.client.HTTPConnection(parts.hostname, parts.port or 80,
                                                timeout=timeout)
        try:
            connection.request("POST", target, body=body, headers={
                "Content-Type": "application/json", "User-Agent": "FakeLoopAPI-callback",
                **(headers or {})})
            response = connection.getresponse()
            response.read()
            status = response.status
        except OSError as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
        delivery = Delivery(url=url, task_id=task_id, kind=kind, status=status, error=error)
        with self._lock:
            self._deliveries.append(delivery)
        return delivery

    def _schedule_callback(self, task: _Task) -> None:
        url = task.payload.get("callBackUrl")
        if not isinstance(url, str) or urlsplit(url).hostname not in LOOPBACK:
            return  # a placeholder or a real host: never delivered
        thread = threading.Thread(target=self._run_callback, args=(task, url),
                                  name=f"callback-{task.task_id}", daemon=True)
        with self._lock:
            self._callback_threads.append(thread)
        thread.start()

    def _run_callback(self, task: _Task, url: str) -> None:
        if self._stopping.wait(max(0.0, task.ready_at - time.monotonic())):
            return
        with self._lock:
            task.polls_left = 0  # complete once its callback is sent
            shape = next(self._shapes) if self.callback_shape == "rotate" else self.callback_shape
        if task.kind == "separation":
            body = separation_callback_body(task.task_id, self.stems, fail=task.fail)
        else:
            body = midi_callback_body(task.task_id, shape=shape, fail=task.fail)
        for _copy in range(1 + self.duplicates):
            for _try in range(DELIVERY_TRIES):
                headers: dict[str, str] = {}
                if self.hmac_key is not None:
                    key = self.hmac_key + ("-wrong" if self.bad_signatures else "")
                    headers = signed_headers(key, task.task_id)
                result = self.deliver(url, body, task_id=task.task_id, kind=task.kind,
                                      headers=headers)
                if result.status is not None and 200 <= result.status < 300:
                    break
                if self._stopping.wait(0.05):
                    return

    # -- answering (the server's threads)

    def _create(self, kind: Kind, payload: Mapping[str, Any]) -> tuple[Cue | None, _Task | None]:
        """The cue of this create POST and the task it made (raises ``_Refused``)."""
        required = ("taskId", "audioId", "type", "callBackUrl") if kind == "separation" \
            else ("taskId", "callBackUrl")
        missing = [key for key in required if not payload.get(key)]
        if missing:
            raise Refused(body_code(400, f"{missing[0]} is required"))
        with self._lock:
            cue = self._cues[kind].pop(0) if self._cues[kind] else None
            if isinstance(cue, Step):
                return cue, None
            if kind == "midi":
                source = self._tasks.get(str(payload["taskId"]))
                if source is None or source.kind != "separation":
                    raise Refused(body_code(422, "recordInfo is null"))
                if source.polls_left > 0 or source.ready_at > time.monotonic() or source.fail:
                    raise Refused(body_code(400, "the separation is not complete"))
            fail = self._fail_next[kind] > 0
            if fail:
                self._fail_next[kind] -= 1
            task_id = f"{'sep' if kind == 'separation' else 'midi'}-{next(self._ids):04d}"
            polls = self.separation_polls if kind == "separation" else self.midi_polls
            task = _Task(kind, task_id, dict(payload), polls,
                         time.monotonic() + self.complete_after, fail)
            self._tasks[task_id] = task
            self._created.append(CreatedWork(kind, task_id, dict(payload)))
        self._schedule_callback(task)
        return cue, task

    def _next_step(self, task_id: str) -> tuple[Step, StepContext]:
        with self._lock:
            task = self._tasks.get(task_id)
            plain = task is None or task.kind != "midi" or task_id in self._scripts \
                or task_id in self._records
        if plain:
            return super()._next_step(task_id)
        assert task is not None
        return self._status(task), StepContext(task_id, None)

    def _separation_step(self, task_id: str) -> Step:
        with self._lock:
            task = self._tasks.get(task_id)
            scripted = task_id in self._scripts
        if scripted:  # a script given for a separation's id answers its status requests
            return super()._next_step(task_id)[0]
        if task is None or task.kind != "separation":
            return body_code(422, "recordInfo is null")
        return self._status(task)

    def _status(self, task: _Task) -> Step:
        with self._lock:
            done = task.polls_left <= 0 and task.ready_at <= time.monotonic()
            if not done:
                task.polls_left -= 1
        if task.kind == "midi":
            if not done:
                return pending()
            if task.fail:
                return failed(3)
            record = sample_record(task.task_id)
            record["data"]["audioId"] = task.payload.get("audioId")
            return success(record)
        return respond(200, {"code": 200, "msg": "success",
                             "data": self._separation_data(task, done)})

    def _separation_data(self, task: _Task, done: bool) -> dict[str, Any]:
        flag = "PENDING" if not done else "GENERATE_AUDIO_FAILED" if task.fail else "SUCCESS"
        origin = [
            {"id": f"{task.task_id}-stem{i}", "audio_url": f"https://example.cdn/{name}.mp3",
             "duration": 187.4, "stem_type_group_name": name}
            for i, name in enumerate(self.stems, 1)
        ]
        return {
            "taskId": task.task_id,
            "musicId": task.payload.get("audioId"),
            "callbackUrl": task.payload.get("callBackUrl"),
            "musicIndex": 0,
            "completeTime": 1760335190000 if done else None,
            "response": {"originData": origin} if flag == "SUCCESS" else None,
            "successFlag": flag,
            "createTime": 1760335100000,
            "errorCode": "413" if task.fail and done else None,
            "errorMessage": "audio too short to separate" if task.fail and done else None,
        }


FakeLoopAPI.handler = LoopHandler
