"""The Redmine profile options (``[profiles.NAME.options]``), checked once when connecting.

Every option is optional; see :class:`RedmineOptions` for the defaults and the README's
"Connect to Redmine" section for examples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import InvalidRequestError
from .models import PRIORITIES, RESOLUTIONS, Priority, Resolution

#: Redmine's default priorities (and common extra names) as backdesk levels.
DEFAULT_PRIORITIES: dict[str, Priority] = {
    "low": "low",
    "normal": "normal",
    "high": "high",
    "urgent": "urgent",
    "immediate": "urgent",
}
DEFAULT_CLOSE_STATUSES: dict[Resolution, str] = {"done": "Closed", "rejected": "Rejected", "duplicate": "Closed"}
KNOWN = (
    "projects",
    "tracker",
    "waiting_statuses",
    "close_statuses",
    "reopen_status",
    "priorities",
    "resolution_field",
    "tags_field",
    "reference_field",
)


@dataclass(frozen=True, slots=True)
class RedmineOptions:
    """How one Redmine's setup maps onto backdesk's model."""

    #: Project identifiers, names or ids to show as queues; empty shows every project you can see.
    projects: tuple[str, ...] = ()
    #: A tracker name or id: lists show only its issues and new tasks use it.
    tracker: str | None = None
    #: Open statuses that mean "waiting" (compared case-insensitively).
    waiting_statuses: tuple[str, ...] = ("Feedback",)
    #: The closed status each resolution sets.
    close_statuses: Mapping[Resolution, str] = field(default_factory=lambda: dict(DEFAULT_CLOSE_STATUSES))
    #: The open status reopening sets; default the first open status that is not waiting (New).
    reopen_status: str | None = None
    #: Redmine priority name (lower case) -> level, over :data:`DEFAULT_PRIORITIES`.
    priorities: Mapping[str, Priority] = field(default_factory=lambda: dict(DEFAULT_PRIORITIES))
    #: A list custom field holding done/rejected/duplicate; without it, a duplicate says so in its note.
    resolution_field: str | None = None
    #: A list custom field (multiple values) whose values are the task's tags.
    tags_field: str | None = None
    #: A custom field holding the task's reference; without it the reference is ``#<issue number>``.
    reference_field: str | None = None

    @classmethod
    def parse(cls, options: Mapping[str, object]) -> RedmineOptions:
        """Options from a profile table; a wrong key or type raises InvalidRequestError naming it."""
        unknown = sorted(set(options) - set(KNOWN))
        if unknown:
            raise InvalidRequestError(f"Unknown Redmine option {unknown[0]!r}; use {', '.join(KNOWN)}.")
        close = dict(DEFAULT_CLOSE_STATUSES)
        for resolution, status in _table(options, "close_statuses").items():
            if resolution not in RESOLUTIONS:
                raise _bad("close_statuses", f"keys are {', '.join(RESOLUTIONS)}")
            close[resolution] = _text(status, "close_statuses")
        priorities = dict(DEFAULT_PRIORITIES)
        for name, level in _table(options, "priorities").items():
            if level not in PRIORITIES:
                raise _bad("priorities", f"values are {', '.join(PRIORITIES)}")
            priorities[name.casefold()] = level
        return cls(
            projects=_names(options, "projects") or (),
            tracker=_optional(options, "tracker"),
            waiting_statuses=_names(options, "waiting_statuses") or ("Feedback",),
            close_statuses=close,
            reopen_status=_optional(options, "reopen_status"),
            priorities=priorities,
            resolution_field=_optional(options, "resolution_field"),
            tags_field=_optional(options, "tags_field"),
            reference_field=_optional(options, "reference_field"),
        )


def _bad(key: str, what: str) -> InvalidRequestError:
    return InvalidRequestError(f"Redmine option {key!r}: {what}.")


def _text(value: object, key: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        raise _bad(key, "expected a name or a number")
    return str(value).strip()


def _optional(options: Mapping[str, object], key: str) -> str | None:
    return _text(options[key], key) if options.get(key) not in (None, "") else None


def _names(options: Mapping[str, object], key: str) -> tuple[str, ...] | None:
    value = options.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise _bad(key, "expected a list of names")
    return tuple(_text(item, key) for item in value)


def _table(options: Mapping[str, object], key: str) -> Mapping[str, object]:
    value = options.get(key, {})
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise _bad(key, "expected a table of name = value")
    return value
