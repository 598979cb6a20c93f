"""Save the README's screenshots: ``python tests/screenshot.py`` (not part of the suite)."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.server import ReferenceServer
from backdesk.tui.app import BackdeskApp
from backdesk.tui.settings_loader import load_settings
from backdesk.widgets.task_table import TaskTable

OUT = Path(__file__).resolve().parent.parent / "themes" / "screenshots"


async def shoot(theme: str, size: tuple[int, int]) -> Path:
    with (
        tempfile.TemporaryDirectory() as scratch,
        ReferenceServer(Path(scratch) / "demo.sqlite3", operators=[("ana", "demo")], demo_data=400) as server,
    ):
        settings = load_settings()
        settings.theme = theme
        app = BackdeskApp(WorkQueueBackend(server.url, "demo"), settings=settings, scope="demo")
        async with app.run_test(size=size) as pilot:
            table = app.screen.query_one(TaskTable)
            for _ in range(100):
                if table.row_count:
                    break
                await pilot.pause(0.05)
            await pilot.press("j", "j")
            await pilot.pause(0.5)
            path = OUT / f"{theme}.svg"
            app.save_screenshot(filename=path.name, path=str(OUT))
            return path


if __name__ == "__main__":
    os.environ.update(TERM="xterm-256color", COLORTERM="truecolor")  # draw the theme asked for
    os.environ.pop("NO_COLOR", None)
    OUT.mkdir(parents=True, exist_ok=True)
    for theme in ("backdesk-dark", "backdesk-light"):
        print(asyncio.run(shoot(theme, (120, 36))))
