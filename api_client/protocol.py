"""The one interface the TUI talks to. Every backend adapter implements it."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .models import Event, NewTask, Person, Queue, Resolution, Task, TaskChanges, TaskPage, TaskQuery


@runtime_checkable
class Backend(Protocol):
    """An async work-queue backend.

    Methods raise :class:`api_client.errors.BackendError` subclasses, never transport or
    parsing exceptions. Writes return the task (or event) as the server holds it afterwards.
    """

    #: A short human description of where this backend points, for the title bar.
    label: str

    async def me(self) -> Person: ...

    async def queues(self) -> list[Queue]: ...

    async def tasks(self, query: TaskQuery, cursor: str | None = None) -> TaskPage: ...

    async def task(self, task_id: str) -> Task: ...

    async def events(self, task_id: str) -> list[Event]:
        """The task's history, oldest first."""
        ...

    async def create_task(self, new: NewTask) -> Task: ...

    async def claim(self, task_id: str, *, force: bool = False) -> Task:
        """Take the task. ``force`` steals it from its current owner."""
        ...

    async def release(self, task_id: str) -> Task: ...

    async def add_note(self, task_id: str, body: str, *, idempotency_key: str) -> Event:
        """Add an internal note. Retrying with the same key never adds a second note."""
        ...

    async def close(
        self,
        task_id: str,
        resolution: Resolution,
        *,
        note: str | None = None,
        version: str | None = None,
    ) -> Task:
        """Close the task; with ``version``, fail with StaleError if it changed since."""
        ...

    async def update(self, task_id: str, changes: TaskChanges, *, version: str | None = None) -> Task: ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
