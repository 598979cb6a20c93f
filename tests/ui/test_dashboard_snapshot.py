"""A screenshot of the queue health dashboard, compared with the accepted SVG in ``__snapshots__``.

The clock is fixed (``api_client.models.utcnow``, which the server and the app share) and the
demo data is seeded from that clock, so the figures, ages and 24 h history are the same each run.
Accept a deliberate change of look with ``--snapshot-update`` after reviewing it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.server import ReferenceServer
from backdesk.tui.app import BackdeskApp
from backdesk.tui.dashboard import DashboardScreen
from backdesk.tui.main_screen import MainScreen
from backdesk.tui.settings_loader import load_settings

from .helpers import wait_for

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.setattr("backdesk.api_client.models.utcnow", lambda: NOW)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.delenv("NO_COLOR", raising=False)
    with ReferenceServer(tmp_path / "snap.sqlite3", leads=[("lee", "lee-token")], demo_data=120) as server:
        yield server


def app_for(server, theme: str) -> BackdeskApp:
    settings = load_settings()
    settings.theme = theme
    return BackdeskApp(WorkQueueBackend(server.url, "lee-token"), settings=settings)


async def dashboard_settled(pilot) -> None:
    """H once signed in; then wait for every queue's figures and for no work still running."""
    app = pilot.app
    await wait_for(
        lambda: isinstance(app.screen, MainScreen) and app.screen.workspace.me is not None, "sign-in", timeout=90
    )
    await pilot.press("H")

    def settled() -> bool:
        screen = app.screen
        return (
            isinstance(screen, DashboardScreen)
            and screen.model.refreshed_at is not None
            and not any(w.is_running for w in app.workers)
        )

    await wait_for(settled, "every queue's figures", timeout=90)
    await pilot.press("j", "l", "l")  # the cursor on the second queue's unclaimed figure
    await pilot.wait_for_scheduled_animations()
    for _ in range(3):  # the header is laid out again once the columns have their widths
        await pilot.pause()


@pytest.mark.parametrize(("theme", "size"), [("backdesk-dark", (120, 40)), ("backdesk-16", (80, 24))])
def test_dashboard(snap_compare, server, theme, size):
    assert snap_compare(app_for(server, theme), terminal_size=size, run_before=dashboard_settled)
