"""Closing a task: pick the resolution (done by default), optionally with a note."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar, TypeVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from backdesk.api_client import RESOLUTIONS, BackendError, Person, StaleError, Task
from backdesk.api_client.models import Resolution
from backdesk.api_client.outbox import Queued
from backdesk.widgets.text import literal, one_line

from .drafts import Draft, DraftStore

#: Closes the given copy of a task (its version guards the write) as a resolution, with a note.
CloseTask = Callable[[Task, Resolution, str | None], Awaitable[Task]]
#: The server's current copy of a task, or None when it cannot be read.
ReadTask = Callable[[str], Awaitable[Task | None]]

EXPLAIN = {
    "done": "done — the work is finished",
    "rejected": "rejected — will not be done",
    "duplicate": "duplicate — another task covers it",
}


Result = TypeVar("Result")


class ResolutionDialog(ModalScreen[Result]):
    """A dialog that asks for a resolution first (``done`` highlighted): j/k move through the
    resolutions, enter on one confirms. Subclasses yield :meth:`resolutions` and confirm."""

    @staticmethod
    def resolutions() -> OptionList:
        return OptionList(*(Option(EXPLAIN[r], id=r) for r in RESOLUTIONS), id="resolution")

    def focus_resolutions(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    @property
    def resolution(self) -> Resolution:
        """The highlighted resolution."""
        option = self.query_one(OptionList).highlighted_option
        return next((r for r in RESOLUTIONS if option and option.id == r), "done")

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.has_focus:
            options.action_cursor_down() if step > 0 else options.action_cursor_up()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_confirm()

    def action_confirm(self) -> object:
        raise NotImplementedError


class CloseDialog(ResolutionDialog[Task | None]):
    """Dismisses with the closed task as the server holds it, or None when cancelled."""

    KEY_SCOPE: ClassVar[str] = "close dialog"
    BINDINGS = [
        Binding("ctrl+s", "confirm", "Close task", priority=True, id="close.confirm"),
        Binding("escape", "cancel", "Cancel", priority=True, id="close.cancel"),
        Binding("j", "move(1)", "Down", show=False, id="close.down"),
        Binding("k", "move(-1)", "Up", show=False, id="close.up"),
    ]

    def __init__(
        self,
        task: Task,
        close: CloseTask,
        reread: ReadTask,
        *,
        holder: str = "",
        drafts: DraftStore | None = None,
        draft_key: str = "",
    ) -> None:
        """``holder`` says who holds the task, when it is not the operator closing it. The note
        is autosaved under ``draft_key`` until the task is closed, so esc or a crash keeps it."""
        super().__init__()
        self.target = task
        self._close = close
        self._reread = reread
        self._holder = holder
        self._draft = Draft(drafts, draft_key, self._say)
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog"):
            yield Static(literal(f"Close #{one_line(self.target.id)} · {one_line(self.target.title)}", style="bold"))
            if self._holder:
                yield Static(literal(self._holder, style="bold"), classes="warning", id="close-holder")
            yield self.resolutions()
            yield TextArea(id="close-note", soft_wrap=True)
            yield Static(id="close-error")
            yield Static(
                "[b]enter[/b] close with the highlighted resolution   [b]tab[/b] add a note   "
                "[b]ctrl+s[/b] close   [b]esc[/b] cancel",
                classes="hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.border_title = "Note (optional, internal)"
        if restored := self._draft.load():
            area.load_text(restored)
            self._say("Restored your unsent close note.", "dim")
        self.focus_resolutions()

    def _say(self, message: str, style: str = "bold red") -> None:
        self.query_one("#close-error", Static).update(literal(message, style=style))

    def on_text_area_changed(self) -> None:
        self._draft.typed(self.set_timer, lambda: self.query_one(TextArea).text)

    @work(exclusive=True)
    async def action_confirm(self) -> None:
        if self._busy:
            return
        resolution = self.resolution
        note = self.query_one(TextArea).text.strip() or None
        self._busy = True
        self._say("Closing…", "dim")
        try:
            task = await self._close(self.target, resolution, note)
        except Queued as queued:  # kept on disk and sent when the server answers
            self._draft.delete()
            self.app.notify(str(queued), severity="warning", timeout=8, markup=False)
            self.dismiss(None)
            return
        except StaleError:
            await self._changed_meanwhile()
            return
        except BackendError as err:
            self._say(f"Not closed: {err}")
            return
        finally:
            self._busy = False
        self._draft.delete()
        self.dismiss(task)

    async def _changed_meanwhile(self) -> None:
        """The task changed since the dialog opened: say what changed and take the new version,
        so ctrl+s closes it anyway and esc goes back, the note kept either way."""
        fresh = await self._reread(self.target.id)
        if fresh is None:
            self._say("The task changed since you opened it and cannot be read now; esc goes back, the note is kept.")
            return
        changes = [
            f"{label} {before} → {after}"
            for label, before, after in (
                ("owner", _name(self.target.owner), _name(fresh.owner)),
                ("status", self.target.status_label, fresh.status_label),
                ("priority", self.target.priority, fresh.priority),
                ("title", self.target.title, fresh.title),
            )
            if before != after
        ]
        self.target = fresh
        what = "; ".join(changes) or "a note or another field"
        if fresh.is_closed:
            self._say(f"Someone closed it meanwhile ({what}). esc goes back; your note is kept.")
        else:
            self._say(f"Changed since you opened it: {what}. ctrl+s closes it anyway; esc goes back, the note kept.")

    def action_cancel(self) -> None:
        """Back to the list. A note typed here stays as a draft for the next x on this task."""
        if self._draft.pending or self.query_one(TextArea).text.strip():
            self._draft.save(self.query_one(TextArea).text)
            self.app.notify("Your close note is kept: press x on the task to pick it up.", timeout=6)
        self.dismiss(None)


def _name(person: Person | None) -> str:
    return one_line(person.name) if person else "nobody"
