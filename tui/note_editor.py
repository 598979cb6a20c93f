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

from backdesk.api_client import BackendError, Task
from backdesk.api_client.outbox import Queued
from backdesk.widgets.text import literal, one_line

from .confirm import ConfirmDialog
from .drafts import Draft, DraftStore
from .prompt import ChoiceDialog
from .templates import spaced

#: Sends a note (its text, its idempotency key).
SaveNote = Callable[[str, str], Awaitable[None]]


class NoteEditor(ModalScreen[bool]):
    """Dismisses with True once the server holds the note, False once it waits in the outbox
    (the server could not be reached; it is sent, exactly once, when it answers), None when
    cancelled. The idempotency key is made once per editor, so ctrl+s again after an error can
    never add the note twice.
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
        *,
        drafts: DraftStore | None = None,
        draft_key: str = "",
        templates: Mapping[str, str] | None = None,
        render: Callable[[str], str] = str,
        initial: str = "",
        warning: str = "",
    ) -> None:
        super().__init__()
        self.target = task
        self._warning = warning
        self._save = save
        self._draft = Draft(drafts, draft_key, self._status)
        self._templates = dict(templates or {})
        self._fill = render
        self._initial = initial
        self._key = str(uuid.uuid4())
        self._saving = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog"):
            yield Static(
                literal(f"Internal note on #{one_line(self.target.id)} · {one_line(self.target.title)}", style="bold")
            )
            warning = literal(f"⚠ {self._warning}", style="bold") if self._warning else ""
            yield Static(warning, id="note-warning", classes="warning")
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
        restored = self._draft.load()
        text = restored or self._initial
        if text:
            area.load_text(text)
            area.move_cursor(area.document.end)
        if restored:
            self._status("Restored your unsent draft.", "dim")
        area.focus()

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def _status(self, message: str, style: str = "bold red") -> None:
        self.query_one("#note-error", Static).update(literal(message, style=style))

    def on_text_area_changed(self) -> None:
        self._draft.typed(self.set_timer, lambda: self.text)

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
        self._draft.save(self.text)
        self._status("Saving…", "dim")
        try:
            await self._save(body, self._key)
        except Queued as queued:  # kept on disk and sent when the server answers: the draft may go
            self._draft.delete()
            self.app.notify(str(queued), severity="warning", timeout=8, markup=False)
            self.dismiss(False)
            return
        except BackendError as err:
            self._status(f"Not saved: {err} Your text is still here; ctrl+s to try again.")
            return
        finally:
            self._saving = False
        self._draft.delete()
        self.dismiss(True)

    def action_cancel(self) -> None:
        if not self.text.strip():
            self._draft.delete()
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self._draft.delete()
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
        self._draft.save(self.text)
        self.refresh()
