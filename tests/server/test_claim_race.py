"""Fifty operators claim from one queue at once: every task ends with exactly one owner."""

from __future__ import annotations

import httpx
from load_sim import work_queue  # tests/load_sim.py

from backdesk.server import ReferenceServer

OPERATORS = {f"op{i:02}": f"tok-{i:02}" for i in range(50)}


def test_fifty_operators_claim_each_task_exactly_once(tmp_path):
    with ReferenceServer(
        tmp_path / "load.sqlite3", operators=list(OPERATORS.items()), leads=[("lee", "tok-lee")]
    ) as server:
        with httpx.Client(base_url=f"{server.url}/api/v1", headers={"Authorization": "Bearer tok-lee"}) as lead:
            made = [
                lead.post("/tasks", json={"queue": "orders", "title": f"Load {n}"}).json()["id"] for n in range(100)
            ]
            shift = work_queue(server.url, OPERATORS, "orders")
            assert sorted(shift.per_task()) == sorted(made)  # every task claimed...
            assert set(shift.per_task().values()) == {1}  # ...exactly once
            claimer = dict((task_id, who) for who, task_id in shift.claims)
            for task_id in made:
                task = lead.get(f"/tasks/{task_id}").json()
                assert task["owner"]["id"] == claimer[task_id]
                kinds = [e["kind"] for e in lead.get(f"/tasks/{task_id}/events").json()["items"]]
                assert kinds == ["created", "claimed"]
