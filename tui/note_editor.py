"""The note editor: a modal multi-line editor that never throws a draft away unasked."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from api_client import BackendError, Task
from widgets.text import literal, one_line

from .confirm import ConfirmDialog

SaveNote = Callable[[str, str], Awaitable[None]]


class NoteEditor(ModalScreen[bool]):
    """Dismisses with True once the server holds the note, None when cancelled.

    The idempotency key is made once per draft, so saving again after a timeout can never
    add the note twice.
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="note.save"),
        Binding("escape", "cancel", "Cancel", priority=True, id="note.cancel"),
    ]

    def __init__(self, task: Task, save: SaveNote, draft: str = "") -> None:
        super().__init__()
        self.target = task
        self._save = save
        self._draft = draft
        self._key = str(uuid.uuid4())
        self._saving = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog"):
            yield Static(literal(f"Internal note on #{one_line(self.target.id)} · {one_line(self.target.title)}",
                                 style="bold"))
            yield TextArea(self._draft, id="note-text", soft_wrap=True, tab_behavior="indent")
            yield Static(id="note-error")
            yield Static("[b]ctrl+s[/b] save   [b]esc[/b] cancel   Notes are internal: the customer never sees them.",
                         classes="hint")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    @work(exclusive=True)
    async def action_save(self) -> None:
        body = self.text.strip()
        error = self.query_one("#note-error", Static)
        if not body:
            error.update(literal("Write something first, or press esc to cancel.", style="bold red"))
            return
        if self._saving:
            return
        self._saving = True
        error.update(literal("Saving…", style="dim"))
        try:
            await self._save(body, self._key)
        except BackendError as err:
            error.update(literal(f"Not saved: {err} Your text is still here; ctrl+s to try again.",
                                 style="bold red"))
            return
        finally:
            self._saving = False
        self.dismiss(True)

    def action_cancel(self) -> None:
        if not self.text.strip():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog("Discard this note?", "Your draft has not been saved."), answered)
