"""A queue far longer than the table's window, on the reference server, with pages of 20:
g / G / page keys land on the server's own order, the rows held stay bounded, and a refresh
keeps the cursor on its task."""

from __future__ import annotations

import pytest

from backdesk.api_client import NewTask
from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.server import ReferenceServer
from backdesk.tui import workspace
from backdesk.widgets.task_table import TaskTable

from .helpers import wait_for
from .test_operator_day import make_app, ready

pytestmark = pytest.mark.anyio
PAGE = 20


@pytest.fixture
def long_queue(tmp_path, monkeypatch):
    """A server with 1,200 demo tasks, and pages of 20 in the app."""
    monkeypatch.setattr(workspace, "PAGE_SIZE", PAGE)
    people = [("ana", "ana-token"), ("ben", "ben-token")]
    with ReferenceServer(
        tmp_path / "long.sqlite3", operators=people, demo_data=1200, operators_may_create=True
    ) as server:
        yield server


async def server_order(server: ReferenceServer, app) -> list[str]:
    """Every task id of the app's list, in the server's order."""
    backend = WorkQueueBackend(server.url, "ben-token")
    query = app.screen.workspace.query(limit=500)
    ids: list[str] = []
    cursor = None
    try:
        while True:
            page = await backend.tasks(query, cursor)
            ids += [t.id for t in page.items]
            if (cursor := page.next_cursor) is None:
                return ids
    finally:
        await backend.aclose()


def on(table: TaskTable, task_id: str) -> bool:
    return table.current_task is not None and table.current_task.id == task_id


def in_place(app, order: list[str]) -> bool:
    """Every row held is the server's row at its position."""
    window = app.screen.workspace.window
    return [t.id for t in window.rows] == order[window.offset : window.offset + len(window.rows)]


async def test_G_lands_on_the_last_task_and_k_and_page_up_walk_back_through_the_list(long_queue):
    app = make_app(long_queue)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        order = await server_order(long_queue, app)
        size = len(order)
        assert size > 10 * PAGE
        await wait_for(lambda: f"· 1 of {size:,} ·" in str(table.border_title), "the server's total in the title")
        await pilot.press("G")
        await wait_for(lambda: on(table, order[-1]), "the last task")
        assert f"· {size:,} of {size:,} ·" in str(table.border_title)
        await pilot.press(*["k"] * 30)
        await wait_for(lambda: on(table, order[-31]), "thirty rows up from the end")
        for _ in range(3):
            await pilot.press(*["pageup"] * 4)
            await wait_for(lambda: on(table, order[table.cursor_row]), "the task at the cursor's row")
            assert in_place(app, order)
        assert table.cursor_row < size - 31 - 4 * 3 * 10
        await pilot.press("g")
        await wait_for(lambda: on(table, order[0]), "the first task")
        await pilot.press("j")
        await wait_for(lambda: on(table, order[1]), "the second task")


async def test_paging_far_holds_a_bounded_window_of_the_right_rows(long_queue):
    app = make_app(long_queue)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        order = await server_order(long_queue, app)
        window = app.screen.workspace.window
        for _ in range(8):
            await pilot.press(*["pagedown"] * 8)
            await wait_for(lambda: on(table, order[table.cursor_row]), "the task at the cursor's row")
            assert in_place(app, order)
            assert len(window.rows) <= window.max_pages * PAGE and len(window.held) <= window.max_pages
        assert table.cursor_row > 600
        assert table.row_count <= window.max_pages * PAGE
        await pilot.press(*["j"] * 25)  # over a page edge, the next page fetched ahead
        await wait_for(lambda: on(table, order[table.cursor_row]), "the task 25 rows on")


async def test_a_refresh_deep_in_the_list_keeps_the_cursor_on_its_task(long_queue):
    app = make_app(long_queue)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        order = await server_order(long_queue, app)
        await pilot.press(*["pagedown"] * 20)
        await wait_for(lambda: on(table, order[table.cursor_row]), "a task deep in the list")
        task, row = table.current_task, table.cursor_row
        ben = WorkQueueBackend(long_queue.url, "ben-token")
        try:
            await ben.create_task(NewTask("returns", "Escalated by phone", priority="urgent"))
        finally:
            await ben.aclose()
        await pilot.press("r")
        await wait_for(lambda: f"of {len(order) + 1:,} ·" in str(table.border_title), "the new total")
        # The same task on the same row: the pages held are read again from their own
        # cursors, so a task added far above shows in the total, not as a jump on screen.
        assert on(table, task.id) and table.cursor_row == row
        await pilot.press("G")
        await wait_for(lambda: on(table, order[-1]), "the last task")
