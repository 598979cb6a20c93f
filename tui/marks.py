"""A lead's marks: the tasks the next bulk action works on.

Plain data held by the workspace (:mod:`tui.workspace`), which feeds it what the list learns:
a mark keeps the last copy of its task seen, survives scrolling and refreshes, and goes away
(with a notice) when its task leaves the view.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass, field

from backdesk.api_client import Queue, Task

#: ``*`` marks at most this many tasks: a bigger set should be narrowed with a filter first.
MARK_ALL_LIMIT = 5000
#: More marked tasks than this gone from a whole list are unmarked without re-reading each.
REREAD_LIMIT = 50


def count(n: int, noun: str) -> str:
    """ "1 task", "1,234 tasks"."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def place_of(tasks: Iterable[Task], queues: dict[str, Queue]) -> str:
    """Where a set of tasks lives, for a summary: "in Returns & Refunds", "in 3 queues"."""
    ids = {t.queue for t in tasks}
    if len(ids) == 1:
        (queue_id,) = ids
        return f"in {queues[queue_id].name if queue_id in queues else queue_id}"
    return f"in {len(ids)} queues" if ids else ""


@dataclass
class Marks:
    """Marked task id -> the latest copy seen, in the order they were marked."""

    tasks: dict[str, Task] = field(default_factory=dict)
    #: Sentences for the operator, waiting to be shown (see :meth:`take_notices`).
    notices: list[str] = field(default_factory=list)
    #: Marked tasks that dropped out of the loaded rows: re-read them to tell whether they left the view.
    to_check: set[str] = field(default_factory=set)
    #: Marked tasks a refresh of the whole list no longer listed: unmarked once re-read.
    left: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.tasks)

    def __contains__(self, task_id: object) -> bool:
        return task_id in self.tasks

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self.tasks)

    def toggle(self, task: Task) -> bool:
        """Mark or unmark ``task``; True when it is marked now. A closed task is not marked:
        every bulk change would fail on it."""
        if self.tasks.pop(task.id, None) is not None:
            return False
        if task.is_closed:
            self.notices.append(f"#{task.id} is closed: not marked.")
            return False
        self.tasks[task.id] = task
        return True

    def add(self, tasks: Iterable[Task]) -> int:
        """Mark every open task in ``tasks``; how many were not marked before."""
        before = len(self.tasks)
        for task in tasks:
            if not task.is_closed:
                self.tasks[task.id] = task
        return len(self.tasks) - before

    def clear(self) -> int:
        """Unmark everything; how many were marked."""
        n = len(self.tasks)
        self.tasks.clear()
        self.to_check.clear()
        self.left.clear()
        return n

    def seen(self, task: Task, in_view: bool, *, ours: bool = False) -> None:
        """A fresh copy of ``task`` arrived. Outside the view (closed, moved), its mark goes; a
        notice says so unless the change was the lead's own (a bulk close, a move)."""
        self.to_check.discard(task.id)
        if task.id in self.left:
            self.left.discard(task.id)
            in_view = False
        if task.id not in self.tasks:
            return
        if in_view:
            self.tasks[task.id] = task
            return
        del self.tasks[task.id]
        if not ours:
            why = "closed" if task.is_closed else "no longer in this list"
            self.notices.append(f"#{task.id} {why}: unmarked.")

    def refreshed(self, before: Set[str], fresh: Set[str], *, whole: bool) -> None:
        """A refresh listed ``fresh`` (the whole list when ``whole``). Marked tasks that dropped
        out of the rows (``before``) may only have moved further down: :attr:`to_check` has them
        re-read. Missing from a whole list, they left it: re-read only to say why."""
        missing = self.ids - fresh
        if whole and len(missing) > REREAD_LIMIT:
            for task_id in missing:
                del self.tasks[task_id]
            self.to_check -= missing
            self.notices.extend(f"#{task_id} no longer in this list: unmarked." for task_id in missing)
        elif whole:
            self.left |= missing
            self.to_check |= missing
        else:
            self.to_check |= (before - fresh) & self.ids

    def gone(self, task_id: str) -> None:
        """The task no longer exists (or is hidden): unmark it."""
        self.to_check.discard(task_id)
        self.left.discard(task_id)
        if self.tasks.pop(task_id, None) is not None:
            self.notices.append(f"#{task_id} no longer exists: unmarked.")

    def take_notices(self) -> str | None:
        """What to tell the operator about marks that went, as one sentence; None if nothing."""
        notices, self.notices = self.notices, []
        if len(notices) > 3:
            return f"{count(len(notices), 'marked task')} left this view and were unmarked."
        return " ".join(notices) or None
