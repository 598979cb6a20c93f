"""A shift's worth of key paths, each checked against what the reference server holds afterwards."""

from __future__ import annotations

import tomllib
from datetime import timedelta

import pytest
from textual.widgets import Static

from backdesk.api_client import NewTask
from backdesk.api_client.models import utcnow
from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.tui.app import BackdeskApp
from backdesk.tui.confirm import ConfirmDialog
from backdesk.tui.main_screen import MainScreen
from backdesk.tui.note_editor import NoteEditor
from backdesk.tui.prompt import PromptDialog
from backdesk.tui.settings_loader import config_dir, load_settings
from backdesk.widgets.task_table import TaskTable

from .helpers import wait_for

pytestmark = pytest.mark.anyio


def make_app(wq_server, who: str = "ana") -> BackdeskApp:
    return BackdeskApp(WorkQueueBackend(wq_server.url, f"{who}-token"), settings=load_settings())


async def ready(app: BackdeskApp, pilot, rows: int = 1) -> TaskTable:
    table = app.screen.query_one(TaskTable)
    await wait_for(lambda: table.row_count >= rows and isinstance(app.screen, MainScreen), "the task table")
    return table


async def focus_on(pilot, table: TaskTable, task_id: str) -> None:
    await wait_for(lambda: table.has_task(task_id), f"task {task_id} in the table")
    table.move_to(task_id)
    await pilot.pause()


async def make(ben, title: str, **kw) -> object:
    return await ben.create_task(NewTask("returns", title, "body", **kw))


def state_file() -> dict:
    return tomllib.loads((config_dir() / "app-state.toml").read_text())


async def test_bad_filter_token_is_named_and_nothing_is_lost(wq_server, ben):
    await make(ben, "Refund for kettle", reference="ORD-1")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await pilot.press("slash", *"kettle priority:>=hgih", "enter")
        error = app.screen.query_one("#filter-error", Static)
        await wait_for(lambda: "priority:>=hgih" in str(error.render()), "the inline error naming the token")
        assert app.screen.query_one("#filter").value == "kettle priority:>=hgih"  # the typing survives
        await pilot.press("ctrl+u", *"kettle", "enter")
        table = app.screen.query_one(TaskTable)
        await wait_for(lambda: [t.title for t in table.tasks] == ["Refund for kettle"], "the filtered list")
        await pilot.press("slash", "ctrl+u", "up")
        assert app.screen.query_one("#filter").value == "kettle"


async def test_sort_and_filter_are_remembered_per_queue_across_restarts(wq_server, ben):
    await make(ben, "A task")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await pilot.press("s", "S")  # due, then reversed
        await pilot.press("slash", *"task", "enter")
        await pilot.pause()
    assert state_file()["queues"][f"Work Queue API at {wq_server.url} / *"] == {"sort": "-due_at", "filter": "task"}
    again = make_app(wq_server)
    async with again.run_test(size=(120, 40)) as pilot:
        await ready(again, pilot)
        screen = again.screen
        assert (screen.workspace.sort.to_param(), screen.workspace.typed_filter) == ("-due_at", "task")
        assert "by due ↓" in str(screen.query_one(TaskTable).border_title)


async def test_a_view_is_saved_with_V_and_jumped_to_with_its_number(wq_server, ben):
    mine = await make(ben, "Mine to do")
    await ben.claim(mine.id)
    await make(ben, "Someone's other")
    app = make_app(wq_server, "ben")
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=2)
        await pilot.press("slash", *"owner:me", "enter")
        await wait_for(lambda: [t.id for t in table.tasks] == [mine.id], "the owner:me filter")
        await pilot.press("V")
        await wait_for(lambda: isinstance(app.screen, PromptDialog), "the view-name prompt")
        await pilot.press("ctrl+u", *"Ben's own", "enter")
        await wait_for(lambda: any(v.name == "Ben's own" for v in app.settings.views), "the saved view")
        assert {"name": "Ben's own", "filter": "owner:me", "sort": "-priority"} in state_file()["views"]
        assert str(table.border_title).startswith("★ Ben's own · 1 of 1 · ")  # the list is now the view
        await pilot.press("b", "j")  # from the view's entry down to "All queues", which remembers owner:me
        await wait_for(lambda: app.screen.workspace.view is None, "All queues")
        assert app.screen.query_one("#filter").value == "owner:me"
        await pilot.press("escape", "slash", "ctrl+u", "enter")  # back to the table, clear the filter
        await wait_for(lambda: table.row_count == 2, "the unfiltered list")
        await pilot.press(str(len(app.settings.views)))  # the new view is the last one
        await wait_for(lambda: [t.id for t in table.tasks] == [mine.id], "the view's tasks")
        await pilot.press("right_square_bracket")  # cycles round to view 1, "My open"
        await wait_for(
            lambda: app.screen.workspace.view and app.screen.workspace.view.name == "My open", "the next view"
        )


async def test_play_mode_takes_the_most_urgent_then_skips_with_a_reason(wq_server, ben):
    low = await make(ben, "Low one", priority="low")
    urgent = await make(ben, "Urgent one", priority="urgent", due_at=utcnow() + timedelta(hours=1))
    taken = await make(ben, "Already taken", priority="urgent")
    await ben.claim(taken.id)
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot, rows=3)
        await pilot.press("space")
        await wait_for(lambda: _owner_is(ben, urgent.id, "ana"), "ana to hold the urgent task")
        await pilot.press("greater_than_sign")
        await wait_for(lambda: isinstance(app.screen, PromptDialog), "the skip reason prompt")
        await pilot.press(*"needs a Welsh speaker", "enter")
        await wait_for(lambda: _owner_is(ben, low.id, "ana"), "play mode to serve the next task")
    assert (await ben.task(urgent.id)).owner is None
    notes = [e.body for e in await ben.events(urgent.id) if e.kind == "note"]
    assert notes == ["Skipped: needs a Welsh speaker"]
    assert (await ben.task(taken.id)).owner.id == "ben"


async def test_close_in_play_mode_offers_the_next_task(wq_server, ben):
    first = await make(ben, "First", priority="high")
    second = await make(ben, "Second", priority="normal")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=2)
        await pilot.press("space")
        await wait_for(lambda: _owner_is(ben, first.id, "ana"), "the first task claimed")
        await pilot.press("x", "enter")
        await wait_for(lambda: _status_is(ben, first.id, "closed"), "the close")
        await wait_for(lambda: table.current_task and table.current_task.id == second.id, "the next task offered")
    assert (await ben.task(second.id)).owner is None  # offered, not taken


async def test_steal_asks_first_and_is_recorded(wq_server, ben):
    task = await make(ben, "Held by Ben")
    await ben.claim(task.id)
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        await focus_on(pilot, table, task.id)
        await pilot.press("C")
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the confirmation")
        await pilot.press("n")
        await pilot.pause(0.2)
        assert (await ben.task(task.id)).owner.id == "ben"
        await pilot.press("C", "y")
        await wait_for(lambda: _owner_is(ben, task.id, "ana"), "ana to hold the task")
    assert "stolen" in [e.kind for e in await ben.events(task.id)]


async def test_release_and_a_claim_lost_to_someone_else(wq_server, ben):
    mine = await make(ben, "Mine")
    theirs = await make(ben, "Theirs")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=2)
        await focus_on(pilot, table, mine.id)
        await pilot.press("c")
        await wait_for(lambda: _owner_is(ben, mine.id, "ana"), "the claim")
        await pilot.press("u")
        await wait_for(lambda: _owner_is(ben, mine.id, None), "the release")
        await ben.claim(theirs.id)  # Ben is quicker
        await focus_on(pilot, table, theirs.id)
        await pilot.press("c")
        await wait_for(
            lambda: table.current_task.owner and table.current_task.owner.id == "ben", "the row to show Ben as owner"
        )
    assert (await ben.task(theirs.id)).owner.id == "ben"


async def test_template_note_fills_placeholders(wq_server, ben):
    (config_dir()).mkdir(parents=True, exist_ok=True)
    (config_dir() / "config.toml").write_text(
        '[templates]\nrefund = "Refund issued for {task.reference} by {me.name}."\n'
    )
    task = await make(ben, "Refund please", reference="ORD-77")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        await focus_on(pilot, table, task.id)
        await pilot.press("t")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, NoteEditor), "the note editor")
        await pilot.press("ctrl+s")
        me = app.screen.workspace.me.name
        await wait_for(lambda: _has_note(ben, task.id, f"Refund issued for ORD-77 by {me}."), "the note")


async def test_an_unsent_draft_survives_the_app_closing(wq_server, ben):
    task = await make(ben, "Draft me")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        await focus_on(pilot, table, task.id)
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, NoteEditor), "the note editor")
        await pilot.press(*"half a thought")
        await pilot.pause(0.6)  # autosave
    again = make_app(wq_server)
    async with again.run_test(size=(120, 40)) as pilot:
        table = await ready(again, pilot)
        await focus_on(pilot, table, task.id)
        await pilot.press("n")
        await wait_for(lambda: isinstance(again.screen, NoteEditor), "the note editor")
        assert again.screen.text == "half a thought"
        await pilot.press("ctrl+s")
        await wait_for(lambda: _has_note(ben, task.id, "half a thought"), "the note")


async def test_keys_from_config_take_effect(wq_server, ben):
    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "config.toml").write_text('[keys]\n"task.claim" = "ctrl+k"\n"task.release" = ""\n')
    task = await make(ben, "Remapped")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        await focus_on(pilot, table, task.id)
        await pilot.press("c")
        await pilot.pause(0.3)
        assert (await ben.task(task.id)).owner is None
        await pilot.press("ctrl+k")
        await wait_for(lambda: _owner_is(ben, task.id, "ana"), "ctrl+k to claim")
        await pilot.press("u")
        await pilot.pause(0.3)
        assert (await ben.task(task.id)).owner.id == "ana"


async def test_a_key_conflict_and_a_broken_config_are_reported_and_defaults_used(wq_server, ben):
    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "config.toml").write_text('[keys]\n"task.claim" = "u"\n')
    await make(ben, "Anything")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        messages = [n.message for n in app._notifications]
        assert any("task.claim" in m and "task.release" in m and "config.toml" in m for m in messages)
    (config_dir() / "config.toml").write_text("theme = [unclosed\n")
    broken = make_app(wq_server)
    async with broken.run_test(size=(120, 40)) as pilot:
        await ready(broken, pilot)
        messages = [n.message for n in broken._notifications]
        assert any("config.toml" in m and "line 1" in m for m in messages)
    assert (config_dir() / "config.toml").read_text() == "theme = [unclosed\n"


async def test_theme_choice_is_saved_and_used_next_time(wq_server):
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.theme = "backdesk-high-contrast"
        await pilot.pause()
    assert state_file()["theme"] == "backdesk-high-contrast"
    again = make_app(wq_server)
    async with again.run_test(size=(120, 40)):
        assert again.theme == "backdesk-high-contrast"


async def test_someone_else_claiming_the_open_task_shows_at_once(wq_server, ben, monkeypatch):
    monkeypatch.setattr("backdesk.tui.main_screen.WATCH_INTERVAL", 0.2)
    task = await make(ben, "Contested")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        await focus_on(pilot, table, task.id)
        await ben.claim(task.id)
        await wait_for(lambda: table.current_task.owner is not None, "the row to show the new owner")
        messages = [n.message for n in app._notifications]
        assert any(f"#{task.id} is now held by Ben" in m for m in messages)


async def test_copy_puts_the_reference_on_the_clipboard(wq_server, ben):
    task = await make(ben, "Copy me", reference="INV-2201")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        await focus_on(pilot, table, task.id)
        await pilot.press("Y")
        assert app.clipboard == "INV-2201"
        await pilot.press("y")
        assert app.clipboard == task.id


async def test_every_action_is_in_the_command_palette_with_its_key(wq_server):
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
    for expected in ("Claim  (c)", "Steal  (C)", "Note  (n)", "Close  (x)", "Next  (space)", "Filter  (/)"):
        assert expected in titles


async def _owner_is(backend, task_id, who):
    owner = (await backend.task(task_id)).owner
    return (owner.id if owner else None) == who


async def _status_is(backend, task_id, status):
    return (await backend.task(task_id)).status == status


async def _has_note(backend, task_id, body):
    return any(e.kind == "note" and e.body == body for e in await backend.events(task_id))


async def test_columns_chosen_in_the_app_are_saved_and_come_back(wq_server, ben):
    await make(ben, "Columns", reference="REF-9")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        app.screen.action_choose_columns()
        await pilot.pause()
        selection = app.screen.query_one("SelectionList")
        selection.select("reference")
        selection.deselect("status")
        await pilot.press("enter")
        await wait_for(lambda: "reference" in table.column_keys, "the reference column")
        assert "status" not in table.column_keys
    assert state_file()["columns"]["visible"] == ["id", "priority", "title", "owner", "due", "reference"]
    again = make_app(wq_server)
    async with again.run_test(size=(120, 40)) as pilot:
        table = await ready(again, pilot)
        assert table.column_keys == ("id", "priority", "title", "owner", "due", "reference")
        assert "REF-9" in [str(cell) for cell in table.cells(table.tasks[0].id)]


async def test_switching_profile_reconnects_without_a_restart(wq_server, monkeypatch):
    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "config.toml").write_text(
        f'[profiles.ana]\nurl = "{wq_server.url}"\ntoken_env = "ANA_TOKEN"\n\n'
        f'[profiles.ben]\nurl = "{wq_server.url}"\ntoken_env = "BEN_TOKEN"\n'
    )
    monkeypatch.setenv("ANA_TOKEN", "ana-token")
    monkeypatch.setenv("BEN_TOKEN", "ben-token")
    app = BackdeskApp(WorkQueueBackend(wq_server.url, "ana-token"), settings=load_settings(), profile="ana")
    async with app.run_test(size=(120, 40)):
        await wait_for(lambda: isinstance(app.screen, MainScreen) and app.screen.workspace.me, "ana signed in")
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "Switch profile: ana" not in commands
        commands["Switch profile: ben"].callback()
        await wait_for(
            lambda: (
                isinstance(app.screen, MainScreen) and app.screen.workspace.me and app.screen.workspace.me.id == "ben"
            ),
            "ben signed in on the new profile",
        )
        assert app.profile == "ben"


async def test_a_view_saved_in_the_app_can_be_deleted_from_the_palette(wq_server):
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot, rows=0)
        await pilot.press("V")
        await wait_for(lambda: isinstance(app.screen, PromptDialog), "the view-name prompt")
        await pilot.press("ctrl+u", *"Temp", "enter")
        await wait_for(lambda: any(v.name == "Temp" for v in app.settings.views), "the saved view")
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        commands["Delete view: Temp"].callback()
        await pilot.pause()
    assert "Temp" not in [v.get("name") for v in state_file().get("views", [])]
    assert "Temp" not in [v.name for v in load_settings().views]
