"""The write transactions, and who may make them.

An operator changes only tasks they hold or unclaimed ones. Changing a task someone else
holds takes the lead role (update, release, reopen) or an explicit ``force`` (always, and
the only way for claim and close); the event's body then says whose task it was. Some
changes take a role whatever the task (``roles``): priority and queue.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from backdesk.api_client.models import PRIORITIES

from .problems import Problem
from .roles import ASSIGNERS, CREATORS, ONLY_LEADS_MOVE, ONLY_LEADS_PRIORITISE, PRIORITY_SETTERS, require
from .times import iso, now

#: The caller as authenticated: id, name and role.
Caller = Mapping[str, str]

TASK_SELECT = "SELECT t.*, p.name AS owner_name FROM tasks t LEFT JOIN people p ON p.id = t.owner_id"
EVENT_SELECT = "SELECT e.*, p.name AS actor_name FROM events e LEFT JOIN people p ON p.id = e.actor_id"


def task_key(task_id: str) -> int:
    if not (task_id.isascii() and task_id.isdigit() and len(task_id) <= 18):
        raise Problem(
            "invalid-request", f"{task_id!r} is not a task id: task ids are whole numbers of up to 18 digits."
        )
    return int(task_id)


def task_row(con: sqlite3.Connection, task_id: str) -> sqlite3.Row:
    row = con.execute(TASK_SELECT + " WHERE t.id = ?", (task_key(task_id),)).fetchone()
    if row is None:
        raise Problem("not-found", f"There is no task {task_id!r}.")
    return row


def _holder(row: sqlite3.Row) -> dict[str, str] | None:
    return {"id": row["owner_id"], "name": row["owner_name"]} if row["owner_id"] else None


def check_version(row: sqlite3.Row, if_match: int | None) -> None:
    if if_match is not None and if_match != row["version"]:
        raise Problem(
            "stale-version",
            f"Task {row['id']} changed since you loaded it (now version {row['version']}); reload it and try again.",
            current_version=row["version"],
        )


def check_open(row: sqlite3.Row) -> None:
    if row["status"] == "closed":
        raise Problem("task-closed", f"Task {row['id']} is closed; reopen it first.")


def _check_hold(row: sqlite3.Row, caller: Caller, force: bool, verb: str, *, lead: bool = True) -> str:
    """What the history adds when the caller changes a task someone else holds; 409 if they may not."""
    owner = row["owner_id"]
    if owner is None or owner == caller["id"]:
        return ""
    if force:
        return f"(held by {row['owner_name']}; forced)"
    if lead and caller["role"] == "lead":
        return f"(held by {row['owner_name']}; changed by a lead)"
    raise Problem(
        "not-owner",
        f"{row['owner_name']} holds task {row['id']}; {verb} it with force to act anyway.",
        claimed_by=_holder(row),
    )


def _joined(*parts: str) -> str:
    return " ".join(part for part in parts if part)


class Writes:
    """Every change to tasks, each in one ``BEGIN IMMEDIATE`` transaction."""

    write: Callable[[], AbstractContextManager[sqlite3.Connection]]
    operators_may_create: bool

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

    def create_task(self, caller: Caller, fields: dict[str, Any]) -> dict[str, Any]:
        if caller["role"] not in CREATORS and not (self.operators_may_create and caller["role"] == "operator"):
            raise Problem("forbidden", "Only leads and integrations create tasks here.")
        at = iso(now())
        with self.write() as con:
            if con.execute("SELECT 1 FROM queues WHERE id = ?", (fields["queue"],)).fetchone() is None:
                raise Problem("not-found", f"There is no queue {fields['queue']!r}.")
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
            self._event(con, task_id, "created", caller["id"], at)
            return task_json(task_row(con, str(task_id)))

    def update_task(
        self, caller: Caller, task_id: str, changes: dict[str, Any], if_match: int | None, force: bool
    ) -> dict[str, Any]:
        task_key(task_id)  # a malformed id is a 400 before any 403
        if "priority" in changes:
            require(caller, PRIORITY_SETTERS, ONLY_LEADS_PRIORITISE)
        if "queue" in changes:
            require(caller, ASSIGNERS, ONLY_LEADS_MOVE)
        with self.write() as con:
            row = task_row(con, task_id)
            check_open(row)
            check_version(row, if_match)
            held = _check_hold(row, caller, force, "change")
            if (
                "queue" in changes
                and not con.execute("SELECT 1 FROM queues WHERE id = ?", (changes["queue"],)).fetchone()
            ):
                raise Problem("not-found", f"There is no queue {changes['queue']!r}.")
            current = task_json(row)
            changed = {k: v for k, v in changes.items() if current[k] != v}
            if changed:
                at = iso(now())
                described = "; ".join(f"{k}: {current[k] or 'none'} → {v or 'none'}" for k, v in changed.items())
                columns = {("queue_id" if k == "queue" else k): v for k, v in changed.items()}
                if "priority" in columns:
                    columns["priority"] = PRIORITIES.index(columns["priority"])
                self._bump(con, row["id"], at, **columns)
                self._event(con, row["id"], "updated", caller["id"], at, _joined(described, held))
                row = task_row(con, task_id)
            return task_json(row)

    def claim(self, caller: Caller, task_id: str, force: bool, expected_owner: str | None = None) -> dict[str, Any]:
        """Take the task; ``force`` takes it from its holder, and with ``expected_owner`` only
        from that person: if someone else holds it by now, 409 naming them."""
        with self.write() as con:
            row = task_row(con, task_id)
            check_open(row)
            owner = row["owner_id"]
            if owner == caller["id"]:
                return task_json(row)
            if expected_owner is not None and owner != expected_owner:
                holder = row["owner_name"] or "nobody"
                raise Problem(
                    "already-claimed",
                    f"Task {row['id']} is held by {holder} now, not {expected_owner}; nothing was taken.",
                    claimed_by=_holder(row) if owner else None,
                )
            at = iso(now())
            if owner is not None and not force:
                raise Problem(
                    "already-claimed", f"{row['owner_name']} already claimed task {row['id']}.", claimed_by=_holder(row)
                )
            self._bump(con, row["id"], at, owner_id=caller["id"])
            if owner is None:
                self._event(con, row["id"], "claimed", caller["id"], at)
            else:
                self._event(con, row["id"], "stolen", caller["id"], at, f"Took over from {row['owner_name']}")
            return task_json(task_row(con, task_id))

    def release(self, caller: Caller, task_id: str, force: bool) -> dict[str, Any]:
        with self.write() as con:
            row = task_row(con, task_id)
            check_open(row)
            if row["owner_id"] is None:
                raise Problem("not-owner", f"Nobody holds task {row['id']}.", claimed_by=None)
            held = _check_hold(row, caller, force, "release")
            at = iso(now())
            self._bump(con, row["id"], at, owner_id=None)
            self._event(con, row["id"], "released", caller["id"], at, held)
            return task_json(task_row(con, task_id))

    def add_note(self, caller: Caller, task_id: str, body: str, key: str | None) -> dict[str, Any]:
        """Anyone may note any task; the same Idempotency-Key gives back the first note."""
        with self.write() as con:
            row = task_row(con, task_id)
            if key is not None:
                seen = con.execute(
                    "SELECT task_id, body, event_id FROM idempotency WHERE actor_id = ? AND key = ?",
                    (caller["id"], key),
                ).fetchone()
                if seen is not None:
                    if seen["task_id"] != row["id"] or seen["body"] != body:
                        raise Problem("key-reused", "This Idempotency-Key was already used for a different note.")
                    return self._event_json(con, seen["event_id"])
            at = iso(now())
            event_id = self._event(con, row["id"], "note", caller["id"], at, body)
            self._bump(con, row["id"], at)
            if key is not None:
                con.execute(
                    "INSERT INTO idempotency (actor_id, key, task_id, body, event_id) VALUES (?, ?, ?, ?, ?)",
                    (caller["id"], key, row["id"], body, event_id),
                )
            return self._event_json(con, event_id)

    def _event_json(self, con: sqlite3.Connection, event_id: int) -> dict[str, Any]:
        row = con.execute(EVENT_SELECT + " WHERE e.id = ?", (event_id,)).fetchone()
        return event_json(row)

    def close(
        self, caller: Caller, task_id: str, resolution: str, note: str | None, if_match: int | None, force: bool
    ) -> dict[str, Any]:
        with self.write() as con:
            row = task_row(con, task_id)
            check_open(row)
            check_version(row, if_match)
            held = _check_hold(row, caller, force, "close", lead=False)
            at = iso(now())
            if note:
                self._event(con, row["id"], "note", caller["id"], at, note)
            self._event(con, row["id"], "closed", caller["id"], at, _joined(resolution, held))
            self._bump(con, row["id"], at, status="closed", resolution=resolution)
            return task_json(task_row(con, task_id))

    def reopen(self, caller: Caller, task_id: str, if_match: int | None, force: bool) -> dict[str, Any]:
        with self.write() as con:
            row = task_row(con, task_id)
            if row["status"] != "closed":
                raise Problem("task-open", f"Task {row['id']} is not closed.")
            check_version(row, if_match)
            held = _check_hold(row, caller, force, "reopen")
            at = iso(now())
            self._event(con, row["id"], "reopened", caller["id"], at, held)
            self._bump(con, row["id"], at, status="open", resolution=None)
            return task_json(task_row(con, task_id))


def task_json(row: sqlite3.Row) -> dict[str, Any]:
    """A task row as the wire Task, without its URLs (the HTTP layer knows the public root)."""
    return {
        "id": str(row["id"]),
        "queue": row["queue_id"],
        "title": row["title"],
        "body": row["body"],
        "status": row["status"],
        "resolution": row["resolution"],
        "owner": _holder(row),
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
