"""The operator's workspace on screen: views and queues, the task table and the selected task.

The screen owns no state of its own: :class:`~tui.workspace.Workspace` does. The screen sends
it events (from keys, widgets and the backend) and paints what it derives. Task keys are wired
in :mod:`tui.task_actions`; the errors every worker meets go through :mod:`tui.errors`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Coroutine, Sequence
from contextlib import ExitStack
from functools import partial
from typing import Any, ClassVar, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.containers import Horizontal, Vertical
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from backdesk.api_client import BackendError, FilterError, Task, TaskPage
from backdesk.widgets.filter_input import HistoryInput
from backdesk.widgets.focus_look import FocusLook
from backdesk.widgets.footer import Footer
from backdesk.widgets.queue_list import Choice, QueueList
from backdesk.widgets.task_detail import TaskDetail
from backdesk.widgets.task_table import TaskTable

from .bulk_actions import BulkActions
from .config import View
from .errors import Notice, report
from .follow_up import FollowUp
from .help_screen import HelpScreen
from .lead_keys import LeadKeys
from .list_loader import ListLoader
from .main_keys import MAIN_KEYS, NARROW, in_footer
from .navigation import Navigation
from .operations import TaskOps
from .painter import Painter
from .play_actions import PlayActions
from .session import Session
from .sign_in import SignIn
from .task_actions import TaskActions
from .workspace import Workspace

T = TypeVar("T")

#: Terminal width from which the detail pane sits beside the table instead of under it.
WIDE = 180
#: Seconds between looks at the outbox for writes due to be sent again.
OUTBOX_INTERVAL = 2
#: Seconds between checks of the task on screen, so a claim or close by someone else shows at once.
WATCH_INTERVAL = 5


class MainScreen(LeadKeys, Screen):
    #: For ``[keys]`` checks: this screen's bindings are active together with these widgets'.
    KEY_SCOPE: ClassVar[str] = "main screen"
    KEY_WIDGETS: ClassVar[tuple[type, ...]] = (TaskTable, TaskDetail, QueueList, Choice, HistoryInput)

    BINDINGS = MAIN_KEYS
    #: The table has the focus from the start (not the filter, the first focusable widget, for a
    #: moment: each change of focus rebuilds the footer).
    AUTO_FOCUS = "#tasks"
    #: Textual repaints the whole screen when the focus moves; the widgets whose look changes
    #: with focus repaint themselves, so enter and tab redraw two panes, not forty lines.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.backend = session.backend
        self.settings = session.settings
        self.workspace = Workspace(session.settings, session.scope)
        self.ops = TaskOps(session.backend)
        self.task_actions = TaskActions(self)
        self.play_actions = PlayActions(self)
        self.bulk = BulkActions(self)
        self.navigation = Navigation(self)
        self.paint = Painter(self)
        self.loader = ListLoader(self)
        self.follow_up = FollowUp(self)
        self.sign_in = SignIn(self)

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
        self.workspace.choose_queue(None)
        self.paint.topbar()
        self.paint.task_list()
        self.load_everything()
        if self.settings.refresh_interval > 0:
            self.set_interval(self.settings.refresh_interval, self.refresh_quietly)
        # Re-read the task on screen, so a claim or close by someone else shows at once.
        self.set_interval(WATCH_INTERVAL, lambda: self.in_background(self.task_actions.recheck(), group="watch"))
        self.set_interval(1, self.paint.link)
        self.set_interval(OUTBOX_INTERVAL, self._outbox_tick)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Skip belongs to play mode: hidden from the footer until the operator plays. Once the
        app is quitting, keys typed after ``q`` do nothing."""
        if getattr(self.app, "quitting", False):
            return False
        if action == "skip":
            return self.workspace.play.playing
        return True

    def _update_focus_styles(self, focused: Widget | None = None, blurred: Widget | None = None) -> None:
        """Textual's restyle for a focus change, during which the panes drop their refreshes and
        after which they repaint only what focus changes in them (see :mod:`widgets.focus_look`);
        should Textual stop calling this, they are repainted whole as before."""
        with ExitStack() as stack:
            for pane in (focused, blurred):
                if isinstance(pane, FocusLook):
                    stack.enter_context(pane.restyling())
            super()._update_focus_styles(focused, blurred)

    def on_unmount(self) -> None:
        self.workers.cancel_node(self)

    def on_resize(self) -> None:
        self.query_one("#work").set_class(self.size.width >= WIDE, "wide")
        self.query_one("#body").set_class(self.size.width < NARROW, "narrow")
        self.query_one(Footer).compact = self.size.width < NARROW
        self.refresh_bindings()

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        look = partial(in_footer, width=self.size.width, lead=self.bulk.is_lead, marked=len(self.workspace.marks) > 0)
        return {key: active._replace(binding=look(active.binding)) for key, active in super().active_bindings.items()}

    # -- errors and background work ----------------------------------------------------------

    def report(self, err: BaseException, doing: str) -> Notice:
        return report(self, err, doing)

    def in_background(self, work: Coroutine[Any, Any, object], group: str = "write") -> None:
        """Run ``work`` without blocking keys; whatever it raises goes to the error policy."""
        self.run_worker(work, group=group, exclusive=group != "write", exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and self.is_attached and event.worker.error is not None:
            self.report(event.worker.error, event.worker.name or "A background job")

    async def attempt(self, call: Awaitable[T], doing: str) -> T | None:
        """Await a backend call; on failure tell the operator what failed and return None."""
        try:
            return await call
        except BackendError as err:
            self.report(err, doing)
            return None

    # -- loading -------------------------------------------------------------------------

    @work(exclusive=True, group="sign-in", exit_on_error=False)
    async def load_everything(self) -> None:
        """Sign in, the first page and the queues (see :meth:`SignIn.start`), then, once they are
        drawn, the view counts (sending their requests first held the first rows back). A worker
        group of its own: the rows show before the sign-in ends, and a list chosen then
        (:meth:`load_list`) must not cancel it."""
        if await self.sign_in.start():
            await self.wait_for_refresh()
            await self._count_views()

    def show_first_page(self, generation: int, page: TaskPage | BaseException) -> None:
        """A first page, or why it did not come (a filter the server refused goes under the bar)."""
        if isinstance(page, FilterError):
            self.paint.filter_error(str(page))
        elif isinstance(page, BaseException):
            self.report(page, "Loading tasks")
        elif self.workspace.page_arrived(generation, page):
            self.paint.task_list()
            self.loader.fetch_window()

    @work(exclusive=True, group="load", exit_on_error=False)
    async def load_list(self) -> None:
        """Load the first page of the list the workspace is on now."""
        generation = self.workspace.generation
        self.paint.task_list()
        try:
            page: TaskPage | BaseException = await self.backend.tasks(self.workspace.query())
        except BackendError as err:
            page = err
        self.show_first_page(generation, page)

    @work(exclusive=True, group="sidebar", exit_on_error=False)
    async def load_sidebar(self, views: bool = True) -> None:
        """Reload the queues with their counts, then (unless ``views`` is false) the views' counts."""
        moves = self.follow_up.moves
        queues = await self.attempt(self.backend.queues(), "Loading queues")
        if queues is not None:
            self.workspace.queues_arrived(queues)
            self.paint.sidebar()
            if views:
                await self._count_views()
            self.follow_up.counted(moves)

    async def _count_views(self, views: Sequence[View] | None = None) -> None:
        """Count the views (``views``, else all) on the server."""
        ws = self.workspace
        views = self.settings.views if views is None else views

        async def count(query: Any) -> int | None:
            try:
                return (await self.backend.tasks(query)).total
            except BackendError:
                return None  # shown as "…": a count is not worth a notice

        counts = await asyncio.gather(*(count(ws.count_query(v)) for v in views))
        ws.view_counts_arrived({v.name: n for v, n in zip(views, counts, strict=True)})
        self.paint.sidebar()

    @work(exclusive=True, group="recount", exit_on_error=False)
    async def count_views(self, views: Sequence[View]) -> None:
        await self._count_views(views)

    @work(exclusive=True, group="refresh", exit_on_error=False)
    async def refresh_list(self) -> None:
        """Reload the list keeping the operator's place, marking new and changed tasks."""
        if await self.loader.refresh():
            await self.bulk.check_marks()  # marked tasks that dropped out: closed, moved, or just lower?
        self.load_sidebar()

    def refresh_quietly(self) -> None:
        """The auto-refresh tick: skipped while signed out or while a dialog is open."""
        if self.workspace.me is not None and self.app.screen is self:
            self.refresh_list()

    def _outbox_tick(self) -> None:
        """A worker only when something in the outbox is due; the marks are kept current anyway."""
        if self.session.outbox.due(time.time()):
            self.in_background(self.task_actions.deliver(), group="outbox")
        else:
            self.paint.pending()

    def task_written(self, task: Task, before: Task | None = None, *, reread: bool = False) -> None:
        """A write's answer (made against ``before``, else the copy held): show it, and move the
        counts by the difference (:mod:`tui.counts`). A copy ``reread`` after a failed write, or
        one whose before is unknown, has the server count again once writes pause."""
        ws = self.workspace
        before = None if reread else before or ws.task(task.id)
        shown = (ws.queues, ws.view_counts)
        recount = ws.counts_after_write(before, task) if before is not None else None
        ws.task_written(task)
        self.paint.task_list()
        moved = (ws.queues, ws.view_counts) != shown
        if moved:
            self.paint.sidebar()
        self.follow_up.written(task, recount, moved=moved)

    def forget_detail(self) -> None:
        """The detail pane no longer shows a task: the next highlight opens one afresh."""
        self.follow_up.forget()

    # -- events from widgets ---------------------------------------------------------------

    @on(TaskTable.TaskHighlighted)
    def _task_highlighted(self, event: TaskTable.TaskHighlighted) -> None:
        task = event.task
        ws = self.workspace
        if task is None:
            return
        was_marked = task.id in ws.changed
        ws.cursor_moved(task.id)
        if was_marked:
            self.paint.task_list()
        self.follow_up.highlighted()

    @on(TaskTable.Moved)
    def _moved(self, event: TaskTable.Moved) -> None:
        """The cursor moved (its row may be on its way): fetch what the window lacks."""
        self.workspace.cursor_at(event.position)
        self.paint.title()
        self.loader.fetch_window()

    @on(TaskTable.RowSelected)
    def _open(self) -> None:
        self.query_one(TaskDetail).focus()
        self.follow_up.opened()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.navigation.apply_filter(event.value)

    @on(QueueList.Chosen)
    def _chosen(self, event: QueueList.Chosen) -> None:
        self.navigation.choose(event.kind, event.key)
        if event.opened:
            self.navigation.sidebar_entered()

    # -- task keys ---------------------------------------------------------------------------

    def action_claim(self) -> None:
        self.in_background(self.task_actions.claim())

    def action_steal(self) -> None:
        self.task_actions.steal()

    def action_release(self) -> None:
        self.bulk.release() if self.workspace.marks else self.in_background(self.task_actions.release())

    def action_note(self) -> None:
        self.bulk.note() if self.workspace.marks else self.task_actions.note()

    def action_note_from_template(self) -> None:
        self.task_actions.note_from_template()

    def action_close_task(self) -> None:
        self.bulk.close() if self.workspace.marks else self.task_actions.close()

    def action_reopen(self) -> None:
        self.task_actions.reopen()

    def action_next_task(self) -> None:
        self.in_background(self.play_actions.play_next(), group="play")

    def action_skip(self) -> None:
        self.play_actions.skip()

    # -- navigation keys ---------------------------------------------------------------------

    def action_jump_view(self, index: int) -> None:
        self.navigation.jump_view(index)

    def action_cycle_view(self, step: int) -> None:
        self.navigation.cycle_view(step)

    def action_save_view(self) -> None:
        self.navigation.save_view()

    def action_cycle_sort(self) -> None:
        self.navigation.cycle_sort()

    def action_reverse_sort(self) -> None:
        self.navigation.reverse_sort()

    def action_filter(self) -> None:
        self.navigation.open_filter()

    def action_back(self) -> None:
        self.navigation.back()

    def action_toggle_queues(self) -> None:
        self.navigation.toggle_queues()

    def action_open_url(self) -> None:
        self.navigation.open_url()

    def action_copy(self, what: str) -> None:
        self.navigation.copy(what)

    def action_choose_columns(self) -> None:
        self.navigation.choose_columns()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.app.key_rows(self)))

    def action_refresh(self) -> None:
        """r: sign in again if that failed, else reload keeping the operator's place."""
        if self.workspace.me is None:
            self.load_everything()
        else:
            self.refresh_list()
