"""Reading ahead: once the cursor rests on a task, the histories of the tasks beside it are read,
so that moving onto one shows its history at once, with no request then. Counted at the HTTP
transport, against the real reference server."""

from __future__ import annotations

import pytest

from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.tui.app import BackdeskApp
from backdesk.tui.settings_loader import load_settings
from backdesk.widgets.task_detail import TaskDetail

from .helpers import wait_for
from .test_operator_day import make, ready
from .test_requests_per_action import CountingTransport, idle

pytestmark = pytest.mark.anyio


def events_of(task_id: str) -> str:
    return f"GET /tasks/{task_id}/events"


async def test_moving_onto_a_neighbour_shows_its_history_with_no_request(wq_server, ben):
    # The list sorts by priority: top, middle, bottom. Each history holds a note of its own.
    ranks = [("top", "urgent"), ("mid", "high"), ("low", "normal")]
    tasks = [await make(ben, f"Read ahead {name}", priority=priority) for name, priority in ranks]
    for task in tasks:
        await ben.add_note(task.id, f"Note on {task.title}", idempotency_key=f"note-{task.id}")
    top, mid, low = tasks
    wire = CountingTransport()
    app = BackdeskApp(WorkQueueBackend(wq_server.url, "ana-token", transport=wire), settings=load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=3)
        detail = app.screen.query_one(TaskDetail)
        assert table.current_task.id == top.id
        await wait_for(lambda: "Note on Read ahead top" in detail.text, "the first task's history")
        # Resting on the top task reads the history of the one below (there is none above).
        await wait_for(lambda: events_of(mid.id) in wire.sent and idle(app), "the history below, read ahead")
        assert events_of(low.id) not in wire.sent

        start = len(wire.sent)
        await pilot.press("j")
        assert "Note on Read ahead mid" in detail.text  # at once, from what was read ahead
        # Resting there reads only what it lacks: the task below; the one above is known.
        await wait_for(lambda: events_of(low.id) in wire.sent and idle(app), "the next history, read ahead")
        assert wire.sent[start:] == [events_of(low.id)]

        start = len(wire.sent)
        await pilot.press("k")  # back up: known already
        assert "Note on Read ahead top" in detail.text
        await pilot.press("j", "j")
        assert "Note on Read ahead low" in detail.text
        await wait_for(lambda: idle(app), "the app at rest")
        assert wire.sent[start:] == []
