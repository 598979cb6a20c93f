"""Task operations in one place: claim, steal, release, note, close, reopen, skip.

Each returns an :class:`Outcome` instead of raising, so the screen reads as wiring: show the
task the server holds now, say the message, or hand the error to the error policy. No Textual.
"""

from __future__ import annotations

from dataclasses import dataclass

from backdesk.api_client import Backend, BackendError, ConflictError, Event, StaleError, Task
from backdesk.api_client.models import Resolution
from backdesk.widgets.text import one_line


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an operation did. ``task`` is the server's copy afterwards, when known."""

    task: Task | None = None
    message: str = ""
    error: BackendError | None = None
    #: What the operator was doing, for the error's notice ("Claim", "Release", ...).
    doing: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


class TaskOps:
    """The writes an operator makes, against one backend."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    async def reread(self, task_id: str) -> Task | None:
        """The server's current copy, or None when it cannot be read right now."""
        try:
            return await self.backend.task(task_id)
        except BackendError:
            return None

    async def claim(self, task: Task) -> Outcome:
        try:
            claimed = await self.backend.claim(task.id)
        except BackendError as err:
            return await self._failed(task, err, "Claim")
        return Outcome(claimed, f"Claimed #{one_line(task.id)}.")

    async def steal(self, task: Task) -> Outcome:
        holder = one_line(task.owner.name) if task.owner else "nobody"
        try:
            taken = await self.backend.claim(task.id, force=True, expected_owner=task.owner.id if task.owner else None)
        except BackendError as err:
            return await self._failed(task, err, "Taking it over")
        return Outcome(taken, f"You took #{one_line(task.id)} over from {holder}.")

    async def release(self, task: Task) -> Outcome:
        try:
            released = await self.backend.release(task.id)
        except BackendError as err:
            return await self._failed(task, err, "Release")
        return Outcome(released, f"Released #{one_line(task.id)}.")

    async def note(self, task: Task, body: str, key: str) -> Event:
        """Add a note (raising on failure: the editor shows it); its event, as the server holds it."""
        return await self.backend.add_note(task.id, body, idempotency_key=key)

    async def close(self, task: Task, resolution: Resolution, note: str | None, *, force: bool = False) -> Task:
        """Close (raising on failure: the close dialog shows it), guarded by the task's version;
        ``force`` closes a task someone else holds."""
        return await self.backend.close(task.id, resolution, note=note, version=task.version, force=force)

    async def reopen(self, task: Task, *, force: bool = False) -> Outcome:
        try:
            reopened = await self.backend.reopen(task.id, version=task.version, force=force)
        except BackendError as err:
            return await self._failed(task, err, "Reopen")
        return Outcome(reopened, f"Reopened #{one_line(task.id)}.")

    async def skip(self, task: Task, reason: str) -> Outcome:
        """Hand a task back with the reason recorded as a note."""
        try:
            await self.backend.add_note(task.id, f"Skipped: {reason}", idempotency_key=f"skip-{task.id}-{task.version}")
        except BackendError as err:
            return Outcome(None, error=err, doing="Recording the reason")
        outcome = await self.release(task)
        return Outcome(outcome.task, f"Skipped #{one_line(task.id)}.") if outcome.ok else outcome

    async def _failed(self, task: Task, err: BackendError, doing: str) -> Outcome:
        """A failed write: re-read the task when what the screen shows may be stale."""
        fresh = await self.reread(task.id) if isinstance(err, ConflictError | StaleError) else None
        return Outcome(fresh, error=err, doing=doing)
