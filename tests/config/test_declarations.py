"""The settings declarations in tui/config.py stay in step with what they describe."""

from __future__ import annotations

import re

from textual.theme import BUILTIN_THEMES

from backdesk.themes import THEME_NAMES as BACKDESK_THEMES
from backdesk.tui.config import (
    COLUMN_NAMES,
    DEFAULT_COLUMNS,
    THEME_NAMES,
    Profile,
    QueuePrefs,
    Settings,
    View,
    declared_fields,
    toml_key,
)
from backdesk.tui.config_cli import effective, example
from backdesk.tui.settings_loader import load_settings
from backdesk.widgets import task_table


def test_column_names_match_the_task_table():
    assert COLUMN_NAMES == tuple(task_table.COLUMNS)
    assert DEFAULT_COLUMNS == task_table.DEFAULT_COLUMNS


def test_theme_names_match_backdesk_and_textual_themes():
    assert THEME_NAMES == (*BACKDESK_THEMES, *BUILTIN_THEMES)


def test_the_example_and_the_listing_cover_every_declared_setting(tmp_path):
    text = example()
    settings = load_settings(tmp_path)
    listed = effective(settings)
    for cls in (Settings, Profile, View, QueuePrefs):
        for item, declared in declared_fields(cls):
            key = re.escape(toml_key(item, declared).rpartition(".")[2])
            if declared.source != "state":
                assert re.search(rf"^#(\[\[?| )?{key}(\]|\.| =|:)", text, re.MULTILINE), key
            if cls is Settings and declared.shown != "" and getattr(settings, item.name) is not None:
                assert toml_key(item, declared).partition(".")[0] in listed, key
