"""The outbox against the real reference server, with the link failing on purpose.

The faults (a link that is down, an answer lost after the server applied the write, a 503 with
Retry-After) are injected in the HTTP transport; everything else is the real server.
"""

from __future__ import annotations

import asyncio
import stat
import time

import httpx
import pytest

from backdesk.api_client import ConflictError, NewTask
from backdesk.api_client.outbox import Outbox, OutboxBackend, Queued
from backdesk.api_client.workqueue import WorkQueueBackend

pytestmark = pytest.mark.anyio


class Link(httpx.AsyncBaseTransport):
    """The real transport, unless told to be ``down`` (nothing is sent), to ``lose`` the next
    answer (the server applies the request, the client sees a timeout) or to answer ``busy``;
    with a ``gate``, each request waits until the gate opens (a slow server)."""

    def __init__(self) -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.mode = "ok"
        self.gate: asyncio.Event | None = None
        self.waiting = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.gate is not None:
            self.waiting += 1
            await self.gate.wait()
        if self.mode == "down":
            raise httpx.ConnectError("the link is down", request=request)
        if self.mode == "busy":
            return httpx.Response(503, headers={"Retry-After": "30"}, request=request)
        response = await self.real.handle_async_request(request)
        if self.mode == "lose":
            self.mode = "ok"
            await response.aread()
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response

    async def aclose(self) -> None:
        await self.real.aclose()


@pytest.fixture
async def kit(wq_server, tmp_path):
    link = Link()
    outbox = Outbox(tmp_path / "outbox.sqlite3", "test")
    ana = OutboxBackend(WorkQueueBackend(wq_server.url, "ana-token", transport=link), outbox)
    ben = WorkQueueBackend(wq_server.url, "ben-token")
    task = await ben.create_task(NewTask("returns", "Outbox"))
    yield link, ana, ben, task
    await ana.aclose()
    await ben.aclose()


def everything_due(ana: OutboxBackend) -> None:
    """Skip the backoff: make every pending entry due now (the tests do not wait it out)."""
    ana.outbox._db.execute("UPDATE entries SET next_at = 0")


async def test_a_write_while_the_link_is_down_is_kept_and_delivered_later(kit):
    link, ana, ben, task = kit
    link.mode = "down"
    with pytest.raises(Queued):
        await ana.claim(task.id)
    assert [e.kind for e in ana.outbox.entries()] == ["claim"] and (await ben.task(task.id)).owner is None
    link.mode = "ok"
    everything_due(ana)
    [delivery] = await ana.deliver()
    assert delivery.error is None and delivery.result.owner.id == "ana"
    assert ana.outbox.entries() == [] and (await ben.task(task.id)).owner.id == "ana"


@pytest.mark.parametrize("write", ["note", "close", "claim"])
async def test_a_lost_answer_never_doubles_a_write(kit, write):
    link, ana, ben, task = kit
    link.mode = "lose"
    with pytest.raises(Queued):
        if write == "note":
            await ana.add_note(task.id, "Checked", idempotency_key="k-1")
        elif write == "close":
            await ana.close(task.id, "done")
        else:
            await ana.claim(task.id)
    everything_due(ana)
    [delivery] = await ana.deliver()
    assert delivery.error is None, delivery.error
    kinds = [e.kind for e in await ben.events(task.id)]
    assert kinds.count({"note": "note", "close": "closed", "claim": "claimed"}[write]) == 1


async def test_writes_for_a_task_keep_their_order(kit):
    link, ana, ben, task = kit
    link.mode = "down"
    for write in (
        ana.claim(task.id),
        ana.add_note(task.id, "Refunded", idempotency_key="k-2"),
        ana.close(task.id, "done"),
    ):
        with pytest.raises(Queued):
            await write
    link.mode = "ok"
    everything_due(ana)
    assert [d.error for d in await ana.deliver()] == [None, None, None]
    assert [e.kind for e in await ben.events(task.id)] == ["created", "claimed", "note", "closed"]


async def test_a_conflict_waits_for_the_operator(kit):
    link, ana, ben, task = kit
    link.mode = "down"
    with pytest.raises(Queued):
        await ana.claim(task.id)
    await ben.claim(task.id)  # meanwhile
    link.mode = "ok"
    everything_due(ana)
    [delivery] = await ana.deliver()
    assert isinstance(delivery.error, ConflictError)
    [entry] = ana.outbox.entries()
    assert entry.state == "conflict" and await ana.deliver() == []  # never retried blindly
    ana.outbox.send_anyway(entry)  # the operator decided
    [delivery] = await ana.deliver()
    assert delivery.result.owner.id == "ana" and ana.outbox.entries() == []


async def test_the_outbox_survives_a_restart_and_is_private(kit, tmp_path):
    link, ana, ben, task = kit
    link.mode = "down"
    with pytest.raises(Queued):
        await ana.add_note(task.id, "Before the crash", idempotency_key="k-3")
    path = tmp_path / "outbox.sqlite3"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = Outbox(path, "test")
    [entry] = again.entries()
    assert (entry.kind, entry.args["body"], entry.key) == ("note", "Before the crash", "k-3")
    assert Outbox(path, "another backend").entries() == []
    again.close()


async def test_retry_after_is_honoured(kit):
    link, ana, ben, task = kit
    link.mode = "busy"
    with pytest.raises(Queued):
        await ana.release(task.id)
    assert ana.outbox.due(time.time() + 25) == [] and len(ana.outbox.due(time.time() + 31)) == 1


async def test_a_write_still_in_flight_is_not_sent_again_by_a_delivery(kit):
    link, ana, ben, task = kit
    await ana.claim(task.id)
    link.gate = asyncio.Event()  # the server takes its time to answer the close
    closing = asyncio.create_task(ana.close(task.id, "done"))
    while not link.waiting:
        await asyncio.sleep(0.01)
    assert ana.outbox.due(time.time()) == []  # recorded, but being sent: not due
    link.gate.set()
    assert await ana.deliver() == []
    assert (await closing).status == "closed"
    assert ana.outbox.entries() == []
    assert [e.kind for e in await ben.events(task.id)].count("closed") == 1
