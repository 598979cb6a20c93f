"""backdesk's Textual themes and stylesheet (``backdesk.tcss`` beside this file).

Every theme keeps priority and SLA states apart by symbol and word as well as colour, so
``backdesk-16`` (the terminal's own 16 ANSI colours) and ``NO_COLOR`` stay readable.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import App
from textual.theme import BUILTIN_THEMES, Theme

STYLESHEET = Path(__file__).with_name("backdesk.tcss")
DEFAULT_THEME = "backdesk-dark"
LOW_COLOUR_THEME = "backdesk-16"

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
    Theme(
        name="backdesk-light",
        primary="#1F5F8B",
        secondary="#2A7F9E",
        accent="#B5541B",
        warning="#8A5A00",
        error="#B3261E",
        success="#2E6B30",
        background="#F7F7F4",
        surface="#FFFFFF",
        panel="#E6E8EA",
        foreground="#1B1F23",
        dark=False,
    ),
    Theme(
        name="backdesk-high-contrast",
        primary="#00E5FF",
        secondary="#FFFFFF",
        accent="#FFEA00",
        warning="#FFEA00",
        error="#FF5252",
        success="#69F0AE",
        background="#000000",
        surface="#000000",
        panel="#1A1A1A",
        foreground="#FFFFFF",
        dark=True,
        text_alpha=1.0,
    ),
    Theme(
        **{
            **vars(BUILTIN_THEMES["ansi-dark"]),
            "name": LOW_COLOUR_THEME,
            "variables": dict(BUILTIN_THEMES["ansi-dark"].variables),
        }
    ),
]
THEME_NAMES = [theme.name for theme in THEMES]


def register_themes(app: App) -> None:
    for theme in THEMES:
        app.register_theme(theme)


def default_theme(environ: os._Environ | dict[str, str] = os.environ) -> str:
    """The low-colour theme for NO_COLOR or a 16-colour terminal, else the dark one."""
    term = environ.get("TERM", "")
    colorterm = environ.get("COLORTERM", "")
    if "NO_COLOR" in environ:
        return LOW_COLOUR_THEME
    if term in ("linux", "vt100", "vt220", "xterm", "screen", "tmux", "ansi") and not colorterm:
        return LOW_COLOUR_THEME
    return DEFAULT_THEME
