"""The queries that must stay fast at any size: plans that seek on an index, counts kept by counters.

No timing here (see tests/bench/server_speed.py); only the structure that makes it fast.
"""

from __future__ import annotations

import sqlite3

import pytest

from backdesk.api_client.filters import parse_filter
from backdesk.server import ReferenceServer
from backdesk.server.query import SORT_KEYS, Order, Where

from .test_contract import make

SORTS = [f"{sign}{name}" for name in SORT_KEYS for sign in ("", "-")]

#: The reference server's schema before sort indexes, counters and hashed tokens.
OLD_SCHEMA = """
CREATE TABLE people (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, token TEXT NOT NULL UNIQUE);
CREATE TABLE queues (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT, queue_id TEXT NOT NULL REFERENCES queues(id),
    title TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL, resolution TEXT,
    owner_id TEXT REFERENCES people(id), priority INTEGER NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, due_at TEXT,
    reference TEXT, tags TEXT NOT NULL DEFAULT '[]', version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX tasks_queue_status ON tasks(queue_id, status);
CREATE INDEX tasks_priority_due ON tasks(priority DESC, COALESCE(due_at, '~'), id);
INSERT INTO people VALUES ('ana', 'Ana Ruiz', 'operator', 'tok-ana');
INSERT INTO queues VALUES ('orders', 'Orders & Fulfilment', 'Orders.', 0);
INSERT INTO tasks (queue_id, title, body, status, owner_id, priority, created_at, updated_at, due_at) VALUES
    ('orders', 'a', '', 'open', NULL, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2000-01-01T00:00:00Z'),
    ('orders', 'b', '', 'open', 'ana', 3, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', NULL),
    ('orders', 'c', '', 'closed', 'ana', 2, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', NULL);
"""


@pytest.mark.parametrize("queue", [None, "returns"])
@pytest.mark.parametrize("sort", SORTS)
def test_every_sort_pages_by_seeking_an_index(srv, sort, queue):
    order = Order.parse(sort)
    where = Where()
    if queue:
        where.add("t.queue_id = ?", queue)
    where.add("t.status IN (?, ?)", "open", "waiting")
    order.after(where, [0] * len(order.keys()))
    with srv.store.read() as con:
        plan = " | ".join(
            row[3]
            for row in con.execute(
                f"EXPLAIN QUERY PLAN SELECT t.* FROM tasks t WHERE {where.sql()} ORDER BY {order.order_by()} LIMIT 51",
                where.args,
            )
        )
    assert "SEARCH t USING INDEX" in plan and "TEMP B-TREE" not in plan, plan
    sought = plan.split("(", 1)[1]  # what the index is searched on: queue_id=? and the first sort key
    assert order.keys()[0].removeprefix("t.") in sought and ">" in sought, plan


def test_counters_follow_every_change(srv, ana, ben, connect):
    lee = connect("tok-lee")
    tasks = [make(ana, queue=queue) for queue in ("orders", "orders", "billing")]
    ana.post(f"/tasks/{tasks[0]['id']}/claim")
    ben.post(f"/tasks/{tasks[1]['id']}/claim")
    ben.post(f"/tasks/{tasks[1]['id']}/claim", json={"force": True})
    lee.patch(f"/tasks/{tasks[1]['id']}", json={"queue": "billing"})
    ana.post(f"/tasks/{tasks[2]['id']}/close", json={"resolution": "done"})
    ana.post(f"/tasks/{tasks[2]['id']}/reopen")
    ana.post(f"/tasks/{tasks[0]['id']}/release")
    lee.post(f"/tasks/{tasks[2]['id']}/assign", json={"operator": "chen"})
    lee.post(f"/tasks/{tasks[0]['id']}/move", json={"queue": "billing"})
    ben.post(f"/tasks/{tasks[1]['id']}/close", json={"resolution": "done"})
    with sqlite3.connect(srv.store.path) as con:
        kept = sorted(con.execute("SELECT queue_id, status, owner_id, n FROM task_counts WHERE n > 0"))
        counted = sorted(
            con.execute("SELECT queue_id, status, COALESCE(owner_id, ''), COUNT(*) FROM tasks GROUP BY 1, 2, 3")
        )
        held = sorted(con.execute("SELECT owner_id, held FROM owner_load WHERE held > 0"))
        holding = sorted(
            con.execute(
                "SELECT owner_id, COUNT(*) FROM tasks WHERE owner_id IS NOT NULL AND status != 'closed' GROUP BY 1"
            )
        )
    assert kept == counted
    assert held == holding == [("chen", 1)]
    for params in ({}, {"queue": "billing"}, {"owner": "ben"}, {"owner": "none", "status": "open"}):
        first = ana.get("/tasks", params=params).json()
        assert first["total"] == len(first["items"])
    assert ana.get("/tasks", params={"q": "owner:none"}).json()["total"] == 1


def test_an_older_database_is_brought_up_to_date(tmp_path):
    db = tmp_path / "old.sqlite3"
    with sqlite3.connect(db) as con:
        con.executescript(OLD_SCHEMA)
    server = ReferenceServer(db)
    with sqlite3.connect(db) as con:
        indexes = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "tasks_priority_due" not in indexes and "tasks_queue_by_desc_priority" in indexes
    orders = next(q for q in server.store.queues("ana") if q["id"] == "orders")
    assert orders["counts"] == {"open": 2, "unclaimed": 1, "mine": 1, "breached": 1}
    items, total, _ = server.store.list_tasks(
        "ana",
        queue="orders",
        flt=parse_filter(""),
        statuses=(),
        owner=None,
        order=Order.parse("-due_at"),
        limit=9,
        cursor=None,
    )
    assert [t["title"] for t in items] == ["a", "b", "c"] and total == 3
    assert [(p["id"], p["held"]) for p in server.store.operators("", None, 9)] == [("ana", 1)]


def test_load_is_counted_over_the_past_due_part_of_a_covering_index(srv):
    with srv.store.read() as con:
        for queue in ("returns", None):
            where = "queue_id = ?" if queue else "queue_id IN (SELECT id FROM queues)"
            plan = " | ".join(
                row[3]
                for row in con.execute(
                    "EXPLAIN QUERY PLAN SELECT owner_id, COUNT(*) FROM tasks INDEXED BY tasks_open_due_owner"
                    f" WHERE {where} AND status != 'closed' AND due_at < ? AND owner_id IS NOT NULL GROUP BY owner_id",
                    (queue, "2026-01-01T00:00:00Z") if queue else ("2026-01-01T00:00:00Z",),
                )
            )
            assert "COVERING INDEX tasks_open_due_owner (queue_id=? AND due_at<?)" in plan, plan


def _indexes(path) -> set[str]:
    with sqlite3.connect(path) as con:
        return {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql NOT NULL")}


def test_demo_seeding_builds_the_same_indexes(tmp_path):
    seeded = ReferenceServer(tmp_path / "demo.sqlite3", demo_data=50)
    assert _indexes(seeded.store.path) == _indexes(ReferenceServer(tmp_path / "empty.sqlite3").store.path)
    assert len(_indexes(seeded.store.path)) > 16
