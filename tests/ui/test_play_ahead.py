"""Play mode looks up the next task while the operator closes the current one, so ``space``
only claims; a candidate someone else took meanwhile is passed over, and the operator told who
had it. Against the real reference server, counted at the HTTP transport."""

from __future__ import annotations

import pytest

from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.tui.app import BackdeskApp
from backdesk.tui.close_dialog import CloseDialog
from backdesk.tui.settings_loader import load_settings

from .helpers import wait_for
from .test_operator_day import make, ready
from .test_requests_per_action import CountingTransport

pytestmark = pytest.mark.anyio


def said(app: BackdeskApp, text: str) -> str | None:
    """The notification that holds ``text``, if any."""
    return next((n.message for n in app._notifications if text in n.message), None)


async def test_space_claims_the_task_looked_up_ahead_and_passes_over_one_taken_meanwhile(wq_server, ben):
    first = await make(ben, "Most urgent", priority="urgent")
    second = await make(ben, "Taken meanwhile", priority="high")
    third = await make(ben, "Still free", priority="normal")
    wire = CountingTransport()
    app = BackdeskApp(WorkQueueBackend(wq_server.url, "ana-token", transport=wire), settings=load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=3)
        main = app.screen
        await pilot.press("space")
        await wait_for(lambda: said(app, f"Now on #{first.id}"), "play takes the most urgent task")
        await pilot.press("x")
        await wait_for(lambda: isinstance(app.screen, CloseDialog), "the close dialog")
        await wait_for(lambda: main.workspace.play.ahead is not None, "the next task looked up while this one closes")
        await ben.claim(second.id)  # someone else is quicker

        start = len(wire.sent)
        await pilot.press("enter")
        await wait_for(lambda: said(app, f"Next up: #{second.id}"), "the next task offered from the look ahead")
        assert [r for r in wire.sent[start:] if r.startswith("POST") or r == "GET /tasks"] == [
            f"POST /tasks/{first.id}/close"
        ]

        start = len(wire.sent)
        await pilot.press("space")
        await wait_for(lambda: said(app, f"Now on #{third.id}"), "the following candidate taken")
        assert [r for r in wire.sent[start:] if r.startswith("POST") or r == "GET /tasks"] == [
            f"POST /tasks/{second.id}/claim",
            f"POST /tasks/{third.id}/claim",
        ]
        holder = (await ben.task(second.id)).owner
        assert holder is not None and holder.id == "ben"
        assert f"#{second.id} ({holder.name} took it)" in (said(app, f"Now on #{third.id}") or "")
        assert table.current_task.id == third.id and table.current_task.owner.id == "ana"
    assert (await ben.task(first.id)).status == "closed"
    assert (await ben.task(third.id)).owner.id == "ana"
