"""One request per operator action: a claim, a note and a close each send exactly their write
before the screen confirms them, and what the screen needs afterwards (the counts, the history)
comes once the writes pause, coalesced. Counted at the HTTP transport, against the real
reference server."""

from __future__ import annotations

import httpx
import pytest

from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.tui import follow_up
from backdesk.tui.app import BackdeskApp
from backdesk.tui.settings_loader import load_settings
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


async def test_claim_note_close_send_one_request_each_and_the_counts_come_once(wq_server, ben, monkeypatch):
    # Writes closer together than this pause share one reload (long enough for a busy machine).
    monkeypatch.setattr(follow_up, "WRITES_PAUSE", 5.0)
    task = await make(ben, "Count my requests")
    wire = CountingTransport()
    app = BackdeskApp(WorkQueueBackend(wq_server.url, "ana-token", transport=wire), settings=load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        await focus_on(pilot, table, task.id)
        screen = app.screen
        await wait_for(lambda: screen.follow_up.shown == task.id and idle(app), "the task and its history")
        start = len(wire.sent)

        await pilot.press("c")
        await wait_for(lambda: table.current_task.owner is not None, "the claim confirmed on screen")
        assert wire.sent[start:] == [f"POST /tasks/{task.id}/claim"]

        await pilot.press("n")
        await pilot.press(*"Counted.")
        await pilot.press("ctrl+s")
        await wait_for(lambda: any("Note added" in n.message for n in app._notifications), "the note confirmed")
        assert wire.sent[start + 1 :] == [f"POST /tasks/{task.id}/notes"]
        assert "Counted." in screen.query_one(TaskDetail).text  # the note's own event, in the history

        await pilot.press("x", "enter")
        await wait_for(lambda: table.current_task.is_closed, "the close confirmed on screen")
        assert wire.sent[start + 2 :] == [f"POST /tasks/{task.id}/close"]

        await wait_for(lambda: "GET /queues" in wire.sent[start:] and idle(app), "the counts after the writes")
        assert wire.sent[start + 3 :] == ["GET /queues"]  # three writes, one reload of the counts

        await pilot.press("enter")  # opening the task brings its history up to date, once
        await wait_for(lambda: "closed" in screen.query_one(TaskDetail).text.split("History")[-1], "the history")
        assert wire.sent[start + 4 :] == [f"GET /tasks/{task.id}/events"]
    assert (await ben.task(task.id)).status == "closed"
