"""The backdesk Textual application."""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from api_client import Backend
from themes import register_themes

from .main_screen import MainScreen

THEMES_DIR = Path(__file__).resolve().parent.parent / "themes"


class BackdeskApp(App):
    """Works one backend. The caller owns starting and stopping any server behind it."""

    CSS_PATH = THEMES_DIR / "backdesk.tcss"
    TITLE = "backdesk"
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, backend: Backend, *, theme: str = "backdesk-dark") -> None:
        super().__init__()
        self.backend = backend
        register_themes(self)
        self.theme = theme

    def on_mount(self) -> None:
        self.push_screen(MainScreen(self.backend))

    async def on_unmount(self) -> None:
        await self.backend.aclose()
