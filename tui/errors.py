"""The one error policy: what the operator sees for each kind of failure.

Every call site hands its error to :func:`notice_for` (or :func:`report`), so the same failure
always reads, lasts and follows up the same way. Server text is always shown with
``markup=False``. Causes go to the debug log (``logging.getLogger("backdesk")``), never to the
screen. Under test, :data:`STRICT` makes an unexpected error (a bug, not a backend failure)
fail the test instead of becoming a toast.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, Protocol

from backdesk.api_client import (
    AuthError,
    BackendError,
    ConflictError,
    FilterError,
    NotFoundError,
    StaleError,
    UnavailableError,
)
from backdesk.api_client.outbox import Queued

from .config import ConfigError

log = logging.getLogger("backdesk")

Severity = Literal["information", "warning", "error"]

#: Set by the test suite: unexpected exceptions in workers are raised, not shown.
STRICT = False


@dataclass(frozen=True, slots=True)
class Notice:
    """What to tell the operator about an error."""

    text: str
    severity: Severity
    #: Seconds the notice stays on screen.
    timeout: float
    #: The task the operator was acting on should be re-read: what the screen shows is stale.
    reload_task: bool = False


def notice_for(err: BaseException, doing: str) -> Notice:
    """The notice for ``err``, raised while ``doing`` (e.g. "Claim", "Loading tasks")."""
    match err:
        case Queued():  # nothing failed: the write waits in the outbox
            return Notice(str(err), "warning", 8)
        case ConflictError():  # the sentence already names who holds the task
            return Notice(str(err), "warning", 8, reload_task=True)
        case StaleError() | NotFoundError():
            return Notice(f"{doing} failed: {err}", "warning", 8, reload_task=True)
        case FilterError():
            return Notice(str(err), "warning", 8)
        case AuthError():
            return Notice(f"{doing} failed: {err}", "error", 15)
        case UnavailableError():
            return Notice(f"{doing} failed: {err}", "error", 10)
        case BackendError():
            return Notice(f"{doing} failed: {err}", "error", 8)
        case ConfigError():  # a preference that could not be read or saved; the app goes on
            return Notice(str(err), "warning", 10)
        case _:
            return Notice(
                f"{doing} failed unexpectedly ({type(err).__name__}). Press r to reload; "
                "details are in the debug log (--log-file).",
                "error",
                10,
            )


def is_expected(err: BaseException) -> bool:
    """A failure the app is built to meet (a backend or settings error), not a bug."""
    return isinstance(err, (BackendError, ConfigError))


class Notifier(Protocol):
    def notify(
        self, message: str, *, severity: Severity = ..., timeout: float | None = ..., markup: bool = ...
    ) -> None: ...


def report(where: Notifier, err: BaseException, doing: str) -> Notice:
    """Log ``err`` with its causes and show its notice. Under :data:`STRICT`, bugs are raised."""
    if not is_expected(err):
        log.error("%s failed", doing, exc_info=err)
        if STRICT:
            raise err
    else:
        log.info("%s failed: %s", doing, err, exc_info=err if err.__cause__ else None)
    notice = notice_for(err, doing)
    where.notify(notice.text, severity=notice.severity, timeout=notice.timeout, markup=False)
    return notice
