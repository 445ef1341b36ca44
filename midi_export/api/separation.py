"""A vocal separation's status: ``GET /api/v1/vocal-removal/record-info`` read into a
``Separation`` (its ``successFlag`` is a string, unlike the MIDI record's 0-3) with its stems.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import InvalidResponseError, TaskFailedError, TaskPendingError, UsageError

__all__ = [
    "SEPARATION_INFO_PATH",
    "Separation",
    "SeparationPollCallback",
    "SeparationStatus",
    "Stem",
    "read_separation",
]

SEPARATION_INFO_PATH = "/api/v1/vocal-removal/record-info"


class SeparationStatus(str, enum.Enum):
    """A separation's ``successFlag``."""

    PENDING = "PENDING"
    SUCCESS = "SUCCESS"
    CREATE_TASK_FAILED = "CREATE_TASK_FAILED"
    GENERATE_AUDIO_FAILED = "GENERATE_AUDIO_FAILED"
    CALLBACK_EXCEPTION = "CALLBACK_EXCEPTION"


@dataclasses.dataclass(frozen=True)
class Stem:
    """One separated stem (``originData[]``): ``id`` is what
    ``Client.create_midi_task(audio_id=...)`` takes; ``name`` its group (``Bass``...)."""

    id: str
    name: str
    audio_url: str | None = None
    duration: float | None = None


@dataclasses.dataclass(frozen=True)
class Separation:
    """A separation task as it is now; ``usable`` when its stems can feed MIDI generation.

    ``CALLBACK_EXCEPTION`` means only that the provider could not deliver its callback: such
    a task is usable when it lists stems. ``body`` is the answer as received.
    """

    task_id: str
    status: SeparationStatus
    stems: tuple[Stem, ...] = ()
    error_code: str | None = None
    error_message: str | None = None
    body: bytes = dataclasses.field(default=b"", repr=False)

    @property
    def usable(self) -> bool:
        return self.status is SeparationStatus.SUCCESS or (
            self.status is SeparationStatus.CALLBACK_EXCEPTION and bool(self.stems)
        )

    def stem(self, name: str) -> Stem:
        """The stem whose name is ``name`` (``"bass"``, ``"Backing Vocals"``), ignoring case,
        spaces and underscores; ``UsageError`` naming the stems there are otherwise."""
        wanted = _key(name)
        for stem in self.stems:
            if _key(stem.name) == wanted:
                return stem
        names = ", ".join(s.name for s in self.stems) or "none"
        raise UsageError(f"separation {self.task_id!r} has no stem {name!r} (stems: {names})")

    def raise_for_status(self) -> None:
        """``TaskPendingError`` while pending, ``TaskFailedError`` when not usable."""
        if self.status is SeparationStatus.PENDING:
            raise TaskPendingError(
                f"separation {self.task_id!r} is still pending", task_id=self.task_id
            )
        if not self.usable:
            reason = ": ".join(x for x in (self.error_code, self.error_message) if x)
            raise TaskFailedError(
                f"separation {self.task_id!r} failed ({self.status.value}"
                + (f", {reason})" if reason else ")"),
                task_id=self.task_id,
                status=self.status.value,
                error_code=self.error_code,
                error_message=self.error_message,
            )


SeparationPollCallback = Callable[[Separation, float], object]
"""``on_poll(separation, elapsed_seconds)``, called after every poll of a separation wait."""


def read_separation(task_id: str, payload: Any, body: bytes, host: str) -> Separation:
    """The ``Separation`` of a decoded success envelope (``{code: 200, data: {...}}``)."""
    data = payload.get("data") if isinstance(payload, Mapping) else None
    if not isinstance(data, Mapping):
        raise InvalidResponseError(
            f"the separation status from {host} has no data object", where="data"
        )
    flag = data.get("successFlag")
    try:
        status = SeparationStatus(str(flag).strip().upper())
    except ValueError:
        raise InvalidResponseError(
            f"unknown separation successFlag {flag!r} from {host} (expected PENDING, SUCCESS, "
            "CREATE_TASK_FAILED, GENERATE_AUDIO_FAILED or CALLBACK_EXCEPTION)",
            where="data.successFlag",
        ) from None
    response = data.get("response")
    origin = response.get("originData") if isinstance(response, Mapping) else None
    items = origin if isinstance(origin, Sequence) and not isinstance(origin, str) else ()
    stems = tuple(_stem(item) for item in items if _has_id(item))
    given = data.get("taskId")
    return Separation(
        task_id=given if isinstance(given, str) and given else task_id,
        status=status,
        stems=stems,
        error_code=None if data.get("errorCode") is None else str(data["errorCode"]),
        error_message=None if data.get("errorMessage") is None else str(data["errorMessage"]),
        body=body,
    )


def _has_id(item: Any) -> bool:
    return isinstance(item, Mapping) and isinstance(item.get("id"), str) and bool(item["id"])


def _stem(item: Mapping[str, Any]) -> Stem:
    duration = item.get("duration")
    url = item.get("audio_url")
    return Stem(
        id=item["id"],
        name=str(item.get("stem_type_group_name") or item.get("name") or "stem"),
        audio_url=url if isinstance(url, str) else None,
        duration=float(duration)
        if isinstance(duration, (int, float)) and not isinstance(duration, bool)
        else None,
    )


def _key(name: str) -> str:
    return " ".join(str(name).lower().replace("_", " ").replace("-", " ").split())
