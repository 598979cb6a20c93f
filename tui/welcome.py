"""What backdesk shows when it does not know where to connect yet."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from backdesk.themes import STYLESHEET, default_theme, register_themes

from .config import Settings

HOW = """\
backdesk works the queues of a backend you already run. It does not know which one yet.

Try it right now with demo data (nothing to set up):

    backdesk demo

Connect to a Work Queue API server:

    BACKDESK_TOKEN=... backdesk --url https://queue.example.com

Connect to Request Tracker 5:

    BACKDESK_PASSWORD=... backdesk --backend rt --url https://rt.example.com --user NAME

Or save a profile in {config} (backdesk config --edit writes a commented example):

    default_profile = "work"

    [profiles.work]
    backend = "rt"
    url = "https://rt.example.com"
    user = "ana"
    token_command = "pass show rt/ana"
"""


class WelcomeApp(App):
    CSS_PATH = STYLESHEET
    BINDINGS = [Binding("q,escape", "quit", "Quit", id="app.quit")]

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        register_themes(self)
        self.theme = default_theme()

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide-dialog", id="welcome"):
            yield Static(Text("Welcome to backdesk", style="bold"))
            yield Static(Text(HOW.format(config=self.settings.config_path)))
            for problem in self.settings.problems:
                yield Static(Text(f"⚠ {problem}", style="bold"))
        yield Footer()
