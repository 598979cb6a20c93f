"""What follows a highlight or a write, coalesced so that it never holds up a key or a confirmation.

* A highlight paints the detail pane in the same frame as the row (keys that arrive together
  paint once, the last task), and asks for the history only after the cursor has rested a little.
* A write is confirmed from its own answer, and moves the sidebar's counts by the difference
  between the task before and after it (:mod:`tui.counts`). Only what that cannot tell (a view
  whose filter searches text, or a task re-read after a failed write) is counted again by the
  server, once the writes pause: three writes in a row cost at most one reload. The history of a
  task written is asked for again only when the operator opens it (enter) or comes back to it,
  not after every write.
* Histories are kept per task and version, so coming back to an unchanged task asks for nothing.
* Once the cursor has rested and the task's history is known, the histories of the tasks below
  and above it are read ahead, one after the other (where the backend says reads are light,
  :attr:`Backend.read_ahead`), so that ``j`` or ``k`` onto them shows their history at once.
  A move stops what is not sent yet; a read already sent lands in the cache. Keys held down
  never rest, so they read nothing ahead.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from textual.timer import Timer

from backdesk.api_client import BackendError, Event, Task
from backdesk.widgets.task_detail import TaskDetail

from .config import View

if TYPE_CHECKING:
    from .main_screen import MainScreen

#: Seconds the cursor rests on a task before its history is asked for.
HISTORY_PAUSE = 0.2
#: Seconds without writes before the counts are reloaded.
WRITES_PAUSE = 1.0
#: How many tasks' histories are kept.
HISTORIES = 64
#: Which rows beside the cursor have their histories read ahead, in this order.
NEIGHBOURS = (1, -1)


class FollowUp:
    """The detail pane and the reloads after writes, for one main screen."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        #: The task whose detail is in the pane (None: the pane shows no task).
        self.shown: str | None = None
        #: Task id -> (the version its history was read at, the history).
        self._histories: OrderedDict[str, tuple[str, list[Event]]] = OrderedDict()
        #: Task id -> when a write of ours last answered with its copy.
        self._confirmed: dict[str, float] = {}
        #: A paint is asked for and not done yet.
        self._paint_due = False
        #: The queue's name and the person's id the pane was last painted with.
        self._context: tuple[str, str | None] = ("", None)
        #: Task id -> set once the read of its history on its way is over.
        self._reading: dict[str, asyncio.Event] = {}
        self._writes_timer: Timer | None = None
        #: What the server counts again once writes pause: the queues, and views by name.
        self._queues_stale = False
        self._recount: dict[str, View] = {}
        #: How many writes moved the counts here so far.
        self.moves = 0

    # -- the detail pane -------------------------------------------------------------------

    def highlighted(self) -> None:
        """The cursor moved (or the task under it changed): paint in the same frame as the row,
        once the keys already waiting are handled (a burst of ``j`` paints only its last task)."""
        if not self._paint_due:
            self._paint_due = True
            self.screen.call_later(self.paint)

    def paint(self) -> None:
        """Show the task under the cursor; a task not shown before opens at its title."""
        self._paint_due = False
        ws = self.screen.workspace
        task = ws.current
        if task is None:
            return
        detail = self.screen.query_one(TaskDetail)
        self._context = self._context_of(task)
        known = self._histories.get(task.id)
        detail.show_task(task, known[1] if known else None, queue_name=self._context[0], me_id=self._context[1])
        if task.id == self.shown:
            return
        self.shown = task.id
        detail.scroll_home(animate=False)
        self.screen.run_worker(self._resting(task), group="detail", exclusive=True, exit_on_error=False)

    def _context_of(self, task: Task) -> tuple[str, str | None]:
        """What the pane shows of a task besides the task: its queue's name and who is signed in."""
        ws = self.screen.workspace
        queue = ws.queues.get(task.queue)
        return (queue.name if queue else task.queue), (ws.me.id if ws.me else None)

    def context_changed(self) -> None:
        """The queues or the person signed in arrived (the first page may come before them):
        repaint the pane if what it shows of them changed."""
        task = self.screen.workspace.current
        if task is not None and task.id == self.shown and self._context_of(task) != self._context:
            self.paint()

    def forget(self) -> None:
        """The pane no longer shows a task: the next highlight opens one afresh."""
        self.shown = None

    def history_arrived(self, task: Task, events: list[Event]) -> None:
        self._histories[task.id] = (task.version or "", events)
        self._histories.move_to_end(task.id)
        while len(self._histories) > HISTORIES:
            self._histories.popitem(last=False)
        current = self.screen.workspace.current
        if current is not None and current.id == task.id == self.shown:
            self.screen.query_one(TaskDetail).show_history(events)

    # -- writes ----------------------------------------------------------------------------

    def written(self, task: Task, recount: Sequence[View] | None, *, moved: bool = False) -> None:
        """A write answered with ``task``, and the counts already ``moved`` by it, but for the
        views in ``recount`` (None: all counts), which the server counts again once writes pause."""
        self._confirmed[task.id] = time.monotonic()
        self.moves += moved
        if recount is None:
            self._queues_stale = True
        else:
            self._recount.update((view.name, view) for view in recount)
        self._reload_after_pause()

    def counted(self, moves: int) -> None:
        """Counts the server gave arrived, asked for when :attr:`moves` was ``moves``: a write that
        moved the counts meanwhile may be missing from them, so they are asked for again."""
        if moves != self.moves:
            self._queues_stale = True
            self._recount.update((view.name, view) for view in self.screen.settings.views)
            self._reload_after_pause()

    def _reload_after_pause(self) -> None:
        if not (self._queues_stale or self._recount):
            return
        if self._writes_timer is not None:
            self._writes_timer.stop()
        self._writes_timer = self.screen.set_timer(WRITES_PAUSE, self._after_writes)

    def noted(self, task: Task, event: Event) -> None:
        """A note of ours was added: its event joins the history on screen, and the task takes
        the version the backend answered with (when it said), so nothing is read again."""
        current = self.screen.workspace.task(task.id) or task
        known = self._histories.get(task.id)
        if known is not None:
            events = [*known[1], event] if all(e.id != event.id for e in known[1]) else known[1]
            # Still the whole history only if it was before the note.
            version = event.task_version if event.task_version and known[0] == current.version else known[0]
            self._histories[task.id] = (version, events)
            if task.id == self.shown:
                self.screen.query_one(TaskDetail).show_history(events)
        if event.task_version:
            self.screen.task_written(replace(current, version=event.task_version, updated_at=event.at))
        else:  # the backend did not say: the task is read again (a note moves no count)
            self._confirmed[task.id] = time.monotonic()

    def opened(self) -> None:
        """The operator opened the task (enter): bring its history up to date if a write made it old."""
        task = self.screen.workspace.current
        if task is not None and task.id == self.shown and not self._known(task):
            self.screen.run_worker(self._read(task), group="detail", exclusive=True, exit_on_error=False)

    def recent(self, task_id: str, within: float) -> bool:
        """Whether a write of ours answered with this task's copy in the last ``within`` seconds."""
        return time.monotonic() - self._confirmed.get(task_id, float("-inf")) < within

    @property
    def settled(self) -> bool:
        """Whether nothing waits for the writes to pause (no count to ask the server for)."""
        return self._writes_timer is None

    def _after_writes(self) -> None:
        self._writes_timer = None
        if self._queues_stale:
            self.screen.load_sidebar(views=False)
        if self._recount:
            self.screen.count_views(list(self._recount.values()))
        self._queues_stale, self._recount = False, {}

    # -- reading histories -----------------------------------------------------------------

    def _known(self, task: Task) -> bool:
        """Whether the history kept for ``task`` is of its version."""
        known = self._histories.get(task.id)
        return known is not None and known[0] == (task.version or "")

    async def _resting(self, task: Task) -> None:
        """The cursor rests on ``task`` (a move cancels this): after a pause its history if not
        known, then its neighbours' where the backend reads ahead."""
        await asyncio.sleep(HISTORY_PAUSE)
        if not await self._read(task) or not self.screen.backend.read_ahead:
            return
        ws = self.screen.workspace
        for step in NEIGHBOURS:
            near = ws.window.at(ws.cursor_row + step)
            if near is not None and near.id != task.id:
                await self._read(near, quiet=True)

    async def _read(self, task: Task, *, quiet: bool = False) -> bool:
        """Make sure ``task``'s history is kept (waiting for a read already on its way rather than
        sending another); whether it is. The read runs in a worker of its own, so a move, which
        cancels this wait, does not cancel a request already sent. ``quiet``: a failure is not
        worth a notice."""
        if self._known(task):
            return True
        done = self._reading.get(task.id)
        if done is None:
            done = self._reading[task.id] = asyncio.Event()
            self.screen.run_worker(self._fetch(task, quiet, done), group="history", exit_on_error=False)
        await done.wait()
        return self._known(task)

    async def _fetch(self, task: Task, quiet: bool, done: asyncio.Event) -> None:
        try:
            events = await self.screen.backend.events(task.id)
        except BackendError as err:
            if not quiet:
                self.screen.report(err, "Loading the history")
        else:
            self.history_arrived(task, events)
        finally:
            self._reading.pop(task.id, None)
            done.set()
