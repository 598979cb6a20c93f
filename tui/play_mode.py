"""Play mode, as web agent consoles call it: backdesk serves the most urgent unclaimed task.

``space`` claims the most urgent unclaimed task of the current queue, view and filter and opens
it; after a close or a release the next one is offered (not taken); ``>`` hands back a task
with a reason, recorded as a note, and takes the next. Mixed into the main screen, whose
loading and writing helpers it uses.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.widgets import Static

from backdesk.api_client import BackendError, ConflictError, Sort, Task, parse_filter
from backdesk.widgets.task_detail import TaskDetail
from backdesk.widgets.task_table import TaskTable
from backdesk.widgets.text import one_line

from .prompt import PromptDialog


class PlayMode:
    playing: bool = False
    #: Tasks handed back this session, never served again.
    skipped: set[str]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.skipped = set()

    def _play_banner(self) -> None:
        self.refresh_bindings()
        banner = self.query_one("#play-banner", Static)
        banner.set_class(self.playing, "visible")
        if self.playing:
            banner.update(Text("▶ Play mode · space next task · x close · u release · > skip · esc stop",
                               style="bold"))

    async def _candidates(self) -> list[Task]:
        """Unclaimed tasks of the current queue, view and filter, most urgent first."""
        text = f"{self.filter_text} owner:none" if not parse_filter(self.filter_text).has("owner") else self.filter_text
        query = self._query_for(self.queue_id, text, Sort("priority", True), limit=20)
        page = await self._try(self.backend.tasks(query), "Finding the next task")
        if page is None:
            return []
        return [t for t in page.items if t.owner is None and not t.is_closed and t.id not in self.skipped]

    async def _show(self, task: Task) -> None:
        table = self.query_one(TaskTable)
        if not table.has_task(task.id):
            table.append_tasks([task])
        table.move_to(task.id)

    @work(exclusive=True, group="play", exit_on_error=False)
    async def action_next_task(self) -> None:
        """Claim the most urgent unclaimed task here and open it."""
        self.playing = True
        self._play_banner()
        for candidate in await self._candidates():
            try:
                task = await self.backend.claim(candidate.id)
            except ConflictError:
                continue  # someone was quicker: take the next one
            except BackendError as err:
                self.notify(f"Claim failed: {err}", severity="error", timeout=8, markup=False)
                return
            await self._show(task)
            await self._apply(task)
            self.query_one(TaskDetail).focus()
            self.notify(f"Now on #{one_line(task.id)}: {one_line(task.title)}", markup=False)
            return
        self.notify("Nothing left to take here. Well done.", timeout=6)

    async def _offer_next(self) -> None:
        """Put the next task in front of the operator, without claiming it."""
        candidates = await self._candidates()
        if not candidates:
            self.notify("Nothing left to take here. Well done.", timeout=6)
            return
        await self._show(candidates[0])
        self.query_one(TaskTable).focus()
        self.notify(f"Next up: #{one_line(candidates[0].id)} {one_line(candidates[0].title)} — space to take it.",
                    timeout=8, markup=False)

    def action_skip(self) -> None:
        """Hand back the task you were given, with a reason, and take the next one."""
        if (task := self._target()) is None:
            return
        if not (task.owner and self.me and task.owner.id == self.me.id):
            self.notify("You can only skip a task you hold. Press space to take the next one.", severity="warning")
            return

        async def skip(reason: str) -> None:
            note = await self._try(self.backend.add_note(task.id, f"Skipped: {reason}",
                                                         idempotency_key=f"skip-{task.id}-{task.version}"),
                                   "Recording the reason")
            if note is None:
                return
            released = await self._try(self.backend.release(task.id), "Release")
            if released is None:
                return
            self.skipped.add(task.id)
            await self._apply(released)
            self.action_next_task()

        def answered(reason: str | None) -> None:
            if reason:
                self._background(skip(reason))

        self.app.push_screen(PromptDialog(f"Skip #{task.id}: why? (recorded as a note)",
                                          "e.g. needs a Spanish speaker"), answered)
