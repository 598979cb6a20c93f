"""The reference server's SQLite store: schema, people and reads (the writes are in ``writes``,
a lead's triage in ``triage``, queue health and its history in ``stats``).

Each thread keeps one connection. Every write runs in one ``BEGIN IMMEDIATE``
transaction, so of two operators claiming the same task at once exactly one wins.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from backdesk.api_client.filters import Filter

from . import page, schema
from .problems import Problem
from .query import Order, Where, filter_where, owner_condition
from .stats import Stats
from .times import iso, now
from .triage import Triage
from .writes import EVENT_SELECT, Writes, event_json, task_json, task_row


def _owner_id(owner: str, caller: str) -> str:
    """An ``owner`` parameter as the counters hold it ('' for nobody)."""
    return "" if owner == "none" else caller if owner == "me" else owner


def _counted(con: sqlite3.Connection, queue: str | None, statuses: tuple[str, ...], owner: str | None) -> int:
    """How many tasks match, from the maintained counters."""
    where = Where()
    if queue is not None:
        where.add("queue_id = ?", queue)
    if statuses:
        where.add(f"status IN ({','.join('?' * len(statuses))})", *statuses)
    if owner is not None:
        where.add("owner_id = ?", owner)
    return con.execute(f"SELECT COALESCE(SUM(n), 0) FROM task_counts WHERE {where.sql()}", where.args).fetchone()[0]


def hash_token(token: str) -> str:
    """Tokens are random, so one round of SHA-256 is enough to keep them out of the file."""
    return hashlib.sha256(token.encode()).hexdigest()


class Store(Writes, Triage, Stats):
    """All state of one reference server, in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str], *, operators_may_create: bool = False) -> None:
        self.path = os.fspath(path)
        self.operators_may_create = operators_may_create
        self._local = threading.local()
        try:  # owner-only from the start; SQLite gives its -wal and -shm files the same mode
            os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            pass
        con = self._connect()
        try:
            con.execute("PRAGMA journal_mode=WAL")
            self._secret = schema.prepare(con)
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
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        """This thread's connection (opening one costs more than most queries) inside ``begin``.

        A nested transaction gets a connection of its own, closed afterwards.
        """
        cached: sqlite3.Connection | None = getattr(self._local, "con", None)
        if cached is None:
            cached = self._local.con = self._connect()
        con = self._connect() if cached.in_transaction else cached
        try:
            con.execute(begin)
            yield con
        finally:
            if con.in_transaction:
                con.rollback()
            if con is not cached:
                con.close()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection reading one consistent snapshot."""
        with self._transaction("BEGIN") as con:
            yield con

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A connection inside one ``BEGIN IMMEDIATE`` transaction, committed on success."""
        with self._transaction("BEGIN IMMEDIATE") as con:
            yield con
            con.commit()

    @contextmanager
    def bulk(self) -> Iterator[sqlite3.Connection]:
        """A connection with a large page cache, for loading many rows in a few transactions."""
        con = self._connect()
        try:
            con.execute("PRAGMA cache_size = -262144")  # 256 MiB
            yield con
        finally:
            if con.in_transaction:
                con.rollback()
            con.close()

    # People

    def upsert_person(self, person_id: str, name: str, role: str, token: str | None) -> str | None:
        """Add a person or update their role; returns the token when it was generated here.

        With ``token`` None an existing person keeps their token and a new one gets a random
        token. Only a hash of each token is stored.
        """
        with self.write() as con:
            exists = con.execute("SELECT 1 FROM people WHERE id = ?", (person_id,)).fetchone() is not None
            if token is None and exists:
                con.execute("UPDATE people SET role = ? WHERE id = ?", (role, person_id))
                return None
            new = token or secrets.token_urlsafe(18)
            digest = hash_token(new)
            if con.execute("SELECT 1 FROM people WHERE token_hash = ? AND id != ?", (digest, person_id)).fetchone():
                raise ValueError(f"{person_id}: that token already belongs to someone else")
            con.execute(
                "INSERT INTO people (id, name, role, token_hash) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET token_hash = excluded.token_hash, role = excluded.role",
                (person_id, name, role, digest),
            )
            return None if token else new

    def person_by_token(self, token: str) -> dict[str, str] | None:
        with self.read() as con:
            row = con.execute("SELECT id, name, role FROM people WHERE token_hash = ?", (hash_token(token),)).fetchone()
        return dict(row) if row else None

    def link_key(self, person_id: str) -> bytes | None:
        """The key that signs this person's task links; None if there is no such person."""
        with self.read() as con:
            row = con.execute("SELECT token_hash FROM people WHERE id = ?", (person_id,)).fetchone()
        return page.link_key(self._secret, person_id, row["token_hash"]) if row else None

    def person_ids(self) -> list[str]:
        with self.read() as con:
            return [row[0] for row in con.execute("SELECT id FROM people ORDER BY id")]

    def task_count(self) -> int:
        with self.read() as con:
            return con.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]

    # Reads

    def queues(self, caller: str) -> list[dict[str, Any]]:
        """Every queue with its counts: from the maintained counters, and the breached from an index."""
        self.record_history()
        with self.read() as con:
            rows = con.execute(
                """
                SELECT q.id, q.name, q.description,
                    COALESCE(SUM(c.n), 0) AS open,
                    COALESCE(SUM(CASE WHEN c.owner_id = '' THEN c.n END), 0) AS unclaimed,
                    COALESCE(SUM(CASE WHEN c.owner_id = ? THEN c.n END), 0) AS mine,
                    (SELECT COUNT(*) FROM tasks t INDEXED BY tasks_open_due_owner
                        WHERE t.queue_id = q.id AND t.status != 'closed' AND t.due_at < ?) AS breached
                FROM queues q LEFT JOIN task_counts c ON c.queue_id = q.id AND c.status != 'closed'
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
    ) -> tuple[list[dict[str, Any]], int | None, str | None]:
        """One page of matching tasks, the total that match (first page only), and the next page's cursor."""
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
            total = None
            if cursor:
                order.after(where, order.decode_cursor(cursor))
            elif flt.terms:
                total = con.execute(f"SELECT COUNT(*) FROM tasks t WHERE {where.sql()}", where.args).fetchone()[0]
            else:
                total = _counted(con, queue, statuses, None if owner is None else _owner_id(owner, caller))
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

    def task(self, task_id: str) -> dict[str, Any]:
        with self.read() as con:
            return task_json(task_row(con, task_id))

    def events(self, task_id: str) -> list[dict[str, Any]]:
        with self.read() as con:
            row = task_row(con, task_id)
            rows = con.execute(EVENT_SELECT + " WHERE e.task_id = ? ORDER BY e.id", (row["id"],)).fetchall()
        return [event_json(r) for r in rows]
