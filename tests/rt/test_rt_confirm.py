"""RT writes confirmed from what RT recorded (api_client/rt_confirm.py), against a real RT 5: the
task and version a claim, a note and a close return are RT's own, in few requests, a later write
with that version goes through, and what RT refuses (412, or a 200 that changed nothing) raises."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from rt_env import OPERATORS, rt_backend

from backdesk.api_client.errors import ConflictError, InvalidRequestError, StaleError
from backdesk.api_client.models import Task
from backdesk.api_client.rt import RTBackend

pytestmark = [pytest.mark.rt, pytest.mark.anyio]


class Counting(httpx.AsyncBaseTransport):
    """Passes requests on to RT and notes (method, path, status) of each."""

    def __init__(self) -> None:
        self.wire = httpx.AsyncHTTPTransport()
        self.seen: list[tuple[str, str, int]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.wire.handle_async_request(request)
        self.seen.append((request.method, request.url.path.rsplit("/REST/2.0", 1)[-1], response.status_code))
        return response

    def take(self) -> list[tuple[str, str, int]]:
        seen, self.seen = self.seen, []
        return seen


@pytest.fixture
async def counted(rt_url: str) -> AsyncIterator[tuple[RTBackend, Counting]]:
    wire = Counting()
    backend = rt_backend(rt_url, "ana", transport=wire)
    yield backend, wire
    await backend.aclose()
    await wire.wire.aclose()


async def rt_etag(rt_url: str, task_id: str) -> str:
    """The ticket's ETag as RT gives it now, asked past the adapter."""
    async with httpx.AsyncClient(auth=("ana", OPERATORS["ana"])) as client:
        response = await client.head(f"{rt_url}/REST/2.0/ticket/{task_id}")
    return response.headers["etag"].strip('"')


async def as_rt_holds_it(rt_url: str, task_id: str) -> Task:
    """The task read whole by a client that never saw it."""
    fresh = rt_backend(rt_url, "ana")
    try:
        return await fresh.task(task_id)
    finally:
        await fresh.aclose()


def same_task(built: Task, read: Task) -> None:
    """``built`` (from RT's transactions) is ``read`` (RT's record), but for RT's LastUpdated,
    which RT stamps just after the transaction's own time."""
    assert abs((built.updated_at - read.updated_at).total_seconds()) <= 1
    assert built == replace(read, updated_at=built.updated_at)


async def test_claim_note_close_return_rts_task_and_version_in_few_requests(counted, new_ticket, rt_url):
    ana, wire = counted
    task = await new_ticket()
    await ana.me()  # signed in
    await ana.task(task.id)  # and looking at it
    wire.take()

    claimed = await ana.claim(task.id)
    assert wire.take() == [("PUT", f"/ticket/{task.id}/take", 200), ("GET", f"/ticket/{task.id}/history", 200)]
    assert claimed.owner is not None and claimed.owner.id == "ana"
    assert claimed.version == await rt_etag(rt_url, task.id)
    same_task(claimed, await as_rt_holds_it(rt_url, task.id))

    event = await ana.add_note(task.id, "Called the customer; refund approved.", idempotency_key=str(uuid.uuid4()))
    assert [m for m, _, _ in wire.take()] == ["GET", "POST", "GET"]  # is it there already? the comment; since
    assert event.task_version == await rt_etag(rt_url, task.id)
    assert (event.kind, event.body, event.actor and event.actor.id) == (
        "note",
        "Called the customer; refund approved.",
        "ana",
    )

    closed = await ana.close(task.id, "done", version=event.task_version)
    assert wire.take() == [("PUT", f"/ticket/{task.id}", 200), ("GET", f"/ticket/{task.id}/history", 200)]
    assert (closed.status, closed.resolution) == ("closed", "done")
    assert closed.version == await rt_etag(rt_url, task.id)
    same_task(closed, await as_rt_holds_it(rt_url, task.id))

    # The version a write returned is good for the next one.
    reopened = await ana.reopen(task.id, version=closed.version)
    assert reopened.status == "open" and reopened.version == await rt_etag(rt_url, task.id)
    assert [e.kind for e in await ana.events(task.id)] == ["created", "claimed", "note", "closed", "reopened"]


async def test_an_unchanged_ticket_is_read_again_for_a_304(counted, new_ticket):
    ana, wire = counted
    task = await new_ticket()
    first = await ana.task(task.id)
    wire.take()
    assert await ana.task(task.id) == first
    assert wire.take() == [("GET", f"/ticket/{task.id}", 304)]


async def test_a_kept_copy_someone_changed_is_not_written_on(counted, ben, new_ticket, rt_url):
    ana, wire = counted
    task = await new_ticket()
    seen = await ana.task(task.id)  # kept: nobody holds it
    await ben.claim(task.id)
    wire.take()
    with pytest.raises(ConflictError) as raised:
        await ana.claim(task.id)
    assert raised.value.claimed_by is not None and raised.value.claimed_by.id == "ben"
    assert ("PUT", f"/ticket/{task.id}/take", 412) in wire.take()  # RT refused the take on the old copy
    with pytest.raises(StaleError):
        await ana.close(task.id, "done", version=seen.version, force=True)
    assert (await as_rt_holds_it(rt_url, task.id)).owner.id == "ben"


async def test_a_close_rt_answers_with_a_refusal_raises(counted, new_ticket, rt_url):
    """RT refuses to resolve a ticket that depends on an open one, with a 200 and a sentence."""
    ana, _ = counted
    blocker, task = await new_ticket("Blocker"), await new_ticket("Blocked")
    async with httpx.AsyncClient(auth=("ana", OPERATORS["ana"])) as client:
        linked = await client.put(f"{rt_url}/REST/2.0/ticket/{task.id}", json={"DependsOn": blocker.id})
        assert linked.status_code == 200
    current = await ana.task(task.id)
    with pytest.raises(InvalidRequestError, match="kept ticket"):
        await ana.close(task.id, "done", version=current.version)
    assert (await as_rt_holds_it(rt_url, task.id)).status == "open"
    # A claim RT confirms, then the refused close again from the version it returned.
    claimed = await ana.claim(task.id)
    with pytest.raises(InvalidRequestError):
        await ana.close(task.id, "done", version=claimed.version)
    assert (await ana.close(blocker.id, "done")).status == "closed"
    assert (await ana.close(task.id, "done", version=claimed.version)).status == "closed"


async def test_a_claim_without_a_kept_copy_reads_the_ticket_once(counted, new_ticket, rt_url):
    """The app shows a listed task with its history; the history holds the ticket's first text."""
    ana, wire = counted
    task = await new_ticket(body="The parcel arrived crushed.")
    await ana.me()
    await ana.events(task.id)
    wire.take()
    claimed = await ana.claim(task.id)
    assert wire.take() == [
        ("GET", f"/ticket/{task.id}", 200),
        ("PUT", f"/ticket/{task.id}/take", 200),
        ("GET", f"/ticket/{task.id}/history", 200),
    ]
    same_task(claimed, await as_rt_holds_it(rt_url, task.id))
    assert claimed.body == "The parcel arrived crushed."
