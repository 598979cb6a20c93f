"""``backdesk demo`` shows the product: its data and drafts carry over between runs, and it ships
note templates that insert where the cursor is."""

from __future__ import annotations

import asyncio

import pytest

from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.server import ReferenceServer
from backdesk.tui import cli
from backdesk.tui.app import BackdeskApp
from backdesk.tui.note_editor import NoteEditor
from backdesk.tui.prompt import ChoiceDialog
from backdesk.tui.settings_loader import load_settings
from backdesk.tui.templates import DEMO_TEMPLATES, spaced
from backdesk.widgets.task_table import TaskTable

from .helpers import wait_for

pytestmark = pytest.mark.anyio


def test_templates_are_spaced_from_the_words_around_them():
    assert spaced("Checked.", "Refund approved.", "") == " Refund approved."
    assert spaced("Checked. ", "Refund approved.", "") == "Refund approved."
    assert spaced("", "Refund approved.", "Next") == "Refund approved. "
    assert spaced("", "Refund approved.", "") == "Refund approved."


def test_the_demo_keeps_its_database_in_the_data_folder(isolated_home):
    assert cli.demo_database() == isolated_home / "xdg_data_home" / "backdesk" / "demo.sqlite3"


async def demo_app(db) -> tuple[ReferenceServer, BackdeskApp]:
    server = ReferenceServer(db, demo_data=40)
    server.start()
    settings = load_settings()
    settings.templates = dict(DEMO_TEMPLATES)
    return server, BackdeskApp(WorkQueueBackend(server.url, server.tokens["ana"]), settings=settings, scope="demo")


async def open_note(app: BackdeskApp, pilot) -> NoteEditor:
    table = app.screen.query_one(TaskTable)
    await wait_for(lambda: table.row_count > 0, "the demo tasks")
    await pilot.press("n")
    await wait_for(lambda: isinstance(app.screen, NoteEditor), "the note editor")
    return app.screen


async def test_a_demo_draft_survives_a_restart_on_another_port_and_templates_insert_at_the_cursor(tmp_path):
    db = tmp_path / "demo.sqlite3"
    server, app = await demo_app(db)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            editor = await open_note(app, pilot)
            task = editor.target
            await pilot.press(*"Checked the order.", "ctrl+t")
            await wait_for(lambda: isinstance(app.screen, ChoiceDialog), "the templates")
            await pilot.press("enter")  # the first demo template
            await wait_for(lambda: isinstance(app.screen, NoteEditor), "back in the editor")
            expected = "Checked the order. Refund for " + (task.reference or "")
            await wait_for(lambda: editor.text.startswith(expected), "the template after a space")
            await pilot.pause(0.6)  # autosave
            typed = editor.text
    finally:
        server.stop()
    server, again = await demo_app(db)  # same data, a new port
    try:
        async with again.run_test(size=(120, 40)) as pilot:
            table = again.screen.query_one(TaskTable)
            await wait_for(lambda: table.has_task(task.id), "the same task")
            table.move_to(task.id)
            editor = await open_note(again, pilot)
            assert editor.text == typed
    finally:
        server.stop()


def test_the_demo_signs_in_as_the_person_named_with_as(monkeypatch, capsys):
    """``backdesk demo --as lee`` opens the app as the lead; an unknown name stops with the choices."""
    seen = []

    def fake_run_app(backend, settings, scope=""):  # the app itself is not under test here
        async def whoami():
            try:
                return await backend.me()
            finally:
                await backend.aclose()

        seen.append(asyncio.run(whoami()))
        return 0

    monkeypatch.setattr(cli, "run_app", fake_run_app)
    assert cli.main(["demo", "--fresh", "--tasks", "20", "--as", "lee"]) == 0
    assert cli.main(["demo", "--fresh", "--tasks", "20"]) == 0
    assert [(p.id, p.role) for p in seen] == [("lee", "lead"), ("ana", "operator")]
    assert cli.main(["demo", "--fresh", "--tasks", "20", "--as", "zed"]) == 2
    assert "no demo person 'zed'; the demo has ana, ben, chen, dev, lee." in capsys.readouterr().err
