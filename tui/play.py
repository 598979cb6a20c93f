"""Play mode's state as plain data: which tasks it may serve next, and which it must not.

No Textual here; the keys that drive it are in :mod:`tui.task_actions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backdesk.api_client import Task, TaskPage


@dataclass
class Play:
    """One operator's play session: on or off, and what it has handed back."""

    playing: bool = False
    #: Tasks handed back in this play session, never served again.
    skipped: set[str] = field(default_factory=set)
    #: Tasks released in this play session: offered again only when nothing else is left.
    released: set[str] = field(default_factory=set)

    def start(self) -> None:
        if not self.playing:
            self.released.clear()
        self.playing = True

    def stop(self) -> None:
        self.playing = False

    def release(self, task_id: str) -> None:
        if self.playing:
            self.released.add(task_id)

    def skip(self, task_id: str) -> None:
        self.skipped.add(task_id)

    def candidates(self, page: TaskPage) -> tuple[list[Task], bool]:
        """Tasks of a play query's page that may be served, and whether they are only tasks
        released in this session (served when nothing else is left)."""
        free = [t for t in page.items if t.owner is None and not t.is_closed and t.id not in self.skipped]
        fresh = [t for t in free if t.id not in self.released]
        return (fresh, False) if fresh or not free else (free, True)
