"""The operator's workspace: views and queues, the task table and the selected task."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable
from typing import TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState

from backdesk.api_client import (
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
from backdesk.widgets.filter_input import HistoryInput
from backdesk.widgets.queue_list import ALL_QUEUES, Choice, QueueList, ViewEntry
from backdesk.widgets.task_detail import TaskDetail
from backdesk.widgets.task_table import TaskTable
from backdesk.widgets.text import literal, one_line

from .close_dialog import CloseDialog
from .columns_dialog import ColumnsDialog
from .config import ConfigError, Settings, StateStore, View, render_template
from .confirm import ConfirmDialog
from .drafts import DraftStore, draft_key
from .help_screen import HelpScreen
from .note_editor import NoteEditor
from .play_mode import PlayMode
from .prompt import ChoiceDialog, PromptDialog
from .session import Session

T = TypeVar("T")
PAGE_SIZE = 100
#: Terminal width from which the detail pane sits beside the table instead of under it.
WIDE = 180
#: Terminal width below which the queue sidebar hides until asked for (b).
NARROW = 100
#: Seconds between checks of the task on screen, so a claim or close by someone else shows at once.
WATCH_INTERVAL = 5
#: s cycles through these sorts, each in its natural direction; S reverses.
SORT_CYCLE = (Sort("priority", True), Sort("due_at", False), Sort("created_at", False), Sort("updated_at", True))
SORT_NAMES = {"priority": "priority", "due_at": "due", "created_at": "age", "updated_at": "updated"}
OPEN_STATUSES = ("open", "waiting")


class MainScreen(PlayMode, Screen):
    BINDINGS = [
        Binding("c", "claim", "Claim", id="task.claim"),
        Binding("C", "steal", "Steal", id="task.steal"),
        Binding("u", "release", "Release", id="task.release"),
        Binding("n", "note", "Note", id="task.note"),
        Binding("t", "note_from_template", "Template note", show=False, id="task.template"),
        Binding("x", "close_task", "Close", id="task.close"),
        Binding("space", "next_task", "Next", id="play.next"),
        Binding("greater_than_sign", "skip", "Skip", id="play.skip"),
        Binding("slash", "filter", "Filter", key_display="/", id="queue.filter"),
        Binding("s", "cycle_sort", "Sort", id="queue.sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, id="queue.reverse"),
        Binding("V", "save_view", "Save view", show=False, id="view.save"),
        Binding("right_square_bracket", "cycle_view(1)", "Next view", show=False, id="view.next"),
        Binding("left_square_bracket", "cycle_view(-1)", "Previous view", show=False, id="view.previous"),
        *(Binding(str(n), f"jump_view({n - 1})", f"View {n}", show=False, id=f"view.{n}") for n in range(1, 10)),
        Binding("o", "open_url", "Open in browser", show=False, id="task.open"),
        Binding("y", "copy('id')", "Copy id", show=False, id="task.copy_id"),
        Binding("Y", "copy('reference')", "Copy reference", show=False, id="task.copy_reference"),
        Binding("b", "toggle_queues", "Queues", id="app.queues"),
        Binding("r", "refresh", "Refresh", id="app.refresh"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        Binding("q", "app.quit", "Quit", id="app.quit"),
        Binding("escape", "back", "Back", show=False, id="app.back"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.backend = session.backend
        self.settings: Settings = session.settings
        self.me: Person | None = None
        self.queues: dict[str, Queue] = {}
        self.queue_id: str | None = None
        self.view: View | None = None
        self.filter_text = ""
        self.sort = Sort()
        self.next_cursor: str | None = None
        self.total: int | None = None

    @property
    def store(self) -> StateStore:
        return self.session.store

    @property
    def drafts(self) -> DraftStore:
        return self.session.drafts

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        with Horizontal(id="body"):
            yield QueueList(id="queues")
            with Vertical(id="work"):
                with Vertical(id="filter-bar"):
                    yield HistoryInput(
                        placeholder="text and tokens: status:open owner:me priority:>=high due:<2h breached -tag:vip",
                        id="filter",
                    )
                    yield Static(id="filter-error")
                yield Static(id="play-banner")
                yield TaskTable(id="tasks", columns=self.settings.columns, widths=self.settings.column_widths)
                yield TaskDetail(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#queues").border_title = "Views & queues"
        self.query_one(TaskDetail).show_empty("Loading…")
        self._apply_prefs(None)
        self._topbar()
        self.query_one(TaskTable).focus()
        self.load_everything()
        if self.settings.refresh_interval > 0:
            self.set_interval(self.settings.refresh_interval, self._auto_refresh)
        self.set_interval(WATCH_INTERVAL, self._watch_current)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Skip belongs to play mode: hidden from the footer until the operator plays."""
        if action == "skip":
            return self.playing
        return True

    def on_unmount(self) -> None:
        self.workers.cancel_node(self)

    def on_resize(self) -> None:
        self.query_one("#work").set_class(self.size.width >= WIDE, "wide")
        self.query_one("#body").set_class(self.size.width < NARROW, "narrow")

    # -- loading -------------------------------------------------------------------------

    def _background(self, work: Awaitable[object], group: str = "write") -> None:
        """Run ``work`` without blocking keys; a bug in it is reported, never a crash."""
        self.run_worker(work, group=group, exclusive=group != "write", exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and self.is_attached:
            self.log.error(event.worker.error)
            self.notify(f"Something went wrong: {event.worker.error!r}. Press r to reload.",
                        severity="error", timeout=10, markup=False)

    async def _try(self, call: Awaitable[T], doing: str) -> T | None:
        """Await a backend call; on failure tell the operator what failed and return None."""
        try:
            return await call
        except BackendError as err:
            self.notify(f"{doing} failed: {err}", severity="error", timeout=8, markup=False)
            return None

    @work(exclusive=True, group="load", exit_on_error=False)
    async def load_everything(self) -> None:
        me, queues = await asyncio.gather(
            self._try(self.backend.me(), "Signing in"), self._try(self.backend.queues(), "Loading queues")
        )
        if me is None:
            self.query_one(TaskDetail).show_empty(
                f"Could not sign in to {self.backend.label}. Press r to retry, q to quit."
            )
            return
        self.me = me
        self.query_one(TaskTable).me_id = me.id
        self._topbar()
        if queues is not None:
            self._show_queues(queues)
        await self._load_tasks()
        if queues is not None:
            await self._count_views(queues)

    async def _load_sidebar(self) -> None:
        """Reload the queues with their counts, then the views' counts."""
        queues = await self._try(self.backend.queues(), "Loading queues")
        if queues is not None:
            self._show_queues(queues)
            await self._count_views(queues)

    def _show_queues(self, queues: list[Queue]) -> None:
        self.queues = {q.id: q for q in queues}
        self.query_one(QueueList).show(queues, [ViewEntry(v.name, None) for v in self.settings.views])
        self._mark_sidebar()
        self._table_title()

    async def _count_views(self, queues: list[Queue]) -> None:
        views = self.settings.views
        counts = await asyncio.gather(*(self._count(v) for v in views))
        sidebar = self.query_one(QueueList)
        if sidebar.is_attached:  # the app may have closed meanwhile
            sidebar.show(queues, [ViewEntry(v.name, n) for v, n in zip(views, counts)])

    async def _count(self, view: View) -> int | None:
        query = self._query_for(view.queue, view.filter, Sort(), limit=1)  # the order does not change a count
        try:
            return (await self.backend.tasks(query)).total
        except BackendError:
            return None

    def _query_for(self, queue: str | None, text: str, sort: Sort, limit: int = PAGE_SIZE) -> TaskQuery:
        status = () if parse_filter(text).has("status") else OPEN_STATUSES
        return TaskQuery(queue=queue, q=text, status=status, sort=sort, limit=limit)

    def _query(self) -> TaskQuery:
        return self._query_for(self.queue_id, self.filter_text, self.sort)

    async def _load_tasks(self, keep: str | None = None, *, mark: bool = False) -> None:
        try:
            page = await self.backend.tasks(self._query())
        except FilterError as err:
            self._filter_error(str(err))
            return
        except BackendError as err:
            self.notify(f"Loading tasks failed: {err}", severity="error", timeout=8, markup=False)
            return
        table = self.query_one(TaskTable)
        self.next_cursor, self.total = page.next_cursor, page.total
        table.show_tasks(page.items, keep=keep, mark_changes=mark)
        self._table_title()
        if not page.items:
            self.query_one(TaskDetail).show_empty(
                "No tasks match." + (" Press / to change the filter." if self.filter_text else "")
            )

    @work(exclusive=True, group="load", exit_on_error=False)
    async def reload_tasks(self, keep: str | None = None) -> None:
        await self._load_tasks(keep)

    @work(exclusive=True, group="more", exit_on_error=False)
    async def load_more(self) -> None:
        if not self.next_cursor:
            return
        query = self._query()
        page = await self._try(self.backend.tasks(query, self.next_cursor), "Loading more tasks")
        if page is not None and query == self._query():  # not for a list the operator has left
            self.next_cursor = page.next_cursor
            self.query_one(TaskTable).append_tasks(page.items)
            self._table_title()

    @work(exclusive=True, group="detail", exit_on_error=False)
    async def load_history(self, task: Task) -> None:
        await asyncio.sleep(0.05)  # let a held j/k settle before asking the server
        events = await self._try(self.backend.events(task.id), "Loading the history")
        current = self._current()
        if events is not None and current and current.id == task.id:
            self.query_one(TaskDetail).show_history(events)

    @work(exclusive=True, group="load", exit_on_error=False)
    async def _auto_refresh(self) -> None:
        """Reload quietly, keeping the cursor and marking new and changed tasks."""
        if self.me is None or isinstance(self.app.screen, (NoteEditor, CloseDialog)):
            return
        await self._load_tasks(mark=True)
        await self._load_sidebar()

    @work(exclusive=True, group="watch", exit_on_error=False)
    async def _watch_current(self) -> None:
        """Re-read the task on screen so a claim or close by someone else shows at once."""
        task = self._current()
        if task is None or self.me is None:
            return
        try:
            fresh = await self.backend.task(task.id)
        except BackendError:
            return
        if fresh.version != task.version:
            self._tell_if_taken(task, fresh)
            self.query_one(TaskTable).update_task(fresh)

    def _tell_if_taken(self, before: Task, after: Task) -> None:
        """Warn when someone else claimed or closed the task the operator is looking at."""
        someone_else = after.owner is not None and self.me is not None and after.owner.id != self.me.id
        owner_changed = (before.owner and before.owner.id) != (after.owner and after.owner.id)
        if after.is_closed and not before.is_closed:
            self.notify(f"#{one_line(after.id)} was just closed"
                        + (f" by {one_line(after.owner.name)}." if someone_else else "."),
                        severity="warning", timeout=10, markup=False)
        elif owner_changed and someone_else:
            self.notify(f"#{one_line(after.id)} was just claimed by {one_line(after.owner.name)}.",
                        severity="warning", timeout=10, markup=False)

    # -- what the screen shows -------------------------------------------------------------

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
        if self.view is not None:
            name = f"★ {self.view.name}"
        else:
            name = self.queues[self.queue_id].name if self.queue_id in self.queues else "All queues"
        shown = table.row_count
        count = f"{self.total}" if self.total is not None else f"{shown}+" if self.next_cursor else f"{shown}"
        direction = "↓" if self.sort.descending else "↑"
        title = f"{one_line(name)} · {count} tasks · by {SORT_NAMES[self.sort.field]} {direction}"
        if self.filter_text:
            title += f" · {one_line(self.filter_text)}"
        table.border_title = Text(title)
        self._play_banner()

    def _mark_sidebar(self) -> None:
        sidebar = self.query_one(QueueList)
        if self.view is not None:
            sidebar.select(f"v:{self.settings.views.index(self.view)}" if self.view in self.settings.views else "")
        else:
            sidebar.select(f"q:{self.queue_id}" if self.queue_id else ALL_QUEUES)

    def _current(self) -> Task | None:
        return self.query_one(TaskTable).current_task

    def _filter_error(self, message: str) -> None:
        self.query_one("#filter-bar").add_class("visible")
        self.query_one("#filter-error", Static).update(literal(f"⚠ {message}", style="bold red"))

    # -- where the operator is: queue, view, sort, filter ----------------------------------

    def _prefs_key(self) -> str:
        return self.session.prefs_key(self.queue_id or ALL_QUEUES)

    def _apply_prefs(self, queue_id: str | None) -> None:
        """Switch to a queue with the sort and filter last used there (config.toml may name
        a queue by its bare id; what the app saves is kept per backend)."""
        self.queue_id, self.view = queue_id, None
        prefs = self.settings.queues.get(self._prefs_key()) or self.settings.queue_prefs(queue_id or ALL_QUEUES)
        self.sort = Sort.from_param(prefs.sort)
        self.filter_text = prefs.filter

    def _remember_prefs(self) -> None:
        if self.view is not None:
            return  # a view is its own saved sort and filter
        try:
            self.store.save_queue_prefs(self._prefs_key(), self.sort.to_param(), self.filter_text)
        except ConfigError as err:
            self.notify(str(err), severity="warning", timeout=10, markup=False)

    def _apply_view(self, index: int) -> None:
        views = self.settings.views
        if not 0 <= index < len(views):
            self.notify(f"There is no view {index + 1}. Press V to save the current filter as a view.",
                        severity="warning")
            return
        view = views[index]
        self.view = view
        self.queue_id = view.queue
        self.filter_text = view.filter
        self.sort = Sort.from_param(view.sort or "-priority")
        self._mark_sidebar()
        self.reload_tasks()

    @on(QueueList.Chosen)
    def _chosen(self, event: QueueList.Chosen) -> None:
        if event.kind == "view":
            self._apply_view(int(event.key))
            return
        queue_id = event.key if event.kind == "queue" else None
        if queue_id != self.queue_id or self.view is not None:
            self._apply_prefs(queue_id)
            self.reload_tasks()

    @on(Choice.OptionSelected)
    def _sidebar_entered(self) -> None:
        """enter in the sidebar: back to the tasks (hiding it on a narrow terminal)."""
        self.query_one("#body").remove_class("show-queues")
        self.query_one(TaskTable).focus()

    def action_jump_view(self, index: int) -> None:
        self._apply_view(index)

    def action_cycle_view(self, step: int) -> None:
        views = self.settings.views
        if not views:
            self.notify("No views yet. Press V to save the current filter and sort as one.", severity="warning")
            return
        current = views.index(self.view) if self.view in views else (-1 if step > 0 else 0)
        self._apply_view((current + step) % len(views))

    def action_save_view(self) -> None:
        def named(name: str | None) -> None:
            if not name:
                return
            view = View(name, self.filter_text, self.sort.to_param(), self.queue_id)
            try:
                self.store.save_view(view)
            except ConfigError as err:
                self.notify(str(err), severity="error", timeout=10, markup=False)
                return
            self.view = view
            self.notify(f"Saved the view {name!r}.", markup=False)
            self._background(self._load_sidebar(), group="sidebar")

        default = self.filter_text or (self.queues[self.queue_id].name if self.queue_id in self.queues else "")
        self.app.push_screen(PromptDialog("Save the current filter and sort as a view named:",
                                          "e.g. Unclaimed urgent", default), named)

    def delete_view(self, name: str) -> None:
        try:
            self.session.store.delete_view(name)
        except ConfigError as err:
            self.notify(str(err), severity="error", timeout=10, markup=False)
            return
        if self.view is not None and self.view.name == name:
            self.view = None
        self.notify(f"Deleted the view {name!r}.", markup=False)
        self._background(self._load_sidebar(), group="sidebar")

    def action_cycle_sort(self) -> None:
        fields = [s.field for s in SORT_CYCLE]
        index = fields.index(self.sort.field) if self.sort.field in fields else -1
        self.sort = SORT_CYCLE[(index + 1) % len(SORT_CYCLE)]
        self._remember_prefs()
        self.reload_tasks()

    def action_reverse_sort(self) -> None:
        self.sort = Sort(self.sort.field, not self.sort.descending)
        self._remember_prefs()
        self.reload_tasks()

    def action_filter(self) -> None:
        self.query_one("#filter-bar").add_class("visible")
        field = self.query_one("#filter", HistoryInput)
        field.value = self.filter_text
        field.cursor_position = len(field.value)
        field.focus()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        try:
            parse_filter(event.value)
        except FilterError as err:
            self._filter_error(str(err))
            return
        self.query_one("#filter-error", Static).update("")
        self.filter_text = event.value.strip()
        self.query_one("#filter", HistoryInput).remember(self.filter_text)
        if not self.filter_text:
            self.query_one("#filter-bar").remove_class("visible")
        self._remember_prefs()
        self.query_one(TaskTable).focus()
        self.reload_tasks()

    def action_back(self) -> None:
        """esc: leave the filter (clearing it), stop play mode, or leave the detail pane."""
        table = self.query_one(TaskTable)
        if self.query_one("#filter", Input).has_focus:
            self.query_one("#filter-error", Static).update("")
            self.query_one("#filter-bar").remove_class("visible")
            if self.filter_text:
                self.filter_text = ""
                self._remember_prefs()
                self.reload_tasks()
        elif self.playing and table.has_focus:
            self.playing = False
            self._play_banner()
            self.notify("Play mode off.")
        table.focus()

    # -- events from widgets ---------------------------------------------------------------

    @on(TaskTable.TaskHighlighted)
    def _task_highlighted(self, event: TaskTable.TaskHighlighted) -> None:
        task = event.task
        if task is None:
            return
        queue = self.queues.get(task.queue)
        self.query_one(TaskDetail).show_task(task, queue_name=queue.name if queue else task.queue,
                                             me_id=self.me and self.me.id)
        self.query_one(TaskDetail).show_history(None)
        self.load_history(task)

    @on(TaskTable.NearEnd)
    def _near_end(self) -> None:
        if self.next_cursor:
            self.load_more()

    @on(TaskTable.RowSelected)
    def _open(self) -> None:
        self.query_one(TaskDetail).focus()

    # -- task actions ----------------------------------------------------------------------

    def _target(self) -> Task | None:
        task = self._current()
        if task is None:
            self.notify("Select a task first.", severity="warning")
        return task

    async def _apply(self, task: Task) -> None:
        """Show the server's answer for ``task``, then refresh counts and history."""
        self.query_one(TaskTable).update_task(task)
        self.load_history(task)
        await self._load_sidebar()

    async def _refresh_one(self, task_id: str) -> None:
        fresh = await self._try(self.backend.task(task_id), "Reloading the task")
        if fresh is not None:
            await self._apply(fresh)

    async def _claim(self, task: Task, *, force: bool = False) -> Task | None:
        try:
            updated = await self.backend.claim(task.id, force=force)
        except ConflictError as err:
            self.notify(str(err), severity="warning", timeout=8, markup=False)
            await self._refresh_one(task.id)
            return None
        except BackendError as err:
            self.notify(f"Claim failed: {err}", severity="error", timeout=8, markup=False)
            return None
        await self._apply(updated)
        return updated

    @work(group="write", exit_on_error=False)
    async def action_claim(self) -> None:
        if (task := self._target()) is not None and await self._claim(task):
            self.notify(f"Claimed #{one_line(task.id)}.", markup=False)

    def action_steal(self) -> None:
        if (task := self._target()) is None:
            return
        if task.owner is None or (self.me and task.owner.id == self.me.id):
            self.notify("Nobody else holds this task: press c to claim it.", severity="warning")
            return

        async def steal() -> None:
            if await self._claim(task, force=True):
                self.notify(f"You took #{one_line(task.id)} over from {one_line(task.owner.name)}.", markup=False)

        def answered(yes: bool | None) -> None:
            if yes:
                self._background(steal())

        self.app.push_screen(ConfirmDialog(
            f"Take #{task.id} over from {task.owner.name}?",
            "They will no longer hold it, and the history records that you took it over."), answered)

    @work(group="write", exit_on_error=False)
    async def action_release(self) -> None:
        if (task := self._target()) is None:
            return
        updated = await self._try(self.backend.release(task.id), "Release")
        if updated is None:
            await self._refresh_one(task.id)
            return
        await self._apply(updated)
        self.notify(f"Released #{one_line(task.id)}.", markup=False)
        if self.playing:
            await self._offer_next()

    def action_note(self, initial: str = "") -> None:
        """Open the editor at once (so no keystroke is lost), then re-read the task and warn
        in the editor if someone else holds it or closed it meanwhile."""
        if (task := self._target()) is None:
            return

        async def save(body: str, key: str) -> None:
            await self.backend.add_note(task.id, body, idempotency_key=key)
            try:  # the note bumps the version: keep ours current, so a close right after is not stale
                self.query_one(TaskTable).update_task(await self.backend.task(task.id))
            except BackendError:
                pass  # the note is saved; the next refresh brings the task up to date

        def saved(done: bool | None) -> None:
            if done:
                self.notify(f"Note added to #{one_line(task.id)}.", markup=False)
                self.load_history(task)

        editor = NoteEditor(
            task, save, drafts=self.drafts, draft_key=draft_key(self.backend.label, task.id),
            templates=self.settings.templates, render=lambda text: render_template(text, task, self.me),
            initial=initial,
        )
        self.app.push_screen(editor, saved)
        self._background(self._check_before_note(task, editor))

    async def _check_before_note(self, task: Task, editor: NoteEditor) -> None:
        try:
            fresh = await self.backend.task(task.id)
        except BackendError:
            return  # the save will say what is wrong, if anything
        if fresh.version != task.version:
            self.query_one(TaskTable).update_task(fresh)
        if fresh.is_closed:
            editor.warn("This task is closed.")
        elif fresh.owner and self.me and fresh.owner.id != self.me.id:
            editor.warn(f"{fresh.owner.name} holds this task.")

    def action_note_from_template(self) -> None:
        if (task := self._target()) is None:
            return
        templates = self.settings.templates
        if not templates:
            self.notify("No templates yet: add a [templates] table to config.toml (backdesk config --edit).",
                        severity="warning", timeout=8, markup=False)
            return

        def picked(name: str | None) -> None:
            if name:
                self.action_note(render_template(templates[name], task, self.me))

        choices = [(name, f"{name}: {' '.join(text.split())[:60]}") for name, text in templates.items()]
        self.app.push_screen(ChoiceDialog("Note from a template", choices), picked)

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
                self._background(self._after_close(result))

        self.app.push_screen(CloseDialog(task, close), closed)

    async def _after_close(self, task: Task) -> None:
        await self._apply(task)
        if self.playing:
            await self._offer_next()

    # -- the rest --------------------------------------------------------------------------

    def action_open_url(self) -> None:
        if (task := self._target()) is None:
            return
        if not task.url:
            self.notify("This task has no web page.", severity="warning")
            return
        remote = bool(os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"))
        headless = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                             or os.environ.get("WAYLAND_DISPLAY"))
        if remote or headless:
            self.app.copy_to_clipboard(task.url)
            self.notify(f"No browser here; the URL is copied (OSC 52): {task.url}", timeout=15, markup=False)
        else:
            self.app.open_url(task.url)
            self.notify(f"Opening {task.url}", markup=False)

    def action_copy(self, what: str) -> None:
        if (task := self._target()) is None:
            return
        value = task.id if what == "id" else task.reference
        if not value:
            self.notify("This task has no reference.", severity="warning")
            return
        self.app.copy_to_clipboard(value)
        self.notify(f"Copied {value}", markup=False)

    def action_toggle_queues(self) -> None:
        """Focus the sidebar; on a narrow terminal, also show or hide it."""
        body = self.query_one("#body")
        if body.has_class("narrow"):
            body.toggle_class("show-queues")
            if not body.has_class("show-queues"):
                self.query_one(TaskTable).focus()
                return
        self.query_one(QueueList).focus()

    def action_choose_columns(self) -> None:
        table = self.query_one(TaskTable)

        def chosen(keys: tuple[str, ...] | None) -> None:
            if not keys:
                return
            table.set_columns(keys)
            try:
                self.store.save_columns(keys, {})
            except ConfigError as err:
                self.notify(str(err), severity="warning", timeout=10, markup=False)

        self.app.push_screen(ColumnsDialog(table.column_keys), chosen)

    def action_refresh(self) -> None:
        self.load_everything()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.active_bindings))
