"""The operator's core loop, driven through the keys: claim, note, close."""

from __future__ import annotations

import pytest

from backdesk.api_client import NewTask
from backdesk.tui.app import BackdeskApp
from backdesk.tui.note_editor import NoteEditor
from backdesk.widgets.task_table import TaskTable

from .helpers import wait_for

pytestmark = pytest.mark.anyio


async def test_claim_note_close_through_the_keys(kit):
    checker = kit.backend("ben")
    task = await checker.create_task(
        NewTask(
            kit.queue_id,
            "Refund for damaged kettle",
            "Customer sent photos.",
            priority="urgent",
            reference=f"REF-{kit.unique}",
        )
    )
    app = BackdeskApp(kit.backend("ana"))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(TaskTable)
        await wait_for(lambda: table.row_count > 0, "the task table to load")
        await pilot.press("slash", *f"REF-{kit.unique}", "enter")
        await wait_for(lambda: [t.id for t in table.tasks] == [task.id], "the filter to show only our task")

        await pilot.press("c")
        await wait_for(lambda: _owner(checker, task.id, "ana"), "the server to record ana as owner")

        await pilot.press("n")
        # The app reloads the task before it opens the editor; keys typed sooner reach the table.
        await wait_for(lambda: isinstance(app.screen, NoteEditor), "the note editor to open")
        await pilot.press(*"Called the customer; [b]refund[/b] approved.")
        await pilot.press("ctrl+s")
        await wait_for(
            lambda: _has_note(checker, task.id, "Called the customer; [b]refund[/b] approved."),
            "the note on the server",
        )
        # The note changed the task's version; closing with the one from before would be stale.
        fresh = await checker.task(task.id)
        await wait_for(lambda: table.current_task.version == fresh.version, "the table to reload the task")

        await pilot.press("x")
        await pilot.press("enter")
        await wait_for(lambda: _closed(checker, task.id), "the server to hold the task closed")
        # Let the app finish its own follow-up (table, history, counts) before the test ends it.
        await wait_for(lambda: table.current_task.is_closed, "the table to show the task closed")
        await wait_for(lambda: all(w.is_finished for w in app.workers), "the app's workers to finish")
    fresh = await checker.task(task.id)
    assert fresh.status == "closed" and fresh.resolution == "done"
    assert fresh.owner and fresh.owner.id == "ana"
    notes = [e for e in await checker.events(task.id) if e.kind == "note"]
    assert len(notes) == 1
    await checker.aclose()


async def _owner(backend, task_id, who):
    task = await backend.task(task_id)
    return task.owner is not None and task.owner.id == who


async def _has_note(backend, task_id, body):
    return any(e.kind == "note" and e.body == body for e in await backend.events(task_id))


async def _closed(backend, task_id):
    return (await backend.task(task_id)).status == "closed"
