"""The settings declarations in tui/config.py stay in step with what they describe."""

from __future__ import annotations

from textual.theme import BUILTIN_THEMES

from backdesk.themes import THEME_NAMES as BACKDESK_THEMES
from backdesk.tui.config import COLUMN_NAMES, DEFAULT_COLUMNS, THEME_NAMES
from backdesk.widgets import task_table


def test_column_names_match_the_task_table():
    assert COLUMN_NAMES == tuple(task_table.COLUMNS)
    assert DEFAULT_COLUMNS == task_table.DEFAULT_COLUMNS


def test_theme_names_match_backdesk_and_textual_themes():
    assert THEME_NAMES == (*BACKDESK_THEMES, *BUILTIN_THEMES)
