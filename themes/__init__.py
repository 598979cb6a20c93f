"""backdesk's Textual themes and stylesheet (``backdesk.tcss`` beside this file)."""

from __future__ import annotations

from textual.app import App
from textual.theme import Theme

THEMES = [
    Theme(
        name="backdesk-dark",
        primary="#5FA8D3",
        secondary="#62B6CB",
        accent="#F4A259",
        warning="#F4D35E",
        error="#EE6352",
        success="#8CC084",
        background="#101418",
        surface="#161C22",
        panel="#1E262E",
        foreground="#D8DEE4",
        dark=True,
    ),
]


def register_themes(app: App) -> None:
    for theme in THEMES:
        app.register_theme(theme)
