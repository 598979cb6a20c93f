"""The operator's loop stays trustworthy: a live list, a screen that agrees with itself, keys that
do what the screen says, readable at any size. Each test drives the app with Pilot against a real
reference server and checks the screen (and the server, where something is written)."""

from __future__ import annotations

import socket

import httpx
import pytest
from textual.filter import NoColor
from textual.widgets import Footer, OptionList
from textual.widgets._footer import FooterKey

from backdesk.api_client import NewTask
from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.server import ReferenceServer
from backdesk.tui.app import BackdeskApp
from backdesk.tui.close_dialog import CloseDialog
from backdesk.tui.columns_dialog import ColumnsDialog
from backdesk.tui.confirm import ConfirmDialog
from backdesk.tui.help_screen import HelpScreen
from backdesk.tui.settings_loader import load_settings
from backdesk.widgets.queue_list import QueueList
from backdesk.widgets.task_columns import COLUMNS
from backdesk.widgets.task_detail import TaskDetail
from backdesk.widgets.task_table import TaskTable

from .helpers import wait_for
from .test_operator_day import focus_on, make, make_app, ready

pytestmark = pytest.mark.anyio


def footer_keys(app: BackdeskApp) -> list[str]:
    """The keys the footer of the screen on top shows, as displayed."""
    return [app.get_key_display(a.binding) for a in app.screen.active_bindings.values() if a.binding.show]


async def test_auto_refresh_updates_rows_counts_and_marks_keeping_the_cursor(wq_server, ben, tmp_path):
    tasks = [await make(ben, f"Live {n}") for n in range(3)]
    settings = load_settings()
    settings.refresh_interval = 1
    app = BackdeskApp(WorkQueueBackend(wq_server.url, "ana-token"), settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=3)
        await focus_on(pilot, table, tasks[2].id)
        await ben.claim(tasks[0].id)  # another operator works the same queue
        added = await make(ben, "Arrived meanwhile")

        def row(task_id: str):
            return next(t for t in table.tasks if t.id == task_id)

        await wait_for(
            lambda: table.has_task(added.id) and row(tasks[0].id).owner is not None,
            "the refresh to bring the claim and the new task",
            timeout=15,
        )
        assert table.current_task.id == tasks[2].id  # the operator's place is kept
        assert {tasks[0].id, added.id} <= app.screen.workspace.changed
        assert table.mark(added.id) == "●"
        assert table.mark(tasks[1].id) == " "
        ws = app.screen.workspace
        await wait_for(
            lambda: ws.queues["returns"].counts.open == 4 and ws.queues["returns"].counts.unclaimed == 3,
            "the sidebar counts",
        )
        assert str(table.border_title).startswith("All queues · 3 of 4 · ")


async def test_a_close_updates_title_and_sidebar_together(wq_server, ben):
    tasks = [await make(ben, f"Count me {n}") for n in range(2)]
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=2)
        await focus_on(pilot, table, tasks[0].id)
        await pilot.press("c")
        await wait_for(lambda: table.current_task.owner is not None, "the claim")
        await pilot.press("x")
        await wait_for(lambda: isinstance(app.screen, CloseDialog), "the close dialog")
        await pilot.press("ctrl+s")
        await wait_for(lambda: table.current_task.is_closed, "the close")
        assert str(table.border_title).startswith("All queues · 1 of 1 · ")
        ws = app.screen.workspace
        await wait_for(lambda: ws.queues["returns"].counts.open == 1, "the sidebar to count one open task")
        assert (await ben.task(tasks[0].id)).status == "closed"


async def test_switching_queue_clears_the_filter_bar_and_a_new_view_starts_at_the_top(wq_server, ben):
    tasks = [await make(ben, f"Row {n}") for n in range(5)]
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=5)
        await pilot.press("slash", *"Row", "enter")
        await wait_for(lambda: str(table.border_title).endswith("· Row"), "the filtered title")
        await focus_on(pilot, table, tasks[0].id)
        await pilot.press("b")
        app.screen.query_one(QueueList).select("q:returns")
        await pilot.press("j", "k")  # move off and back onto the Returns queue: it is chosen
        await wait_for(lambda: app.screen.workspace.queue_id is not None, "the queue")
        await wait_for(lambda: table.row_count == 5, "the queue's tasks")
        assert app.screen.query_one("#filter").value == ""
        assert str(table.border_title).startswith("Returns & Refunds · 1 of 5 · ")
        await pilot.press("escape", "G")  # to the bottom, then a new sort: back to the top
        assert table.cursor_row == 4
        await pilot.press("s")
        await wait_for(lambda: "by due" in str(table.border_title) and table.row_count == 5, "the new sort")
        assert table.cursor_row == 0


async def test_the_detail_opens_at_the_title_of_each_task(wq_server, ben):
    long_body = "\n".join(f"line {n}" for n in range(80))
    first = await ben.create_task(NewTask("returns", "Long one", long_body, priority="urgent"))
    second = await make(ben, "Second")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=2)
        await focus_on(pilot, table, first.id)
        detail = app.screen.query_one(TaskDetail)
        await pilot.press("enter", "j", "j", "j", "j", "j")
        await wait_for(lambda: detail.scroll_y > 0, "the detail to scroll")
        await pilot.press("tab")  # back to the table
        table.focus()
        await focus_on(pilot, table, second.id)
        await wait_for(lambda: detail.scroll_y == 0, "the next task's detail at its top")


async def test_play_mode_does_not_offer_back_a_task_just_released(wq_server, ben):
    first = await make(ben, "Most urgent", priority="urgent")
    second = await make(ben, "Next one", priority="high")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=2)
        await pilot.press("space")
        await wait_for(lambda: table.current_task.id == first.id and table.current_task.owner, "play takes the first")
        table.focus()
        await pilot.press("u")
        await wait_for(lambda: table.current_task.id == second.id, "the next one offered, not the released one")
        assert (await ben.task(first.id)).owner is None
        assert any("Next up: #" + second.id in n.message for n in app._notifications)


async def test_no_color_uses_the_terminals_own_colours(wq_server, ben, monkeypatch):
    await make(ben, "Readable")
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(wq_server)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await ready(app, pilot)
        assert [type(f) for f in app.get_line_filters()] == [NoColor]
        assert table.get_component_rich_style("datatable--cursor").reverse


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (100, 30), (120, 40), (149, 40), (150, 40)])
@pytest.mark.parametrize("who", ["ana", "lee"])
async def test_the_footer_keeps_help_and_the_loop_keys_on_every_width(wq_server, ben, size, who):
    await make(ben, "Small screen")
    app = make_app(wq_server, who)
    async with app.run_test(size=size) as pilot:
        await ready(app, pilot)
        await wait_for(lambda: app.screen.workspace.me is not None, "signed in")  # a lead's keys come then
        await pilot.pause()
        keys = footer_keys(app)
        assert {"c", "x", "space", "/", "?", "q"} <= set(keys)
        footer = app.screen.query_one(Footer)
        assert footer.compact == (size[0] < 100)
        cut = [key.key_display for key in footer.query(FooterKey) if key.region.right > footer.content_region.right]
        assert not cut, f"the footer cuts off {cut} of {keys}"


async def test_columns_fill_the_width_and_narrow_terminals_drop_low_value_ones(wq_server, ben):
    await make(ben, "A title long enough to want every cell the table can give it")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        used = 3 + sum(width + 2 for _, width in table.layout)  # the mark column, cells padded by one
        assert used >= table.scrollable_content_region.width - 4  # the columns fill the width
        for index, (key, width) in enumerate(table.layout):  # and only the title is wider than what it shows
            if key != "title":
                widest = max([len(COLUMNS[key].label)] + [table.cells(t.id)[index].cell_len for t in table.tasks])
                assert width <= widest, key
        await pilot.resize_terminal(44, 20)
        await wait_for(lambda: "status" not in [key for key, _ in table.layout], "status dropped")
        shown = dict(table.layout)
        assert {"priority", "title"} <= set(shown)  # low-value columns went first, whole
        assert shown["title"] >= 14


async def test_vim_keys_pick_the_resolution_in_the_close_dialog(wq_server, ben):
    task = await make(ben, "Reject me")
    await ben.claim(task.id)
    app = make_app(wq_server, "ben")
    async with app.run_test(size=(80, 24)) as pilot:
        table = await ready(app, pilot)
        await focus_on(pilot, table, task.id)
        await pilot.press("x")
        await wait_for(lambda: isinstance(app.screen, CloseDialog), "the close dialog")
        assert "esc" in footer_keys(app)  # the dialog's own keys in the footer
        await pilot.press("j")
        assert app.screen.query_one(OptionList).highlighted == 1
        await pilot.press("ctrl+s")
        await wait_for(lambda: table.current_task.is_closed, "the close")
        assert (await ben.task(task.id)).resolution == "rejected"


async def test_help_scrolls_with_vim_keys(wq_server, ben):
    await make(ben, "Help me")
    app = make_app(wq_server)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        await pilot.press("question_mark")
        await wait_for(lambda: isinstance(app.screen, HelpScreen), "help")
        pane = app.screen.query_one(".dialog")
        await pilot.press("G")
        await wait_for(lambda: pane.scroll_y > 0, "help at its end")
        await pilot.press("g")
        await wait_for(lambda: pane.scroll_y == 0, "help at its top")


async def test_enter_opens_what_the_sidebar_search_found(wq_server, ben):
    await make(ben, "Somewhere")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await pilot.press("b", "slash", *"billing", "enter")  # one enter opens what the search found
        await wait_for(lambda: app.screen.workspace.queue_id == "billing", "the Billing queue")
        assert app.focused is app.screen.query_one(TaskTable)
        assert app.screen.query_one("#sidebar-search").value == ""  # and the whole list is back
        assert len(app.screen.query_one(QueueList).choice.options) > 3


async def test_help_and_palette_list_every_action_wherever_focus_is(wq_server, ben):
    await make(ben, "Anything")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await pilot.press("slash")  # focus in the filter bar
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert commands["Claim  (c)"] == "Take the task so nobody else works on it"
        assert "Close  (x)" in commands and "Skip  (>)" in commands
        assert not any(help.startswith("backdesk action") for help in commands.values())
        await pilot.press("escape", "question_mark")
        await wait_for(lambda: isinstance(app.screen, HelpScreen), "help")
        rows = {row.keys: row for row in app.screen.rows}
        assert {">", "enter", "tab shift+tab", "c", "j"} <= set(rows)
        assert rows[">"].id == "play.skip"
        by_id = {row.id: row for row in app.screen.rows}  # each key of a footer pair on its own line
        assert by_id["table.down"][:2] == ("j", "Next task")
        assert by_id["table.up"][:2] == ("k", "Previous task")
        shown = app.export_screenshot()
        assert "1…9" in shown and "view.1&#160;…&#160;view.9" in shown


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ('refund "unbalanced', "the quote is not closed"),
        ("tag:", "tag: needs a value"),
        ('queue:"Retrns & Refunds"', 'did you mean queue:"Returns & Refunds"?'),
    ],
)
async def test_a_bad_filter_is_named_under_the_bar_and_nothing_is_sent(wq_server, ben, typed, named):
    await make(ben, "Refund one")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        generation = app.screen.workspace.generation
        await pilot.press("slash", *typed, "enter")
        error = app.screen.query_one("#filter-error")
        await wait_for(lambda: named in str(error.render()), "the problem under the filter bar")
        assert app.screen.query_one("#filter").value == typed  # the typing survives
        assert app.screen.workspace.generation == generation and table.row_count == 1


async def test_closing_someone_elses_task_asks_first_and_reopen_undoes_a_close(wq_server, ben):
    task = await make(ben, "Ben is on it")
    await ben.claim(task.id)
    app = make_app(wq_server)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await ready(app, pilot)
        await focus_on(pilot, table, task.id)
        await pilot.press("x")
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the question")
        assert "Ben" in app.screen.question  # names the holder
        await pilot.press("n")
        await wait_for(lambda: not isinstance(app.screen, ConfirmDialog), "the question to go")
        assert not (await ben.task(task.id)).is_closed  # no means nothing happens
        await pilot.press("x", "y")
        await wait_for(lambda: isinstance(app.screen, CloseDialog), "the close dialog")
        assert "holds this task" in str(app.screen.query_one("#close-holder").render())
        await pilot.press("ctrl+s")
        await wait_for(lambda: table.current_task.is_closed, "the close")
        events = await ben.events(task.id)
        assert (events[-1].kind, events[-1].actor.id) == ("closed", "ana")
        assert any("R reopens it" in n.message for n in app._notifications)
        await pilot.press("R")
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the reopen question")
        await pilot.press("y")
        await wait_for(lambda: not table.current_task.is_closed, "the reopen")
        assert (await ben.task(task.id)).status == "open"
        assert (await ben.events(task.id))[-1].kind == "reopened"


async def test_the_close_dialog_says_when_a_task_is_unclaimed(wq_server, ben):
    task = await make(ben, "Nobody's")
    app = make_app(wq_server)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await ready(app, pilot)
        await focus_on(pilot, table, task.id)
        await pilot.press("x")
        await wait_for(lambda: isinstance(app.screen, CloseDialog), "the close dialog")
        assert "Nobody holds this task" in str(app.screen.query_one("#close-holder").render())


async def test_o_gives_the_tasks_web_page_which_opens_without_a_token(wq_server, ben, monkeypatch):
    for var in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(var, raising=False)  # no browser here: the URL goes to the clipboard
    task = await make(ben, "Show me in a browser")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        await focus_on(pilot, table, task.id)
        await pilot.press("o")
        url = app.clipboard
    assert url and "/api/" not in url
    async with httpx.AsyncClient() as client:  # a browser has no token: the link itself is enough
        page = await client.get(url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Show me in a browser" in page.text


async def test_ticked_columns_read_without_colour(wq_server, ben, monkeypatch):
    await make(ben, "Columns")
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(wq_server)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        app.screen.action_choose_columns()
        await wait_for(
            lambda: isinstance(app.screen, ColumnsDialog) and app.screen.query("SelectionList"), "the columns dialog"
        )
        selection = app.screen.query_one("SelectionList")
        ticked = selection.get_component_rich_style("selection-list--button-selected")
        unticked = selection.get_component_rich_style("selection-list--button")
        assert (ticked.reverse, ticked.bold) == (True, True) and unticked.dim and not unticked.reverse


async def test_an_unknown_owner_is_named_under_the_bar_with_the_closest_operator(wq_server, ben):
    await make(ben, "Owned by someone")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await pilot.press("slash", *"owner:bne", "enter")
        error = app.screen.query_one("#filter-error")
        await wait_for(lambda: "did you mean owner:ben?" in str(error.render()), "the problem under the filter bar")
        assert app.screen.query_one("#filter").value == "owner:bne"


async def test_a_refresh_never_moves_the_cursor_to_another_task(wq_server, ben):
    mine, other = await make(ben, "Claim me", priority="high"), await make(ben, "Leave me")
    settings = load_settings()
    settings.refresh_interval = 1
    app = BackdeskApp(WorkQueueBackend(wq_server.url, "ana-token"), settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await ready(app, pilot, rows=2)
        await pilot.press("slash", *"owner:none", "enter")
        await focus_on(pilot, table, mine.id)
        await pilot.press("c")  # now it no longer matches owner:none
        ws = app.screen.workspace
        await wait_for(lambda: mine.id in ws.departed, "a refresh without the claimed task", timeout=15)
        assert table.current_task.id == mine.id and table.mark(mine.id) == "○"
        await pilot.press("x")
        await wait_for(lambda: isinstance(app.screen, CloseDialog), "the close dialog")
        assert app.screen.target.id == mine.id
        await pilot.press("ctrl+s")
        await wait_for(lambda: table.current_task.is_closed, "the close")
    assert (await ben.task(mine.id)).is_closed and not (await ben.task(other.id)).is_closed


async def test_notices_name_who_took_or_closed_the_task_on_screen(wq_server, ben, monkeypatch):
    monkeypatch.setattr("backdesk.tui.main_screen.WATCH_INTERVAL", 0.2)
    task = await make(ben, "Contested")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        await focus_on(pilot, table, task.id)
        await pilot.press("c")
        await wait_for(lambda: table.current_task.owner is not None, "ana's claim")
        await ben.claim(task.id, force=True)

        def said(text: str) -> bool:
            return any(text in n.message for n in app._notifications)

        await wait_for(lambda: said(f"Ben Okafor took #{task.id} over from you."), "the take-over notice")
        await ben.close(task.id, "done")
        await wait_for(lambda: said(f"#{task.id} was just closed by Ben Okafor."), "the close notice")


async def test_starting_while_the_server_is_down_recovers_by_itself(tmp_path):
    with socket.socket() as probe:  # a free port, for a server that is not there yet
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = BackdeskApp(WorkQueueBackend(f"http://127.0.0.1:{port}", "ana-token"), settings=load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        detail, topbar = app.screen.query_one(TaskDetail), app.screen.query_one("#topbar")
        await wait_for(lambda: "Trying again in" in detail.text, "the retry")
        await wait_for(lambda: "○ offline" in str(topbar.render()), "the header to say offline")
        server = ReferenceServer(tmp_path / "late.sqlite3", port=port, operators=[("ana", "ana-token")])
        with server:
            await wait_for(lambda: app.screen.workspace.me is not None, "signing in once it is up", timeout=20)
            await wait_for(lambda: "● online" in str(topbar.render()), "the header to say online")
            await pilot.pause()
        errors = [n for n in app._notifications if n.severity == "error"]
        assert len(errors) == 1  # said once, not on every attempt


async def test_a_steal_fails_when_someone_else_took_the_task_meanwhile(wq_server, ben):
    task = await make(ben, "Ben's, then Lee's")
    await ben.claim(task.id)
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        await focus_on(pilot, table, task.id)
        await pilot.press("C")
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the question")
        assert "from Ben" in app.screen.question
        lee = WorkQueueBackend(wq_server.url, "lee-token")
        await lee.claim(task.id, force=True)  # the lead takes it while ana reads the question
        await lee.aclose()
        await pilot.press("y")
        await wait_for(lambda: any("Lee Park" in n.message for n in app._notifications), "the refusal naming Lee")
        assert (await ben.task(task.id)).owner.id == "lee"
        await wait_for(lambda: table.current_task.owner.id == "lee", "the row to show who holds it")


async def test_a_close_that_meets_a_change_says_what_changed_and_keeps_the_note(wq_server, ben):
    task = await make(ben, "Moving target")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        await focus_on(pilot, table, task.id)
        await pilot.press("x")
        await wait_for(lambda: isinstance(app.screen, CloseDialog), "the close dialog")
        await pilot.press("tab", *"Refunded in full")
        await ben.claim(task.id)  # meanwhile
        await pilot.press("ctrl+s")
        error = app.screen.query_one("#close-error")
        await wait_for(lambda: "owner nobody → Ben Okafor" in str(error.render()), "what changed")
        assert not (await ben.task(task.id)).is_closed
        await pilot.press("escape")  # back, and the note is kept
        await wait_for(lambda: not isinstance(app.screen, CloseDialog), "the list")
        await pilot.press("x", "y")  # Ben holds it now: asked first
        await wait_for(lambda: isinstance(app.screen, CloseDialog), "the close dialog again")
        assert app.screen.query_one("#close-note").text == "Refunded in full"
        await pilot.press("ctrl+s")
        await wait_for(lambda: table.current_task.is_closed, "the close")
    events = await ben.events(task.id)
    assert [(e.kind, e.body) for e in events[-2:]] == [
        ("note", "Refunded in full"),
        ("closed", "done (held by Ben Okafor; forced)"),
    ]
