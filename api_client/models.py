"""The data backdesk works with, independent of any backend.

Every backend adapter turns its own wire format into these frozen dataclasses, and the TUI
knows nothing else. Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

Role = Literal["operator", "lead"]
Status = Literal["open", "waiting", "closed"]
Resolution = Literal["done", "rejected", "duplicate"]
Priority = Literal["low", "normal", "high", "urgent"]
#: The link to a backend as its last answer showed it: answering, answering slowly or failing on
#: its side, or not reachable at all.
Link = Literal["online", "degraded", "offline"]

STATUSES: tuple[Status, ...] = ("open", "waiting", "closed")
RESOLUTIONS: tuple[Resolution, ...] = ("done", "rejected", "duplicate")
#: Priorities from least to most urgent; the index is the rank.
PRIORITIES: tuple[Priority, ...] = ("low", "normal", "high", "urgent")
EVENT_KINDS = (
    "created",
    "claimed",
    "stolen",
    "released",
    "note",
    "closed",
    "reopened",
    "updated",
    "assigned",
    "moved",
)
#: Query parameters that make a task's link a secret (the Work Queue API's signed pages).
SECRET_URL_PARAMS = frozenset({"as", "sig", "signature", "token", "key", "apikey"})
#: Fields a task list can be sorted by.
SORT_FIELDS = ("priority", "due_at", "created_at", "updated_at")


def utcnow() -> datetime:
    """The current time. Everything that shows or stamps "now" asks here, so tests can fix it."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Person:
    """An operator or lead as the backend knows them."""

    id: str
    name: str
    role: Role = "operator"


@dataclass(frozen=True, slots=True)
class QueueCounts:
    open: int = 0
    unclaimed: int = 0
    mine: int = 0
    breached: int = 0
    #: The counts (by field name) the backend stopped counting at: "at least" that many.
    at_least: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class OperatorLoad:
    """A person who can hold tasks, with the open tasks they hold now (for assignment)."""

    person: Person
    #: Open (not closed) tasks the person holds, in every queue the caller can see.
    held: int = 0
    #: Of those, the ones past their due time.
    breached: int = 0


@dataclass(frozen=True, slots=True)
class StatsPoint:
    """A queue's backlog and breaches at the end of one hour."""

    at: datetime
    backlog: int
    breached: int


@dataclass(frozen=True, slots=True)
class QueueStats:
    """A queue's health now, for a lead's dashboard."""

    queue: str
    #: Open (not closed) tasks.
    backlog: int
    unclaimed: int
    #: Open tasks past their due time.
    breached: int
    #: Open tasks due within the next hour and not yet late.
    at_risk: int
    #: When the oldest open unclaimed task was created; None when nothing is unclaimed.
    oldest_unclaimed_at: datetime | None = None
    #: Who holds the queue's open tasks, most loaded first (counts within this queue only); a
    #: backend may list only the most loaded (the reference server, 50).
    load: tuple[OperatorLoad, ...] = ()
    #: Backlog and breaches per hour over the last 24 hours, oldest first (may be shorter, or
    #: empty when the backend keeps no history).
    history: tuple[StatsPoint, ...] = ()


@dataclass(frozen=True, slots=True)
class Queue:
    id: str
    name: str
    description: str = ""
    counts: QueueCounts = field(default_factory=QueueCounts)


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    queue: str
    title: str
    body: str
    status: Status
    priority: Priority
    created_at: datetime
    updated_at: datetime
    version: str
    resolution: Resolution | None = None
    owner: Person | None = None
    due_at: datetime | None = None
    reference: str | None = None
    tags: tuple[str, ...] = ()
    url: str | None = None
    #: The backend's own status word when it says more than ``status`` (RT's "stalled",
    #: a custom lifecycle's "awaiting-approval"); shown instead of ``status`` when set.
    backend_status: str | None = None
    #: Extra backend fields worth showing (RT custom fields), as (label, value) pairs.
    fields: tuple[tuple[str, str], ...] = ()

    @property
    def is_closed(self) -> bool:
        return self.status == "closed"

    def is_breached(self, now: datetime | None = None) -> bool:
        """Past its due time and still not closed."""
        if self.due_at is None or self.is_closed:
            return False
        return self.due_at < (now or utcnow())

    @property
    def status_label(self) -> str:
        return self.backend_status or self.status

    @property
    def plain_url(self) -> str | None:
        """``url`` without the parameters that sign it (a signed page opens without a token, so
        the signature is a secret): what may be shown or written to a file. RT's ``?id=14`` stays."""
        if self.url is None:
            return None
        page, _, query = self.url.partition("?")
        kept = [p for p in query.split("&") if p and p.partition("=")[0].lower() not in SECRET_URL_PARAMS]
        return page + ("?" + "&".join(kept) if kept else "")


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of a task's history."""

    id: str
    task_id: str
    kind: str
    at: datetime
    actor: Person | None = None
    body: str = ""
    #: For the event of a write just made: the task's version after it, when the backend said.
    task_version: str | None = None


@dataclass(frozen=True, slots=True)
class UnreadableTask:
    """A task record in a list that could not be decoded (a null title, a bad due date)."""

    #: The record's id when it had a readable one.
    id: str | None
    #: What was wrong, as a sentence.
    problem: str


@dataclass(frozen=True, slots=True)
class TaskPage:
    items: tuple[Task, ...]
    #: Total number of matching tasks, or None when the backend cannot tell cheaply.
    total: int | None = None
    #: Opaque cursor for the next page; None on the last page.
    next_cursor: str | None = None
    #: Records of this page that could not be decoded; ``items`` holds the others.
    unreadable: tuple[UnreadableTask, ...] = ()


@dataclass(frozen=True, slots=True)
class Sort:
    field: str = "priority"
    descending: bool = True

    def __post_init__(self) -> None:
        if self.field not in SORT_FIELDS:
            raise ValueError(f"cannot sort by {self.field!r}; use one of {', '.join(SORT_FIELDS)}")

    def to_param(self) -> str:
        """The Work Queue API form: ``field`` ascending, ``-field`` descending."""
        return f"-{self.field}" if self.descending else self.field

    @classmethod
    def from_param(cls, text: str) -> Sort:
        return cls(text.lstrip("-"), text.startswith("-"))


@dataclass(frozen=True, slots=True)
class TaskQuery:
    """Which tasks to list. ``q`` is the filter language (see :mod:`api_client.filters`)."""

    queue: str | None = None
    q: str = ""
    status: tuple[Status, ...] = ()
    owner: str | None = None
    sort: Sort = field(default_factory=Sort)
    limit: int = 100
    #: Read the list from its end: the same order backwards, ties included (the last task first),
    #: so the first page of a reversed query is the list's last page, newest cursor backwards.
    reverse: bool = False


@dataclass(frozen=True, slots=True)
class NewTask:
    queue: str
    title: str
    body: str = ""
    priority: Priority = "normal"
    due_at: datetime | None = None
    reference: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TaskChanges:
    """Fields to change on a task; None leaves a field as it is."""

    priority: Priority | None = None
    due_at: datetime | None = None
    queue: str | None = None
    title: str | None = None
