"""The operator's workspace: queues, the task table and the selected task."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from api_client import (
    Backend,
    BackendError,
    ConflictError,
    FilterError,
    Person,
    Queue,
    Sort,
    Task,
    TaskQuery,
    parse_filter,
)
from widgets.queue_list import QueueList
from widgets.task_detail import TaskDetail
from widgets.task_table import TaskTable
from widgets.text import literal, one_line

from .close_dialog import CloseDialog
from .help_screen import HelpScreen
from .note_editor import NoteEditor

T = TypeVar("T")
PAGE_SIZE = 100
#: Terminal width below which the detail pane goes under the table instead of beside it.
WIDE = 150
#: Terminal width below which the queue sidebar hides until asked for (b).
NARROW = 100


class MainScreen(Screen):
    BINDINGS = [
        Binding("c", "claim", "Claim", id="task.claim"),
        Binding("u", "release", "Release", id="task.release"),
        Binding("n", "note", "Note", id="task.note"),
        Binding("x", "close_task", "Close", id="task.close"),
        Binding("slash", "filter", "Filter", key_display="/", id="queue.filter"),
        Binding("r", "refresh", "Refresh", id="app.refresh"),
        Binding("b", "toggle_queues", "Queues", id="app.queues"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        Binding("q", "app.quit", "Quit", id="app.quit"),
        Binding("escape", "back", "Back", show=False, id="app.back"),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend
        self.me: Person | None = None
        self.queues: dict[str, Queue] = {}
        self.queue_id: str | None = None
        self.filter_text = ""
        self.sort = Sort()
        self.next_cursor: str | None = None
        self.total: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        with Horizontal(id="body"):
            yield QueueList(id="queues")
            with Vertical(id="work"):
                with Vertical(id="filter-bar"):
                    yield Input(placeholder="free text and tokens: status:open owner:me priority:>=high "
                                "due:<2h breached -tag:vip", id="filter")
                    yield Static(id="filter-error")
                yield TaskTable(id="tasks")
                yield TaskDetail(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#queues").border_title = "Queues"
        self.query_one(TaskDetail).show_empty("Loading…")
        self._topbar()
        self.query_one(TaskTable).focus()
        self.load_everything()

    def on_resize(self) -> None:
        self.query_one("#work").set_class(self.size.width >= WIDE, "wide")
        self.query_one("#body").set_class(self.size.width < NARROW, "narrow")

    # -- loading -------------------------------------------------------------------------

    async def _try(self, call: Awaitable[T], doing: str) -> T | None:
        """Await a backend call; on failure tell the operator what failed and return None."""
        try:
            return await call
        except BackendError as err:
            self.notify(f"{doing} failed: {err}", severity="error", timeout=8, markup=False)
            return None

    @work(exclusive=True, group="load")
    async def load_everything(self) -> None:
        me = await self._try(self.backend.me(), "Signing in")
        if me is None:
            self.query_one(TaskDetail).show_empty(
                f"Could not sign in to {self.backend.label}. Press r to retry, q to quit."
            )
            return
        self.me = me
        self.query_one(TaskTable).me_id = me.id
        self._topbar()
        await self._load_queues()
        await self._load_tasks()

    async def _load_queues(self) -> None:
        queues = await self._try(self.backend.queues(), "Loading queues")
        if queues is not None:
            self.queues = {q.id: q for q in queues}
            self.query_one(QueueList).show_queues(queues)

    def _query(self) -> TaskQuery:
        filt = parse_filter(self.filter_text)
        status = () if filt.has("status") else ("open", "waiting")
        return TaskQuery(queue=self.queue_id, q=self.filter_text, status=status, sort=self.sort, limit=PAGE_SIZE)

    async def _load_tasks(self, keep: str | None = None) -> None:
        page = await self._try(self.backend.tasks(self._query()), "Loading tasks")
        if page is None:
            return
        table = self.query_one(TaskTable)
        self.next_cursor, self.total = page.next_cursor, page.total
        table.show_tasks(page.items, keep=keep)
        self._table_title()
        if not page.items:
            self.query_one(TaskDetail).show_empty(
                "No tasks match." + (" Press / to change the filter." if self.filter_text else "")
            )

    @work(exclusive=True, group="load")
    async def reload_tasks(self) -> None:
        await self._load_tasks()

    @work(exclusive=True, group="more")
    async def load_more(self) -> None:
        if not self.next_cursor:
            return
        page = await self._try(self.backend.tasks(self._query(), self.next_cursor), "Loading more tasks")
        if page is not None:
            self.next_cursor = page.next_cursor
            self.query_one(TaskTable).append_tasks(page.items)
            self._table_title()

    @work(exclusive=True, group="detail")
    async def load_history(self, task: Task) -> None:
        await asyncio.sleep(0.05)  # let a held j/k settle before asking the server
        events = await self._try(self.backend.events(task.id), "Loading the history")
        if events is not None and self._current() and self._current().id == task.id:
            self.query_one(TaskDetail).show_history(events)

    def _topbar(self) -> None:
        text = Text("backdesk", style="bold")
        text.append(f"  {one_line(self.backend.label)}", style="dim")
        if self.me:
            text.append("  signed in as ")
            text.append_text(literal(one_line(self.me.name), style="bold"))
            text.append(f" ({self.me.role})", style="dim")
        self.query_one("#topbar", Static).update(text)

    def _table_title(self) -> None:
        table = self.query_one(TaskTable)
        name = self.queues[self.queue_id].name if self.queue_id in self.queues else "All queues"
        shown = table.row_count
        count = f"{self.total}" if self.total is not None else f"{shown}+" if self.next_cursor else f"{shown}"
        title = f"{one_line(name)} · {count} tasks"
        if self.filter_text:
            title += f" · filter: {one_line(self.filter_text)}"
        table.border_title = Text(title)

    def _current(self) -> Task | None:
        return self.query_one(TaskTable).current_task

    # -- events from widgets ---------------------------------------------------------------

    @on(QueueList.QueueChosen)
    def _queue_chosen(self, event: QueueList.QueueChosen) -> None:
        if event.queue_id != self.queue_id:
            self.queue_id = event.queue_id
            self.reload_tasks()

    @on(QueueList.OptionSelected)
    def _queue_entered(self) -> None:
        """enter in the queue list: back to the tasks (hiding the list on a narrow terminal)."""
        self.query_one("#body").remove_class("show-queues")
        self.query_one(TaskTable).focus()

    @on(TaskTable.TaskHighlighted)
    def _task_highlighted(self, event: TaskTable.TaskHighlighted) -> None:
        detail = self.query_one(TaskDetail)
        task = event.task
        if task is None:
            return
        queue = self.queues.get(task.queue)
        detail.show_task(task, queue_name=queue.name if queue else task.queue, me_id=self.me and self.me.id)
        detail.show_history(None)
        self.load_history(task)

    @on(TaskTable.NearEnd)
    def _near_end(self) -> None:
        if self.next_cursor:
            self.load_more()

    @on(TaskTable.RowSelected)
    def _open(self) -> None:
        self.query_one(TaskDetail).focus()

    # -- actions -------------------------------------------------------------------------

    def _target(self) -> Task | None:
        task = self._current()
        if task is None:
            self.notify("Select a task first.", severity="warning")
        return task

    async def _apply(self, task: Task) -> None:
        """Show the server's answer for ``task``, then refresh counts and history."""
        self.query_one(TaskTable).update_task(task)
        self.load_history(task)
        await self._load_queues()

    @work(group="write")
    async def action_claim(self) -> None:
        if (task := self._target()) is None:
            return
        try:
            updated = await self.backend.claim(task.id)
        except ConflictError as err:
            self.notify(str(err), severity="warning", timeout=8, markup=False)
            await self._refresh_one(task.id)
            return
        except BackendError as err:
            self.notify(f"Claim failed: {err}", severity="error", timeout=8, markup=False)
            return
        await self._apply(updated)
        self.notify(f"Claimed #{one_line(task.id)}.", markup=False)

    @work(group="write")
    async def action_release(self) -> None:
        if (task := self._target()) is None:
            return
        updated = await self._try(self.backend.release(task.id), "Release")
        if updated is None:
            await self._refresh_one(task.id)
            return
        await self._apply(updated)
        self.notify(f"Released #{one_line(task.id)}.", markup=False)

    async def _refresh_one(self, task_id: str) -> None:
        fresh = await self._try(self.backend.task(task_id), "Reloading the task")
        if fresh is not None:
            await self._apply(fresh)

    def action_note(self) -> None:
        if (task := self._target()) is None:
            return

        async def save(body: str, key: str) -> None:
            await self.backend.add_note(task.id, body, idempotency_key=key)

        def saved(done: bool | None) -> None:
            if done:
                self.notify(f"Note added to #{one_line(task.id)}.", markup=False)
                self.run_worker(self._refresh_one(task.id), group="write")

        self.app.push_screen(NoteEditor(task, save), saved)

    def action_close_task(self) -> None:
        if (task := self._target()) is None:
            return
        if task.is_closed:
            self.notify("This task is already closed.", severity="warning")
            return

        async def close(resolution, note: str | None) -> Task:
            return await self.backend.close(task.id, resolution, note=note, version=task.version)

        def closed(result: Task | None) -> None:
            if result is not None:
                self.notify(f"Closed #{one_line(task.id)} as {result.resolution}.", markup=False)
                self.run_worker(self._apply(result), group="write")

        self.app.push_screen(CloseDialog(task, close), closed)

    def action_filter(self) -> None:
        bar = self.query_one("#filter-bar")
        bar.add_class("visible")
        field = self.query_one("#filter", Input)
        field.value = self.filter_text
        field.focus()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        error = self.query_one("#filter-error", Static)
        try:
            parse_filter(event.value)
        except FilterError as err:
            error.update(literal(f"⚠ {err}", style="bold red"))
            return
        error.update("")
        self.filter_text = event.value.strip()
        if not self.filter_text:
            self.query_one("#filter-bar").remove_class("visible")
        self.query_one(TaskTable).focus()
        self.reload_tasks()

    def action_back(self) -> None:
        """esc: leave the filter (clearing it) or the detail pane, back to the table."""
        table = self.query_one(TaskTable)
        if self.query_one("#filter", Input).has_focus:
            self.query_one("#filter-error", Static).update("")
            self.query_one("#filter-bar").remove_class("visible")
            if self.filter_text:
                self.filter_text = ""
                self.reload_tasks()
        table.focus()

    def action_toggle_queues(self) -> None:
        """Focus the queue list; on a narrow terminal, also show or hide it."""
        body = self.query_one("#body")
        queues = self.query_one(QueueList)
        if body.has_class("narrow"):
            body.toggle_class("show-queues")
            if not body.has_class("show-queues"):
                self.query_one(TaskTable).focus()
                return
        queues.focus()

    def action_refresh(self) -> None:
        self.load_everything()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.active_bindings))
