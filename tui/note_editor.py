"""The note editor: a modal multi-line editor that never throws a draft away unasked.

Drafts are saved to disk as you type (see :mod:`tui.drafts`), so an unsent note survives a
crash or a closed terminal and comes back the next time you open a note on that task.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea

from backdesk.api_client import BackendError, Task, UnavailableError
from backdesk.widgets.text import literal, one_line

from .confirm import ConfirmDialog
from .drafts import DraftStore
from .prompt import ChoiceDialog
from .templates import spaced

#: Sends a note (its text, its idempotency key).
SaveNote = Callable[[str, str], Awaitable[None]]
#: Whether the server already holds a note of mine with this text on the task.
HasNote = Callable[[str], Awaitable[bool]]
#: Seconds between a keystroke and the draft reaching the disk.
AUTOSAVE_DELAY = 0.4


class NoteEditor(ModalScreen[bool]):
    """Dismisses with True once the server holds the note, None when cancelled.

    The idempotency key lives with the draft: made once, and remembered on disk with the text it
    carried when a send's outcome is unknown. Saving the same text again (now or after a restart)
    reuses it, so the note can never arrive twice; saving an edited text first asks the server
    whether the earlier version arrived, and lets the operator keep that or add the edit.
    """

    KEY_SCOPE: ClassVar[str] = "note editor"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="note.save"),
        Binding("escape", "cancel", "Cancel", priority=True, id="note.cancel"),
        Binding("ctrl+t", "template", "Template", priority=True, id="note.template"),
        Binding("ctrl+e", "external_editor", "$EDITOR", priority=True, id="note.editor"),
    ]

    def __init__(
        self,
        task: Task,
        save: SaveNote,
        has_note: HasNote,
        *,
        drafts: DraftStore | None = None,
        draft_key: str = "",
        templates: Mapping[str, str] | None = None,
        render: Callable[[str], str] = str,
        initial: str = "",
    ) -> None:
        super().__init__()
        self.target = task
        self._save = save
        self._has_note = has_note
        self._drafts = drafts
        self._draft_key = draft_key
        self._templates = dict(templates or {})
        self._fill = render
        self._initial = initial
        pending = drafts.pending(draft_key) if drafts else None
        #: The idempotency key, and the text last sent with it when its outcome is unknown.
        self._key, self._sent = pending or (str(uuid.uuid4()), None)
        self._saving = False
        self._autosave_pending = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog"):
            yield Static(
                literal(f"Internal note on #{one_line(self.target.id)} · {one_line(self.target.title)}", style="bold")
            )
            yield Static(id="note-warning", classes="warning")
            yield TextArea(id="note-text", soft_wrap=True, tab_behavior="indent")
            yield Static(id="note-error")
            yield Static(
                "[b]ctrl+s[/b] save   [b]esc[/b] cancel   [b]ctrl+t[/b] template   "
                "[b]ctrl+e[/b] $EDITOR   Notes are internal: the customer never sees them.",
                classes="hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        restored = self._load_draft()
        text = restored or self._initial
        if text:
            area.load_text(text)
            area.move_cursor(area.document.end)
        if restored:
            self._status("Restored your unsent draft.", "dim")
        area.focus()

    def warn(self, message: str) -> None:
        """Show a warning above the text (say, that someone else holds the task)."""
        if self.is_attached:
            self.query_one("#note-warning", Static).update(literal(f"⚠ {message}", style="bold"))

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def _status(self, message: str, style: str = "bold red") -> None:
        self.query_one("#note-error", Static).update(literal(message, style=style))

    # -- drafts ----------------------------------------------------------------------------

    def _load_draft(self) -> str:
        if not self._drafts:
            return ""
        try:
            return self._drafts.load(self._draft_key)
        except OSError:
            return ""

    def _store_draft(self, text: str) -> None:
        if not self._drafts:
            return
        try:
            self._drafts.save(self._draft_key, text)
        except OSError as err:
            self._status(f"Could not autosave the draft: {err.strerror or err}")

    def on_text_area_changed(self) -> None:
        if not self._autosave_pending:
            self._autosave_pending = True
            self.set_timer(AUTOSAVE_DELAY, self._autosave)

    def _autosave(self) -> None:
        self._autosave_pending = False
        self._store_draft(self.text)

    # -- actions ---------------------------------------------------------------------------

    @work(exclusive=True)
    async def action_save(self) -> None:
        body = self.text.strip()
        if not body:
            self._status("Write something first, or press esc to cancel.")
            return
        if self._saving:
            return
        self._saving = True
        self._store_draft(self.text)
        try:
            if self._sent is not None and body != self._sent and not await self._edited_after_unknown(body):
                return
            await self._send(body)
        finally:
            self._saving = False

    async def _send(self, body: str) -> None:
        self._status("Saving…", "dim")
        try:
            await self._save(body, self._key)
        except UnavailableError as err:  # it may have arrived: remember what went with this key
            self._sent = body
            self._remember_pending()
            self._status(f"Not confirmed: {err} Your text is still here; ctrl+s sends it again, never twice.")
            return
        except BackendError as err:
            self._forget_pending()
            self._status(f"Not saved: {err} Your text is still here; ctrl+s to try again.")
            return
        self._forget_pending()
        self._store_draft("")
        self.dismiss(True)

    async def _edited_after_unknown(self, body: str) -> bool:
        """The text changed after a send whose outcome is unknown. Ask the server; if the earlier
        version arrived, the operator keeps it or adds the edit as a new note. True: send ``body``."""
        sent = self._sent or ""
        try:
            arrived = await self._has_note(sent)
        except BackendError as err:
            self._status(f"Cannot check whether your earlier version arrived: {err} Try ctrl+s again.")
            return False
        if not arrived:
            self._key, self._sent = str(uuid.uuid4()), None  # it never landed: this text is a new send
            return True
        choice = await self.app.push_screen_wait(
            ChoiceDialog(
                "Your earlier version of this note did arrive",
                [
                    ("keep", f"Keep the server's version: {' '.join(sent.split())[:50]}"),
                    ("add", "Add this edited text as a new note as well"),
                ],
            )
        )
        if choice == "keep":
            self._forget_pending()
            self._store_draft("")
            self.dismiss(True)
            return False
        if choice == "add":
            self._key, self._sent = str(uuid.uuid4()), None
            return True
        return False

    def _remember_pending(self) -> None:
        if self._drafts and self._sent is not None:
            try:
                self._drafts.set_pending(self._draft_key, self._key, self._sent)
            except OSError as err:
                self._status(f"Could not keep the note's send on disk: {err.strerror or err}")

    def _forget_pending(self) -> None:
        self._sent = None
        if self._drafts:
            try:
                self._drafts.clear_pending(self._draft_key)
            except OSError:
                pass  # a stale record only makes the next save check the server first

    def action_cancel(self) -> None:
        if not self.text.strip():
            self._store_draft("")
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self._forget_pending()
                self._store_draft("")
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog("Discard this note?", "Your draft has not been saved."), answered)

    def action_template(self) -> None:
        if not self._templates:
            self._status("No templates yet: add a [templates] table to config.toml (backdesk config --edit).")
            return

        def picked(name: str | None) -> None:
            if name:
                area = self.query_one(TextArea)
                row, column = area.cursor_location
                line = area.document.get_line(row)
                area.insert(spaced(line[:column], self._fill(self._templates[name]), line[column:]))
                area.focus()

        choices = [(name, f"{name}: {' '.join(text.split())[:60]}") for name, text in self._templates.items()]
        self.app.push_screen(ChoiceDialog("Insert a template", choices), picked)

    def action_external_editor(self) -> None:
        """Edit the draft in $VISUAL or $EDITOR, then carry on here with the result."""
        command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.TemporaryDirectory(prefix="backdesk-note-") as scratch:
            path = Path(scratch) / f"note-{one_line(self.target.id)}.md"
            path.write_text(self.text, encoding="utf-8")
            try:
                with self.app.suspend():
                    done = subprocess.run([*shlex.split(command), str(path)], check=False)
            except SuspendNotSupported:
                self._status("This terminal cannot hand over to an editor; edit here instead.")
                return
            except (OSError, ValueError) as err:
                self._status(f"Could not start the editor {command!r}: {err}")
                return
            if done.returncode != 0:
                self._status(f"The editor exited with status {done.returncode}; your text is unchanged.")
                return
            self.query_one(TextArea).load_text(path.read_text(encoding="utf-8", errors="replace").rstrip("\n"))
        self._store_draft(self.text)
        self.refresh()
