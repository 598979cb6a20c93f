"""The queue health dashboard (H): leads only; every figure drills down to the list the server
holds for it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import OptionList, Static

from backdesk.api_client import NewTask, TaskQuery
from backdesk.api_client.models import utcnow
from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.tui.confirm import ConfirmDialog
from backdesk.tui.dashboard import DashboardScreen
from backdesk.tui.health import COLUMN_KEYS
from backdesk.tui.lead_keys import LEADS_ONLY
from backdesk.tui.main_screen import MainScreen
from backdesk.tui.prompt import ChoiceDialog
from backdesk.widgets.stats_table import StatsTable
from backdesk.widgets.task_table import TaskTable

from .helpers import wait_for
from .test_operator_day import make, make_app, ready

pytestmark = pytest.mark.anyio


async def test_an_operator_cannot_open_the_dashboard(wq_server, ben):
    await make(ben, "Anything")
    app = make_app(wq_server, "ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await wait_for(lambda: app.screen.workspace.me is not None, "signing in")
        await pilot.press("H")
        await wait_for(lambda: any(n.message == LEADS_ONLY for n in app._notifications), "the refusal")
        assert isinstance(app.screen, MainScreen)
        assert not any(isinstance(s, DashboardScreen) for s in app.screen_stack)


async def seed_health(ben, lee) -> None:
    """Returns & Refunds breaches most; Billing has a task at risk; tasks held by ben and lee."""
    now = utcnow()
    for n in range(3):
        await make(ben, f"Late {n}", due_at=now - timedelta(hours=n + 1))
    soon = await make(ben, "Due soon", due_at=now + timedelta(minutes=30))
    await make(ben, "Later", due_at=now + timedelta(days=2))
    held = [await make(ben, f"Held {n}") for n in range(3)]
    await ben.claim(held[0].id)
    await ben.claim(held[1].id)
    await lee.claim(held[2].id)
    await lee.claim(soon.id)
    await ben.create_task(NewTask("billing", "Billing late", "body", due_at=now - timedelta(minutes=5)))
    await ben.create_task(NewTask("billing", "Billing soon", "body", due_at=now + timedelta(minutes=20)))
    await ben.create_task(NewTask("billing", "Billing calm", "body"))


async def open_dashboard(app, pilot) -> DashboardScreen:
    await pilot.press("H")
    await wait_for(lambda: isinstance(app.screen, DashboardScreen), "the dashboard")
    screen = app.screen
    await wait_for(lambda: screen.model.refreshed_at is not None, "the figures")
    await pilot.pause()
    return screen


async def drill(app, pilot, queue_id: str, column: str) -> None:
    """From the main screen: H, move the cursor with j/k and h/l to the figure, enter."""
    screen = await open_dashboard(app, pilot)
    table = screen.query_one(StatsTable)
    row, col = table.get_row_index(queue_id), COLUMN_KEYS.index(column)
    await pilot.press(*("j" if row > table.cursor_row else "k") * abs(row - table.cursor_row))
    await pilot.press(*("l" if col > table.cursor_column else "h") * abs(col - table.cursor_column))
    assert (table.row_key, table.column_key) == (queue_id, column)
    await pilot.press("enter")


async def listed(app, pilot) -> set[str]:
    await wait_for(lambda: isinstance(app.screen, MainScreen) and app.screen.workspace.loaded, "the drilled list")
    table = app.screen.query_one(TaskTable)
    ws = app.screen.workspace
    await wait_for(lambda: len(table.tasks) == len(ws.tasks), "the rows")
    return {t.id for t in table.tasks}


async def test_each_figure_drills_down_to_the_tasks_the_server_matches(wq_server, ben):
    lee = WorkQueueBackend(wq_server.url, "lee-token")
    await seed_health(ben, lee)

    async def server(q: str, queue: str = "returns") -> set[str]:
        page = await lee.tasks(TaskQuery(queue=queue, q=q, status=("open", "waiting"), limit=500))
        return {t.id for t in page.items}

    app = make_app(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        screen = await open_dashboard(app, pilot)
        assert [row.queue.id for row in screen.model.ordered()][:2] == ["returns", "billing"]
        stats = screen.model.rows["returns"].stats
        assert (stats.breached, stats.at_risk, stats.unclaimed) == (3, 1, 4)
        await pilot.press("escape")

        cases = [
            ("returns", "backlog", ""),
            ("returns", "unclaimed", "owner:none"),
            ("returns", "breached", "breached"),
            ("returns", "at_risk", "due:<1h"),
            ("billing", "breached", "breached"),
        ]
        for queue_id, column, text in cases:
            await drill(app, pilot, queue_id, column)
            expected = await server(text, queue_id)
            assert expected and await listed(app, pilot) == expected, (queue_id, column)
            ws = app.screen.workspace
            assert (ws.queue_id, ws.typed_filter) == (queue_id, text)
            await pilot.press("escape")  # back to the dashboard the figure came from
            await wait_for(lambda: isinstance(app.screen, DashboardScreen), "the dashboard again")
            await pilot.press("escape")
            await wait_for(lambda: isinstance(app.screen, MainScreen), "the list")
        await pilot.press("escape")  # the list stays as drilled, but esc no longer leads back
        await pilot.pause(0.2)
        assert isinstance(app.screen, MainScreen)

        await drill(app, pilot, "returns", "load")  # ben and lee hold tasks here: pick ben
        await wait_for(lambda: isinstance(app.screen, ChoiceDialog), "the holders")
        options = app.screen.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert ids == ["ben", "lee"]  # most loaded first
        await pilot.press("enter")
        assert await listed(app, pilot) == await server("owner:ben") and len(await server("owner:ben")) == 2
        first = app.screen.workspace.tasks[0].id
        await pilot.press("C")  # the lead acts on the drilled list: takes ben's first task over
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the steal question")
        await pilot.press("y")
        await wait_for(lambda: app.screen.workspace.task(first).owner.id == "lee", "the claim")
    assert (await lee.task(first)).owner.id == "lee"
    await lee.aclose()


async def test_a_failed_refresh_keeps_the_figures_and_says_so(wq_server, ben):
    await make(ben, "Anything")
    app = make_app(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        screen = await open_dashboard(app, pilot)
        before = screen.model.rows["returns"].stats
        assert before is not None and before.backlog == 1
        wq_server.stop()  # the server goes away
        await pilot.press("r")
        status = screen.query_one("#dash-status", Static)
        await wait_for(lambda: "Refresh failed" in str(status.render()), "the failure said", timeout=30)
        assert screen.model.rows["returns"].stats == before
        assert screen.query_one(StatsTable).get_cell("returns", "backlog").plain == "1"


async def test_the_dashboard_opens_where_the_lead_left_it(wq_server, ben):
    lee = WorkQueueBackend(wq_server.url, "lee-token")
    await seed_health(ben, lee)
    await lee.aclose()
    app = make_app(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await drill(app, pilot, "billing", "at_risk")
        await listed(app, pilot)
        screen = await open_dashboard(app, pilot)
        table = screen.query_one(StatsTable)
        await wait_for(lambda: (table.row_key, table.column_key) == ("billing", "at_risk"), "the same figure")
        assert "Billing" in str(screen.query_one("#dash-queue", Static).render())


async def test_now_beside_the_sparklines_is_the_figure_now_not_the_hours_first_look(wq_server, ben):
    """The hour's history point is recorded at the first look in the hour; a close after it must
    not leave "now" saying the old backlog."""
    first = await make(ben, "Late", due_at=utcnow() - timedelta(hours=1))
    await make(ben, "Calm")
    app = make_app(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        screen = await open_dashboard(app, pilot)
        await ben.close(first.id, "done")
        lee = WorkQueueBackend(wq_server.url, "lee-token")
        stats = await lee.queue_stats("returns")
        await lee.aclose()
        assert (stats.backlog, stats.breached) == (1, 0) and stats.history[-1].backlog != 1
        await pilot.press("r")
        await wait_for(lambda: screen.model.rows["returns"].stats.backlog == 1, "the new figures")
        await pilot.pause()
        backlog = str(screen.query_one("#dash-backlog-label", Static).render())
        breached = str(screen.query_one("#dash-breached-label", Static).render())
        assert backlog.endswith("now 1") and breached.endswith("now 0"), (backlog, breached)


async def test_the_footer_at_80_columns_names_h_and_l_rightly_and_keeps_help_whole(wq_server, ben):
    """The footer's h/l moves both ways, so it reads "h/l Figure" (not "Next figure", which h is
    not), and the shorter label lets "? Help" fit at 80 columns instead of "? Hel"."""
    await make(ben, "Anything")
    app = make_app(wq_server, "lee")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        screen = await open_dashboard(app, pilot)
        shown = {
            app.get_key_display(a.binding): a.binding.description
            for a in screen.active_bindings.values()
            if a.binding.show
        }
        assert shown["h/l"] == "Figure"
        svg = app.export_screenshot()
        assert ">Help" in svg and ">Hel<" not in svg
        table = screen.query_one(StatsTable)
        await pilot.press("l", "l")
        assert table.cursor_column == 2
        await pilot.press("h")
        assert table.cursor_column == 1
