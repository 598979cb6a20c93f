"""Play mode's state as plain data: which tasks it may serve next, and which it must not.

No Textual here; the keys that drive it are in :mod:`tui.task_actions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backdesk.api_client import Task, TaskPage, TaskQuery

#: Seconds candidates looked up ahead stay good to serve from; older ones are looked up again.
AHEAD_FOR = 30.0


@dataclass
class Play:
    """One operator's play session: on or off, and what it has handed back."""

    playing: bool = False
    #: Tasks handed back in this play session, never served again.
    skipped: set[str] = field(default_factory=set)
    #: Tasks released in this play session: offered again only when nothing else is left.
    released: set[str] = field(default_factory=set)
    #: Candidates looked up ahead of ``space`` (while the current task is closed), the play
    #: query they answer and when they were asked for (``time.monotonic``); used once.
    ahead: tuple[list[Task], bool] | None = None
    ahead_query: TaskQuery | None = None
    ahead_at: float = 0.0

    def start(self) -> None:
        if not self.playing:
            self.released.clear()
        self.playing = True

    def stop(self) -> None:
        self.playing = False
        self.ahead = None

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

    def looked_ahead(self, query: TaskQuery, found: tuple[list[Task], bool], at: float) -> None:
        """Candidates for ``query`` as the server listed them at ``at``, for the next ``space``."""
        self.ahead, self.ahead_query, self.ahead_at = found, query, at

    def take_ahead(self, query: TaskQuery, now: float) -> tuple[list[Task], bool] | None:
        """The candidates looked up ahead for ``query``, minus those skipped since; None when
        there are none, or they answer another query (a filter or queue chosen meanwhile), or
        are older than :data:`AHEAD_FOR`. They are taken: the next call gives None."""
        ahead, self.ahead = self.ahead, None
        if ahead is None or query != self.ahead_query or now - self.ahead_at > AHEAD_FOR:
            return None
        tasks = [t for t in ahead[0] if t.id not in self.skipped]
        return (tasks, ahead[1]) if tasks else None  # none left then: worth asking again
