"""Play mode's keys: ``space`` serves the most urgent unclaimed task here, ``>`` skips one.

The next task is looked up ahead of time, while the operator closes the current one (the list
request play mode makes anyway, made earlier): "Next up" then shows at once. ``space`` opens it
at once with its claim on its way ("Now on #N — claiming it…", the row marked ⧗), and says
"Claimed #N" once the server did. A note or a close typed meanwhile is sent only after the
claim's answer, and not at all if the claim was refused (the editor keeps the text). A refused
claim is said plainly, naming who was quicker, and the next candidate comes up. A look ahead
older than :data:`~tui.play.AHEAD_FOR` seconds is not trusted: ``space`` looks again.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from textual.worker import Worker, WorkerCancelled, WorkerFailed

from backdesk.api_client import BackendError, ConflictError, NotFoundError, Task, TaskQuery
from backdesk.api_client.outbox import Queued
from backdesk.widgets.task_detail import TaskDetail
from backdesk.widgets.task_table import TaskTable
from backdesk.widgets.text import one_line

from .operations import Outcome
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
        #: Task id -> play mode's claim of it (kept while under way, or when it was refused).
        self._claims: dict[str, asyncio.Future[Task]] = {}

    async def play_next(self) -> None:
        """Open the most urgent unclaimed task here at once, claiming it (see :meth:`_take`)."""
        self.play.start()
        self.screen.app.clear_notifications()  # an older "Next up" must not outlive the task it named
        self.screen.paint.task_list()
        found = await self._candidates()
        if found is None:
            return
        candidates, only_released = found
        if only_released:
            self.screen.notify("Only tasks you released are left here; taking one of them again.", timeout=6)
        await self._take(candidates)

    async def _take(self, candidates: list[Task]) -> None:
        """Show the first candidate at once with its claim on its way (its row marked ⧗ until the
        server answers), and say "Claimed" only once it did. A claim refused (someone was
        quicker, or it was closed) is said plainly, and the next candidate comes up the same way."""
        for candidate in candidates:
            self.workspace.task_shown(candidate)
            self.workspace.pending.add(candidate.id)
            self.screen.paint.task_list()
            self.screen.query_one(TaskDetail).focus()
            title = f"#{one_line(candidate.id)}: {one_line(candidate.title)}"
            self.screen.notify(f"Now on {title} — claiming it…", timeout=4, markup=False)
            self._claims = {i: c for i, c in self._claims.items() if _kept(c)}
            claim = self._claims[candidate.id] = asyncio.ensure_future(self._claim(candidate))
            try:
                await asyncio.shield(claim)
            except (ConflictError, NotFoundError) as err:
                who = err.claimed_by.name if isinstance(err, ConflictError) and err.claimed_by else None
                number = f"#{one_line(candidate.id)}"
                taken = f"{one_line(who)} took {number} first" if who else f"{number}: {err}"
                self.screen.notify(f"{taken}; moving on.", severity="warning", timeout=8, markup=False)
                continue
            except BackendError:
                return  # said by the claim itself
            return
        self.screen.notify("Nothing left to take here. Well done.", timeout=6)

    async def _claim(self, candidate: Task) -> Task:
        """Claim ``candidate`` and show the answer (even when play moved on meanwhile)."""
        try:
            task = await self.screen.backend.claim(candidate.id)
        except (ConflictError, NotFoundError):
            if (fresh := await self.screen.ops.reread(candidate.id)) is not None:
                self.screen.task_written(fresh, reread=True)  # who holds it now, on screen
            self.screen.paint.pending()
            raise
        except BackendError as err:
            self.screen.paint.pending()
            self.screen.report(err, "Claim")
            raise
        await self.screen.task_actions.settle(Outcome(task, f"Claimed #{one_line(task.id)}."), candidate)
        return task

    def claiming(self, task_id: str) -> bool:
        """Whether play mode's claim of ``task_id`` waits for the server's answer."""
        claim = self._claims.get(task_id)
        return claim is not None and not claim.done()

    async def claimed(self, task_id: str) -> Task | None:
        """Wait for play mode's claim of ``task_id``, if it made one: the task as the claim left
        it (None when there was none, or when it waits in the outbox, which sends a later write
        after it). Raises ConflictError when the server refused it and the task is still not
        ours: what was to follow (a note, a close) is not sent."""
        if (claim := self._claims.get(task_id)) is None:
            return None
        try:
            return await asyncio.shield(claim)
        except Queued:
            return None
        except BackendError as err:
            held, me = self.workspace.task(task_id), self.workspace.me
            if held is not None and held.owner is not None and me is not None and held.owner.id == me.id:
                return held  # claimed since, another way
            raise ConflictError(f"#{one_line(task_id)} is not yours: {err}") from err

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


def _kept(claim: asyncio.Future[Task]) -> bool:
    """Whether a claim is worth keeping: under way, or refused (a later write must not follow it)."""
    return not claim.done() or (not claim.cancelled() and claim.exception() is not None)
