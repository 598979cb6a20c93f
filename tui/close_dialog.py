"""Closing a task: pick the resolution (done by default), optionally with a note."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from backdesk.api_client import RESOLUTIONS, BackendError, Task
from backdesk.widgets.text import literal, one_line

from .confirm import ConfirmDialog

CloseTask = Callable[[str, str | None], Awaitable[Task]]
EXPLAIN = {
    "done": "done — the work is finished",
    "rejected": "rejected — will not be done",
    "duplicate": "duplicate — another task covers it",
}


class CloseDialog(ModalScreen[Task | None]):
    """Dismisses with the closed task as the server holds it, or None when cancelled."""

    KEY_SCOPE: ClassVar[str] = "close dialog"
    BINDINGS = [
        Binding("ctrl+s", "confirm", "Close task", priority=True, id="close.confirm"),
        Binding("escape", "cancel", "Cancel", priority=True, id="close.cancel"),
        Binding("j", "move(1)", "Down", show=False, id="close.down"),
        Binding("k", "move(-1)", "Up", show=False, id="close.up"),
    ]

    def __init__(self, task: Task, close: CloseTask, *, holder: str = "") -> None:
        """``holder`` says who holds the task, when it is not the operator closing it."""
        super().__init__()
        self.target = task
        self._close = close
        self._holder = holder
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog"):
            yield Static(literal(f"Close #{one_line(self.target.id)} · {one_line(self.target.title)}", style="bold"))
            if self._holder:
                yield Static(literal(self._holder, style="bold"), classes="warning", id="close-holder")
            yield OptionList(*(Option(EXPLAIN[r], id=r) for r in RESOLUTIONS), id="resolution")
            yield TextArea(id="close-note", soft_wrap=True)
            yield Static(id="close-error")
            yield Static(
                "[b]enter[/b] close with the highlighted resolution   [b]tab[/b] add a note   "
                "[b]ctrl+s[/b] close   [b]esc[/b] cancel",
                classes="hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#close-note").border_title = "Note (optional, internal)"
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.has_focus:
            options.action_cursor_down() if step > 0 else options.action_cursor_up()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_confirm()

    @work(exclusive=True)
    async def action_confirm(self) -> None:
        if self._busy:
            return
        option = self.query_one(OptionList).highlighted_option
        resolution = option.id if option and option.id else "done"
        note = self.query_one(TextArea).text.strip() or None
        error = self.query_one("#close-error", Static)
        self._busy = True
        error.update(literal("Closing…", style="dim"))
        try:
            task = await self._close(resolution, note)
        except BackendError as err:
            error.update(literal(f"Not closed: {err}", style="bold red"))
            return
        finally:
            self._busy = False
        self.dismiss(task)

    def action_cancel(self) -> None:
        if not self.query_one(TextArea).text.strip():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog("Cancel closing and discard the note?"), answered)
