"""A lead's triage on a real Redmine 5 (tests/redmine/setup_redmine.sh): roles, operators and
their load, assign, move and priority, Redmine's own refusals, project health. What every
backend must do is in tests/conformance/test_triage.py; this file keeps Redmine's particulars.

lee is a Lead, ana and ben Operators, vic a Requester (not assignable, priority read-only;
Redmine's silent refusal of vic's priority change is in test_redmine_backend.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from redmine_env import PROJECT

from backdesk.api_client.errors import ForbiddenError, InvalidRequestError, NotFoundError
from backdesk.api_client.models import TaskChanges, TaskQuery, utcnow

pytestmark = [pytest.mark.redmine, pytest.mark.anyio]


async def total(backend, **query) -> int:
    page = await backend.tasks(TaskQuery(limit=1, **query))
    assert page.total is not None
    return page.total


async def test_roles_come_from_the_project_roles(adapter, ana):
    lee = adapter("lee")
    assert (await lee.me()).role == "lead"
    assert (await ana.me()).role == "operator"
    assert (await adapter("ana", lead_roles=["Operator"]).me()).role == "lead"


async def test_operators_are_the_assignable_members_with_their_load(adapter, new_issue, redmine_project_ids):
    lee = adapter("lee")
    late = await new_issue("Late", due_at=utcnow() - timedelta(days=2))
    await lee.assign(late.id, "ben")
    project = redmine_project_ids[PROJECT]
    listed = await lee.operators(queue=project)
    by_id = {row.person.id: row for row in listed}
    assert {"ana", "ben", "lee"} <= set(by_id) and "vic" not in by_id  # vic's role is not assignable
    assert (by_id["lee"].person.role, by_id["ben"].person.role) == ("lead", "operator")
    held = await total(lee, owner="ben", status=("open", "waiting"))  # held in every queue
    breached = await total(lee, q="owner:ben breached")
    assert (by_id["ben"].held, by_id["ben"].breached) == (held, breached) and breached >= 1
    keys = [(r.held, r.breached, r.person.name.casefold()) for r in listed]
    assert keys == sorted(keys)
    assert [r.person.id for r in await lee.operators("OKAF")] == ["ben"]
    assert [r.person.id for r in await lee.operators("lee")] == ["lee"]
    assert len(await lee.operators(limit=1)) == 1


async def test_assign_refusals(adapter, ana, new_issue):
    lee = adapter("lee")
    task = await new_issue()
    with pytest.raises(ForbiddenError, match="Only leads can assign"):
        await ana.assign(task.id, "ana")
    with pytest.raises(InvalidRequestError, match="Assignee"):  # Redmine: vic is not assignable
        await lee.assign(task.id, "vic")
    with pytest.raises(InvalidRequestError):
        await lee.assign(task.id, "nobody-is-called-this")
    assert (await ana.task(task.id)).owner is None
    assert (await lee.assign(task.id, "ana")).owner.id == "ana"
    assert (await ana.task(task.id)).owner.id == "ana"


async def test_move_and_priority(adapter, ana, new_issue, redmine_project_ids):
    lee = adapter("lee")
    task = await new_issue(priority="low")
    await ana.claim(task.id)
    with pytest.raises(ForbiddenError, match="Only leads can move"):
        await ana.move(task.id, "billing")
    with pytest.raises(ForbiddenError, match="Only leads can change priorities"):
        await ana.update(task.id, TaskChanges(priority="urgent"))
    with pytest.raises(NotFoundError):
        await lee.move(task.id, "no-such-project")
    moved = await lee.move(task.id, "billing")
    assert (moved.queue, moved.owner.id) == (redmine_project_ids["billing"], "ana")
    assert (await lee.update(task.id, TaskChanges(priority="urgent"))).priority == "urgent"
    reread = await ana.task(task.id)
    assert (reread.queue, reread.priority) == (redmine_project_ids["billing"], "urgent")


async def test_queue_health_has_no_history(adapter, redmine_project_ids):
    lee = adapter("lee")
    project = redmine_project_ids[PROJECT]
    stats = await lee.queue_stats(project)
    assert stats.queue == project and stats.history == ()
    assert stats.backlog >= stats.unclaimed and stats.backlog >= stats.breached
    with pytest.raises(NotFoundError):
        await lee.queue_stats("no-such-project")
