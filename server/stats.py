"""A queue's health now, and the hourly history of backlog and breaches the server keeps for it.

History lives in ``queue_hours``: one row per queue and hour. The first look in an hour (a
stats request, a queue list, the server starting) records every queue's point from the
maintained counters. Hours the server did not see (before it first ran, or while it was
stopped) are derived once from the tasks' own timestamps: created, closed and reopened
events, and the due time. That derivation takes each task's current queue and due time, so
a task moved or re-dated since counts where it is now.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

from .problems import Problem
from .times import iso, now
from .triage import breached_counts, held_counts

#: Points of history a stats answer carries, one per hour, the current hour last.
HOURS = 24
#: People listed in a queue's load: the most loaded.
LOAD_LIMIT = 50
#: Recorded hours older than this are dropped.
KEEP = timedelta(days=7)
HOUR = timedelta(hours=1)


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _open_breached(con: sqlite3.Connection, queue: str, before: str, after: str | None = None) -> int:
    """Open tasks of ``queue`` due before ``before`` (and at or after ``after``), from the open-due index."""
    sql = (
        "SELECT COUNT(*) FROM tasks INDEXED BY tasks_open_due_owner"
        " WHERE queue_id = ? AND status != 'closed' AND due_at < ?"
    )
    args: list[Any] = [queue, before]
    if after is not None:
        sql += " AND due_at >= ?"
        args.append(after)
    return con.execute(sql, args).fetchone()[0]


def _backlogs(con: sqlite3.Connection) -> dict[str, int]:
    """Queue id -> open tasks, from the counters."""
    rows = con.execute("SELECT queue_id, SUM(n) FROM task_counts WHERE status != 'closed' GROUP BY queue_id")
    return dict(rows.fetchall())


def derive(con: sqlite3.Connection, queues: list[str], marks: list[datetime]) -> list[tuple[Any, ...]]:
    """(queue, hour, at, backlog, breached) rows for the hour ``marks``, from the tasks' timestamps.

    A task untouched since the first mark kept its status all along, so those are counted in
    SQL; only the tasks changed since (few) are replayed from their closed/reopened events.
    """
    start = iso(marks[0])
    stamps = [iso(mark) for mark in marks]
    backlog: dict[tuple[str, str], int] = defaultdict(int)
    breached: dict[tuple[str, str], int] = defaultdict(int)
    sums = ", ".join("SUM(due_at < ?)" for _ in stamps)
    steady = con.execute(
        f"SELECT queue_id, COUNT(*), {sums} FROM tasks WHERE status != 'closed' AND updated_at <= ? GROUP BY queue_id",
        [*stamps, start],
    )
    for queue, count, *late in steady:
        for stamp, n in zip(stamps, late, strict=True):
            backlog[queue, stamp] += count
            breached[queue, stamp] += n or 0
    changes: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for task_id, kind, at in con.execute(
        "SELECT e.task_id, e.kind, e.at FROM tasks t JOIN events e ON e.task_id = t.id"
        " WHERE t.updated_at > ? AND e.kind IN ('closed', 'reopened') ORDER BY e.id",
        (start,),
    ):
        changes[task_id].append((at, kind))
    for task_id, queue, created, due in con.execute(
        "SELECT id, queue_id, created_at, due_at FROM tasks WHERE updated_at > ?", (start,)
    ):
        for stamp in stamps:
            if created > stamp:
                continue
            last = [kind for at, kind in changes.get(task_id, ()) if at <= stamp]
            if last and last[-1] == "closed":
                continue
            backlog[queue, stamp] += 1
            breached[queue, stamp] += due is not None and due < stamp
    return [(q, s, s, backlog[q, s], breached[q, s]) for q in queues for s in stamps]


class Stats:
    """``queue_stats`` and the hourly history behind it."""

    read: Callable[[], AbstractContextManager[sqlite3.Connection]]
    write: Callable[[], AbstractContextManager[sqlite3.Connection]]
    #: The hour whose points are known to be recorded (so most looks write nothing).
    _recorded_hour: str | None = None

    def forget_history(self) -> None:
        """The next look records (and derives) the hours again: the past was rewritten (seeding)."""
        self._recorded_hour = None

    def record_history(self) -> None:
        """Record this hour's point for every queue, and derive the missing hours before it."""
        moment = now()
        current = hour_of(moment)
        if self._recorded_hour == iso(current):
            return
        marks = [current - HOUR * back for back in range(HOURS - 1, 0, -1)]
        with self.write() as con:
            queues = [row[0] for row in con.execute("SELECT id FROM queues ORDER BY position, id")]
            recorded = con.execute("SELECT queue_id, hour FROM queue_hours WHERE hour >= ?", (iso(marks[0]),))
            seen = {(q, h) for q, h in recorded}
            missing = [mark for mark in marks if any((q, iso(mark)) not in seen for q in queues)]
            rows = derive(con, queues, missing) if missing else []
            backlogs = _backlogs(con)
            stamp = iso(moment)
            rows += [
                (q, iso(current), stamp, backlogs.get(q, 0), _open_breached(con, q, stamp))
                for q in queues
                if (q, iso(current)) not in seen
            ]
            con.executemany(
                "INSERT OR IGNORE INTO queue_hours (queue_id, hour, at, backlog, breached) VALUES (?, ?, ?, ?, ?)", rows
            )
            con.execute("DELETE FROM queue_hours WHERE hour < ?", (iso(current - KEEP),))
        self._recorded_hour = iso(current)

    def queue_stats(self, queue: str) -> dict[str, Any]:
        """The queue's counts now, the 50 people holding most of its open tasks (most loaded
        first) and its last 24 hours."""
        self.record_history()
        moment = now()
        stamp, soon = iso(moment), iso(moment + HOUR)
        with self.read() as con:
            if con.execute("SELECT 1 FROM queues WHERE id = ?", (queue,)).fetchone() is None:
                raise Problem("not-found", f"There is no queue {queue!r}.")
            backlog, unclaimed = con.execute(
                "SELECT COALESCE(SUM(n), 0), COALESCE(SUM(CASE WHEN owner_id = '' THEN n END), 0)"
                " FROM task_counts WHERE queue_id = ? AND status != 'closed'",
                (queue,),
            ).fetchone()
            oldest = con.execute(
                "SELECT MIN(created_at) FROM tasks INDEXED BY tasks_unclaimed"
                " WHERE queue_id = ? AND status != 'closed' AND owner_id IS NULL",
                (queue,),
            ).fetchone()[0]
            held = held_counts(con, queue)
            late = breached_counts(con, queue, stamp)
            busiest = sorted(held, key=lambda pid: (-held[pid], -late.get(pid, 0), pid))[:LOAD_LIMIT]
            people = con.execute(
                f"SELECT id, name, role FROM people WHERE id IN ({','.join('?' * len(busiest))})", busiest
            ).fetchall()
            history = con.execute(
                "SELECT at, backlog, breached FROM queue_hours WHERE queue_id = ? AND hour > ? ORDER BY hour",
                (queue, iso(hour_of(moment) - HOUR * HOURS)),
            ).fetchall()
            result = {
                "queue": queue,
                "backlog": backlog,
                "unclaimed": unclaimed,
                "breached": _open_breached(con, queue, stamp),
                "at_risk": _open_breached(con, queue, soon, stamp),
                "oldest_unclaimed_at": oldest,
            }
        load = [
            {"id": pid, "name": name, "role": role, "held": held[pid], "breached": late.get(pid, 0)}
            for pid, name, role in people
        ]
        load.sort(key=lambda p: (-p["held"], -p["breached"], p["name"].casefold(), p["id"]))
        return {**result, "load": load, "history": [dict(row) for row in history]}
