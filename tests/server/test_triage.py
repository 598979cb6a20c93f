"""A lead's triage on the reference server: role rules (403), /operators, assign, move, queue stats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import httpx
import pytest

from backdesk.server import ReferenceServer

from .test_contract import events, make, problem, stamp


def claimed(client: httpx.Client, **fields) -> dict:
    """A new task in orders that ``client``'s person holds."""
    task = make(client, **fields)
    response = client.post(f"/tasks/{task['id']}/claim")
    assert response.status_code == 200, response.text
    return response.json()


# Roles


@pytest.mark.parametrize(
    ("method", "path", "body", "detail"),
    [
        ("POST", "/assign", {"operator": "ben"}, "Only leads can assign tasks."),
        ("POST", "/move", {"queue": "billing"}, "Only leads can move tasks to another queue."),
        ("PATCH", "", {"priority": "urgent"}, "Only leads can change a task's priority."),
        ("PATCH", "", {"priority": "normal"}, "Only leads can change a task's priority."),
        ("PATCH", "", {"queue": "billing", "force": True}, "Only leads can move tasks to another queue."),
    ],
)
def test_operators_get_403_naming_the_rule_and_nothing_changes(ana, method, path, body, detail):
    task = claimed(ana)
    refused = problem(ana.request(method, f"/tasks/{task['id']}{path}", json=body), 403, "forbidden")
    assert refused["detail"] == detail
    assert ana.get(f"/tasks/{task['id']}").json() == task
    assert [e["kind"] for e in events(ana, task["id"])] == ["created", "claimed"]


def test_operators_still_change_their_own_tasks_title_and_due(ana):
    task = claimed(ana)
    changed = ana.patch(f"/tasks/{task['id']}", json={"title": "Mine", "due_at": stamp(timedelta(hours=2))})
    assert changed.status_code == 200 and changed.json()["title"] == "Mine"


def test_integrations_set_priority_but_neither_assign_nor_move(tmp_path, spec):
    people = {"operators": [("ana", "a")], "leads": [("lee", "l")], "integrations": [("mailer", "m")]}
    with ReferenceServer(tmp_path / "s.sqlite3", **people) as server:
        mailer = httpx.Client(base_url=server.url + "/api/v1", headers={"Authorization": "Bearer m"})
        with mailer:
            task = mailer.post("/tasks", json={"queue": "orders", "title": "From mail", "priority": "high"}).json()
            url = f"/tasks/{task['id']}"
            assert mailer.patch(url, json={"priority": "urgent"}).json()["priority"] == "urgent"
            assert problem(mailer.patch(url, json={"queue": "billing"}), 403, "forbidden")
            assert problem(mailer.post(url + "/assign", json={"operator": "ana"}), 403, "forbidden")
            assert problem(mailer.post(url + "/move", json={"queue": "billing"}), 403, "forbidden")


# Assign and move


def test_assign_takes_the_task_from_whoever_holds_it(ana, ben, lee):
    task = claimed(ben)
    url = f"/tasks/{task['id']}/assign"
    assigned = lee.post(url, json={"operator": "ana"}, headers={"If-Match": f'"{task["version"]}"'})
    assert assigned.status_code == 200 and assigned.headers["ETag"] == f'"{task["version"] + 1}"'
    assert assigned.json()["owner"] == {"id": "ana", "name": "Ana Ruiz"}
    again = lee.post(url, json={"operator": "ana"})
    assert again.json()["version"] == assigned.json()["version"]  # idempotent: nothing changed
    unclaimed = make(ana)
    assert lee.post(f"/tasks/{unclaimed['id']}/assign", json={"operator": "lee"}).json()["owner"]["id"] == "lee"
    last = events(ana, task["id"])[-1]
    assert (last["kind"], last["actor"]["id"]) == ("assigned", "lee")
    assert last["body"] == "assigned to Ana Ruiz (was held by Ben Okafor)"
    assert events(ana, unclaimed["id"])[-1]["body"] == "assigned to Lee Park"


def test_assign_refusals(srv, ana, lee):
    task = make(ana)
    url = f"/tasks/{task['id']}/assign"
    srv.store.upsert_person("mailer", "Mail gateway", "integration", "tok-mailer")
    assert "'nobody'" in problem(lee.post(url, json={"operator": "nobody"}), 400, "invalid-request")["detail"]
    assert "integration" in problem(lee.post(url, json={"operator": "mailer"}), 400, "invalid-request")["detail"]
    for body in ({}, {"operator": ""}, {"operator": 3}, {"operator": "ana", "note": "x"}):
        problem(lee.post(url, json=body), 400, "invalid-request")
    problem(lee.post(url, json={"operator": "ana"}, headers={"If-Match": '"9"'}), 412, "stale-version")
    problem(lee.post("/tasks/999/assign", json={"operator": "ana"}), 404, "not-found")
    lee.post(f"/tasks/{task['id']}/close", json={"resolution": "done"})
    problem(lee.post(url, json={"operator": "ana"}), 409, "task-closed")
    assert ana.get(f"/tasks/{task['id']}").json()["owner"] is None


def test_move_keeps_the_owner_and_says_where_from(ana, lee):
    task = claimed(ana)
    url = f"/tasks/{task['id']}/move"
    moved = lee.post(url, json={"queue": "billing"})
    assert moved.status_code == 200
    assert (moved.json()["queue"], moved.json()["owner"]["id"]) == ("billing", "ana")
    assert lee.post(url, json={"queue": "billing"}).json()["version"] == moved.json()["version"]
    last = events(ana, task["id"])[-1]
    assert (last["kind"], last["body"]) == ("moved", "moved from Orders & Fulfilment to Billing & Collections")
    problem(lee.post(url, json={"queue": "nowhere"}), 404, "not-found")
    problem(lee.post(url, json={"queue": "orders"}, headers={"If-Match": '"1"'}), 412, "stale-version")
    lee.post(f"/tasks/{task['id']}/close", json={"resolution": "done", "force": True})
    problem(lee.post(url, json={"queue": "orders"}), 409, "task-closed")
    counts = {q["id"]: q["counts"]["open"] for q in ana.get("/queues").json()["items"]}
    assert (counts["orders"], counts["billing"]) == (0, 0)


# Operators


def test_operators_least_loaded_first_with_search(srv, ana, ben, lee):
    srv.store.upsert_person("mailer", "Mail gateway", "integration", "tok-mailer")
    for _ in range(3):
        claimed(ben, due_at=stamp(timedelta(hours=-1)))
    claimed(ana)
    claimed(ana, due_at=stamp(timedelta(hours=-2)))
    lee.post(f"/tasks/{make(ana, queue='billing')['id']}/assign", json={"operator": "chen"})
    closed = claimed(ana)
    ana.post(f"/tasks/{closed['id']}/close", json={"resolution": "done"})
    people = ana.get("/operators").json()["items"]
    assert [(p["id"], p["held"], p["breached"]) for p in people] == [
        ("lee", 0, 0),
        ("chen", 1, 0),
        ("ana", 2, 1),
        ("ben", 3, 3),
    ]
    assert people[0] == {"id": "lee", "name": "Lee Park", "role": "lead", "held": 0, "breached": 0}
    in_billing = ana.get("/operators", params={"queue": "billing"}).json()["items"]
    assert [(p["id"], p["held"]) for p in in_billing] == [("ana", 0), ("ben", 0), ("lee", 0), ("chen", 1)]
    assert [p["id"] for p in ana.get("/operators", params={"q": "EN"}).json()["items"]] == ["chen", "ben"]
    assert [p["id"] for p in ana.get("/operators", params={"q": "park"}).json()["items"]] == ["lee"]
    assert ana.get("/operators", params={"q": "mail"}).json()["items"] == []
    assert len(ana.get("/operators", params={"limit": "2"}).json()["items"]) == 2
    problem(ana.get("/operators", params={"queue": "nowhere"}), 404, "not-found")
    for limit in ("0", "201", "x"):
        problem(ana.get("/operators", params={"limit": limit}), 400, "invalid-request")


# Queue stats


def test_queue_stats_count_what_the_queue_holds(ana, ben, lee):
    base = lee.get("/queues/returns/stats").json()
    assert {k: base[k] for k in ("backlog", "unclaimed", "breached", "at_risk")} == dict.fromkeys(
        ("backlog", "unclaimed", "breached", "at_risk"), 0
    )
    assert (base["oldest_unclaimed_at"], base["load"]) == (None, [])
    first = make(ana, queue="returns", due_at=stamp(timedelta(hours=-3)))
    make(ana, queue="returns", due_at=stamp(timedelta(minutes=30)))
    make(ana, queue="returns", due_at=stamp(timedelta(hours=5)))
    claimed(ben, queue="returns", due_at=stamp(timedelta(hours=-1)))
    claimed(ben, queue="returns")
    claimed(ana, queue="returns", due_at=stamp(timedelta(minutes=10)))
    done = claimed(ana, queue="returns", due_at=stamp(timedelta(hours=-8)))
    ana.post(f"/tasks/{done['id']}/close", json={"resolution": "done"})
    make(ana, queue="billing", due_at=stamp(timedelta(hours=-1)))
    stats = ana.get("/queues/returns/stats").json()
    assert {k: stats[k] for k in ("queue", "backlog", "unclaimed", "breached", "at_risk")} == {
        "queue": "returns",
        "backlog": 6,
        "unclaimed": 3,
        "breached": 2,
        "at_risk": 2,
    }
    assert stats["oldest_unclaimed_at"] == first["created_at"]
    assert stats["load"] == [
        {"id": "ben", "name": "Ben Okafor", "role": "operator", "held": 2, "breached": 1},
        {"id": "ana", "name": "Ana Ruiz", "role": "operator", "held": 1, "breached": 0},
    ]
    problem(ana.get("/queues/nowhere/stats"), 404, "not-found")


def test_history_has_a_point_per_hour_for_a_day_derived_from_the_tasks(tmp_path, spec):
    """A server seeded with past work shows 24 real hours at once, even where an empty start
    recorded its hours before."""
    db = tmp_path / "past.sqlite3"
    ReferenceServer(db, operators=[("ana", "a")])  # records 24 empty hours
    with (
        ReferenceServer(db, operators=[("ana", "a")], demo_data=300) as server,
        httpx.Client(base_url=server.url + "/api/v1", headers={"Authorization": "Bearer a"}) as ana,
    ):
        stats = ana.get("/queues/orders/stats").json()
        history = stats["history"]
        assert len(history) == 24
        stamps = [datetime.fromisoformat(p["at"]) for p in history]
        assert stamps == sorted(stamps) and stamps[-1] <= datetime.now(UTC)
        assert all(timedelta(minutes=59) < b - a <= timedelta(minutes=120) for a, b in pairwise(stamps))
        assert history[-1]["backlog"] == stats["backlog"]
        # Each derived point against the tasks themselves: open then (created by then, not
        # closed by then) and past due then.
        tasks, cursor = [], None
        while True:
            params = {"queue": "orders", "limit": "500", **({"cursor": cursor} if cursor else {})}
            page = ana.get("/tasks", params=params).json()
            tasks += page["items"]
            if not (cursor := page["next_cursor"]):
                break
        closed_at = {
            t["id"]: next(e["at"] for e in events(ana, t["id"]) if e["kind"] == "closed")
            for t in tasks
            if t["status"] == "closed"
        }
        for point in history[:-1]:
            at = point["at"]
            open_then = [t for t in tasks if t["created_at"] <= at and closed_at.get(t["id"], "~") > at]
            late = [t for t in open_then if t["due_at"] is not None and t["due_at"] < at]
            assert (point["backlog"], point["breached"]) == (len(open_then), len(late)), at
        assert len({p["backlog"] for p in history}) > 1, "a day of demo work moves the backlog"
