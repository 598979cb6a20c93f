"""RTBackend against a real Request Tracker 5 (tests/rt/setup_rt.sh). Each test makes its own tickets.

What every backend must do (claims, the claim race, release, steal, idempotent notes, closing,
stale versions, filters, sorting, pages, history) is in tests/conformance, which runs against
RT too; this file keeps what is particular to RT's mapping.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import anyio
import httpx
import pytest
from rt_env import OPERATORS, QUEUE, rt_backend

from backdesk.api_client.errors import (
    AuthError,
    NotFoundError,
    StaleError,
    UnavailableError,
)
from backdesk.api_client.models import NewTask, Sort, TaskChanges, TaskQuery, utcnow
from backdesk.api_client.rt import RTBackend

pytestmark = [pytest.mark.rt, pytest.mark.anyio]


async def test_close_rejected_and_duplicate(ana, new_ticket):
    rejected = await ana.close((await new_ticket()).id, "rejected")
    assert (rejected.status, rejected.resolution, rejected.backend_status) == ("closed", "rejected", None)
    duplicate = await new_ticket()
    closed = await ana.close(duplicate.id, "duplicate", note="Same as the other one")
    assert closed.resolution == "done"
    notes = [e.body for e in await ana.events(duplicate.id) if e.kind == "note"]
    assert notes == ["Closed as a duplicate.\n\nSame as the other one"]


async def test_stale_version_raises(ana, ben, new_ticket):
    task = await new_ticket()
    listed = (await ana.tasks(TaskQuery(q=task.title.split()[-1]))).items[0]
    stale = await ana.task(task.id)
    await ben.add_note(task.id, "Meanwhile", idempotency_key=str(uuid.uuid4()))
    with pytest.raises(StaleError):
        await ana.close(task.id, "done", version=stale.version)
    with pytest.raises(StaleError):
        await ana.update(task.id, TaskChanges(title=task.title + " (stale)"), version=stale.version)
    # A version from a list is the ticket's LastUpdated (to the second).
    assert listed.version.startswith("@")
    await anyio.sleep(1.1)
    await ben.update(task.id, TaskChanges(title=task.title + " (edited)"))
    with pytest.raises(StaleError):
        await ana.close(task.id, "done", version=listed.version)
    fresh = (await ana.tasks(TaskQuery(q=task.title.split()[-1]))).items[0]
    assert (await ana.close(task.id, "done", version=fresh.version)).status == "closed"


async def test_update_fields(ana, lee, new_ticket):
    """Priority and queue are a lead's to change (issue 11)."""
    task = await new_ticket()
    due = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    changed = await lee.update(
        task.id,
        TaskChanges(priority="urgent", due_at=due, title=task.title + " changed", queue="Billing & Collections"),
        version=task.version,
    )
    assert (changed.priority, changed.due_at, changed.title) == ("urgent", due, task.title + " changed")
    queues = {q.name: q.id for q in await ana.queues()}
    assert changed.queue == queues["Billing & Collections"]
    kinds = {e.kind for e in await ana.events(task.id)}
    assert "updated" in kinds


async def test_filters_sort_and_pages(ana, new_ticket, marker):
    now = utcnow()
    made = {
        "low": await new_ticket("Low", priority="low"),
        "normal": await new_ticket("Normal", priority="normal", due_at=now + timedelta(days=3)),
        "high": await new_ticket("High", priority="high", due_at=now + timedelta(hours=1), tags=("vip",)),
        "urgent": await new_ticket("Urgent", priority="urgent", due_at=now - timedelta(hours=1)),
        "high2": await new_ticket(
            "High two", priority="high", due_at=now + timedelta(days=5), reference="ORD-77" + marker
        ),
    }
    ids = {name: t.id for name, t in made.items()}

    async def search(q: str, limit: int = 50, **kw) -> list[str]:
        found, cursor = [], None
        while True:
            page = await ana.tasks(TaskQuery(q=f"{marker} {q}", limit=limit, **kw), cursor)
            found += [t.id for t in page.items]
            cursor = page.next_cursor
            if cursor is None:
                return found

    by_priority = await search("", limit=2, sort=Sort("priority", True))
    assert by_priority == [ids["urgent"], ids["high"], ids["high2"], ids["normal"], ids["low"]]
    assert await search("", limit=2, sort=Sort("due_at", False)) == [
        ids["urgent"],
        ids["high"],
        ids["normal"],
        ids["high2"],
        ids["low"],
    ]
    newest_first = await search("", limit=3, sort=Sort("created_at", True))
    created = {t.id: t.created_at for t in made.values()}
    assert sorted(newest_first) == sorted(ids.values())
    assert [created[i] for i in newest_first] == sorted(created.values(), reverse=True)
    assert set(await search("priority:>=high")) == {ids["urgent"], ids["high"], ids["high2"]}
    assert set(await search("-priority:>=high")) == {ids["low"], ids["normal"]}
    assert set(await search("priority:low,normal")) == {ids["low"], ids["normal"]}
    assert set(await search("due:<2h")) == {ids["high"]}  # due within 2h and not yet late
    assert set(await search("-due:<2h")) == {ids["low"], ids["normal"], ids["high2"], ids["urgent"]}
    assert set(await search("breached")) == {ids["urgent"]}
    assert set(await search("tag:vip")) == {ids["high"]}
    assert set(await search(f"ORD-77{marker}")) == {ids["high2"]}
    assert set(await search('queue:"Returns & Refunds" -Urgent')) == set(ids.values()) - {ids["urgent"]}
    await ana.claim(ids["low"])
    assert set(await search("owner:me")) == {ids["low"]}
    assert set(await search("", owner="none")) == set(ids.values()) - {ids["low"]}
    await ana.close(ids["normal"], "done")
    assert set(await search("status:closed")) == {ids["normal"]}
    assert set(await search("", status=("open", "waiting"))) == set(ids.values()) - {ids["normal"]}
    page = await ana.tasks(TaskQuery(q=marker, limit=2))
    assert page.total in (None, 5) and len(page.items) == 2


async def test_history_mapping(ana, ben, lee, new_ticket):
    task = await new_ticket(body="The parcel came back damaged.")
    assert (await ana.task(task.id)).body == "The parcel came back damaged."
    await ben.claim(task.id)
    await ben.add_note(task.id, "Checked the photos", idempotency_key=str(uuid.uuid4()))
    await lee.update(task.id, TaskChanges(priority="urgent"))
    await ben.close(task.id, "done")
    events = await ana.events(task.id)
    assert [e.kind for e in events] == ["created", "claimed", "note", "updated", "closed"]
    assert events[0].body == "The parcel came back damaged." and events[0].actor.name == "Ana Ruiz"
    assert events[2].body == "Checked the photos" and events[2].actor.id == "ben"
    assert "Priority" in events[3].body
    assert events == sorted(events, key=lambda e: (e.at, int(e.id)))


async def test_custom_lifecycle_status_reads_readably(ana, rt_url, marker):
    task = await ana.create_task(NewTask(queue="Approvals", title=f"Approve refund {marker}"))
    async with httpx.AsyncClient(auth=("ana", OPERATORS["ana"])) as client:
        response = await client.put(f"{rt_url}/REST/2.0/ticket/{task.id}", json={"Status": "awaiting-approval"})
        assert response.status_code == 200
    shown = await ana.task(task.id)
    assert (shown.status, shown.backend_status, shown.status_label) == (
        "open",
        "awaiting-approval",
        "awaiting-approval",
    )
    listed = (await ana.tasks(TaskQuery(q=f"{marker} status:open"))).items
    assert [t.id for t in listed] == [task.id]
    closed = await ana.close(task.id, "rejected")
    assert (closed.status, closed.resolution) == ("closed", "rejected")


async def test_queue_counts(ana, rt_url, marker):
    async def counts(backend):
        return {q.name: q.counts for q in await backend.queues()}["Billing & Collections"]

    before = await counts(ana)
    await ana.create_task(
        NewTask(queue="Billing & Collections", title=f"Invoice {marker}", due_at=utcnow() - timedelta(hours=2))
    )
    mine = await ana.create_task(NewTask(queue="Billing & Collections", title=f"Dunning {marker}"))
    await ana.claim(mine.id)
    fresh = rt_backend(rt_url, "ana")
    try:
        after = await counts(fresh)
    finally:
        await fresh.aclose()
    assert (
        after.open - before.open,
        after.unclaimed - before.unclaimed,
        after.mine - before.mine,
        after.breached - before.breached,
    ) == (2, 1, 1, 1)
    assert await counts(ana) == before  # kept for COUNTS_TTL seconds: RT is not searched again


async def test_counts_are_one_small_search_each_and_kept_a_while(rt_url):
    sent: list[httpx.Request] = []
    wire = httpx.AsyncHTTPTransport()

    class Counting(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            sent.append(request)
            return await wire.handle_async_request(request)

    backend = rt_backend(rt_url, "ana", transport=Counting())
    try:
        queues = await backend.queues()
        searches = [r for r in sent if r.url.path.endswith("/tickets")]
        assert len(searches) == 4 * len(queues)  # RT tells the total: no paging, no bisection
        assert {r.url.params["per_page"] for r in searches} == {"1"}
        sent.clear()
        assert [q.counts for q in await backend.queues()] == [q.counts for q in queues]
        assert sent == []  # the list and its counts are kept a while
    finally:
        await backend.aclose()
        await wire.aclose()


async def test_errors_are_backend_errors(ana, rt_url):
    me = await ana.me()
    assert (me.id, me.name, me.role) == ("ana", "Ana Ruiz", "operator")
    with pytest.raises(NotFoundError):
        await ana.task("999999")
    wrong = RTBackend(rt_url, user="ana", password="wrong-password")
    try:
        with pytest.raises(AuthError, match="user and password"):
            await wrong.queues()
    finally:
        await wrong.aclose()
    nowhere = RTBackend("http://127.0.0.1:9", user="ana", password="x", timeout=2)
    try:
        with pytest.raises(UnavailableError, match="127.0.0.1:9"):
            await nowhere.me()
    finally:
        await nowhere.aclose()


async def test_queue_names_with_quotes_are_safe(ana, new_ticket):
    task = await new_ticket("O'Brien's refund")
    found = await ana.tasks(TaskQuery(q=f'"O\'Brien\'s" queue:"{QUEUE}" {task.title.split()[-1]}'))
    assert [t.id for t in found.items] == [task.id]


class DropFirst(httpx.AsyncBaseTransport):
    """Cuts the link on the first ``method`` request to ``path`` (under /REST/2.0), before RT sees it."""

    def __init__(self, method: str, path: str) -> None:
        self.wire = httpx.AsyncHTTPTransport()
        self.method, self.path, self.dropped = method, path, False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.dropped and request.method == self.method and request.url.path.endswith("/REST/2.0" + self.path):
            self.dropped = True
            raise httpx.ReadError("connection reset by peer")
        return await self.wire.handle_async_request(request)


async def test_a_close_with_a_note_sent_again_adds_the_note_once(rt_url, new_ticket):
    """The outbox sends a close again when its answer was lost; its note was already added."""
    task = await new_ticket()
    wire = DropFirst("PUT", f"/ticket/{task.id}")
    backend = rt_backend(rt_url, "ana", transport=wire)
    try:
        with pytest.raises(UnavailableError):
            await backend.close(task.id, "done", note="Refunded in full.")
        assert wire.dropped
        assert (await backend.close(task.id, "done", note="Refunded in full.")).status == "closed"
        assert [e.body for e in await backend.events(task.id) if e.kind == "note"] == ["Refunded in full."]
    finally:
        await backend.aclose()
        await wire.wire.aclose()


async def test_two_tries_of_one_note_at_once_add_it_once(ana, new_ticket):
    task = await new_ticket()
    key = str(uuid.uuid4())
    first, second = await asyncio.gather(
        ana.add_note(task.id, "Called back.", idempotency_key=key),
        ana.add_note(task.id, "Called back.", idempotency_key=key),
    )
    assert first.id == second.id
    assert [e.body for e in await ana.events(task.id) if e.kind == "note"] == ["Called back."]


async def test_a_close_with_a_note_and_a_version_sent_again_goes_through(rt_url, new_ticket, ben):
    """Its note landed, not the status: the note alone moved the version it was sent with."""
    task = await new_ticket()
    wire = DropFirst("PUT", f"/ticket/{task.id}")
    backend = rt_backend(rt_url, "ana", transport=wire)
    try:
        version = (await backend.task(task.id)).version
        with pytest.raises(UnavailableError):
            await backend.close(task.id, "done", note="Refunded in full.", version=version)
        closed = await backend.close(task.id, "done", note="Refunded in full.", version=version)
        assert closed.status == "closed"
        assert [e.body for e in await backend.events(task.id) if e.kind == "note"] == ["Refunded in full."]
        # Anything else since that version is still a conflict.
        other = await new_ticket()
        version = (await backend.task(other.id)).version
        wire.dropped = False
        wire.path = f"/ticket/{other.id}"
        with pytest.raises(UnavailableError):
            await backend.close(other.id, "done", note="Refunded in full.", version=version)
        await ben.add_note(other.id, "Wait, the customer called again.", idempotency_key=str(uuid.uuid4()))
        with pytest.raises(StaleError):
            await backend.close(other.id, "done", note="Refunded in full.", version=version)
    finally:
        await backend.aclose()
        await wire.wire.aclose()
