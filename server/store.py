"""The reference server's SQLite store: schema, reads and the write transactions.

Each call opens its own connection. Every write runs in one ``BEGIN IMMEDIATE``
transaction, so of two operators claiming the same task at once exactly one wins.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from backdesk.api_client.filters import Filter
from backdesk.api_client.models import PRIORITIES
from .problems import Problem
from .query import Order, Where, filter_where, owner_condition
from .times import iso, now

#: The queues every server has: (id, name, description).
QUEUES: tuple[tuple[str, str, str], ...] = (
    ("orders", "Orders & Fulfilment", "Orders that are stuck, late, short-shipped or need a manual touch."),
    ("returns", "Returns & Refunds", "Return authorisations, inspections and refunds to issue or refuse."),
    ("complaints", "Complaints", "Customer complaints to investigate and answer within the SLA."),
    ("billing", "Billing & Collections", "Invoice disputes, failed payments, credit notes and overdue accounts."),
    ("data-entry", "Data Entry", "Forms, supplier price lists and master data to key in or correct."),
    ("hr-onboarding", "HR Onboarding", "New starters: contracts, payroll set-up, equipment and first-day plans."),
    ("it-access", "IT Access Requests", "Accounts, roles and permissions to grant, change or revoke."),
    ("compliance", "Compliance Review", "KYC checks, GDPR requests, sanctions hits and audit evidence."),
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS people (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, token TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS queues (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_id TEXT NOT NULL REFERENCES queues(id),
    title TEXT NOT NULL, body TEXT NOT NULL,
    status TEXT NOT NULL, resolution TEXT,
    owner_id TEXT REFERENCES people(id),
    priority INTEGER NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, due_at TEXT,
    reference TEXT, tags TEXT NOT NULL DEFAULT '[]',
    version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS tasks_queue_status ON tasks(queue_id, status);
CREATE INDEX IF NOT EXISTS tasks_priority_due ON tasks(priority DESC, COALESCE(due_at, '~'), id);
CREATE INDEX IF NOT EXISTS tasks_due ON tasks(due_at);
CREATE INDEX IF NOT EXISTS tasks_owner ON tasks(owner_id);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    kind TEXT NOT NULL, actor_id TEXT REFERENCES people(id),
    at TEXT NOT NULL, body TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS events_task ON events(task_id, id);
CREATE TABLE IF NOT EXISTS idempotency (
    actor_id TEXT NOT NULL, key TEXT NOT NULL, task_id INTEGER NOT NULL, body TEXT NOT NULL,
    event_id INTEGER NOT NULL, PRIMARY KEY (actor_id, key));
"""

_TASK_SELECT = """
SELECT t.*, p.name AS owner_name FROM tasks t LEFT JOIN people p ON p.id = t.owner_id
"""
_EVENT_SELECT = """
SELECT e.*, p.name AS actor_name FROM events e LEFT JOIN people p ON p.id = e.actor_id
"""


def task_json(row: sqlite3.Row) -> dict[str, Any]:
    """A task row as the wire Task, without ``url`` (the HTTP layer knows the root)."""
    return {
        "id": str(row["id"]),
        "queue": row["queue_id"],
        "title": row["title"],
        "body": row["body"],
        "status": row["status"],
        "resolution": row["resolution"],
        "owner": {"id": row["owner_id"], "name": row["owner_name"]} if row["owner_id"] else None,
        "priority": PRIORITIES[row["priority"]],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "due_at": row["due_at"],
        "reference": row["reference"],
        "tags": json.loads(row["tags"]),
        "version": row["version"],
    }


def event_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "task_id": str(row["task_id"]),
        "kind": row["kind"],
        "actor": {"id": row["actor_id"], "name": row["actor_name"]} if row["actor_id"] else None,
        "at": row["at"],
        "body": row["body"],
    }


def _task_key(task_id: str) -> int:
    if not (task_id.isascii() and task_id.isdigit() and len(task_id) <= 18):
        raise Problem("invalid-request", f"{task_id!r} is not a task id: task ids are whole numbers of up to 18 digits.")
    return int(task_id)


def _check_version(row: sqlite3.Row, if_match: int | None) -> None:
    if if_match is not None and if_match != row["version"]:
        raise Problem(
            "stale-version",
            f"Task {row['id']} changed since you loaded it (now version {row['version']}); reload it and try again.",
            current_version=row["version"],
        )


def _check_open(row: sqlite3.Row) -> None:
    if row["status"] == "closed":
        raise Problem("task-closed", f"Task {row['id']} is closed.")


class Store:
    """All state of one reference server, in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        con = self._connect()
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)
            con.executemany(
                "INSERT OR IGNORE INTO queues (id, name, description, position) VALUES (?, ?, ?, ?)",
                [(qid, name, desc, i) for i, (qid, name, desc) in enumerate(QUEUES)],
            )
        finally:
            con.close()

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, isolation_level=None, timeout=10, check_same_thread=False)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA busy_timeout = 10000")
        con.execute("PRAGMA synchronous = NORMAL")
        con.execute("PRAGMA foreign_keys = ON")
        return con

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection reading one consistent snapshot."""
        con = self._connect()
        try:
            con.execute("BEGIN")
            yield con
        finally:
            con.rollback()
            con.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A connection inside one ``BEGIN IMMEDIATE`` transaction, committed on success."""
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.rollback()
                raise
            con.commit()
        finally:
            con.close()

    # People

    def upsert_person(self, person_id: str, name: str, role: str, token: str) -> None:
        """Add a person, or give an existing one a new token and role."""
        with self.write() as con:
            if con.execute("SELECT 1 FROM people WHERE token = ? AND id != ?", (token, person_id)).fetchone():
                raise ValueError(f"{person_id}: that token already belongs to someone else")
            con.execute(
                "INSERT INTO people (id, name, role, token) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET token = excluded.token, role = excluded.role",
                (person_id, name, role, token),
            )

    def add_people(self, people: Sequence[tuple[str, str, str, str]]) -> None:
        """Insert (id, name, role, token) rows, keeping anyone who already exists."""
        with self.write() as con:
            con.executemany("INSERT OR IGNORE INTO people (id, name, role, token) VALUES (?, ?, ?, ?)", people)

    def tokens(self) -> dict[str, str]:
        with self.read() as con:
            return {row["id"]: row["token"] for row in con.execute("SELECT id, token FROM people ORDER BY id")}

    def person_by_token(self, token: str) -> dict[str, str] | None:
        with self.read() as con:
            row = con.execute("SELECT id, name, role FROM people WHERE token = ?", (token,)).fetchone()
        return dict(row) if row else None

    def task_count(self) -> int:
        with self.read() as con:
            return con.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]

    # Reads

    def queues(self, caller: str) -> list[dict[str, Any]]:
        with self.read() as con:
            rows = con.execute(
                """
                SELECT q.id, q.name, q.description,
                    COUNT(t.id) AS open,
                    COALESCE(SUM(t.id IS NOT NULL AND t.owner_id IS NULL), 0) AS unclaimed,
                    COALESCE(SUM(t.owner_id = ?), 0) AS mine,
                    COALESCE(SUM(t.due_at IS NOT NULL AND t.due_at < ?), 0) AS breached
                FROM queues q LEFT JOIN tasks t ON t.queue_id = q.id AND t.status != 'closed'
                GROUP BY q.id ORDER BY q.position, q.id
                """,
                (caller, iso(now())),
            ).fetchall()
        return [
            {
                "id": r["id"],
                "name": r["name"],
                "description": r["description"],
                "counts": {k: r[k] for k in ("open", "unclaimed", "mine", "breached")},
            }
            for r in rows
        ]

    def queue_exists(self, con: sqlite3.Connection, queue_id: str) -> bool:
        return con.execute("SELECT 1 FROM queues WHERE id = ?", (queue_id,)).fetchone() is not None

    def list_tasks(
        self,
        caller: str,
        *,
        queue: str | None,
        flt: Filter,
        statuses: tuple[str, ...],
        owner: str | None,
        order: Order,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[dict[str, Any]], int, str | None]:
        """One page of matching tasks, the total that match, and the cursor of the next page."""
        where = Where()
        if queue is not None:
            where.add("t.queue_id = ?", queue)
        if statuses:
            where.add(f"t.status IN ({','.join('?' * len(statuses))})", *statuses)
        if owner is not None:
            clause, args = owner_condition((owner,), caller)
            where.add(clause, *args)
        filter_where(where, flt, caller, now())
        with self.read() as con:
            if queue is not None and not self.queue_exists(con, queue):
                raise Problem("not-found", f"There is no queue {queue!r}.")
            total = con.execute(f"SELECT COUNT(*) FROM tasks t WHERE {where.sql()}", where.args).fetchone()[0]
            if cursor:
                order.after(where, order.decode_cursor(cursor))
            rows = con.execute(
                f"SELECT t.*, p.name AS owner_name, {order.select_keys()}"
                f" FROM tasks t LEFT JOIN people p ON p.id = t.owner_id"
                f" WHERE {where.sql()} ORDER BY {order.order_by()} LIMIT ?",
                [*where.args, limit + 1],
            ).fetchall()
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            last = rows[-1]
            next_cursor = order.encode_cursor([last[f"k{i}"] for i in range(len(order.keys()))])
        return [task_json(r) for r in rows], total, next_cursor

    def _task_row(self, con: sqlite3.Connection, task_id: str) -> sqlite3.Row:
        row = con.execute(_TASK_SELECT + " WHERE t.id = ?", (_task_key(task_id),)).fetchone()
        if row is None:
            raise Problem("not-found", f"There is no task {task_id!r}.")
        return row

    def task(self, task_id: str) -> dict[str, Any]:
        with self.read() as con:
            return task_json(self._task_row(con, task_id))

    def events(self, task_id: str) -> list[dict[str, Any]]:
        with self.read() as con:
            row = self._task_row(con, task_id)
            rows = con.execute(_EVENT_SELECT + " WHERE e.task_id = ? ORDER BY e.id", (row["id"],)).fetchall()
        return [event_json(r) for r in rows]

    # Writes

    def _event(
        self, con: sqlite3.Connection, task_id: int, kind: str, actor: str | None, at: str, body: str = ""
    ) -> int:
        cur = con.execute(
            "INSERT INTO events (task_id, kind, actor_id, at, body) VALUES (?, ?, ?, ?, ?)",
            (task_id, kind, actor, at, body),
        )
        return cur.lastrowid  # type: ignore[return-value]

    def _bump(self, con: sqlite3.Connection, task_id: int, at: str, **columns: Any) -> None:
        sets = "".join(f", {name} = ?" for name in columns)
        con.execute(
            f"UPDATE tasks SET version = version + 1, updated_at = ?{sets} WHERE id = ?",
            (at, *columns.values(), task_id),
        )

    def create_task(self, caller: str, fields: dict[str, Any]) -> dict[str, Any]:
        at = iso(now())
        with self.write() as con:
            if not self.queue_exists(con, fields["queue"]):
                raise Problem("invalid-request", f"There is no queue {fields['queue']!r}.")
            cur = con.execute(
                "INSERT INTO tasks (queue_id, title, body, status, priority, created_at, updated_at,"
                " due_at, reference, tags) VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)",
                (
                    fields["queue"],
                    fields["title"],
                    fields["body"],
                    PRIORITIES.index(fields["priority"]),
                    at,
                    at,
                    fields["due_at"],
                    fields["reference"],
                    json.dumps(fields["tags"]),
                ),
            )
            task_id = cur.lastrowid
            assert task_id is not None
            self._event(con, task_id, "created", caller, at)
            return task_json(self._task_row(con, str(task_id)))

    def update_task(self, caller: str, task_id: str, changes: dict[str, Any], if_match: int | None) -> dict[str, Any]:
        with self.write() as con:
            row = self._task_row(con, task_id)
            _check_version(row, if_match)
            if "queue" in changes and not self.queue_exists(con, changes["queue"]):
                raise Problem("invalid-request", f"There is no queue {changes['queue']!r}.")
            current = task_json(row)
            changed = {k: v for k, v in changes.items() if current[k] != v}
            if changed:
                at = iso(now())
                described = "; ".join(f"{k}: {current[k] or 'none'} → {v or 'none'}" for k, v in changed.items())
                columns = {("queue_id" if k == "queue" else k): v for k, v in changed.items()}
                if "priority" in columns:
                    columns["priority"] = PRIORITIES.index(columns["priority"])
                self._bump(con, row["id"], at, **columns)
                self._event(con, row["id"], "updated", caller, at, described)
                row = self._task_row(con, task_id)
            return task_json(row)

    def claim(self, caller: str, task_id: str, force: bool) -> dict[str, Any]:
        with self.write() as con:
            row = self._task_row(con, task_id)
            _check_open(row)
            owner = row["owner_id"]
            if owner == caller:
                return task_json(row)
            at = iso(now())
            if owner is not None and not force:
                raise Problem(
                    "already-claimed",
                    f"{row['owner_name']} already claimed task {row['id']}.",
                    claimed_by={"id": owner, "name": row["owner_name"]},
                )
            self._bump(con, row["id"], at, owner_id=caller)
            if owner is None:
                self._event(con, row["id"], "claimed", caller, at)
            else:
                self._event(con, row["id"], "stolen", caller, at, f"Took over from {row['owner_name']}")
            return task_json(self._task_row(con, task_id))

    def release(self, caller: str, task_id: str) -> dict[str, Any]:
        with self.write() as con:
            row = self._task_row(con, task_id)
            _check_open(row)
            if row["owner_id"] != caller:
                owner = {"id": row["owner_id"], "name": row["owner_name"]} if row["owner_id"] else None
                who = f"{row['owner_name']} owns it" if owner else "nobody owns it"
                raise Problem("not-owner", f"You do not own task {row['id']}; {who}.", claimed_by=owner)
            at = iso(now())
            self._bump(con, row["id"], at, owner_id=None)
            self._event(con, row["id"], "released", caller, at)
            return task_json(self._task_row(con, task_id))

    def add_note(self, caller: str, task_id: str, body: str, key: str | None) -> dict[str, Any]:
        with self.write() as con:
            row = self._task_row(con, task_id)
            if key is not None:
                seen = con.execute(
                    "SELECT task_id, body, event_id FROM idempotency WHERE actor_id = ? AND key = ?", (caller, key)
                ).fetchone()
                if seen is not None:
                    if seen["task_id"] != row["id"] or seen["body"] != body:
                        raise Problem("invalid-request", "This Idempotency-Key was already used for a different note.")
                    return event_json(con.execute(_EVENT_SELECT + " WHERE e.id = ?", (seen["event_id"],)).fetchone())
            at = iso(now())
            event_id = self._event(con, row["id"], "note", caller, at, body)
            self._bump(con, row["id"], at)
            if key is not None:
                con.execute(
                    "INSERT INTO idempotency (actor_id, key, task_id, body, event_id) VALUES (?, ?, ?, ?, ?)",
                    (caller, key, row["id"], body, event_id),
                )
            return event_json(con.execute(_EVENT_SELECT + " WHERE e.id = ?", (event_id,)).fetchone())

    def close(
        self, caller: str, task_id: str, resolution: str, note: str | None, if_match: int | None
    ) -> dict[str, Any]:
        with self.write() as con:
            row = self._task_row(con, task_id)
            _check_open(row)
            _check_version(row, if_match)
            at = iso(now())
            if note:
                self._event(con, row["id"], "note", caller, at, note)
            self._event(con, row["id"], "closed", caller, at, resolution)
            self._bump(con, row["id"], at, status="closed", resolution=resolution)
            return task_json(self._task_row(con, task_id))
