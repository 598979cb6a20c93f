"""A durable outbox: every write is recorded on disk before it is sent, and kept until a
server answered it.

:class:`OutboxBackend` wraps any :class:`~api_client.protocol.Backend`. A write the backend
cannot be reached for (network down, timeout, 5xx) stays in the outbox and raises
:class:`Queued`; :meth:`OutboxBackend.deliver` sends what is due, oldest first, with exponential
backoff and jitter, honouring ``Retry-After``. Writes for a task wait behind that task's earlier
ones (without their version guard, which the earlier write would make stale; the holder checks
still apply). A note keeps its idempotency key, so a resend after a lost answer never doubles it; for the
other writes a conflict on a resend is checked against the task: if it already holds what was
asked, the write had landed. A real conflict is kept for the operator to decide (send it anyway,
or drop it), never retried blindly. The file is SQLite, 0600, in the platform state folder.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import BackendError, UnavailableError
from .models import (
    Event,
    Link,
    NewTask,
    OperatorLoad,
    Person,
    Queue,
    QueueStats,
    Resolution,
    Task,
    TaskChanges,
    TaskPage,
    TaskQuery,
)
from .protocol import Backend

#: The longest pause between two tries of the same write, in seconds.
MAX_BACKOFF = 60.0
#: Seconds a write being sent is not due: a delivery must not send it again while the first try
#: waits for its answer (the app was slow, or many writes are in flight). After a crash mid-send
#: it is tried again once this has passed.
IN_FLIGHT = 60.0


class Queued(UnavailableError):
    """The write is in the outbox and will be sent when the backend answers again."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One write waiting in the outbox. ``state`` is "pending" or "conflict"."""

    id: int
    kind: str
    task_id: str
    args: dict[str, Any]
    key: str
    attempts: int
    #: When it may be tried again (seconds since the epoch).
    next_at: float
    state: str
    error: str

    def describe(self) -> str:
        """ "close #12 as done", for the operator."""
        what = {"note": "note on", "close": "close", "claim": "claim", "release": "release", "reopen": "reopen"}
        text = f"{what.get(self.kind, self.kind)} #{self.task_id}"
        if self.kind == "close":
            return f"{text} as {self.args['resolution']}"
        if self.kind == "assign":
            return f"{text} to {self.args['operator']}"
        if self.kind == "move":
            return f"{text} to {self.args['queue']}"
        return text


@dataclass(frozen=True, slots=True)
class Delivery:
    """What :meth:`OutboxBackend.deliver` did with one entry: sent (``result``) or not (``error``)."""

    entry: Entry
    result: Task | Event | None = None
    error: BackendError | None = None


class Outbox:
    """The writes of one backend (``scope``) that no server has answered yet, on disk."""

    def __init__(self, path: Path, scope: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        self.scope = scope
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY, scope TEXT NOT NULL, kind TEXT NOT NULL,"
            " task_id TEXT NOT NULL, args TEXT NOT NULL, key TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
            " next_at REAL NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT 'pending', error TEXT NOT NULL DEFAULT '')"
        )

    def close(self) -> None:
        self._db.close()

    def add(self, kind: str, task_id: str, args: dict[str, Any], key: str, next_at: float = 0.0) -> Entry:
        cursor = self._db.execute(
            "INSERT INTO entries (scope, kind, task_id, args, key, next_at) VALUES (?, ?, ?, ?, ?, ?)",
            (self.scope, kind, task_id, json.dumps(args), key, next_at),
        )
        return self._entry(cursor.lastrowid or 0)

    def entries(self) -> list[Entry]:
        """Everything waiting, oldest first."""
        rows = self._db.execute("SELECT * FROM entries WHERE scope = ? ORDER BY id", (self.scope,)).fetchall()
        return [_entry(row) for row in rows]

    def due(self, now: float) -> list[Entry]:
        """Pending entries whose time has come, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM entries WHERE scope = ? AND state = 'pending' AND next_at <= ? ORDER BY id",
            (self.scope, now),
        ).fetchall()
        return [_entry(row) for row in rows]

    def waiting_for(self, task_id: str) -> bool:
        return (
            self._db.execute(
                "SELECT 1 FROM entries WHERE scope = ? AND task_id = ? LIMIT 1", (self.scope, task_id)
            ).fetchone()
            is not None
        )

    def remove(self, entry_id: int) -> None:
        self._db.execute("DELETE FROM entries WHERE id = ?", (entry_id,))

    def later(self, entry: Entry, error: BackendError) -> None:
        """Try ``entry`` again after a backoff: 1 s, 2 s, 4 s … 60 s, jittered, or Retry-After."""
        pause = min(MAX_BACKOFF, 2.0**entry.attempts) * random.uniform(0.5, 1.5)
        pause = max(pause, getattr(error, "retry_after", None) or 0.0)
        self._db.execute(
            "UPDATE entries SET attempts = attempts + 1, next_at = ?, error = ? WHERE id = ?",
            (time.time() + pause, str(error), entry.id),
        )

    def conflicted(self, entry: Entry, error: BackendError) -> None:
        self._db.execute("UPDATE entries SET state = 'conflict', error = ? WHERE id = ?", (str(error), entry.id))

    def send_anyway(self, entry: Entry) -> None:
        """The operator decided: send a conflicted write again, over whoever holds the task."""
        args = {**entry.args, "force": True} if entry.kind in ("claim", "close", "reopen") else entry.args
        if entry.kind == "claim":
            args.pop("expected_owner", None)
        self._db.execute(
            "UPDATE entries SET state = 'pending', next_at = 0, args = ?, error = '' WHERE id = ?",
            (json.dumps(args), entry.id),
        )

    def _entry(self, entry_id: int) -> Entry:
        return _entry(self._db.execute("SELECT * FROM entries WHERE id = ?", (entry_id,)).fetchone())


def _entry(row: tuple[Any, ...]) -> Entry:
    entry_id, _scope, kind, task_id, args, key, attempts, next_at, state, error = row
    return Entry(entry_id, kind, task_id, json.loads(args), key, attempts, next_at, state, error)


class OutboxBackend:
    """A Backend whose writes go through an :class:`Outbox` (see the module docstring)."""

    def __init__(self, backend: Backend, outbox: Outbox) -> None:
        self.backend = backend
        self.outbox = outbox
        self.label = backend.label

    @property
    def link(self) -> Link:
        return self.backend.link

    @property
    def read_ahead(self) -> bool:
        return self.backend.read_ahead

    # -- reads pass straight through -----------------------------------------------------

    async def me(self) -> Person:
        return await self.backend.me()

    async def queues(self) -> list[Queue]:
        return await self.backend.queues()

    async def tasks(self, query: TaskQuery, cursor: str | None = None) -> TaskPage:
        return await self.backend.tasks(query, cursor)

    async def task(self, task_id: str) -> Task:
        return await self.backend.task(task_id)

    async def events(self, task_id: str) -> list[Event]:
        return await self.backend.events(task_id)

    async def create_task(self, new: NewTask) -> Task:
        return await self.backend.create_task(new)

    async def operators(self, search: str = "", *, queue: str | None = None, limit: int = 50) -> list[OperatorLoad]:
        return await self.backend.operators(search, queue=queue, limit=limit)

    async def queue_stats(self, queue_id: str) -> QueueStats:
        return await self.backend.queue_stats(queue_id)

    async def aclose(self) -> None:
        self.outbox.close()
        await self.backend.aclose()

    # -- writes are recorded first ---------------------------------------------------------

    async def claim(self, task_id: str, *, force: bool = False, expected_owner: str | None = None) -> Task:
        return await self._write("claim", task_id, {"force": force, "expected_owner": expected_owner})

    async def release(self, task_id: str) -> Task:
        return await self._write("release", task_id, {})

    async def add_note(self, task_id: str, body: str, *, idempotency_key: str) -> Event:
        return await self._write("note", task_id, {"body": body}, idempotency_key)

    async def close(
        self,
        task_id: str,
        resolution: Resolution,
        *,
        note: str | None = None,
        version: str | None = None,
        force: bool = False,
    ) -> Task:
        args = {"resolution": resolution, "note": note, "version": version, "force": force}
        return await self._write("close", task_id, args)

    async def reopen(self, task_id: str, *, version: str | None = None, force: bool = False) -> Task:
        return await self._write("reopen", task_id, {"version": version, "force": force})

    async def update(self, task_id: str, changes: TaskChanges, *, version: str | None = None) -> Task:
        fields = {k: v for k, v in _storable(changes).items() if v is not None}
        return await self._write("update", task_id, {"changes": fields, "version": version})

    async def assign(self, task_id: str, operator_id: str, *, version: str | None = None) -> Task:
        return await self._write("assign", task_id, {"operator": operator_id, "version": version})

    async def move(self, task_id: str, queue_id: str, *, version: str | None = None) -> Task:
        return await self._write("move", task_id, {"queue": queue_id, "version": version})

    async def _write(self, kind: str, task_id: str, args: dict[str, Any], key: str = "") -> Any:
        waiting = self.outbox.waiting_for(task_id)
        if waiting and args.get("version"):  # the earlier write changes the version it was read at
            args = {**args, "version": None}
        sending = 0.0 if waiting else time.time() + IN_FLIGHT  # sent now: not due meanwhile
        entry = self.outbox.add(kind, task_id, args, key or str(uuid.uuid4()), sending)
        if waiting:  # earlier writes for this task go first
            raise Queued(f"Saved here: {entry.describe()} is sent after this task's earlier changes.")
        try:
            result = await self._send(entry)
        except UnavailableError as err:
            self.outbox.later(entry, err)
            raise Queued(f"Saved here: {entry.describe()} is sent when {self.label} answers again.") from err
        except BackendError:
            self.outbox.remove(entry.id)  # a definite answer: nothing was done
            raise
        self.outbox.remove(entry.id)
        return result

    async def deliver(self) -> list[Delivery]:
        """Send what is due, oldest first; stop at the first that still finds the backend away."""
        done: list[Delivery] = []
        held: set[str] = set()  # tasks whose earlier write did not go (yet): the rest wait behind it
        now = time.time()
        for entry in self.outbox.entries():
            if entry.task_id in held or entry.state != "pending" or entry.next_at > now:
                held.add(entry.task_id)
                continue
            try:
                result: Task | Event | None = await self._send(entry)
            except UnavailableError as err:
                self.outbox.later(entry, err)
                break
            except BackendError as err:
                try:
                    result = await self._landed(entry)
                except UnavailableError as away:  # cannot tell yet: ask again later
                    self.outbox.later(entry, away)
                    break
                if result is None:
                    self.outbox.conflicted(entry, err)
                    held.add(entry.task_id)
                    done.append(Delivery(entry, error=err))
                    continue
            self.outbox.remove(entry.id)
            done.append(Delivery(entry, result))
        return done

    def _send(self, entry: Entry) -> Awaitable[Any]:
        a, backend, task_id = entry.args, self.backend, entry.task_id
        senders: dict[str, Callable[[], Awaitable[Any]]] = {
            "claim": lambda: backend.claim(task_id, force=a["force"], expected_owner=a.get("expected_owner")),
            "release": lambda: backend.release(task_id),
            "note": lambda: backend.add_note(task_id, a["body"], idempotency_key=entry.key),
            "close": lambda: backend.close(
                task_id, a["resolution"], note=a["note"], version=a["version"], force=a["force"]
            ),
            "reopen": lambda: backend.reopen(task_id, version=a["version"], force=a["force"]),
            "update": lambda: backend.update(task_id, _changes(a["changes"]), version=a["version"]),
            "assign": lambda: backend.assign(task_id, a["operator"], version=a["version"]),
            "move": lambda: backend.move(task_id, a["queue"], version=a["version"]),
        }
        return senders[entry.kind]()

    async def _landed(self, entry: Entry) -> Task | None:
        """After a conflict on a resend: the task, if it already holds what ``entry`` asked
        (the earlier try had landed and only its answer was lost); else None. Raises
        UnavailableError when the task cannot be read now."""
        if entry.attempts == 0 or entry.kind == "note":
            return None
        try:
            task, me = await self.backend.task(entry.task_id), await self.backend.me()
        except UnavailableError:
            raise
        except BackendError:
            return None
        if entry.kind == "claim":
            holds = task.owner is not None and task.owner.id == me.id
        elif entry.kind == "release":
            holds = task.owner is None
        elif entry.kind == "close":
            holds = task.is_closed and task.resolution == entry.args["resolution"]
        elif entry.kind == "reopen":
            holds = not task.is_closed
        elif entry.kind == "assign":
            holds = task.owner is not None and task.owner.id == entry.args["operator"]
        elif entry.kind == "move":
            holds = task.queue == entry.args["queue"]
        else:
            wanted = _fields(_changes(entry.args["changes"]))
            holds = all(getattr(task, k) == v for k, v in wanted.items() if v is not None)
        return task if holds else None


def _fields(changes: TaskChanges) -> dict[str, Any]:
    return {name: getattr(changes, name) for name in ("priority", "due_at", "queue", "title")}


def _storable(changes: TaskChanges) -> dict[str, Any]:
    """A TaskChanges as plain fields (a due date as ISO text, so it can be stored)."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in _fields(changes).items()}


def _changes(fields: dict[str, Any]) -> TaskChanges:
    due = fields.get("due_at")
    return TaskChanges(**{**fields, "due_at": datetime.fromisoformat(due) if due else None})
