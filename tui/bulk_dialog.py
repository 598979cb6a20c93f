"""What a bulk close and a bulk note ask for before their summary: a resolution, a note."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea

from backdesk.api_client.models import Resolution
from backdesk.widgets.text import literal

from .close_dialog import ResolutionDialog


class SecondEsc:
    """esc with a note typed only warns; a second esc drops the note."""

    _warned = False

    def may_drop(self, note: str, say: Callable[[str], None]) -> bool:
        if note.strip() and not self._warned:
            self._warned = True
            say("esc again drops this note; ctrl+s goes on.")
            return False
        return True


class BulkCloseDialog(SecondEsc, ResolutionDialog[tuple[Resolution, str | None] | None]):
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
            yield self.resolutions()
            yield TextArea(id="close-note", soft_wrap=True)
            yield Static(id="bulk-close-error")
            yield Static(
                "[b]enter[/b] the highlighted resolution   [b]tab[/b] add a note (the same on every task)   "
                "[b]ctrl+s[/b] next   [b]esc[/b] cancel",
                classes="hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TextArea).border_title = "Note (optional, internal)"
        self.focus_resolutions()

    def action_confirm(self) -> None:
        self.dismiss((self.resolution, self.query_one(TextArea).text.strip() or None))

    def action_cancel(self) -> None:
        if self.may_drop(self.query_one(TextArea).text, self._say):
            self.dismiss(None)

    def _say(self, message: str) -> None:
        self.query_one("#bulk-close-error", Static).update(literal(message, style="bold"))


class BulkNoteDialog(SecondEsc, ModalScreen[str | None]):
    """Asks for one note for every marked task; dismisses with its text, or None on esc."""

    KEY_SCOPE: ClassVar[str] = "bulk note"
    BINDINGS = [
        Binding("ctrl+s", "confirm", "Next", priority=True, id="bulk_note.confirm"),
        Binding("escape", "cancel", "Cancel", priority=True, id="bulk_note.cancel"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

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
        if self.may_drop(self.query_one(TextArea).text, self._say):
            self.dismiss(None)

    def _say(self, message: str) -> None:
        self.query_one("#bulk-note-error", Static).update(literal(message, style="bold"))
