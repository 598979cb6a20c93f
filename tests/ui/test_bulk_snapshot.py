"""The bulk report as a lead sees it: one task closed by someone else first, the others closed.

Same fixed clock, demo data and public URL as :mod:`test_snapshots`; accept a deliberate change
of look with ``pytest tests/ui/test_bulk_snapshot.py --snapshot-update``.
"""

from __future__ import annotations

from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.tui.app import BackdeskApp
from backdesk.tui.bulk_report import BulkScreen
from backdesk.tui.prompt import ChoiceDialog
from backdesk.tui.settings_loader import load_settings
from backdesk.widgets.task_table import TaskTable

from .helpers import wait_for
from .test_snapshots import PUBLIC_URL, server, settled  # noqa: F401 (server is a fixture)


def test_bulk_report(snap_compare, server):  # noqa: F811
    settings = load_settings()
    settings.theme = "backdesk-dark"
    lee = WorkQueueBackend(server.url, server.tokens["lee"])
    lee.label = f"Work Queue API at {PUBLIC_URL}"

    async def close_three(pilot):
        await settled(pilot)
        app = pilot.app
        table = app.screen.query_one(TaskTable)
        second = table.tasks[1]
        await pilot.press("J", "J")
        ben = WorkQueueBackend(server.url, server.tokens["ben"])
        await ben.close(second.id, "done", force=True)  # closed by someone else before the bulk close
        await ben.aclose()
        await pilot.press("x", "enter")
        await wait_for(lambda: isinstance(app.screen, ChoiceDialog), "the summary (someone holds #19)")
        await pilot.press("j", "enter")  # close only those nobody else holds
        await wait_for(lambda: isinstance(app.screen, BulkScreen), "the report")
        report = app.screen
        await wait_for(lambda: not report.bulk_run.running, "the run to end")
        await wait_for(lambda: not any(w.is_running for w in app.workers), "the list to catch up")
        app.clear_notifications()  # "#13 closed: unmarked." is said, but a toast is timing
        await pilot.pause(0.4)

    app = BackdeskApp(lee, settings=settings)
    assert snap_compare(app, terminal_size=(100, 30), run_before=close_three)
