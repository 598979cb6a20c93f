"""A lead's triage on a real Request Tracker 5 (tests/rt/setup_rt.sh): roles, operators with
their load, assign, move, priority and queue health, each checked by reading RT again.

lee is a lead (RT group Leads, with ReassignTicket); ana and ben are operators. Queue health is
measured on the queue "Triage", which only this file writes to.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from rt_env import TRIAGE_QUEUE, queue_ids, rt_backend

from backdesk.api_client.errors import (
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    StaleError,
)
from backdesk.api_client.models import NewTask, Sort, TaskChanges, TaskQuery, utcnow
from backdesk.api_client.rt import RTBackend

pytestmark = [pytest.mark.rt, pytest.mark.anyio]


async def total(backend: RTBackend, **query) -> int:
    """How many tickets a list query matches, paging through it when RT gives no total."""
    count, cursor = 0, None
    while True:
        page = await backend.tasks(TaskQuery(limit=100, **query), cursor)
        if page.total is not None and cursor is None:
            return page.total
        count += len(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return count


async def test_roles_come_from_the_leads_group(lee, ana, rt_url):
    assert (await lee.me()).role == "lead"
    assert (await ana.me()).role == "operator"
    everyone = rt_backend(rt_url, "ana", leads_group=None)
    try:
        assert (await everyone.me()).role == "lead"
    finally:
        await everyone.aclose()


async def test_operators_are_privileged_users_with_their_load(lee, new_ticket, rt_url):
    mine = await new_ticket("Lee holds this")
    late = await new_ticket("Lee holds this, late", due_at=utcnow() - timedelta(hours=2))
    for task in (mine, late):
        await lee.assign(task.id, "lee")
    fresh = rt_backend(rt_url, "lee")  # nothing cached
    try:
        listed = await fresh.operators()
        by_id = {row.person.id: row for row in listed}
        assert {"ana", "ben", "lee"} <= set(by_id) and not {"Nobody", "RT_System"} & set(by_id)
        assert by_id["lee"].person.name == "Lee Park" and by_id["lee"].person.role == "lead"
        assert by_id["ana"].person.role == "operator"
        held = await total(fresh, owner="lee", status=("open", "waiting"))
        breached = await total(fresh, q="owner:lee breached")
        assert (by_id["lee"].held, by_id["lee"].breached) == (held, breached) and breached >= 1
        keys = [(r.held, r.breached, r.person.name.casefold()) for r in listed]
        assert keys == sorted(keys)
        # The search runs on RT, on user names and real names, case-insensitively.
        assert [r.person.id for r in await fresh.operators("OKAF")] == ["ben"]
        # A search for one person (counted, when that is cheaper than reading every owned ticket)
        # gives the same load as the whole list.
        assert await fresh.operators("le") == [by_id["lee"]]
        assert await fresh.operators("nobody-is-called-this") == []
        assert len(await fresh.operators(limit=2)) == 2
    finally:
        await fresh.aclose()


async def test_a_lead_assigns_whoever_holds_the_ticket(lee, ana, ben, new_ticket):
    task = await new_ticket()
    await ana.claim(task.id)
    given = await lee.assign(task.id, "ben")
    assert given.owner is not None and given.owner.id == "ben"
    assert (await ana.task(task.id)).owner.id == "ben"
    assert (await lee.assign(task.id, "ben")).owner.id == "ben"  # already theirs: nothing to do
    with pytest.raises(InvalidRequestError):
        await lee.assign(task.id, "nobody-is-called-this")
    before = await lee.task(task.id)
    await ben.add_note(task.id, "Meanwhile", idempotency_key="rtrm-" + task.id)
    with pytest.raises(StaleError):
        await lee.assign(task.id, "ana", version=before.version)
    assert (await lee.task(task.id)).owner.id == "ben"
    await ben.close(task.id, "done")
    with pytest.raises(ConflictError):
        await lee.assign(task.id, "ana")


async def test_an_operator_may_not_assign_move_or_reprioritise(ana, ben, new_ticket):
    task = await new_ticket(priority="low")
    await ben.claim(task.id)
    with pytest.raises(ForbiddenError, match="Only leads can assign"):
        await ana.assign(task.id, "ana")
    with pytest.raises(ForbiddenError, match="Only leads can move"):
        await ana.move(task.id, "Billing & Collections")
    with pytest.raises(ForbiddenError, match="Only leads can change priorities"):
        await ana.update(task.id, TaskChanges(priority="urgent"))
    after = await ben.task(task.id)
    assert (after.owner.id, after.queue, after.priority) == ("ben", task.queue, "low")


async def test_rts_own_refusal_is_forbidden(ben, new_ticket, rt_url):
    """Without a leads group RT's rights alone decide: ana lacks ReassignTicket, so RT refuses
    to give a ticket ben holds to someone else (with HTTP 200 and a message)."""
    task = await new_ticket()
    await ben.claim(task.id)
    ana = rt_backend(rt_url, "ana", leads_group=None)
    try:
        with pytest.raises(ForbiddenError, match="only leads can assign tasks") as refused:
            await ana.assign(task.id, "lee")
        assert "reassign" in (refused.value.detail or "")
    finally:
        await ana.aclose()
    assert (await ben.task(task.id)).owner.id == "ben"


async def test_a_lead_moves_and_reprioritises(lee, ana, new_ticket, rt_url):
    ids = queue_ids(rt_url)
    task = await new_ticket(priority="low")
    claimed = await ana.claim(task.id)
    moved = await lee.move(task.id, ids["Billing & Collections"], version=claimed.version)
    assert (moved.queue, moved.owner.id) == (ids["Billing & Collections"], "ana")
    assert (await ana.task(task.id)).queue == ids["Billing & Collections"]
    with pytest.raises(NotFoundError):
        await lee.move(task.id, "No such queue")
    raised = await lee.update(task.id, TaskChanges(priority="urgent"))
    assert raised.priority == "urgent" and (await ana.task(task.id)).priority == "urgent"


async def test_queue_health_matches_the_tickets(lee, rt_url):
    queue = queue_ids(rt_url)[TRIAGE_QUEUE]
    now = utcnow()
    soon = await lee.create_task(NewTask(queue, "Due within the hour", due_at=now + timedelta(minutes=30)))
    late = await lee.create_task(NewTask(queue, "Late", due_at=now - timedelta(hours=3)))
    held = await lee.create_task(NewTask(queue, "Held by ben"))
    await lee.assign(late.id, "ana")
    await lee.assign(held.id, "ben")
    assert soon.owner is None
    fresh = rt_backend(rt_url, "lee")
    try:
        stats = await fresh.queue_stats(queue)
        active = ("open", "waiting")
        assert stats.queue == queue
        assert stats.backlog == await total(fresh, queue=queue, status=active)
        assert stats.unclaimed == await total(fresh, queue=queue, status=active, owner="none")
        assert stats.breached == await total(fresh, queue=queue, q="breached")
        assert stats.at_risk == await total(fresh, queue=queue, status=active, q="due:<1h")
        assert stats.breached >= 1 and stats.at_risk >= 1
        oldest = await fresh.tasks(
            TaskQuery(queue=queue, status=active, owner="none", sort=Sort("created_at", False), limit=1)
        )
        assert stats.oldest_unclaimed_at == oldest.items[0].created_at
        load = {row.person.id: (row.held, row.breached) for row in stats.load}
        for who in ("ana", "ben"):
            held_here = await total(fresh, queue=queue, status=active, owner=who)
            breached_here = await total(fresh, queue=queue, owner=who, q="breached")
            assert load[who] == (held_here, breached_here)
        assert [r.held for r in stats.load] == sorted((r.held for r in stats.load), reverse=True)
        # History: the last 24 whole hours, derived from what the tickets in the queue hold now
        # (nothing here is ever closed, so "open then" is "created before then").
        assert len(stats.history) == 24
        top = now.replace(minute=0, second=0, microsecond=0)
        assert [p.at for p in stats.history[:-1]] == [top - timedelta(hours=23 - i) for i in range(23)]
        last = stats.history[-1]  # this hour: the figures now
        assert (last.backlog, last.breached) == (stats.backlog, stats.breached) and last.at >= now
        every = []
        cursor = None
        while True:
            page = await fresh.tasks(TaskQuery(queue=queue, limit=100), cursor)
            every += page.items
            if (cursor := page.next_cursor) is None:
                break
        for point in (stats.history[0], stats.history[-2]):
            before = [t for t in every if t.created_at < point.at]
            assert point.backlog == len(before)
            assert point.breached == sum(1 for t in before if t.due_at and t.due_at < point.at)
        with pytest.raises(NotFoundError):
            await fresh.queue_stats("99999")
    finally:
        await fresh.aclose()
