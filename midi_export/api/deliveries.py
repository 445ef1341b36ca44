"""What a delivered callback writes, exactly once per task, with no state but the folder.

Every file is created atomically and exclusively (``writer.write_new``: a temporary file, an
fsync, then a hard link that fails when the name exists), so of concurrent duplicate
deliveries, even to two receivers sharing the folder, exactly one creates each file:

===========================  ==============================================================
delivery                     files (``<stem>`` is ``paths.task_file_stem(task id)``)
===========================  ==============================================================
MIDI success                 ``<stem>.json`` (the raw body, byte for byte: the claim) first,
                             then ``<stem>.mid``, made from that ``.json``'s content
MIDI failure                 ``<stem>.failed.json`` (a later success still gets its .mid)
separation done / failed     ``<stem>.separation.json``
same content again           nothing: ``duplicate`` (a ``.mid`` missing after a crash is made)
different content, same id   ``<name>.dup-<sha12>.json`` beside the first: ``conflict``
===========================  ==============================================================

"Same content" is the same canonical JSON (key order and white space do not matter). With
``save_json=False`` only the ``.mid`` is written (a differing duplicate is then only logged).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import EmptyMidiDataError, InvalidRecordError, OutputError, TaskUnusableError
from ..paths import task_file_stem
from ..record import Record
from ..writer import write_new
from .callbacks import canonical_digest

__all__ = ["DeliveryResult", "DeliveryStore"]


@dataclasses.dataclass(frozen=True)
class DeliveryResult:
    """What one delivery did. ``outcome`` is one of: ``written`` (this delivery created the
    ``.mid``), ``duplicate``, ``conflict``, ``empty`` (a success without notes: raw JSON
    only), ``unusable`` (no valid notes), ``failed``, ``separation``, ``accepted``, or a
    refusal: ``bad-json``, ``unknown-shape``, ``bad-signature``, ``too-large``,
    ``not-found``, ``bad-method``, ``disk-error``, ``error``. ``status`` is the HTTP status
    answered; ``files`` the files it created; ``kind`` ``midi``, ``separation``, ``created``
    or ``-``."""

    status: int
    outcome: str
    task_id: str | None = None
    kind: str = "-"
    files: tuple[Path, ...] = ()
    detail: str | None = None


class DeliveryStore:
    """The output folder of a receiver: writes what each delivery brings, once."""

    def __init__(
        self, output: Path, *, save_json: bool, convert_options: Mapping[str, Any]
    ) -> None:
        self.output = output
        self.save_json = save_json
        self.convert_options = dict(convert_options)

    def record(self, record: Record, body: bytes) -> DeliveryResult:
        """A MIDI success: the raw body first (the claim), then the ``.mid``."""
        task_id = record.task_id
        assert task_id is not None
        stem = task_file_stem(task_id)
        mid_path = self.output / f"{stem}.mid"
        created: list[Path] = []
        if self.save_json:
            state, extra = self.keep(self.output / f"{stem}.json", body, record.raw)
            if state == "conflict":
                return _conflict(task_id, "midi", extra)
            if state == "new":
                created.append(self.output / f"{stem}.json")
            elif os.path.lexists(mid_path):  # the usual duplicate: nothing to convert
                return DeliveryResult(200, "duplicate", task_id, "midi")
            else:  # the .json was kept before, its .mid never made: from the kept content
                record = self._kept_record(self.output / f"{stem}.json", record)
        midi, why = self.convert(record)
        if midi is None:
            first = bool(created) or not self.save_json
            outcome = ("empty" if why == "empty" else "unusable") if first else "duplicate"
            return DeliveryResult(200, outcome, task_id, "midi", tuple(created), detail=why)
        if not write_new(midi, mid_path):
            if not self.save_json and _read(mid_path) != midi:
                return DeliveryResult(200, "conflict", task_id, "midi",
                                      detail="differs from the .mid written; not kept")
            return DeliveryResult(200, "duplicate", task_id, "midi", tuple(created))
        created.append(mid_path)
        return DeliveryResult(200, "written", task_id, "midi", tuple(created))

    def keep_only(
        self, task_id: str, kind: str, suffix: str, body: bytes, raw: Any, outcome: str
    ) -> DeliveryResult:
        """A delivery kept as its raw body alone (a failure, a separation)."""
        if not self.save_json:
            return DeliveryResult(200, outcome, task_id, kind, detail="not saved")
        path = self.output / f"{task_file_stem(task_id)}{suffix}"
        state, extra = self.keep(path, body, raw)
        if state == "new":
            return DeliveryResult(200, outcome, task_id, kind, (path,))
        if state == "same":
            return DeliveryResult(200, "duplicate", task_id, kind)
        return _conflict(task_id, kind, extra)

    def keep(self, path: Path, body: bytes, raw: Any) -> tuple[str, Path | None]:
        """Write ``body`` at ``path`` exclusively: ``("new", None)``; or the file is there
        with the same content: ``("same", None)``; or with other content, and the body is
        kept beside it as ``<name>.dup-<sha12>.json``: ``("conflict", that path, or None
        when this content was kept before)``."""
        if write_new(body, path):
            return "new", None
        existing = _read(path)
        if existing == body:
            return "same", None
        digest = canonical_digest(raw)
        try:
            if canonical_digest(json.loads(existing)) == digest:
                return "same", None
        except (ValueError, RecursionError):
            pass  # a file that is not JSON: a conflict, and it is left as it is
        extra = path.with_name(f"{path.name[:-5]}.dup-{digest[:12]}.json")
        return "conflict", extra if write_new(body, extra) else None

    def convert(self, record: Record) -> tuple[bytes | None, str | None]:
        """The ``.mid`` bytes, or None and why (``"empty"``, or the error's message)."""
        from ..midi.convert import convert

        try:
            return convert(record, **self.convert_options).to_bytes(), None
        except EmptyMidiDataError:
            return None, "empty"
        except (TaskUnusableError, InvalidRecordError) as exc:
            return None, str(exc)

    def note(self, name: str, data: bytes) -> None:
        """A small file of the receiver's own (the chain's note); never replaces one."""
        write_new(data, self.output / name)

    def _kept_record(self, path: Path, fallback: Record) -> Record:
        from ..record import parse_record

        try:
            return parse_record(_read(path))
        except InvalidRecordError:
            return fallback


def _conflict(task_id: str, kind: str, extra: Path | None) -> DeliveryResult:
    return DeliveryResult(200, "conflict", task_id, kind, (extra,) if extra else (),
                          detail=f"kept {extra.name}" if extra else "already kept")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {exc.strerror or exc}", path=str(path)) from None
