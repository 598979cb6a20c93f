"""What every Backend must do, tested through the protocol only, against each ``kit`` param.

Each test makes its own few tasks, with ``kit.unique`` in titles and references so filters
see only them (the RT param shares one long-lived Request Tracker with other tests).
No test needs a capability flag on the Kit: both backends agree on everything here. The one
difference found (the "created" event's body: RT's first message, the reference server's
empty) is left out; ``Task.body`` is checked instead.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from backdesk.api_client import Backend
from backdesk.api_client.errors import ConflictError, InvalidRequestError, NotFoundError, StaleError
from backdesk.api_client.models import NewTask, Sort, Task, TaskChanges, TaskQuery, utcnow

pytestmark = pytest.mark.anyio


async def make(kit, backend: Backend, title: str = "Refund for order", **kw) -> Task:
    """A fresh task in the kit's queue whose title ends with the test's unique word."""
    return await backend.create_task(NewTask(kit.queue_id, f"{title} {kit.unique}", **kw))


async def search(backend: Backend, q: str, *, limit: int = 50, sort: Sort | None = None) -> list[str]:
    """The ids of every matching task, following next_cursor to the last page."""
    found: list[str] = []
    cursor = None
    query = TaskQuery(q=q, limit=limit, sort=sort or Sort())
    while True:
        page = await backend.tasks(query, cursor)
        found += [t.id for t in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return found


def key() -> str:
    return str(uuid.uuid4())


# -- claims ----------------------------------------------------------------------------------


async def test_claim_then_claim_again_as_owner(kit):
    ana = kit.backend("ana")
    me = await ana.me()
    task = await make(kit, ana)
    assert (task.owner, task.status, task.resolution) == (None, "open", None)
    claimed = await ana.claim(task.id)
    assert claimed.owner == me and claimed.status == "open"
    assert (await ana.task(task.id)).owner == me
    again = await ana.claim(task.id)
    assert again.owner == me and again.version == claimed.version
    assert [e.kind for e in await ana.events(task.id)].count("claimed") == 1


async def test_claim_of_someone_elses_task_names_the_owner(kit):
    ana, ben = kit.backend("ana"), kit.backend("ben")
    task = await make(kit, ana)
    await ana.claim(task.id)
    me = await ana.me()
    with pytest.raises(ConflictError) as caught:
        await ben.claim(task.id)
    assert caught.value.claimed_by == me
    assert me.name in str(caught.value)
    assert (await ben.task(task.id)).owner == me


async def test_concurrent_claims_have_exactly_one_winner(kit):
    ana, ben = kit.backend("ana"), kit.backend("ben")
    people = {"ana": await ana.me(), "ben": await ben.me()}
    tries = 3
    for creator in (ana, ben, ana):
        task = await make(kit, creator)
        await asyncio.gather(ana.task(task.id), ben.task(task.id))  # both start from the same footing
        results = await asyncio.gather(
            *[ana.claim(task.id) for _ in range(tries)],
            *[ben.claim(task.id) for _ in range(tries)],
            return_exceptions=True,
        )
        by = {"ana": results[:tries], "ben": results[tries:]}
        winners = [who for who, got in by.items() if any(isinstance(r, Task) for r in got)]
        assert len(winners) == 1, results
        winner = people[winners[0]]
        loser = "ben" if winners[0] == "ana" else "ana"
        assert all(isinstance(r, Task) and r.owner == winner for r in by[winners[0]]), results
        for failure in by[loser]:
            assert isinstance(failure, ConflictError), failure
            assert failure.claimed_by == winner
        assert (await ana.task(task.id)).owner == winner
        claims = [
            (e.kind, e.actor.id if e.actor else None)
            for e in await ben.events(task.id)
            if e.kind in ("claimed", "stolen", "released")
        ]
        assert claims == [("claimed", winner.id)]


async def test_claimed_or_closed_task_cannot_be_claimed(kit):
    ana = kit.backend("ana")
    task = await make(kit, ana)
    await ana.close(task.id, "done")
    with pytest.raises(ConflictError):
        await ana.claim(task.id)
    with pytest.raises(ConflictError):
        await ana.claim(task.id, force=True)


# -- release and steal -----------------------------------------------------------------------


async def test_release(kit):
    ana = kit.backend("ana")
    task = await make(kit, ana)
    await ana.claim(task.id)
    released = await ana.release(task.id)
    assert released.owner is None and released.status == "open"
    assert (await ana.task(task.id)).owner is None
    assert [e.kind for e in await ana.events(task.id)][-2:] == ["claimed", "released"]


async def test_releasing_a_task_you_do_not_hold_is_a_conflict(kit):
    ana, ben = kit.backend("ana"), kit.backend("ben")
    task = await make(kit, ana)
    with pytest.raises(ConflictError) as caught:
        await ana.release(task.id)
    assert caught.value.claimed_by is None
    await ana.claim(task.id)
    with pytest.raises(ConflictError) as caught:
        await ben.release(task.id)
    assert caught.value.claimed_by == await ana.me()
    assert (await ben.task(task.id)).owner == await ana.me()


async def test_steal_moves_ownership_and_shows_in_history(kit):
    ana, ben = kit.backend("ana"), kit.backend("ben")
    ana_me, ben_me = await ana.me(), await ben.me()
    task = await make(kit, ana)
    await ana.claim(task.id)
    stolen = await ben.claim(task.id, force=True)
    assert stolen.owner == ben_me
    assert (await ana.task(task.id)).owner == ben_me
    with pytest.raises(ConflictError) as caught:
        await ana.release(task.id)
    assert caught.value.claimed_by == ben_me
    assert (await ben.release(task.id)).owner is None
    with pytest.raises(ConflictError) as caught:
        await ben.release(task.id)
    assert caught.value.claimed_by is None
    events = await ana.events(task.id)
    assert [(e.kind, e.actor.id if e.actor else None) for e in events] == [
        ("created", "ana"),
        ("claimed", "ana"),
        ("stolen", "ben"),
        ("released", "ben"),
    ]
    assert [e.body for e in events if e.kind == "stolen"] == [f"Took over from {ana_me.name}"]


# -- notes -----------------------------------------------------------------------------------


async def test_note_is_idempotent_even_from_a_fresh_client(kit):
    ana = kit.backend("ana")
    task = await make(kit, ana)
    same = key()
    first = await ana.add_note(task.id, "Called the customer", idempotency_key=same)
    assert (first.kind, first.body, first.task_id, first.actor) == (
        "note",
        "Called the customer",
        task.id,
        await ana.me(),
    )
    # A fresh client, as after a crash or a timeout, must find the first note, not add one.
    again = await kit.backend("ana").add_note(task.id, "Called the customer", idempotency_key=same)
    assert again.id == first.id
    assert (await ana.add_note(task.id, "Called the customer", idempotency_key=same)).id == first.id
    other = await ana.add_note(task.id, "Second call", idempotency_key=key())
    assert other.id != first.id
    notes = [e.body for e in await ana.events(task.id) if e.kind == "note"]
    assert notes == ["Called the customer", "Second call"]


# -- close and update ------------------------------------------------------------------------


async def test_close_as_done_with_note_and_version(kit):
    ana = kit.backend("ana")
    task = await make(kit, ana)
    await ana.claim(task.id)
    current = await ana.task(task.id)
    closed = await ana.close(task.id, "done", note="Refund issued", version=current.version)
    assert (closed.status, closed.resolution, closed.owner) == ("closed", "done", await ana.me())
    assert closed.is_closed and (await ana.task(task.id)).resolution == "done"
    events = await ana.events(task.id)
    assert [(e.kind, e.body) for e in events[-2:]] == [("note", "Refund issued"), ("closed", "done")]
    with pytest.raises(ConflictError):
        await ana.close(task.id, "done")


async def test_close_as_rejected(kit):
    ana = kit.backend("ana")
    task = await make(kit, ana)
    closed = await ana.close(task.id, "rejected")
    assert (closed.status, closed.resolution, closed.owner) == ("closed", "rejected", None)
    shown = await kit.backend("ben").task(task.id)
    assert (shown.status, shown.resolution, shown.status_label) == ("closed", "rejected", "closed")


async def test_close_with_a_stale_version_changes_nothing(kit):
    ana, ben = kit.backend("ana"), kit.backend("ben")
    task = await make(kit, ana)
    stale = await ana.task(task.id)
    await ben.add_note(task.id, "Meanwhile", idempotency_key=key())
    with pytest.raises(StaleError):
        await ana.close(task.id, "done", note="Too late", version=stale.version)
    after = await ana.task(task.id)
    assert (after.status, after.resolution) == ("open", None)
    kinds = [(e.kind, e.body) for e in await ana.events(task.id)]
    assert ("note", "Too late") not in kinds and "closed" not in [k for k, _ in kinds]
    assert (await ana.close(task.id, "done", version=after.version)).status == "closed"


async def test_update_with_a_stale_version_changes_nothing(kit):
    ana, ben = kit.backend("ana"), kit.backend("ben")
    task = await make(kit, ana)
    stale = await ana.task(task.id)
    await ben.add_note(task.id, "Meanwhile", idempotency_key=key())
    renamed = f"Renamed {kit.unique}"
    with pytest.raises(StaleError):
        await ana.update(task.id, TaskChanges(title=renamed), version=stale.version)
    after = await ana.task(task.id)
    assert after.title == task.title
    updated = await ana.update(task.id, TaskChanges(title=renamed), version=after.version)
    assert updated.title == renamed and updated.version != after.version


# -- listing ---------------------------------------------------------------------------------


async def test_filters(kit):
    ana, ben = kit.backend("ana"), kit.backend("ben")
    u = kit.unique
    low, normal, high, urgent = await asyncio.gather(
        make(kit, ana, "Parcel lost", priority="low"),
        make(kit, ana, "Invoice query", priority="normal"),
        make(kit, ana, "Address change", priority="high", reference=f"REF-{u}"),
        make(kit, ana, "Kettle broken", priority="urgent"),
    )
    every = {low.id, normal.id, high.id, urgent.id}

    assert set(await search(ana, u)) == every
    assert await search(ana, f"REF-{u}") == [high.id]
    assert set(await search(ana, f"{u} priority:>=high")) == {high.id, urgent.id}
    assert set(await search(ana, f"{u} -priority:>=high")) == {low.id, normal.id}
    assert set(await search(ana, f"{u} -Kettle")) == every - {urgent.id}
    assert await search(ana, f"{u} Kettle") == [urgent.id]

    await ana.claim(normal.id)
    await ben.claim(high.id)
    assert await search(ana, f"{u} owner:me") == [normal.id]
    assert await search(ben, f"{u} owner:me") == [high.id]
    assert set(await search(ana, f"{u} owner:none")) == {low.id, urgent.id}
    assert set(await search(ana, f"{u} -owner:none")) == {normal.id, high.id}

    await ana.close(low.id, "done")
    assert await search(ana, f"{u} status:closed") == [low.id]
    assert set(await search(ana, f"{u} -status:closed")) == every - {low.id}


async def test_due_within_means_not_yet_late_and_breached_means_late(kit):
    if kit.name == "redmine":
        pytest.skip("Redmine's due dates are whole days (tests/redmine checks due: and breached by day)")
    ana = kit.backend("ana")
    now = utcnow()
    soon = await make(kit, ana, "Soon", due_at=now + timedelta(minutes=30))
    late = await make(kit, ana, "Late", due_at=now - timedelta(hours=1))
    await make(kit, ana, "Later", due_at=now + timedelta(hours=3))
    assert await search(ana, f"{kit.unique} due:<1h") == [soon.id]
    assert await search(ana, f"{kit.unique} breached") == [late.id]
    assert set(await search(ana, f"{kit.unique} -due:<1h")) == set(await search(ana, kit.unique)) - {soon.id}


async def test_sort_by_priority_and_due(kit):
    ana = kit.backend("ana")
    now = utcnow()
    urgent, low, high, normal = await asyncio.gather(
        make(kit, ana, "Urgent", priority="urgent", due_at=now + timedelta(days=3)),
        make(kit, ana, "Low", priority="low", due_at=now + timedelta(hours=1)),
        make(kit, ana, "High", priority="high"),
        make(kit, ana, "Normal", priority="normal", due_at=now + timedelta(days=2)),
    )

    by_priority = await search(ana, kit.unique, limit=2, sort=Sort("priority", descending=True))
    assert by_priority == [urgent.id, high.id, normal.id, low.id]
    by_due = await search(ana, kit.unique, limit=2, sort=Sort("due_at", descending=False))
    assert by_due == [low.id, normal.id, urgent.id, high.id]  # no due date comes last


async def test_pagination_returns_every_task_once(kit):
    ana = kit.backend("ana")
    made = await asyncio.gather(*(make(kit, ana, f"Task {n}") for n in range(7)))
    query = TaskQuery(q=kit.unique, limit=3)
    sizes, seen, cursor = [], [], None
    while True:
        page = await ana.tasks(query, cursor)
        sizes.append(len(page.items))
        seen += [t.id for t in page.items]
        assert page.total in (None, 7)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sizes == [3, 3, 1]
    assert sorted(seen) == sorted(t.id for t in made) and len(set(seen)) == 7


async def test_a_steal_takes_only_from_the_operator_it_names(kit):
    ana, ben = kit.backend("ana"), kit.backend("ben")
    task = await make(kit, ana)
    await ben.claim(task.id)
    ana_id, ben_id = (await ana.me()).id, (await ben.me()).id
    with pytest.raises(ConflictError) as refused:  # meant for someone who no longer holds it
        await ana.claim(task.id, force=True, expected_owner=ana_id + "x")
    assert refused.value.claimed_by is not None and refused.value.claimed_by.id == ben_id
    assert (await ana.task(task.id)).owner.id == ben_id  # nothing was taken
    stolen = await ana.claim(task.id, force=True, expected_owner=ben_id)
    assert stolen.owner.id == ana_id


async def test_closing_a_task_someone_else_holds_needs_force_and_names_the_holder(kit):
    ana, ben = kit.backend("ana"), kit.backend("ben")
    task = await make(kit, ana)
    await ben.claim(task.id)
    with pytest.raises(ConflictError) as refused:
        await ana.close(task.id, "done")
    assert refused.value.claimed_by == await ben.me()
    assert not (await ana.task(task.id)).is_closed
    closed = await ana.close(task.id, "done", force=True)
    assert closed.is_closed
    last = (await ana.events(task.id))[-1]
    assert (last.kind, last.actor.id if last.actor else None) == ("closed", (await ana.me()).id)


async def test_reopen_undoes_a_close(kit):
    ana = kit.backend("ana")
    task = await make(kit, ana)
    await ana.claim(task.id)
    closed = await ana.close(task.id, "rejected")
    reopened = await ana.reopen(task.id, version=closed.version)
    assert (reopened.status, reopened.resolution, reopened.owner) == ("open", None, await ana.me())
    assert "reopened" in [e.kind for e in await ana.events(task.id)]
    with pytest.raises(ConflictError):
        await ana.reopen(task.id)
    ben = kit.backend("ben")
    await ana.close(task.id, "done")
    with pytest.raises(ConflictError) as refused:  # ana still holds it
        await ben.reopen(task.id)
    assert refused.value.claimed_by == await ana.me()
    assert (await ben.reopen(task.id, force=True)).status == "open"


# -- history and errors ----------------------------------------------------------------------


async def test_history_kinds_oldest_first(kit):
    ana, ben = kit.backend("ana"), kit.backend("ben")
    task = await make(kit, ana, body="The parcel came back damaged.")
    await ben.claim(task.id)
    await ben.add_note(task.id, "Checked the photos", idempotency_key=key())
    await ben.close(task.id, "done")
    events = await ana.events(task.id)
    assert [(e.kind, e.actor.id if e.actor else None) for e in events] == [
        ("created", "ana"),
        ("claimed", "ben"),
        ("note", "ben"),
        ("closed", "ben"),
    ]
    # The created event's body differs (RT: the ticket's first message; reference: empty);
    # the task's own body does not.
    assert (await ana.task(task.id)).body == "The parcel came back damaged."
    assert events[2].body == "Checked the photos"
    assert all(e.task_id == task.id for e in events)
    assert [e.at for e in events] == sorted(e.at for e in events)


async def test_missing_task_is_not_found(kit):
    ana = kit.backend("ana")
    with pytest.raises(NotFoundError):
        await ana.task("987654321")
    with pytest.raises(NotFoundError):
        await ana.claim("987654321")


async def test_an_owner_nobody_has_is_refused_not_matched_as_nothing(kit):
    ana = kit.backend("ana")
    with pytest.raises(InvalidRequestError):
        await ana.tasks(TaskQuery(q="owner:nosuchoperator"))
    await ana.tasks(TaskQuery(q="owner:ben"))  # a real operator is fine


@pytest.mark.parametrize("sort", [Sort("priority", True), Sort("due_at", False), Sort("due_at", True)])
async def test_a_reversed_query_is_the_exact_reverse(kit, sort):
    """Ties included (same priority, same or no due date): the last page comes first, so a
    list can be entered from its end."""
    ana = kit.backend("ana")
    due = utcnow() + timedelta(days=1)
    made = await asyncio.gather(
        *(make(kit, ana, f"Tie {n}", priority="high", due_at=due if n % 3 else None) for n in range(5)),
        make(kit, ana, "Urgent", priority="urgent", due_at=due + timedelta(hours=1)),
        make(kit, ana, "Low", priority="low"),
    )
    forward = await search(ana, kit.unique, limit=3, sort=sort)
    found: list[str] = []
    cursor = None
    while True:
        page = await ana.tasks(TaskQuery(q=kit.unique, limit=3, sort=sort, reverse=True), cursor)
        found += [t.id for t in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert sorted(forward) == sorted(t.id for t in made)
    assert found == forward[::-1]
