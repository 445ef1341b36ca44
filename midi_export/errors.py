"""Every error midi-export raises, one class per thing a caller reacts to differently.

Each class carries the process exit code the CLI uses for it, so that the table in the
README, the CLI and the library can never disagree. Subclasses also inherit the builtin
exception that fits (``ValueError``, ``PermissionError``, ``ConnectionError``, ``OSError``)
so callers that do not know this package can still catch them sensibly.

No message built here ever contains an API key: callers pass only server text, which the
API client has already scrubbed.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar

__all__ = [
    "AccountError",
    "AuthenticationError",
    "CallbackError",
    "CreateUncertainError",
    "EmptyMidiDataError",
    "ExitCode",
    "InvalidRecordError",
    "InvalidResponseError",
    "MidiExportError",
    "MissingDependencyError",
    "OutputError",
    "OutputExistsError",
    "RateLimitedError",
    "RenderError",
    "ServiceError",
    "SignatureError",
    "TaskFailedError",
    "TaskNotFoundError",
    "TaskPendingError",
    "TaskUnusableError",
    "UsageError",
]


class ExitCode(enum.IntEnum):
    """Process exit codes, shared by every command."""

    OK = 0
    BUG = 1
    USAGE = 2
    AUTH = 3
    TASK_UNUSABLE = 4
    PENDING = 5
    SERVICE = 6
    INVALID_DATA = 7
    OUTPUT = 8


class MidiExportError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code: ClassVar[ExitCode] = ExitCode.BUG

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(MidiExportError, ValueError):
    """An option or argument the caller gave is out of range or malformed."""

    exit_code = ExitCode.USAGE


class MissingDependencyError(MidiExportError, RuntimeError):
    """Something a feature asked for needs is not installed: a program (FluidSynth), a
    soundfont, or an optional package (matplotlib). The message says what to install."""

    exit_code = ExitCode.USAGE


class AuthenticationError(MidiExportError, PermissionError):
    """The API refused the key (missing, wrong or revoked)."""

    exit_code = ExitCode.AUTH

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        server_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.server_message = server_message


class AccountError(AuthenticationError):
    """The key is valid but the account cannot be used (for example: no credits left)."""


class TaskUnusableError(MidiExportError):
    """The task exists (or existed) but will never give MIDI: failed, gone or empty."""

    exit_code = ExitCode.TASK_UNUSABLE

    def __init__(self, message: str, *, task_id: str | None = None) -> None:
        super().__init__(message)
        self.task_id = task_id


class TaskFailedError(TaskUnusableError):
    """The provider reports the task failed (successFlag 2 or 3, or a failure callback)."""

    def __init__(
        self,
        message: str,
        *,
        task_id: str | None = None,
        status: str | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
    ) -> None:
        super().__init__(message, task_id=task_id)
        self.status = status
        self.error_code = error_code
        self.error_message = error_message


class TaskNotFoundError(TaskUnusableError, LookupError):
    """The API does not know the task: a wrong id, or a record past its 14 days."""


class EmptyMidiDataError(TaskUnusableError):
    """The task succeeded but carries no notes at all."""


class TaskPendingError(MidiExportError):
    """The task has not finished (yet): with --no-wait, or when the wait timed out."""

    exit_code = ExitCode.PENDING

    def __init__(
        self, message: str, *, task_id: str | None = None, elapsed: float | None = None
    ) -> None:
        super().__init__(message)
        self.task_id = task_id
        self.elapsed = elapsed


class ServiceError(MidiExportError, ConnectionError):
    """Network or server trouble that outlasted the retries."""

    exit_code = ExitCode.SERVICE

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        server_message: str | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.server_message = server_message
        self.attempts = attempts


class RateLimitedError(ServiceError):
    """The API kept asking us to slow down (HTTP 429, body 405/430) past the retries."""


class CreateUncertainError(ServiceError):
    """A request that creates (billed) work may have reached the API, and its answer was
    lost or unclear (a read time-out, a cut connection, a server error after sending).

    It is never retried: sending it again could create, and bill, the work twice. Look at
    the account's tasks on the provider's site before running again. ``kind`` is
    ``"separation"`` or ``"midi"``; ``may_have_created`` is always True.
    """

    def __init__(self, message: str, *, kind: str, **facts: Any) -> None:
        super().__init__(message, **facts)
        self.kind = kind
        self.may_have_created = True


class SignatureError(MidiExportError, PermissionError):
    """A callback's signature is missing, malformed, wrong or outside the replay window.

    ``task_id`` is the (unauthenticated) task id the body claimed, when it was read.
    """

    exit_code = ExitCode.AUTH

    def __init__(self, message: str, *, task_id: str | None = None) -> None:
        super().__init__(message)
        self.task_id = task_id


class InvalidRecordError(MidiExportError, ValueError):
    """A record cannot be read: broken JSON, a wrong structure, or (strict) a bad note.

    ``where`` says which part, for example ``"instruments[2].notes[17]"``.
    """

    exit_code = ExitCode.INVALID_DATA

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.where = where


class CallbackError(InvalidRecordError):
    """A body that is not a callback this package knows; ``reason`` says why.

    ``reason`` is ``"not-json"`` (a receiver answers 400) or ``"unknown-shape"`` (422);
    ``where`` names the part, as for ``InvalidRecordError``.
    """

    def __init__(self, message: str, *, reason: str, where: str | None = None) -> None:
        super().__init__(message, where=where)
        self.reason = reason


class InvalidResponseError(InvalidRecordError):
    """The API answered something that is not a record envelope (HTML, cut-short JSON...).

    ``excerpt`` is a short, key-free beginning of the body.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        excerpt: str | None = None,
        where: str | None = None,
    ) -> None:
        super().__init__(message, where=where)
        self.status = status
        self.excerpt = excerpt


class OutputError(MidiExportError, OSError):
    """The output cannot be written (folder missing, not writable, disk full...).

    ``path`` is the file or folder concerned, when known.
    """

    exit_code = ExitCode.OUTPUT

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class OutputExistsError(OutputError, FileExistsError):
    """The output file exists and overwriting was not asked for."""


class RenderError(MidiExportError, RuntimeError):
    """FluidSynth ran but gave no audio: it failed, or ran past its time limit."""

    exit_code = ExitCode.OUTPUT
