"""Screenshots of the main screens, compared with accepted SVGs in ``__snapshots__``.

The server and the widgets share one clock (``api_client.models.utcnow``), fixed here; the server
listens on a free port but names itself by a fixed public URL, so the same code draws the same
screen. After a deliberate
change of look, review and accept: ``pytest tests/ui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.server import ReferenceServer
from backdesk.tui.app import BackdeskApp
from backdesk.tui.main_screen import MainScreen
from backdesk.tui.settings_loader import load_settings
from backdesk.widgets.task_detail import TaskDetail
from backdesk.widgets.task_table import TaskTable

from .helpers import wait_for

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
#: Seconds a screen may take to settle; generous, as a loaded machine draws slowly.
SETTLE = 90
#: Where the snapshots say the server is; it really listens on a free port.
PUBLIC_URL = "http://queue.example.test"


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.setattr("backdesk.api_client.models.utcnow", lambda: NOW)
    # A full-colour terminal, so the theme asked for is the theme drawn (see themes.default_theme).
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.delenv("NO_COLOR", raising=False)
    with ReferenceServer(
        tmp_path / "snap.sqlite3", operators=[("ana", "ana-token")], demo_data=60, public_url=PUBLIC_URL
    ) as server:
        yield server


def app_for(server, theme: str) -> BackdeskApp:
    settings = load_settings()
    settings.theme = theme
    backend = WorkQueueBackend(server.url, "ana-token")
    backend.label = f"Work Queue API at {PUBLIC_URL}"  # not the free port it really has
    return BackdeskApp(backend, settings=settings)


async def settled(pilot) -> None:
    """Wait until the table, the sidebar counts and the first task's history are on screen, and
    no background work is still running (on a busy machine a late answer would move a column)."""
    app = pilot.app

    def still() -> bool:
        screen = app.screen
        if not (isinstance(screen, MainScreen) and screen.query_one(TaskTable).row_count):
            return False
        history = screen.query_one(TaskDetail).text
        counted = "…" not in str([o.prompt for o in screen.query_one("#sidebar-list").options])
        return "History" in history and counted and not any(w.is_running for w in app.workers)

    await wait_for(still, "the main screen to settle", timeout=SETTLE)
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize("theme", ["backdesk-dark", "backdesk-light"])
@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_main_screen(snap_compare, server, theme, size):
    assert snap_compare(app_for(server, theme), terminal_size=size, run_before=settled)


@pytest.mark.parametrize("theme", ["backdesk-dark", "backdesk-high-contrast"])
def test_close_dialog(snap_compare, server, theme):
    async def open_close(pilot):
        await settled(pilot)
        await pilot.press("x")
        await pilot.pause(0.2)

    assert snap_compare(app_for(server, theme), terminal_size=(80, 24), run_before=open_close)


def test_note_editor_with_a_draft(snap_compare, server):
    async def write(pilot):
        await settled(pilot)
        await pilot.press("n")
        await pilot.pause(0.3)
        await pilot.press(*"Called the customer.")
        await pilot.pause(0.1)

    assert snap_compare(app_for(server, "backdesk-16"), terminal_size=(80, 24), run_before=write)


def test_help(snap_compare, server):
    async def help_(pilot):
        await settled(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)

    assert snap_compare(app_for(server, "backdesk-dark"), terminal_size=(160, 50), run_before=help_)
