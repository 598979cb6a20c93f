"""Bulk actions: the same change to many tasks, a few at a time, with every task's outcome.

Plain asyncio over the :class:`~api_client.protocol.Backend` protocol (no Textual), so it is
tested against a real server without a terminal. A run sends at most :data:`CONCURRENCY`
writes at once; :meth:`BulkRun.cancel` stops tasks not yet started from being sent (those in
flight finish and are reported). Nothing done is ever undone. A retry sends the failed ones
again, each re-read first so the write goes against the task as it is now; a note keeps its
idempotency key (one per task per bulk note), so a retry never adds it twice.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from backdesk.api_client import (
    Backend,
    BackendError,
    ConflictError,
    NotFoundError,
    Person,
    Queue,
    StaleError,
    Task,
    TaskChanges,
    UnavailableError,
)
from backdesk.api_client.errors import ForbiddenError
from backdesk.api_client.models import Priority, Resolution
from backdesk.api_client.outbox import Queued

from .marks import count

#: Writes in flight at once.
CONCURRENCY = 4

Kind = Literal["assign", "release", "close", "note", "move", "priority"]
#: waiting: not sent yet; skipped: never sent (cancelled); queued: kept in the outbox, sent later.
State = Literal["waiting", "running", "done", "failed", "queued", "skipped"]


@dataclass(frozen=True, slots=True)
class BulkAction:
    """One change for every task of a run. Only the fields of its ``kind`` are set."""

    kind: Kind
    resolution: Resolution | None = None
    note: str | None = None
    operator: Person | None = None
    queue: Queue | None = None
    priority: Priority | None = None
    #: Close tasks someone else holds too (the lead chose to, knowing how many).
    force: bool = False
    #: Makes each task's note key (``bulk-KEY-TASK``): the same on every retry of this action.
    key: str = field(default_factory=lambda: uuid.uuid4().hex)

    def note_key(self, task_id: str) -> str:
        return f"bulk-{self.key}-{task_id}"

    def summary(self, n: int, place: str) -> str:
        """The question asked first: "Close 37 tasks in Returns & Refunds as duplicate?"."""
        tasks = " ".join(part for part in (count(n, "task"), place) if part)
        match self.kind:
            case "assign":
                return f"Assign {tasks} to {self.operator.name if self.operator else '?'}?"
            case "release":
                return f"Release {tasks}?"
            case "close":
                return f"Close {tasks} as {self.resolution}?"
            case "note":
                return f"Add this note to {tasks}?"
            case "move":
                return f"Move {tasks} to {self.queue.name if self.queue else '?'}?"
            case "priority":
                return f"Set the priority of {tasks} to {self.priority}?"

    def title(self, n: int) -> str:
        """The report's title: "Close 37 tasks as duplicate"."""
        return self.summary(n, "").removesuffix("?")

    @property
    def verb(self) -> str:
        """What the lead was doing, for an error's notice: "Assign", "Move"."""
        return {"priority": "Setting the priority", "note": "Adding the note"}.get(self.kind, self.kind.capitalize())

    def done(self) -> str:
        """What happened to a task it succeeded on."""
        return {
            "assign": f"assigned to {self.operator.name if self.operator else '?'}",
            "release": "released",
            "close": f"closed as {self.resolution}",
            "note": "note added",
            "move": f"moved to {self.queue.name if self.queue else '?'}",
            "priority": f"priority set to {self.priority}",
        }[self.kind]

    async def apply(self, backend: Backend, task: Task) -> Task | None:
        """Make the change to ``task``; the task as the server holds it afterwards, when known."""
        match self.kind:
            case "assign":
                assert self.operator is not None
                return await backend.assign(task.id, self.operator.id)
            case "release":
                return await backend.release(task.id)
            case "close":
                assert self.resolution is not None
                # Guarded by the version the lead saw: a task changed since fails, and says so.
                return await backend.close(
                    task.id, self.resolution, note=self.note, version=task.version, force=self.force
                )
            case "note":
                assert self.note is not None
                await backend.add_note(task.id, self.note, idempotency_key=self.note_key(task.id))
                try:
                    return await backend.task(task.id)
                except BackendError:
                    return None  # the note is there; the list catches up on the next refresh
            case "move":
                assert self.queue is not None
                return await backend.move(task.id, self.queue.id)
            case "priority":
                assert self.priority is not None
                return await backend.update(task.id, TaskChanges(priority=self.priority))


def why(err: BackendError) -> tuple[str, str]:
    """(kind of failure, the server's reason as it said it) for the report."""
    if isinstance(err, ForbiddenError):
        kind = "no permission"
    elif isinstance(err, StaleError):
        kind = "changed since"
    elif isinstance(err, ConflictError):
        kind = "held by someone else" if err.claimed_by is not None else "conflict"
    elif isinstance(err, NotFoundError):
        kind = "gone"
    elif isinstance(err, UnavailableError):
        kind = "no answer"
    else:
        kind = "refused"
    return kind, err.detail or str(err)


@dataclass(slots=True)
class Result:
    """One task's outcome. ``task`` is the latest copy known (the server's after a write)."""

    task: Task
    state: State = "waiting"
    #: What happened, or the kind of failure ("held by someone else", "changed since", ...).
    outcome: str = ""
    #: The server's reason for a failure, as it said it.
    reason: str = ""


class BulkRun:
    """``action`` over ``tasks``. ``changed`` is called after every change of a task's state."""

    def __init__(
        self,
        backend: Backend,
        action: BulkAction,
        tasks: Iterable[Task],
        *,
        concurrency: int = CONCURRENCY,
        changed: Callable[[Result], None] | None = None,
    ) -> None:
        self.backend = backend
        self.action = action
        self.results = {task.id: Result(task) for task in tasks}
        self.concurrency = concurrency
        self.changed = changed or (lambda _result: None)
        self.cancelled = False
        self.running = False

    def count(self, *states: State) -> int:
        return sum(1 for r in self.results.values() if r.state in states)

    @property
    def answered(self) -> int:
        """How many were sent and answered (for the progress bar: after a cancel it stops short)."""
        return self.count("done", "failed", "queued")

    def cancel(self) -> None:
        """Send nothing more; writes already sent finish and are reported."""
        self.cancelled = True

    async def run(self, *, reread: bool = False) -> None:
        """Send the waiting ones, :attr:`concurrency` at a time; ``reread`` reads each first."""
        waiting = iter([r for r in self.results.values() if r.state == "waiting"])
        self.cancelled, self.running = False, True

        async def worker() -> None:
            for result in waiting:  # one shared iterator: each task is taken by one worker
                if self.cancelled:
                    result.state, result.outcome = "skipped", "not sent (cancelled)"
                    self.changed(result)
                else:
                    await self._one(result, reread)

        try:
            await asyncio.gather(*(worker() for _ in range(max(1, self.concurrency))))
        finally:
            self.running = False

    async def retry(self) -> None:
        """Send the failed and skipped ones again, each re-read first."""
        for result in self.results.values():
            if result.state in ("failed", "skipped"):
                result.state, result.outcome, result.reason = "waiting", "", ""
                self.changed(result)
        await self.run(reread=True)

    async def _one(self, result: Result, reread: bool) -> None:
        result.state = "running"
        self.changed(result)
        try:
            task = await self.backend.task(result.task.id) if reread else result.task
            result.task = task
            after = await self.action.apply(self.backend, task)
        except Queued as queued:  # kept on disk, sent when the server answers again
            result.state, result.outcome, result.reason = "queued", "saved, sent later", str(queued)
        except BackendError as err:
            result.state = "failed"
            result.outcome, result.reason = why(err)
            if isinstance(err, ConflictError | StaleError):  # what is it like now? (closed, held)
                try:
                    result.task = await self.backend.task(result.task.id)
                except BackendError:
                    pass
                if result.task.is_closed and result.outcome == "conflict":
                    result.outcome = "closed"
                elif self.action.kind == "release" and result.task.owner is None and not result.task.is_closed:
                    # "Nobody holds it": the task is already where the release would put it.
                    result.state, result.outcome, result.reason = "done", "nobody held it", ""
        else:
            result.state, result.outcome = "done", self.action.done()
            result.task = after or result.task
        self.changed(result)
