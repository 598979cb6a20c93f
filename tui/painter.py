"""Paints the workspace (:mod:`tui.workspace`) onto the main screen's widgets.

The only code that puts tasks, titles and counts into widgets: everything on screen is derived
from the workspace, so the title, the filter bar, the sidebar and the list never disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from backdesk.widgets.filter_input import HistoryInput
from backdesk.widgets.queue_list import QueueList, ViewEntry
from backdesk.widgets.task_detail import TaskDetail
from backdesk.widgets.task_table import TaskTable
from backdesk.widgets.text import literal, one_line

if TYPE_CHECKING:
    from .main_screen import MainScreen


#: The connection in the header: a mark that reads without colour, a word, a style.
LINK_LOOK = {
    "online": ("●", "online", "bold"),
    "degraded": ("◐", "slow", "bold reverse"),
    "offline": ("○", "offline", "bold reverse"),
}


class Painter:
    """Draws one main screen from its workspace."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self._link = screen.backend.link
        #: The count of marks the header shows.
        self._marked = 0
        #: What the footer's keys depend on, as last shown (see :meth:`task_list`).
        self._keys_for: tuple[object, ...] | None = None

    def pending(self) -> None:
        """Mark the tasks whose writes wait in the outbox, and count them in the header."""
        ws = self.screen.workspace
        pending = {entry.task_id for entry in self.screen.session.outbox.entries()}
        if pending != ws.pending:
            ws.pending = pending
            self.task_list()
            self.topbar()

    def link(self) -> None:
        """Repaint the header when the link to the backend changed (online, slow, offline)."""
        if self.screen.backend.link != self._link:
            self._link = self.screen.backend.link
            self.topbar()

    def topbar(self) -> None:
        me = self.screen.workspace.me
        text = Text("backdesk", style="bold")
        mark, word, style = LINK_LOOK[self.screen.backend.link]
        text.append(f"  {mark} {word}", style=style)
        if unsent := len(self.screen.workspace.pending):
            text.append(f"  ⧗ {unsent} unsent", style="bold reverse")
        if marked := len(self.screen.workspace.marks):
            text.append(f"  ✓ {marked:,} marked", style="bold reverse")
        text.append(f"  {one_line(self.screen.backend.label)}", style="dim")
        if me:
            text.append("  signed in as ")
            text.append_text(literal(one_line(me.name), style="bold"))
            text.append(f" ({me.role})", style="dim")
        self.screen.query_one("#topbar", Static).update(text)
        self.screen.follow_up.context_changed()

    def task_list(self) -> None:
        """The table, its title, the filter bar and the play banner, from the workspace."""
        ws = self.screen.workspace
        table = self.screen.query_one(TaskTable)
        if (me_id := ws.me.id if ws.me else None) != table.me_id:  # rows drawn before the sign-in read a name
            table.restyle(table.palette, me_id)
        window = ws.window
        table.show(
            ws.tasks,
            cursor=ws.cursor_id,
            offset=window.offset,
            extent=window.extent,
            position=ws.cursor_row,
            changed=ws.changed,
            departed=ws.departed,
            pending=ws.pending,
            marked=ws.marks.ids,
        )
        if len(ws.marks) != self._marked:
            if not ws.marks or not self._marked:  # the footer shows the keys for marks, or not
                self.screen.refresh_bindings()
            self._marked = len(ws.marks)
            self.topbar()
        if notice := ws.marks.take_notices():
            self.screen.notify(notice, severity="warning", timeout=8, markup=False)
        self.title()
        if ws.loaded and not ws.tasks:
            hint = " Press / to change the filter." if ws.filter_text else ""
            self.screen.query_one(TaskDetail).show_empty(f"No tasks match.{hint}")
            self.screen.forget_detail()
        field = self.screen.query_one("#filter", HistoryInput)
        if not field.has_focus:
            field.value = ws.typed_filter
            self.screen.query_one("#filter-bar").set_class(bool(ws.typed_filter), "visible")
        # The footer rebuilds its keys on every refresh of the bindings (and Textual 8.2 keeps
        # the old ones alive): refresh them only when what they depend on changed.
        keys_for = (ws.play.playing, ws.me and ws.me.role, bool(ws.marks))
        if keys_for != self._keys_for:
            self._keys_for = keys_for
            self.screen.refresh_bindings()
        banner = self.screen.query_one("#play-banner", Static)
        banner.set_class(ws.play.playing, "visible")
        if ws.play.playing:
            banner.update(Text("▶ Play mode · space next task · x close · u release · > skip · esc stop", style="bold"))

    def sidebar(self) -> None:
        ws = self.screen.workspace
        sidebar = self.screen.query_one(QueueList)
        sidebar.show(
            list(ws.queues.values()),
            [ViewEntry(v.name, ws.view_counts.get(v.name)) for v in self.screen.settings.views],
        )
        index = ws.view_index()
        if ws.view is not None:
            sidebar.select(f"v:{index}" if index is not None else "")
        else:
            sidebar.select(f"q:{ws.queue_id}" if ws.queue_id else "*")
        self.title()
        self.screen.follow_up.context_changed()

    def title(self) -> None:
        """The table's title (where, which row of how many, the order), set only when it changed."""
        table = self.screen.query_one(TaskTable)
        title = one_line(self.screen.workspace.title())
        if str(table.border_title or "") != title:
            table.set_title(Text(title))

    def filter_error(self, message: str) -> None:
        self.screen.query_one("#filter-bar").add_class("visible")
        self.screen.query_one("#filter-error", Static).update(literal(f"⚠ {message}", style="bold red"))
