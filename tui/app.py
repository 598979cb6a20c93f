"""The backdesk Textual application."""

from __future__ import annotations

from textual.app import App

from api_client import Backend
from themes import STYLESHEET, default_theme, register_themes
from widgets.palette import Palette
from widgets.task_detail import TaskDetail
from widgets.task_table import TaskTable

from .main_screen import MainScreen


class BackdeskApp(App):
    """Works one backend. The caller owns starting and stopping any server behind it."""

    CSS_PATH = STYLESHEET
    TITLE = "backdesk"

    def __init__(self, backend: Backend, *, theme: str | None = None) -> None:
        super().__init__()
        self.backend = backend
        register_themes(self)
        self.theme = theme or default_theme()

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, lambda _: self._restyle())
        self.push_screen(MainScreen(self.backend))
        self._restyle()

    def _restyle(self) -> None:
        """Give the widgets that colour task states the current theme's palette."""
        palette = Palette.from_theme(self.current_theme)
        for screen in self.screen_stack:
            for table in screen.query(TaskTable):
                table.set_palette(palette)
            for detail in screen.query(TaskDetail):
                detail.palette = palette

    async def on_unmount(self) -> None:
        await self.backend.aclose()
