"""The sidebar's figures, as an operator reads them."""

import pytest
from textual.app import App, ComposeResult

from backdesk.api_client import Queue, QueueCounts
from backdesk.widgets.queue_list import QueueList, ViewEntry

pytestmark = pytest.mark.anyio


class Sidebar(App[None]):
    def compose(self) -> ComposeResult:
        yield QueueList()


async def test_every_count_has_thousands_separators():
    app = Sidebar()
    async with app.run_test(size=(40, 12)) as pilot:
        counts = QueueCounts(open=20875, unclaimed=14465, mine=3, breached=2547)
        app.query_one(QueueList).show([Queue("orders", "Orders", counts=counts)], [ViewEntry("My open", 5844)])
        await pilot.pause()
        shown = app.export_screenshot().replace("&#160;", " ")
        assert "5,844" in shown and "20,875" in shown and "⚠2,547 late" in shown
