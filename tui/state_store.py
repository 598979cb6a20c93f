"""``app-state.toml``: what the operator changes inside the app, saved at once.

The app writes this file the moment the operator changes something (theme, columns, sort and
filter per queue, views saved in the app). Each save reads the file, updates only the app's own
keys, keeps every other key as it was, and replaces the file atomically with mode 0600
(:func:`~.private_files.write_private_file`). A broken file is never overwritten: saves raise
:class:`~.config.ConfigError` until the person fixes or deletes it. ``config.toml`` is never
written: tomli-w would drop the person's comments and layout.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import tomli_w

from .config import ConfigError, QueuePrefs, Settings, View, check_sort
from .private_files import write_private_file


class StateStore:
    """Saves what the operator changes in the app into ``app-state.toml`` at once.

    Every method first updates ``settings`` (so the change holds for this session), then
    writes; it raises :class:`ConfigError` when the file cannot be written or is broken.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def save_theme(self, name: str) -> None:
        self.settings.theme = name
        self._update(lambda doc: doc.__setitem__("theme", name))

    def save_columns(self, keys: Sequence[str], widths: Mapping[str, int]) -> None:
        self.settings.columns = tuple(keys)
        self.settings.column_widths = {**self.settings.column_widths, **widths}

        def change(doc: dict[str, Any]) -> None:
            columns = _subtable(doc, "columns", self.settings.state_path)
            columns["visible"] = list(keys)
            columns["widths"] = {**_subtable(columns, "widths", self.settings.state_path, "columns."), **widths}

        self._update(change)

    def save_queue_prefs(self, queue_key: str, sort: str, filter: str) -> None:
        check_sort(sort)
        self.settings.queues[queue_key] = QueuePrefs(sort, filter)

        def change(doc: dict[str, Any]) -> None:
            queues = _subtable(doc, "queues", self.settings.state_path)
            queues[queue_key] = {"sort": sort, "filter": filter}

        self._update(change)

    def save_view(self, view: View) -> None:
        """Add an app view, or replace the view of the same name."""
        if view.sort is not None:
            check_sort(view.sort)
        self.settings.app_views = (*(v for v in self.settings.app_views if v.name != view.name), view)
        self._update(lambda doc: self._replace_views(doc, view.name, view))

    def delete_view(self, name: str) -> None:
        """Forget an app view; a config.toml view of that name shows again."""
        if not any(v.name == name for v in self.settings.app_views):
            if any(v.name == name for v in self.settings.config_views):
                raise ConfigError(f"The view {name!r} is defined in {self.settings.config_path}; remove it there.")
            raise ConfigError(f"There is no view named {name!r}.")
        self.settings.app_views = tuple(v for v in self.settings.app_views if v.name != name)
        self._update(lambda doc: self._replace_views(doc, name, None))

    def _replace_views(self, doc: dict[str, Any], name: str, view: View | None) -> None:
        views = doc.setdefault("views", [])
        if not isinstance(views, list):
            raise ConfigError(
                f"{self.settings.state_path}: views must be a list of tables; "
                "fix or delete the file so backdesk can save views again."
            )
        kept = [v for v in views if not (isinstance(v, dict) and v.get("name") == name)]
        if view is not None:
            kept.append(
                {
                    k: v
                    for k, v in (
                        ("name", view.name),
                        ("filter", view.filter),
                        ("sort", view.sort),
                        ("queue", view.queue),
                    )
                    if v is not None
                }
            )
        doc["views"] = kept

    def _update(self, change: Callable[[dict[str, Any]], None]) -> None:
        path = self.settings.state_path
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise ConfigError(
                f"{path} is not valid TOML ({err}); backdesk will not overwrite it. "
                "Fix or delete the file to save preferences again."
            ) from None
        except OSError as err:
            raise ConfigError(f"Could not read {path}: {err.strerror or err}.") from None
        change(doc)
        try:
            write_private_file(path, tomli_w.dumps(doc).encode())
        except OSError as err:
            raise ConfigError(f"Could not save preferences to {path}: {err.strerror or err}.") from None


def _subtable(doc: dict[str, Any], key: str, file: Path, prefix: str = "") -> dict[str, Any]:
    table = doc.setdefault(key, {})
    if not isinstance(table, dict):
        raise ConfigError(
            f"{file}: {prefix}{key} must be a table; fix or delete the file so backdesk can save it again."
        )
    return table
