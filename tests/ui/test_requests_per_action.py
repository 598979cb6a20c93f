"""One request per operator action: a claim, a note and a close each send exactly their write
before the screen confirms them. The sidebar's counts move by what each write's answer changed,
with no reload, and agree with the server's own counts afterwards; the history comes when the
operator opens the task. Counted at the HTTP transport, against the real reference server."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace

import httpx
import pytest
from rich.console import Console

from backdesk.api_client import QueueCounts
from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.tui.app import BackdeskApp
from backdesk.tui.settings_loader import load_settings
from backdesk.widgets.queue_list import QueueList
from backdesk.widgets.task_detail import TaskDetail

from .helpers import wait_for
from .test_operator_day import focus_on, make, ready

pytestmark = pytest.mark.anyio


class CountingTransport(httpx.AsyncBaseTransport):
    """The real HTTP transport, noting each request as ``METHOD /path``."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.sent: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(f"{request.method} {request.url.path.removeprefix('/api/v1')}")
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def idle(app: BackdeskApp) -> bool:
    return not any(worker.is_running for worker in app.workers)


def sidebar_text(app: BackdeskApp) -> str:
    """The sidebar's entries as the operator reads them."""
    choice = app.screen.query_one(QueueList).choice
    console = Console(width=40, file=io.StringIO(), record=True)
    for index in range(choice.option_count):
        console.print(choice.get_option_at_index(index).prompt)
    return console.export_text()


async def server_counts(wq_server) -> tuple[dict[str, QueueCounts], str]:
    """Ana's queue counts as the server gives them, and the returns queue as the sidebar would say it."""
    ana = WorkQueueBackend(wq_server.url, "ana-token")
    try:
        queues = {q.id: q for q in await ana.queues()}
    finally:
        await ana.aclose()
    returns = queues["returns"].counts
    return {i: q.counts for i, q in queues.items()}, f"{returns.unclaimed} free · {returns.mine} mine"


async def test_claim_note_close_send_one_request_each_and_the_counts_follow_without_a_reload(wq_server, ben):
    await make(ben, "Someone else's to leave alone")
    task = await make(ben, "Count my requests")
    wire = CountingTransport()
    settings = replace(load_settings(), refresh_interval=0)  # the periodic refresh is not what is counted
    app = BackdeskApp(WorkQueueBackend(wq_server.url, "ana-token", transport=wire), settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        await focus_on(pilot, table, task.id)
        screen = app.screen
        await wait_for(lambda: screen.follow_up.shown == task.id and idle(app), "the task and its history")
        ws = screen.workspace
        assert ws.queues["returns"].counts.unclaimed == 2 and ws.view_counts["My open"] == 0
        start = len(wire.sent)

        await pilot.press("c")
        await wait_for(lambda: table.current_task.owner is not None, "the claim confirmed on screen")
        assert wire.sent[start:] == [f"POST /tasks/{task.id}/claim"]
        assert "1 free · 1 mine" in sidebar_text(app) and ws.view_counts["My open"] == 1

        await pilot.press("n")
        await pilot.press(*"Counted.")
        await pilot.press("ctrl+s")
        await wait_for(lambda: any("Note added" in n.message for n in app._notifications), "the note confirmed")
        assert wire.sent[start + 1 :] == [f"POST /tasks/{task.id}/notes"]
        assert "Counted." in screen.query_one(TaskDetail).text  # the note's own event, in the history

        await pilot.press("x", "enter")
        await wait_for(lambda: table.current_task.is_closed, "the close confirmed on screen")
        assert wire.sent[start + 2 :] == [f"POST /tasks/{task.id}/close"]
        await wait_for(lambda: screen.follow_up.settled and idle(app), "whatever follows the writes")
        assert wire.sent[start + 3 :] == []  # three writes, three requests: the counts came from them

        counts, returns = await server_counts(wq_server)
        assert {q.id: q.counts for q in ws.queues.values()} == counts
        assert returns == "1 free · 0 mine" and returns in sidebar_text(app)
        assert ws.view_counts["My open"] == 0

        await pilot.press("enter")  # opening the task brings its history up to date, once
        await wait_for(lambda: "closed" in screen.query_one(TaskDetail).text.split("History")[-1], "the history")
        assert wire.sent[start + 3 :] == [f"GET /tasks/{task.id}/events"]
    assert (await ben.task(task.id)).status == "closed"


class LateQueues(CountingTransport):
    """The real transport, counting; the answer to ``/queues`` is held until ``go`` is set, so it
    arrives after a write made meanwhile (the server counted before that write)."""

    def __init__(self) -> None:
        super().__init__()
        self.go = asyncio.Event()
        self.go.set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if request.url.path.endswith("/queues"):
            await response.aread()  # the counts as the server had them when asked
            await self.go.wait()
        return response


async def test_counts_read_before_a_write_landed_are_asked_for_again(wq_server, ben):
    task = await make(ben, "Claimed while the counts are on their way")
    wire = LateQueues()
    settings = replace(load_settings(), refresh_interval=0)  # only what a write asks for is sent
    app = BackdeskApp(WorkQueueBackend(wq_server.url, "ana-token", transport=wire), settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        await focus_on(pilot, table, task.id)
        screen = app.screen
        await wait_for(lambda: idle(app), "the first screen")
        wire.go.clear()
        asked = wire.sent.count("GET /queues")
        await pilot.press("r")  # the refresh's /queues answer is late
        await wait_for(lambda: wire.sent.count("GET /queues") == asked + 1, "the counts asked for")
        await pilot.press("c")
        await wait_for(lambda: table.current_task.owner is not None, "the claim confirmed")
        assert screen.workspace.queues["returns"].counts.mine == 1
        wire.go.set()  # the counts from before the claim arrive
        await wait_for(lambda: wire.sent.count("GET /queues") == asked + 2, "the counts asked for again")
        counts, returns = await server_counts(wq_server)
        await wait_for(lambda: {q.id: q.counts for q in screen.workspace.queues.values()} == counts, "the counts")
        assert returns == "0 free · 1 mine" and returns in sidebar_text(app)
