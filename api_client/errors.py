"""Errors every backend raises, each with a sentence an operator can act on.

Callers catch the level they care about: ``BackendError`` for anything, or a subclass
such as ``ConflictError`` to react to a lost claim.
"""

from __future__ import annotations

from typing import Any

from .models import Person, Task


class BackendError(Exception):
    """Base of every error a backend raises. ``str(err)`` is the operator-facing sentence."""

    def __init__(self, message: str, *, status: int | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        #: What the server said, literally, when it said something useful.
        self.detail = detail


class AuthError(BackendError):
    """The credentials were missing, wrong or not allowed to do this."""


class ForbiddenError(AuthError):
    """Signed in, but this person may not do this (a 403): an operator trying a lead's action.
    The session stays good; only the action is refused."""


class NotFoundError(BackendError):
    """The task, queue or endpoint does not exist (any more)."""


class ConflictError(BackendError):
    """Someone else got there first: the task is claimed by another operator, or not yours."""

    def __init__(
        self, message: str, *, claimed_by: Person | None = None, status: int | None = None, detail: str | None = None
    ) -> None:
        super().__init__(message, status=status, detail=detail)
        self.claimed_by = claimed_by


class StaleError(BackendError):
    """The task changed since it was read; reload it before writing again."""


class InvalidRequestError(BackendError):
    """The backend rejected what was sent (a bad filter, a missing field)."""


class UnavailableError(BackendError):
    """The backend could not be reached or failed on its side. ``retry_after`` is how many
    seconds it asked callers to wait (``Retry-After``), when it said."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class BackendTimeout(UnavailableError):
    """The backend did not answer in time."""


class BadResponseError(BackendError):
    """The backend answered with something backdesk cannot read."""


def changed_hands(task: Task, expected_owner: str | None) -> ConflictError | None:
    """The conflict when a steal meant to take ``task`` from ``expected_owner`` (a Person id)
    would take it from someone else, or from nobody; None when it still holds."""
    holder = task.owner.id if task.owner else None
    if expected_owner is None or holder == expected_owner:
        return None
    name = task.owner.name if task.owner else "Nobody"
    return ConflictError(
        f"{name} holds #{task.id} now, not the operator you meant to take it from; nothing was taken.",
        claimed_by=task.owner,
        status=409,
    )
