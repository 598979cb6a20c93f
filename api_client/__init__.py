"""backdesk's backend layer: the Backend protocol, its models and errors, and the adapters."""

from .errors import (
    AuthError,
    BackendError,
    BackendTimeout,
    BadResponseError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    StaleError,
    UnavailableError,
)
from .filters import Filter, FilterError, Term, parse_filter
from .models import (
    EVENT_KINDS,
    PRIORITIES,
    RESOLUTIONS,
    SORT_FIELDS,
    STATUSES,
    Event,
    NewTask,
    Person,
    Queue,
    QueueCounts,
    Sort,
    Task,
    TaskChanges,
    TaskPage,
    TaskQuery,
    UnreadableTask,
)
from .protocol import Backend

__all__ = [
    "AuthError", "Backend", "BackendError", "BackendTimeout", "BadResponseError", "ConflictError",
    "EVENT_KINDS", "Event", "Filter", "FilterError", "InvalidRequestError", "NewTask", "NotFoundError",
    "PRIORITIES", "Person", "Queue", "QueueCounts", "RESOLUTIONS", "SORT_FIELDS", "STATUSES", "Sort",
    "StaleError", "Task", "TaskChanges", "TaskPage", "TaskQuery", "Term", "UnavailableError", "UnreadableTask",
    "parse_filter",
]
