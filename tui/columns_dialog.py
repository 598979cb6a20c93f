"""Choosing which task-table columns show, from the command palette."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, SelectionList, Static

from backdesk.widgets.task_columns import COLUMNS


class ColumnsDialog(ModalScreen[tuple[str, ...] | None]):
    """Dismisses with the chosen columns in table order, or None on esc. The title always shows."""

    KEY_SCOPE: ClassVar[str] = "columns dialog"
    BINDINGS = [
        Binding("enter,ctrl+s", "confirm", "Apply", priority=True, id="columns.apply"),
        Binding("escape", "cancel", "Cancel", id="columns.cancel"),
        Binding("j", "move(1)", "Down", show=False, id="columns.down"),
        Binding("k", "move(-1)", "Up", show=False, id="columns.up"),
    ]

    def __init__(self, visible: Sequence[str]) -> None:
        super().__init__()
        self.order = [*visible, *(key for key in COLUMNS if key not in visible)]
        self.shown = set(visible)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("[b]Columns[/b]")
            yield SelectionList[str](
                *(
                    (COLUMNS[key].label if key != "id" else "# (id)", key, key in self.shown)
                    for key in self.order
                    if key != "title"
                )
            )
            yield Static(
                "[b]space[/b] show/hide   [b]enter[/b] apply   [b]esc[/b] cancel   "
                "(order and widths: [b]columns[/b] in config.toml)",
                classes="hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_move(self, step: int) -> None:
        options = self.query_one(SelectionList)
        options.action_cursor_down() if step > 0 else options.action_cursor_up()

    def action_confirm(self) -> None:
        chosen = set(self.query_one(SelectionList).selected) | {"title"}
        self.dismiss(tuple(key for key in self.order if key in chosen))

    def action_cancel(self) -> None:
        self.dismiss(None)
