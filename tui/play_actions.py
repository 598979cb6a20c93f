"""Play mode's keys: ``space`` serves the most urgent unclaimed task here, ``>`` skips one.

The next task is looked up ahead of time, while the operator closes the current one (the list
request play mode makes anyway, made earlier): "Next up" then shows at once, and ``space`` only
claims. A candidate someone else took meanwhile is passed over, and the operator told so. A look
ahead older than :data:`~tui.play.AHEAD_FOR` seconds is not trusted: ``space`` looks again.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.worker import Worker, WorkerCancelled, WorkerFailed

from backdesk.api_client import Task, TaskQuery
from backdesk.widgets.task_detail import TaskDetail
from backdesk.widgets.task_table import TaskTable
from backdesk.widgets.text import one_line

from .prompt import PromptDialog

if TYPE_CHECKING:
    from .main_screen import MainScreen


class PlayActions:
    """Serve, offer and skip in play mode, for one main screen."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.workspace = screen.workspace
        self.play = screen.workspace.play
        #: The look ahead under way, if any.
        self._looking: Worker[None] | None = None

    async def play_next(self) -> None:
        """Claim the most urgent unclaimed task here and open it."""
        self.play.start()
        self.screen.app.clear_notifications()  # an older "Next up" must not outlive the task it named
        self.screen.paint.task_list()
        found = await self._candidates()
        if found is None:
            return
        candidates, only_released = found
        if only_released:
            self.screen.notify("Only tasks you released are left here; taking one of them again.", timeout=6)
        outcome = await self.screen.ops.serve(candidates)
        before = next((c for c in candidates if outcome.task and c.id == outcome.task.id), None)
        if outcome.task is not None:
            self.workspace.task_shown(outcome.task)
            self.screen.paint.task_list()
            self.screen.query_one(TaskDetail).focus()
        await self.screen.task_actions.settle(outcome, before)

    async def offer_next(self) -> None:
        """Put the next task in front of the operator, without claiming it."""
        found = await self._candidates()
        if found is None:
            return
        candidates, only_released = found
        if not candidates:
            self.screen.notify("Nothing left to take here. Well done.", timeout=6)
            return
        self.play.looked_ahead(self.workspace.play_query(), found, time.monotonic())  # space serves from these
        nxt = candidates[0]
        self.workspace.task_shown(nxt)
        self.screen.paint.task_list()
        self.screen.query_one(TaskTable).focus()
        again = " (only tasks you released are left)" if only_released else ""
        self.screen.notify(
            f"Next up{again}: #{one_line(nxt.id)} {one_line(nxt.title)} — space to take it.", timeout=8, markup=False
        )

    def look_ahead(self) -> None:
        """Look up the next candidates now (the current task is being closed), for ``space``."""
        if self.play.playing:
            query = self.workspace.play_query()
            self._looking = self.screen.run_worker(
                self._look(query), group="play-ahead", exclusive=True, exit_on_error=False
            )

    async def _look(self, query: TaskQuery) -> None:
        asked = time.monotonic()
        page = await self.screen.backend.tasks(query)  # a failure is not worth a notice: space asks again
        self.play.looked_ahead(query, self.play.candidates(page), asked)

    async def _candidates(self) -> tuple[list[Task], bool] | None:
        """The candidates looked up ahead (waiting for the look under way), else asked for now."""
        if self._looking is not None:
            looking, self._looking = self._looking, None
            try:
                await looking.wait()
            except (WorkerCancelled, WorkerFailed):
                pass
        query = self.workspace.play_query()
        if (found := self.play.take_ahead(query, time.monotonic())) is not None:
            return found
        page = await self.screen.attempt(self.screen.backend.tasks(query), "Finding the next task")
        return None if page is None else self.play.candidates(page)

    def skip(self) -> None:
        """Hand back the task you were given, with a reason, and take the next one."""
        if (task := self.screen.task_actions.target()) is None:
            return
        me = self.workspace.me
        if task.owner is None or me is None or task.owner.id != me.id:
            self.screen.notify(
                "You can only skip a task you hold. Press space to take the next one.", severity="warning"
            )
            return

        def answered(reason: str | None) -> None:
            if reason:
                self.screen.in_background(self._skip(task, reason))

        self.screen.app.push_screen(
            PromptDialog(f"Skip #{task.id}: why? (recorded as a note)", "e.g. needs a Spanish speaker"), answered
        )

    async def _skip(self, task: Task, reason: str) -> None:
        outcome = await self.screen.ops.skip(task, reason)
        if await self.screen.task_actions.settle(outcome):
            self.play.skip(task.id)
            await self.play_next()
