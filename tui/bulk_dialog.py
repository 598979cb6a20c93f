"""What a bulk close and a bulk note ask for before their summary: a resolution, a note."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from backdesk.api_client import RESOLUTIONS
from backdesk.api_client.models import Resolution
from backdesk.widgets.text import literal

from .close_dialog import EXPLAIN


class BulkCloseDialog(ModalScreen[tuple[Resolution, str | None] | None]):
    """Dismisses with (resolution, note or None), or None on esc."""

    KEY_SCOPE: ClassVar[str] = "bulk close"
    BINDINGS = [
        Binding("ctrl+s", "confirm", "Next", priority=True, id="bulk_close.confirm"),
        Binding("escape", "cancel", "Cancel", priority=True, id="bulk_close.cancel"),
        Binding("j", "move(1)", "Down", show=False, id="bulk_close.down"),
        Binding("k", "move(-1)", "Up", show=False, id="bulk_close.up"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog"):
            yield Static(literal(self.title_text, style="bold"))
            yield OptionList(*(Option(EXPLAIN[r], id=r) for r in RESOLUTIONS), id="resolution")
            yield TextArea(id="close-note", soft_wrap=True)
            yield Static(
                "[b]enter[/b] the highlighted resolution   [b]tab[/b] add a note (the same on every task)   "
                "[b]ctrl+s[/b] next   [b]esc[/b] cancel",
                classes="hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TextArea).border_title = "Note (optional, internal)"
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

    def action_confirm(self) -> None:
        option = self.query_one(OptionList).highlighted_option
        resolution: Resolution = next((r for r in RESOLUTIONS if option and option.id == r), "done")
        self.dismiss((resolution, self.query_one(TextArea).text.strip() or None))

    def action_cancel(self) -> None:
        self.dismiss(None)


class BulkNoteDialog(ModalScreen[str | None]):
    """Asks for one note for every marked task; dismisses with its text, or None on esc."""

    KEY_SCOPE: ClassVar[str] = "bulk note"
    BINDINGS = [
        Binding("ctrl+s", "confirm", "Next", priority=True, id="bulk_note.confirm"),
        Binding("escape", "cancel", "Cancel", priority=True, id="bulk_note.cancel"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title
        self._warned = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog"):
            yield Static(literal(self.title_text, style="bold"))
            yield TextArea(id="note-text", soft_wrap=True)
            yield Static(id="bulk-note-error")
            yield Static("[b]ctrl+s[/b] next   [b]esc[/b] cancel", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.border_title = "Internal note, added to each task"
        area.focus()

    def action_confirm(self) -> None:
        text = self.query_one(TextArea).text.strip()
        if not text:
            self.query_one("#bulk-note-error", Static).update(
                literal("Type the note, or esc to cancel.", style="bold red")
            )
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        """A typed note is dropped only on a second esc."""
        if self.query_one(TextArea).text.strip() and not self._warned:
            self._warned = True
            self.query_one("#bulk-note-error", Static).update(
                literal("esc again drops this note; ctrl+s goes on.", style="bold")
            )
            return
        self.dismiss(None)
