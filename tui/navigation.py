"""Where the operator is: views, queues, sort and filter, and the small keys around them.

Every change goes through the workspace (:mod:`tui.workspace`) and is then painted and loaded
by the main screen; sort and filter are remembered per queue in ``app-state.toml``.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from textual.widgets import Static

from backdesk.api_client import FilterError, Sort, parse_filter
from backdesk.widgets.filter_input import HistoryInput
from backdesk.widgets.queue_list import QueueList
from backdesk.widgets.task_table import TaskTable

from .config import ConfigError, View
from .prompt import PromptDialog
from .state_store import StateStore

if TYPE_CHECKING:
    from .main_screen import MainScreen


class Navigation:
    """Moves the main screen's workspace between queues, views, sorts and filters."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.workspace = screen.workspace

    @property
    def store(self) -> StateStore:
        return self.screen.session.store

    def _start_list(self) -> None:
        """The workspace started a new list: show it empty at once, then load it."""
        self.screen.paint.task_list()
        self.screen.paint.sidebar()
        self.screen.load_list()

    def _remember(self) -> None:
        if (prefs := self.workspace.prefs_to_save()) is None:
            return
        try:
            self.store.save_queue_prefs(*prefs)
        except ConfigError as err:
            self.screen.report(err, "Saving the sort and filter")

    # -- queues and views --------------------------------------------------------------------

    def choose(self, kind: str, key: str | int | None) -> None:
        """The sidebar chose an entry: ``kind`` is "all", "queue" or "view"."""
        ws = self.workspace
        if kind == "view":
            if ws.view is None or ws.view_index() != int(key or 0) or ws.typed_filter:
                self.jump_view(int(key or 0))
            return
        queue_id = str(key) if kind == "queue" else None
        if queue_id != ws.queue_id or ws.view is not None:
            ws.choose_queue(queue_id)
            self._start_list()

    def drill_down(self, queue_id: str, text: str, sort: Sort) -> None:
        """List a dashboard figure's tasks: the queue with exactly this filter, ready to mark and act."""
        self.screen.query_one("#filter-error", Static).update("")
        self.screen.query_one(TaskTable).focus()
        self.workspace.drill_down(queue_id, text, sort)
        self._start_list()

    def jump_view(self, index: int) -> None:
        views = self.screen.settings.views
        if not 0 <= index < len(views):
            self.screen.notify(
                f"There is no view {index + 1}. Press V to save the current filter as a view.", severity="warning"
            )
            return
        self.workspace.choose_view(views[index])
        self._start_list()

    def cycle_view(self, step: int) -> None:
        views = self.screen.settings.views
        if not views:
            self.screen.notify("No views yet. Press V to save the current filter and sort as one.", severity="warning")
            return
        current = self.workspace.view_index()
        if current is None:
            current = -1 if step > 0 else 0
        self.jump_view((current + step) % len(views))

    def save_view(self) -> None:
        ws = self.workspace

        def named(name: str | None) -> None:
            if not name:
                return
            view = View(name, ws.filter_text, ws.sort.to_param(), ws.queue_id)
            try:
                self.store.save_view(view)
            except ConfigError as err:
                self.screen.report(err, "Saving the view")
                return
            ws.view_saved(view)
            self.screen.notify(f"Saved the view {name!r}.", markup=False)
            self.screen.paint.task_list()
            self.screen.load_sidebar()

        default = ws.filter_text or (ws.queues[ws.queue_id].name if ws.queue_id in ws.queues else "")
        self.screen.app.push_screen(
            PromptDialog("Save the current filter and sort as a view named:", "e.g. Unclaimed urgent", default), named
        )

    def delete_view(self, name: str) -> None:
        try:
            self.store.delete_view(name)
        except ConfigError as err:
            self.screen.report(err, "Deleting the view")
            return
        self.workspace.view_deleted(name)
        self.screen.notify(f"Deleted the view {name!r}.", markup=False)
        self.screen.paint.task_list()
        self.screen.load_sidebar()

    # -- sort and filter ---------------------------------------------------------------------

    def cycle_sort(self) -> None:
        self.set_sort(self.workspace.next_sort())

    def reverse_sort(self) -> None:
        sort = self.workspace.sort
        self.set_sort(Sort(sort.field, not sort.descending))

    def set_sort(self, sort: Sort) -> None:
        self.workspace.set_sort(sort)
        self._remember()
        self._start_list()

    def open_filter(self) -> None:
        self.screen.query_one("#filter-bar").add_class("visible")
        field = self.screen.query_one("#filter", HistoryInput)
        field.value = self.workspace.typed_filter
        field.cursor_position = len(field.value)
        field.focus()

    def apply_filter(self, text: str) -> None:
        """The filter bar was submitted: check the text, then list what matches."""
        try:
            parse_filter(text)
        except FilterError as err:
            self.screen.paint.filter_error(str(err))
            return
        if (unknown := self.workspace.unknown_queue(text)) is not None:
            self.screen.paint.filter_error(str(unknown))
            return
        self.screen.query_one("#filter-error", Static).update("")
        self.screen.query_one("#filter", HistoryInput).remember(text.strip())
        self.screen.query_one(TaskTable).focus()  # before painting, so the bar shows the new text
        self.workspace.apply_filter(text)
        self._remember()
        self._start_list()

    def back(self) -> None:
        """esc: leave the filter bar (clearing it), stop play mode, leave the detail pane, clear the
        marks, or go back to the dashboard a drill-down came from."""
        screen, ws = self.screen, self.workspace
        table = screen.query_one(TaskTable)
        if screen.query_one("#filter", HistoryInput).has_focus:
            screen.query_one("#filter-error", Static).update("")
            table.focus()
            if ws.typed_filter:
                ws.apply_filter("")
                self._remember()
                self._start_list()
            else:
                screen.paint.task_list()
            return
        if ws.play.playing:  # the banner says esc stops play mode: wherever the focus is
            ws.play.stop()
            screen.paint.task_list()
            screen.notify("Play mode off.")
        elif table.has_focus and not screen.bulk.clear() and screen.back_to_dashboard():
            return
        table.focus()

    # -- the rest --------------------------------------------------------------------------

    def toggle_queues(self) -> None:
        """Focus the sidebar; on a narrow terminal, also show or hide it."""
        body = self.screen.query_one("#body")
        if body.has_class("narrow"):
            body.toggle_class("show-queues")
            if not body.has_class("show-queues"):
                self.screen.query_one(TaskTable).focus()
                return
        self.screen.query_one(QueueList).focus()

    def sidebar_entered(self) -> None:
        """enter in the sidebar: back to the tasks (hiding it on a narrow terminal)."""
        self.screen.query_one("#body").remove_class("show-queues")
        self.screen.query_one(TaskTable).focus()

    def open_url(self) -> None:
        if (task := self.screen.task_actions.target()) is None:
            return
        if not task.url:
            self.screen.notify("This task has no web page.", severity="warning")
            return
        remote = bool(os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"))
        headless = sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        )
        if remote or headless:
            self.screen.app.copy_to_clipboard(task.url)
            self.screen.notify(f"No browser here; the URL is copied (OSC 52): {task.url}", timeout=15, markup=False)
        else:
            self.screen.app.open_url(task.url)
            self.screen.notify(f"Opening {task.url}", markup=False)

    def copy(self, what: str) -> None:
        if (task := self.screen.task_actions.target()) is None:
            return
        value = task.id if what == "id" else task.reference
        if not value:
            self.screen.notify("This task has no reference.", severity="warning")
            return
        self.screen.app.copy_to_clipboard(value)
        self.screen.notify(f"Copied {value}", markup=False)

    def choose_columns(self) -> None:
        from .columns_dialog import ColumnsDialog

        table = self.screen.query_one(TaskTable)

        def chosen(keys: tuple[str, ...] | None) -> None:
            if not keys:
                return
            table.set_columns(keys)
            try:
                self.store.save_columns(keys, {})
            except ConfigError as err:
                self.screen.report(err, "Saving the columns")

        self.screen.app.push_screen(ColumnsDialog(table.column_keys), chosen)
