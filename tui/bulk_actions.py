"""A lead's marks (v, J/K, *, esc) and the task keys on the marked set, for the main screen.

With marks, ``a`` ``u`` ``x`` ``n`` ``m`` ``p`` ask what to do, show a summary, then run the
change over every marked task (:mod:`tui.bulk`) on the report screen (:mod:`tui.bulk_report`).
Without marks, ``a`` ``m`` ``p`` change the task under the cursor. Marks and these keys are a
lead's: an operator who presses one is told why and nothing is sent.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from backdesk.api_client import PRIORITIES, BackendError, NotFoundError, Task, TaskPage
from backdesk.api_client.models import OperatorLoad
from backdesk.widgets.task_table import TaskTable
from backdesk.widgets.text import one_line

from .bulk import CONCURRENCY, BulkAction, BulkRun
from .confirm import ConfirmDialog
from .main_keys import BULK_ONLY_LEADS, LEAD_ONLY
from .marks import MARK_ALL_LIMIT, count, place_of
from .prompt import ChoiceDialog

if TYPE_CHECKING:
    from .main_screen import MainScreen


class BulkActions:
    """Marks and bulk changes for one main screen."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.workspace = screen.workspace

    @property
    def is_lead(self) -> bool:
        me = self.workspace.me
        return me is not None and me.role == "lead"

    def allowed(self, binding_id: str) -> bool:
        """Whether the person may use this key; if not, say why (nothing is sent)."""
        if self.is_lead:
            return True
        self.screen.notify(LEAD_ONLY.get(binding_id, BULK_ONLY_LEADS), severity="warning", timeout=6)
        return False

    def _marked(self) -> list[Task] | None:
        """The marked tasks when there are any and a lead acts on them; None otherwise (told why)."""
        if not self.workspace.marks:
            return None
        if not self.is_lead:
            self.screen.notify(BULK_ONLY_LEADS, severity="warning", timeout=6)
            return []
        return list(self.workspace.marks.tasks.values())

    # -- marking -----------------------------------------------------------------------------

    def toggle(self) -> None:
        if self.allowed("mark.toggle") and self.workspace.toggle_mark() is not None:
            self.screen.paint.task_list()

    def extend(self, step: int) -> None:
        if not self.allowed("mark.down" if step > 0 else "mark.up"):
            return
        moved_to = self.workspace.extend_marks(step)
        self.screen.paint.task_list()
        if moved_to is not None:
            self.screen.query_one(TaskTable).move_to(moved_to)

    def clear(self) -> bool:
        """esc: unmark everything; False when nothing was marked."""
        if not (n := self.workspace.marks.clear()):
            return False
        self.screen.paint.task_list()
        self.screen.notify(f"Cleared {count(n, 'mark')}.")
        return True

    def mark_all(self) -> None:
        """Mark every task the list matches, loaded or not, after confirming the count."""
        if not self.allowed("mark.all"):
            return
        ws = self.workspace
        if not ws.loaded:
            self.screen.notify("The list is still loading.", severity="warning")
            return
        if ws.total is not None and ws.total > MARK_ALL_LIMIT:
            self.screen.notify(
                f"{count(ws.total, 'task')} match: * marks at most {MARK_ALL_LIMIT:,}. Narrow the list with / first.",
                severity="warning",
                timeout=8,
                markup=False,
            )
            return
        if ws.total == 0:
            self.screen.notify("No task matches this list: nothing to mark.", severity="warning")
            return
        n = count(ws.total, "task") if ws.total is not None else "every task"
        place, generation = ws.place_name(), ws.generation

        def answered(yes: bool | None) -> None:
            if yes:
                self.screen.in_background(self._mark_all(generation), group="mark-all")

        self.screen.app.push_screen(ConfirmDialog(f"Mark all {n} in {place}?"), answered)

    async def _mark_all(self, generation: int) -> None:
        ws, found, cursor = self.workspace, [], None
        query = ws.query()
        while True:
            page: TaskPage = await self.screen.backend.tasks(query, cursor)
            found.extend(page.items)
            if len(found) > MARK_ALL_LIMIT:
                self.screen.notify(f"More than {MARK_ALL_LIMIT:,} tasks match: nothing was marked.", severity="warning")
                return
            cursor = page.next_cursor
            if cursor is None:
                break
        if generation != ws.generation:  # the lead went elsewhere meanwhile
            return
        ws.marks.add(found)
        self.screen.paint.task_list()
        self.screen.notify(f"Marked {count(len(ws.marks), 'task')}.")

    async def check_marks(self) -> None:
        """Re-read marked tasks that dropped out of the list: unmark those that left the view."""
        marks = self.workspace.marks

        async def check(task_id: str) -> None:
            try:
                self.workspace.task_written(await self.screen.backend.task(task_id))
            except NotFoundError:
                marks.gone(task_id)
            except BackendError:
                marks.to_check.discard(task_id)  # cannot tell now: the mark stays

        ids = list(marks.to_check)
        for start in range(0, len(ids), CONCURRENCY):
            await asyncio.gather(*(check(i) for i in ids[start : start + CONCURRENCY]))
        if ids:
            self.screen.paint.task_list()

    # -- the task keys on marks --------------------------------------------------------------

    def _confirm_and_run(self, tasks: list[Task], action: BulkAction, detail: str = "") -> None:
        summary = action.summary(len(tasks), place_of(tasks, self.workspace.queues))

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(tasks, action)

        self.screen.app.push_screen(ConfirmDialog(summary, detail), answered)

    def _run(self, tasks: list[Task], action: BulkAction) -> None:
        from .bulk_report import BulkScreen

        self.screen.app.push_screen(BulkScreen(BulkRun(self.screen.backend, action, tasks), self._written))

    def _written(self, tasks: list[tuple[Task, bool]]) -> None:
        """Tasks as a bulk action left them (``ours``) or found them: the list shows them at once."""
        for task, ours in tasks:
            self.workspace.task_written(task, ours=ours)
        self.screen.paint.task_list()
        self.screen.load_sidebar()

    def release(self) -> None:
        if not (tasks := self._marked()):
            return
        free = sum(1 for t in tasks if t.owner is None)
        detail = [taken] if (taken := self._taken(tasks, self.workspace.me.id if self.workspace.me else None)) else []
        detail += [f"{count(free, 'task')} nobody holds: left as they are."] if free else []
        self._confirm_and_run(tasks, BulkAction("release"), "\n".join(detail))

    @staticmethod
    def _taken(tasks: list[Task], keeper: str | None) -> str:
        """What the summary says about tasks held by someone other than ``keeper``: they lose them."""
        held = sum(1 for t in tasks if t.owner is not None and t.owner.id != keeper)
        return f"{count(held, 'task')} held by someone else: taken from them (the history says so)." if held else ""

    def close(self) -> None:
        from .bulk_dialog import BulkCloseDialog

        if not (tasks := self._marked()):
            return
        place = place_of(tasks, self.workspace.queues)

        def chosen(answer: tuple | None) -> None:
            if answer is None:
                return
            resolution, note = answer
            me = self.workspace.me.id if self.workspace.me else None
            detail = f"With the note: {one_line(note)[:80]}" if note else "No note."
            if not (held := sum(1 for t in tasks if t.owner is not None and t.owner.id != me)):
                self._confirm_and_run(tasks, BulkAction("close", resolution=resolution, note=note), detail)
                return
            # Someone else holds some of them: close those too (as a single x does after asking), or not.
            summary = f"{BulkAction('close', resolution=resolution).summary(len(tasks), place)}\n{detail}"
            choices = [
                ("force", f"Close all, taking {count(held, 'task')} out of their holders' hands (the history says so)"),
                ("leave", f"Close only those nobody else holds (the {count(held, 'held task')}: reported, not closed)"),
            ]

            def picked(choice: str | None) -> None:
                if choice is not None:
                    self._run(tasks, BulkAction("close", resolution=resolution, note=note, force=choice == "force"))

            self.screen.app.push_screen(ChoiceDialog(summary, choices), picked)

        self.screen.app.push_screen(BulkCloseDialog(f"Close {count(len(tasks), 'task')} {place}"), chosen)

    def note(self) -> None:
        from .bulk_dialog import BulkNoteDialog

        if not (tasks := self._marked()):
            return

        def written(text: str | None) -> None:
            if text:
                self._confirm_and_run(tasks, BulkAction("note", note=text), one_line(text)[:120])

        place = place_of(tasks, self.workspace.queues)
        self.screen.app.push_screen(BulkNoteDialog(f"A note for {count(len(tasks), 'task')} {place}"), written)

    # -- assign, move, priority: on the marks, or on the task under the cursor -----------------

    def _targets(self, binding_id: str) -> list[Task] | None:
        """The marked tasks, else the task under the cursor; None when the key does nothing."""
        if not self.allowed(binding_id):
            return None
        if self.workspace.marks:
            return list(self.workspace.marks.tasks.values())
        task = self.screen.task_actions.target()
        return [task] if task is not None else None

    def _act(self, tasks: list[Task], action: BulkAction, detail: str = "") -> None:
        if self.workspace.marks:
            self._confirm_and_run(tasks, action, detail)
        else:
            self.screen.in_background(self._single(tasks[0], action))

    async def _single(self, task: Task, action: BulkAction) -> None:
        try:
            after = await action.apply(self.screen.backend, task)
        except BackendError as err:
            self.screen.report(err, action.verb)
            if (fresh := await self.screen.ops.reread(task.id)) is not None:
                self.screen.task_written(fresh, reread=True)
        else:
            self.screen.notify(f"#{one_line(task.id)} {action.done()}.", markup=False)
            if after is not None:
                self.screen.task_written(after, task)

    def assign(self) -> None:
        from .pickers import OperatorPicker

        if not (tasks := self._targets("task.assign")):
            return
        queues = {t.queue for t in tasks}
        queue = queues.pop() if len(queues) == 1 else None

        def picked(load: OperatorLoad | None) -> None:
            if load is not None:
                self._act(tasks, BulkAction("assign", operator=load.person), self._taken(tasks, load.person.id))

        what = f"#{tasks[0].id}" if not self.workspace.marks else count(len(tasks), "task")
        self.screen.app.push_screen(
            OperatorPicker(
                f"Assign {what} to…",
                lambda text: self.screen.backend.operators(text, queue=queue),
                self.workspace.queues[queue].name if queue in self.workspace.queues else queue or "",
            ),
            picked,
        )

    def move(self) -> None:
        if not (tasks := self._targets("task.move")):
            return
        here = {t.queue for t in tasks}
        choices = [(q.id, q.name) for q in self.workspace.queues.values() if here != {q.id}]

        def picked(queue_id: str | None) -> None:
            if queue_id:
                self._act(tasks, BulkAction("move", queue=self.workspace.queues[queue_id]))

        self.screen.app.push_screen(ChoiceDialog("Move to which queue?", choices), picked)

    def set_priority(self) -> None:
        if not (tasks := self._targets("task.priority")):
            return
        choices = [(p, p) for p in reversed(PRIORITIES)]

        def picked(priority: str | None) -> None:
            if priority in PRIORITIES:
                self._act(tasks, BulkAction("priority", priority=priority))  # type: ignore[arg-type]

        self.screen.app.push_screen(ChoiceDialog("Set the priority to…", choices), picked)
