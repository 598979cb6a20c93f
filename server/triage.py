"""A lead's triage: who can hold tasks and how loaded they are, assigning and moving tasks.

Load comes from maintained counters (held: ``owner_load`` everywhere, ``task_counts`` per
queue) and one grouped count over the past-due part of an index of open tasks (breached), so
it stays cheap with thousands of people and 100k tasks.
"""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from .problems import Problem
from .roles import ASSIGNERS, HOLDERS, ONLY_LEADS_ASSIGN, ONLY_LEADS_MOVE, require
from .times import iso, now
from .writes import Caller, check_open, check_version, task_json, task_key, task_row


def held_counts(con: sqlite3.Connection, queue: str | None) -> dict[str, int]:
    """Person id -> open tasks they hold (in ``queue`` when given), from the maintained counters."""
    if queue is None:
        return dict(con.execute("SELECT owner_id, held FROM owner_load WHERE held > 0").fetchall())
    rows = con.execute(
        "SELECT owner_id, SUM(n) FROM task_counts WHERE queue_id = ? AND status != 'closed' AND owner_id != ''"
        " GROUP BY owner_id",
        (queue,),
    )
    return {owner: n for owner, n in rows if n}


def breached_counts(con: sqlite3.Connection, queue: str | None, at: str) -> dict[str, int]:
    """Person id -> open tasks they hold that are past due at ``at`` (in ``queue`` when given):
    one grouped count over the past-due part of a covering index."""
    queues = "queue_id = ?" if queue is not None else "queue_id IN (SELECT id FROM queues)"
    sql = (
        f"SELECT owner_id, COUNT(*) FROM tasks INDEXED BY tasks_open_due_owner WHERE {queues}"
        " AND status != 'closed' AND due_at < ? AND owner_id IS NOT NULL GROUP BY owner_id"
    )
    return dict(con.execute(sql, (queue, at) if queue is not None else (at,)).fetchall())


def _queue_name(con: sqlite3.Connection, queue_id: str) -> str:
    row = con.execute("SELECT name FROM queues WHERE id = ?", (queue_id,)).fetchone()
    if row is None:
        raise Problem("not-found", f"There is no queue {queue_id!r}.")
    return row["name"]


class Triage:
    """People with their load, and the lead-only writes: assign and move."""

    read: Callable[[], AbstractContextManager[sqlite3.Connection]]
    write: Callable[[], AbstractContextManager[sqlite3.Connection]]
    _event: Callable[..., int]
    _bump: Callable[..., None]

    def operators(self, search: str, queue: str | None, limit: int) -> list[dict[str, Any]]:
        """People who can hold tasks whose name or id contains ``search`` (any case), least loaded
        first: fewest held, then fewest breached, then name."""
        needle = search.casefold()
        with self.read() as con:
            if queue is not None:
                _queue_name(con, queue)
            rows = con.execute(
                f"SELECT id, name, role FROM people WHERE role IN ({','.join('?' * len(HOLDERS))})", HOLDERS
            ).fetchall()
            held = held_counts(con, queue)
            breached = breached_counts(con, queue, iso(now()))
        ranked = heapq.nsmallest(
            limit,
            (
                (held.get(pid, 0), breached.get(pid, 0), name.casefold(), pid, name, role)
                for pid, name, role in rows
                if not needle or needle in name.casefold() or needle in pid.casefold()
            ),
        )
        return [
            {"id": pid, "name": name, "role": role, "held": n, "breached": late}
            for n, late, _, pid, name, role in ranked
        ]

    def assign(self, caller: Caller, task_id: str, operator: str, if_match: int | None) -> dict[str, Any]:
        """Give the task to ``operator`` whoever holds it; assigning to its holder changes nothing."""
        task_key(task_id)  # a malformed id is a 400 before any 403
        require(caller, ASSIGNERS, ONLY_LEADS_ASSIGN)
        with self.write() as con:
            row = task_row(con, task_id)
            check_open(row)
            check_version(row, if_match)
            person = con.execute("SELECT id, name, role FROM people WHERE id = ?", (operator,)).fetchone()
            if person is None:
                raise Problem("invalid-request", f"There is no operator {operator!r} to assign the task to.")
            if person["role"] not in HOLDERS:
                raise Problem(
                    "invalid-request", f"{person['name']} is an integration and cannot hold tasks; pick an operator."
                )
            if row["owner_id"] == person["id"]:
                return task_json(row)
            at = iso(now())
            was = f" (was held by {row['owner_name']})" if row["owner_id"] else ""
            self._bump(con, row["id"], at, owner_id=person["id"])
            self._event(con, row["id"], "assigned", caller["id"], at, f"assigned to {person['name']}{was}")
            return task_json(task_row(con, task_id))

    def move(self, caller: Caller, task_id: str, queue: str, if_match: int | None) -> dict[str, Any]:
        """Move the task to ``queue``, keeping its owner; moving it where it is changes nothing."""
        task_key(task_id)
        require(caller, ASSIGNERS, ONLY_LEADS_MOVE)
        with self.write() as con:
            row = task_row(con, task_id)
            target = _queue_name(con, queue)
            check_open(row)
            check_version(row, if_match)
            if row["queue_id"] == queue:
                return task_json(row)
            at = iso(now())
            source = _queue_name(con, row["queue_id"])
            self._bump(con, row["id"], at, queue_id=queue)
            self._event(con, row["id"], "moved", caller["id"], at, f"moved from {source} to {target}")
            return task_json(task_row(con, task_id))
