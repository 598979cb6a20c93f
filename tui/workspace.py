"""The operator's workspace as plain data: where they are, what the list holds, play state.

One owner for screen state. The main screen sends it events ("choose queue", "page arrived",
"task written", ...) and renders from what it derives (the title, the filter bar, the next
query). No Textual here, so every transition is unit-tested without a terminal.

A typed filter *refines* the current view: the view's own filter and the typed text must both
match, and the title shows ``★ View + typed``. Choosing another queue or view clears the typed
filter (a queue then brings back the sort and filter last used on it).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from backdesk.api_client import FilterError, Person, Queue, Sort, Task, TaskPage, TaskQuery, parse_filter
from backdesk.api_client.models import Status

from . import counts
from .config import QueuePrefs, Settings, View
from .marks import Marks, count
from .play import Play
from .window import END, TOP, PageRef, TaskWindow

PAGE_SIZE = 100
#: How many unclaimed tasks play mode looks at to find the next one.
PLAY_WINDOW = 20
#: ``s`` cycles through these sorts, each in its natural direction; ``S`` reverses.
SORT_CYCLE = (Sort("priority", True), Sort("due_at", False), Sort("created_at", False), Sort("updated_at", True))
SORT_NAMES = {"priority": "priority", "due_at": "due", "created_at": "created", "updated_at": "updated"}
#: What a list shows when its filter says nothing about status.
OPEN_STATUSES: tuple[Status, ...] = ("open", "waiting")
#: The key remembered sort and filter of "every queue" are saved under.
ALL_QUEUES = "*"


def query_for(queue: str | None, text: str, sort: Sort, limit: int = PAGE_SIZE) -> TaskQuery:
    """The query for ``text`` in ``queue``: open and waiting tasks unless ``text`` names a status."""
    status = () if parse_filter(text).has("status") else OPEN_STATUSES
    return TaskQuery(queue=queue, q=text, status=status, sort=sort, limit=limit)


def joined(*filters: str) -> str:
    """Filters that must all match, as one filter text."""
    return " ".join(f for f in (part.strip() for part in filters) if f)


@dataclass
class Workspace:
    """Everything the main screen shows, and the transitions that change it.

    ``generation`` changes whenever the list starts over (a new queue, view, filter or sort);
    a page requested under an older generation is dropped when it arrives.
    """

    settings: Settings
    #: Whose queues these are (a profile, "demo", or the backend's label), so remembered sort
    #: and filter never leak from one backend's queue into another's.
    scope: str
    me: Person | None = None
    queues: dict[str, Queue] = field(default_factory=dict)
    #: Saved view name -> count of matching tasks, None while unknown.
    view_counts: dict[str, int | None] = field(default_factory=dict)
    queue_id: str | None = None
    view: View | None = None
    #: What the operator typed into the filter bar (refines the view, if any).
    typed_filter: str = ""
    sort: Sort = field(default_factory=Sort)
    #: The rows held around the cursor (:mod:`tui.window`), and the cursor's position.
    window: TaskWindow = field(default_factory=lambda: TaskWindow(PAGE_SIZE))
    #: The id of the task under the cursor (None while its row is on its way).
    cursor_id: str | None = None
    #: Tasks new or changed since the previous refresh, until the cursor passes over them.
    changed: set[str] = field(default_factory=set)
    #: Tasks no longer in the list (closed, taken, no longer matching) kept on screen because
    #: the cursor was on them: the next key must never land on another task.
    departed: set[str] = field(default_factory=set)
    #: Tasks with writes waiting in the outbox (not yet answered by the server).
    pending: set[str] = field(default_factory=set)
    loaded: bool = False
    generation: int = 0
    #: Play mode (:mod:`tui.play`): on or off, and what it must not serve.
    play: Play = field(default_factory=Play)
    #: A lead's marks: what the task keys act on while there are any.
    marks: Marks = field(default_factory=Marks)

    # -- derived ---------------------------------------------------------------------------

    @property
    def filter_text(self) -> str:
        """The whole filter the list is queried with: the view's, then the typed one."""
        return joined(self.view.filter if self.view else "", self.typed_filter)

    @property
    def tasks(self) -> list[Task]:
        """The tasks held (the window around the cursor), top to bottom."""
        return self.window.rows

    @property
    def total(self) -> int | None:
        """How many tasks the list has, as the server counted them."""
        return self.window.size

    @property
    def cursor_row(self) -> int:
        """The cursor's position in the whole list."""
        return self.window.cursor

    def query(self, limit: int | None = None) -> TaskQuery:
        return query_for(self.queue_id, self.filter_text, self.sort, limit or self.window.page_size)

    def page_query(self, ref: PageRef) -> TaskQuery:
        """The query that fetches ``ref``: the list's own, reversed for the end chain."""
        return replace(self.query(), reverse=ref.chain == END)

    def count_query(self, view: View | None = None) -> TaskQuery:
        """The query counting a view's tasks, or this list's (one row: the total is what counts)."""
        if view is None:
            return self.query(limit=1)
        return query_for(view.queue, view.filter, Sort(), limit=1)

    def play_query(self) -> TaskQuery:
        """Unclaimed tasks here, most urgent first."""
        text = self.filter_text
        if not parse_filter(text).has("owner"):
            text = joined(text, "owner:none")
        return query_for(self.queue_id, text, Sort("priority", True), PLAY_WINDOW)

    def place_name(self) -> str:
        if self.view is not None:
            name = f"★ {self.view.name}"
        elif self.queue_id in self.queues:
            name = self.queues[self.queue_id].name
        else:
            name = "All queues" if self.queue_id is None else self.queue_id
        return f"{name} + {self.typed_filter}" if self.view is not None and self.typed_filter else name

    def title(self) -> str:
        """The table's title: where, the cursor's row of how many, the order, and the filter."""
        total, extent = self.total, self.window.extent
        if not self.loaded:
            count = "… tasks"
        elif not extent:
            count = "no tasks"
        else:
            of = f"{max(total, self.cursor_row + 1):,}" if total is not None else f"{extent:,}+"
            count = f"{self.cursor_row + 1:,} of {of}"
        direction = "↓" if self.sort.descending else "↑"
        title = f"{self.place_name()} · {count} · by {SORT_NAMES[self.sort.field]} {direction}"
        if self.typed_filter and self.view is None:
            title += f" · {self.typed_filter}"
        return title

    @property
    def current(self) -> Task | None:
        return next((t for t in self.tasks if t.id == self.cursor_id), None)

    def task(self, task_id: str) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)

    def view_index(self) -> int | None:
        views = self.settings.views
        return views.index(self.view) if self.view in views else None

    def unknown_queue(self, text: str) -> FilterError | None:
        """A ``queue:`` token in ``text`` that names no queue (by name or id), with the closest
        one suggested; None when all are known, or before the queues have arrived."""
        if not self.queues:
            return None
        names = {q.name.lower(): q.name for q in self.queues.values()} | {
            q.id.lower(): q.name for q in self.queues.values()
        }
        for term in parse_filter(text).terms:
            if term.key == "queue" and term.values[0].lower() not in names:
                close = difflib.get_close_matches(term.values[0].lower(), list(names), n=1, cutoff=0.4)
                hint = f'did you mean queue:"{names[close[0]]}"?' if close else "press b to see the queues"
                return FilterError(term.to_text(), f"no queue is called {term.values[0]!r}; {hint}")
        return None

    def prefs_key(self, queue_id: str | None = None) -> str:
        return f"{self.scope} / {queue_id or ALL_QUEUES}"

    def prefs_to_save(self) -> tuple[str, str, str] | None:
        """(key, sort, filter) to remember for this queue; None inside a view (it is its own)."""
        if self.view is not None:
            return None
        return self.prefs_key(self.queue_id), self.sort.to_param(), self.typed_filter

    # -- where the operator is ---------------------------------------------------------------

    def _start_over(self, *, keep_marks: bool = False) -> None:
        """A new list. Marks stay for a new sort of the same tasks; another place clears them."""
        self.generation += 1
        self.window.reset()
        self.loaded, self.cursor_id = False, None
        self.changed, self.departed = set(), set()
        if not keep_marks and (n := self.marks.clear()):
            self.marks.notices.append(f"Cleared {count(n, 'mark')}: the list changed.")

    def choose_queue(self, queue_id: str | None) -> None:
        """Go to a queue (None: every queue) with the sort and filter last used there."""
        prefs: QueuePrefs = self.settings.queues.get(self.prefs_key(queue_id)) or self.settings.queue_prefs(
            queue_id or ALL_QUEUES
        )
        self.queue_id, self.view = queue_id, None
        self.sort, self.typed_filter = Sort.from_param(prefs.sort), prefs.filter
        self._start_over()

    def choose_view(self, view: View) -> None:
        self.view, self.queue_id, self.typed_filter = view, view.queue, ""
        self.sort = Sort.from_param(view.sort or "-priority")
        self._start_over()

    def drill_down(self, queue_id: str, text: str, sort: Sort) -> None:
        """Go to ``queue_id`` listing exactly ``text`` in ``sort`` order (a dashboard figure's
        tasks); the queue's remembered sort and filter are left as they were."""
        self.queue_id, self.view = queue_id, None
        self.sort, self.typed_filter = sort, text
        self._start_over()

    def view_saved(self, view: View) -> None:
        """The current place was saved as ``view``: the list stays, now named after it."""
        self.view, self.typed_filter = view, ""

    def view_deleted(self, name: str) -> None:
        if self.view is not None and self.view.name == name:
            self.typed_filter = self.filter_text
            self.view = None
        self.view_counts.pop(name, None)

    def apply_filter(self, text: str) -> None:
        """Set the typed filter (already checked with ``parse_filter``)."""
        self.typed_filter = text.strip()
        self._start_over()

    def set_sort(self, sort: Sort) -> None:
        self.sort = sort
        self._start_over(keep_marks=True)

    def next_sort(self) -> Sort:
        fields = [s.field for s in SORT_CYCLE]
        index = fields.index(self.sort.field) if self.sort.field in fields else -1
        return SORT_CYCLE[(index + 1) % len(SORT_CYCLE)]

    # -- what arrives from the backend -----------------------------------------------------

    def signed_in(self, me: Person) -> None:
        self.me = me

    def queues_arrived(self, queues: Iterable[Queue]) -> None:
        self.queues = {q.id: q for q in queues}

    def view_counts_arrived(self, counts: dict[str, int | None]) -> None:
        self.view_counts.update(counts)

    def page_arrived(self, generation: int, page: TaskPage) -> bool:
        """The first page of the current list. False (and nothing changes) when it is stale."""
        if generation != self.generation:
            return False
        self.window.reset()
        self.window.arrived(PageRef(TOP, 0, None), page)
        self.loaded = True
        self.cursor_at(0)
        return True

    def window_arrived(self, generation: int, ref: PageRef, page: TaskPage) -> bool:
        """A page fetched for the window (see :meth:`TaskWindow.wants`); False when it
        changed nothing on screen."""
        if generation != self.generation or not self.window.arrived(ref, page):
            return False
        self._keep_cursor()
        return True

    def count_arrived(self, generation: int, page: TaskPage) -> None:
        """A fresh count of the list (:meth:`count_query`)."""
        if generation == self.generation and page.total is not None:
            self.window.total = page.total

    def refresh_arrived(self, generation: int, pages: Sequence[tuple[PageRef, TaskPage]]) -> bool:
        """Fresh copies of the pages held: keep the operator's place, mark what changed.

        The task under the cursor stays, even when it left the list (see :attr:`departed`).
        """
        if generation != self.generation:
            return False
        before = {t.id: t for t in self.tasks}
        current = before.get(self.cursor_id or "")
        self.window.refreshed(pages)
        fresh = self.tasks
        ids = {t.id for t in fresh}
        if before:
            self.changed |= {t.id for t in fresh if t.id not in before or before[t.id].version != t.version}
        if current is not None and current.id not in ids:
            self.window.insert(self.cursor_row, current)
            self.departed.add(current.id)
        kept = {t.id for t in self.tasks}
        for task in fresh:
            self.marks.seen(task, True)
        self.marks.refreshed(before.keys(), ids, whole=self.window.total is not None and len(ids) >= self.window.total)
        self.changed &= kept
        self.departed &= kept - ids
        self.loaded = True
        self._keep_cursor()
        return True

    def task_written(self, task: Task, *, ours: bool = False) -> None:
        """The server's copy of a task after a write (``ours``: the lead's own, else anyone's).
        A marked task that left the view is unmarked, with a notice unless the write was ours."""
        self.marks.seen(task, self.in_view(task), ours=ours)
        held = self.task(task.id)
        if held is None:
            return
        left = self._matches_status(held) and not self._matches_status(task)
        self.window.replace(task)
        if left and self.window.total is not None:
            self.window.total = max(0, self.window.total - 1)

    def counts_after_write(self, before: Task | None, after: Task) -> list[View]:
        """Move the sidebar's counts from ``before`` to ``after`` (a write of ours: see
        :mod:`tui.counts`); the views whose count only the server can tell now."""
        me_id = self.me.id if self.me else None
        self.queues, self.view_counts, unknown = counts.after_write(
            self.queues, self.view_counts, self.settings.views, before, after, me_id
        )
        return unknown

    def task_shown(self, task: Task) -> None:
        """Make sure ``task`` is in the list (play mode serves one) and put the cursor on it."""
        if self.task(task.id) is None:
            self.window.insert(self.cursor_row, task)
        else:
            self.task_written(task)
        self.cursor_moved(task.id)

    def cursor_moved(self, task_id: str | None) -> None:
        """The cursor is on ``task_id`` (a held task)."""
        position = self.window.position_of(task_id) if task_id is not None else None
        if position is not None:
            self.window.cursor = position
        self.cursor_id = task_id
        self.changed.discard(task_id or "")

    def cursor_at(self, position: int, *, visit: bool = True) -> None:
        """The cursor moved to ``position`` (its row may be on its way); a task visited loses its ● mark."""
        extent = self.window.extent
        self.window.cursor = max(0, min(position, extent - 1)) if extent else 0
        task = self.window.at(self.window.cursor)
        self.cursor_id = task.id if task else None
        if visit:
            self.changed.discard(self.cursor_id or "")

    def _keep_cursor(self) -> None:
        """After rows arrive: the same task if it is still held, else the task now at the cursor."""
        position = self.window.position_of(self.cursor_id) if self.cursor_id else None
        self.cursor_at(self.window.cursor if position is None else position, visit=False)

    def _matches_status(self, task: Task) -> bool:
        statuses: Sequence[Status] = self.query().status
        return not statuses or task.status in statuses

    def in_view(self, task: Task) -> bool:
        """Whether ``task`` still belongs here by the status and queue the list asks for."""
        return self._matches_status(task) and self.queue_id in (None, task.queue)

    # -- marks -------------------------------------------------------------------------------

    def toggle_mark(self) -> bool | None:
        """Mark or unmark the task under the cursor; None when there is none."""
        task = self.current
        return None if task is None else self.marks.toggle(task)

    def extend_marks(self, step: int) -> str | None:
        """Mark the task under the cursor and the one ``step`` rows away, and move onto it;
        the id moved to (None at either end of the list, or while that row is on its way)."""
        if (task := self.current) is None:
            return None
        self.marks.add([task])
        if (nearby := self.window.at(self.cursor_row + step)) is None:
            return None
        self.marks.add([nearby])
        self.cursor_moved(nearby.id)
        return nearby.id
