"""Start-up: the first rows come as soon as the server sends them, and starting loads only the
main screen (the dialogs' modules load when they first open)."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from backdesk.api_client import NewTask, Person
from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.tui.app import BackdeskApp
from backdesk.widgets.task_table import TaskTable

from .helpers import wait_for

pytestmark = pytest.mark.anyio


class SlowSignIn(WorkQueueBackend):
    """The reference adapter, its ``/me`` answered only once the test lets it through."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(url, token)
        self.answer_me = asyncio.Event()

    async def me(self) -> Person:
        await self.answer_me.wait()
        return await super().me()


async def test_first_rows_do_not_wait_for_the_sign_in(wq_server):
    lead = WorkQueueBackend(wq_server.url, "lee-token")
    task = await lead.create_task(NewTask("returns", "Parcel came back torn", "", priority="urgent"))
    await lead.aclose()
    backend = SlowSignIn(wq_server.url, "ana-token")
    await backend.claim(task.id)
    app = BackdeskApp(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(TaskTable)
        await wait_for(lambda: table.row_count > 0, "the first rows, with /me unanswered")
        assert app.screen.workspace.me is None and not app.session.signed_in
        assert [t.title for t in table.tasks] == ["Parcel came back torn"]
        await pilot.press("s")  # a new list, loaded while the sign-in still waits: it must not cancel it
        await wait_for(lambda: app.screen.workspace.sort.field != "priority", "the list sorted otherwise")
        backend.answer_me.set()
        await wait_for(lambda: app.session.signed_in, "the sign-in")
        await wait_for(lambda: app.screen.workspace.queues, "the queues in the sidebar")
        assert app.screen.workspace.me is not None and app.screen.workspace.me.id == "ana"
        # The row drawn before the sign-in answered is drawn again: Ana's task reads as hers.
        await wait_for(lambda: "● me" in row_text(table, task.id), "the task shown as mine", timeout=5)


def row_text(table: TaskTable, task_id: str) -> str:
    """What the table draws on the row of ``task_id`` (the header is line 0)."""
    row = next(i for i, t in enumerate(table.tasks) if t.id == task_id)
    return "".join(segment.text for segment in table.render_line(row + 1))


#: Run in a fresh interpreter: start the app on the server at argv[1], wait for its first rows,
#: then print which of the modules only dialogs and other screens need are loaded.
PROBE = """
import asyncio, sys
from backdesk.api_client.connect import Credentials, connect
from backdesk.tui.app import BackdeskApp

LATER = [
    "backdesk.tui.bulk_dialog", "backdesk.tui.bulk_report", "backdesk.tui.close_dialog",
    "backdesk.tui.columns_dialog", "backdesk.tui.dashboard", "backdesk.tui.export_dialog",
    "backdesk.tui.note_editor", "backdesk.tui.pickers", "backdesk.api_client.export",
    "textual.widgets._text_area",
]

async def main():
    app = BackdeskApp(connect("workqueue", Credentials(sys.argv[1], token="ana-token")))
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(600):
            if app.session.signed_in and app.screen.workspace.loaded:
                break
            await asyncio.sleep(0.05)
        await pilot.pause()
        print("signed in" if app.session.signed_in else "never signed in")
        print(",".join(name for name in LATER if name in sys.modules))

asyncio.run(main())
"""


def test_starting_loads_no_dialog(wq_server):
    done = subprocess.run(
        [sys.executable, "-c", PROBE, wq_server.url], capture_output=True, text=True, timeout=120, check=True
    )
    lines = done.stdout.splitlines()
    assert lines[0] == "signed in", done.stdout + done.stderr
    assert lines[1:] == [""], f"loaded at start-up: {lines[1:]}"
