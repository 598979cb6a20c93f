"""A lead's triage, through the Backend protocol only: operators with their load, assign, move,
priority by role, queue stats.

Runs against each kit in ``TRIAGE_KITS`` with operators ``ana`` and ``ben`` and lead ``lee``.
Tests make their own tasks (titles carry ``kit.unique``) and compare counts before and after,
since RT and Redmine are shared with other tests. Nothing here depends on one backend's
wording (event bodies, refusal sentences).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from backdesk.api_client import Backend
from backdesk.api_client.errors import ForbiddenError
from backdesk.api_client.models import (
    NewTask,
    OperatorLoad,
    Person,
    QueueStats,
    Task,
    TaskChanges,
    TaskQuery,
    utcnow,
)

#: The kits that implement a lead's triage; the kit fixture (tests/conftest.py) knows each.
TRIAGE_KITS = [
    "reference",
    pytest.param("rt", marks=pytest.mark.rt),
    pytest.param("redmine", marks=pytest.mark.redmine),
]

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("kit", TRIAGE_KITS, indirect=True)]


async def make(kit, backend: Backend, title: str = "Triage me", **kw) -> Task:
    return await backend.create_task(NewTask(kit.queue_id, f"{title} {kit.unique}", **kw))


async def load_of(backend: Backend, person: Person, queue: str | None = None) -> OperatorLoad:
    """``person``'s entry in the operator list, found by searching for their id."""
    found = [entry for entry in await backend.operators(person.id, queue=queue) if entry.person.id == person.id]
    assert len(found) == 1, f"{person.id} is not listed once among the people who can hold tasks"
    return found[0]


def due(hours: float):
    return utcnow() + timedelta(hours=hours)


async def test_operators_lists_who_can_hold_tasks_with_their_load(kit):
    ana, ben, lee = kit.backend("ana"), kit.backend("ben"), kit.backend("lee")
    people = [await ana.me(), await ben.me(), await lee.me()]
    assert [p.role for p in people] == ["operator", "operator", "lead"]
    for person in people:
        entry = await load_of(ana, person)
        assert (entry.person.name, entry.person.role) == (person.name, person.role)
    before = await load_of(lee, people[0], kit.queue_id)
    before_anywhere = await load_of(lee, people[0])
    late, fine = await make(kit, lee, due_at=due(-50)), await make(kit, lee, due_at=due(24))
    for task in (late, fine):
        await ana.claim(task.id)
    after = await load_of(lee, people[0], kit.queue_id)
    assert (after.held - before.held, after.breached - before.breached) == (2, 1)
    anywhere = await load_of(lee, people[0])
    assert (anywhere.held - before_anywhere.held, anywhere.breached - before_anywhere.breached) == (2, 1)
    listed = await lee.operators(queue=kit.queue_id)
    assert listed, "the operator list is empty"
    loads = [(entry.held, entry.breached) for entry in listed]
    assert loads == sorted(loads), "least loaded first"


async def test_operators_search_and_limit(kit):
    ana = kit.backend("ana")
    me = await ana.me()
    by_name = await ana.operators(me.name[: max(3, len(me.name) // 2)].upper())
    assert me.id in [entry.person.id for entry in by_name]
    assert await ana.operators(f"nobody-{kit.unique}") == []
    assert len(await ana.operators(limit=1)) == 1


async def test_a_lead_assigns_whoever_holds_the_task(kit):
    ana, ben, lee = kit.backend("ana"), kit.backend("ben"), kit.backend("lee")
    ana_me = await ana.me()
    task = await make(kit, lee)
    await ben.claim(task.id)
    assigned = await lee.assign(task.id, ana_me.id)
    assert assigned.owner is not None and assigned.owner.id == ana_me.id
    reread = await ben.task(task.id)
    assert reread.owner is not None and reread.owner.id == ana_me.id
    again = await lee.assign(task.id, ana_me.id)
    assert again.owner is not None and again.owner.id == ana_me.id
    unclaimed = await make(kit, lee)
    await lee.assign(unclaimed.id, ana_me.id, version=unclaimed.version)
    owner = (await ana.task(unclaimed.id)).owner
    assert owner is not None and owner.id == ana_me.id


async def test_an_operator_cannot_assign_and_nothing_changes(kit):
    ana, ben, lee = kit.backend("ana"), kit.backend("ben"), kit.backend("lee")
    ben_me = await ben.me()
    task = await make(kit, lee)
    with pytest.raises(ForbiddenError):
        await ana.assign(task.id, ben_me.id)
    held = await make(kit, lee)
    await ana.claim(held.id)
    with pytest.raises(ForbiddenError):
        await ana.assign(held.id, ben_me.id)
    assert (await lee.task(task.id)).owner is None
    owner = (await lee.task(held.id)).owner
    assert owner is not None and owner.id == (await ana.me()).id


async def test_a_lead_moves_a_task_and_an_operator_cannot(kit):
    ana, lee = kit.backend("ana"), kit.backend("lee")
    other = next(q.id for q in await lee.queues() if q.id != kit.queue_id)
    task = await make(kit, lee)
    await ana.claim(task.id)
    with pytest.raises(ForbiddenError):
        await ana.move(task.id, other)
    assert (await ana.task(task.id)).queue == kit.queue_id
    moved = await lee.move(task.id, other)
    assert moved.queue == other
    reread = await ana.task(task.id)
    assert reread.queue == other and reread.owner is not None and reread.owner.id == (await ana.me()).id
    assert (await lee.move(task.id, other)).queue == other
    await lee.move(task.id, kit.queue_id)
    assert (await ana.task(task.id)).queue == kit.queue_id


async def test_only_a_lead_changes_priority(kit):
    ana, lee = kit.backend("ana"), kit.backend("lee")
    task = await make(kit, lee, priority="low")
    await ana.claim(task.id)
    with pytest.raises(ForbiddenError):
        await ana.update(task.id, TaskChanges(priority="urgent"))
    assert (await ana.task(task.id)).priority == "low"
    assert (await lee.update(task.id, TaskChanges(priority="urgent"))).priority == "urgent"
    assert (await ana.task(task.id)).priority == "urgent"


def figures(stats: QueueStats) -> tuple[int, int, int, int]:
    return stats.backlog, stats.unclaimed, stats.breached, stats.at_risk


async def test_queue_stats_grow_by_the_tasks_made(kit):
    ana, lee = kit.backend("ana"), kit.backend("lee")
    before = await lee.queue_stats(kit.queue_id)
    first = await make(kit, lee, due_at=due(-50))
    await make(kit, lee, due_at=due(0.5))
    await make(kit, lee)
    held = await make(kit, lee, due_at=due(-26))
    await ana.claim(held.id)
    after = await lee.queue_stats(kit.queue_id)
    assert after.queue == kit.queue_id
    deltas = tuple(a - b for a, b in zip(figures(after), figures(before), strict=True))
    # At risk means what the backend's own due:<1h filter means: Redmine keeps due dates as days,
    # so a task due in half an hour is due at the end of today, at risk only in its last hour.
    soon = len((await lee.tasks(TaskQuery(q=f"{kit.unique} due:<1h"))).items)
    assert deltas == (4, 3, 2, soon), "backlog, unclaimed, breached, at risk"
    assert after.oldest_unclaimed_at is not None and after.oldest_unclaimed_at <= first.created_at
    ana_id = (await ana.me()).id
    assert ana_id in [entry.person.id for entry in after.load]
    assert [(e.held, e.breached) for e in after.load] == sorted(
        ((e.held, e.breached) for e in after.load), reverse=True
    ), "most loaded first"
    assert len(after.history) <= 24
    stamps = [point.at for point in after.history]
    assert stamps == sorted(stamps)
