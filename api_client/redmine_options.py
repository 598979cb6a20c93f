"""The Redmine profile options (``[profiles.NAME.options]``), checked once when connecting.

Every option is optional and flat (a name, a number or a list of names); see
:class:`RedmineOptions` for the defaults and the README's "Connect to Redmine" section.
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
LEVEL_KEYS = {f"{level}_priorities": level for level in PRIORITIES}
STATUS_KEYS = {f"{resolution}_status": resolution for resolution in RESOLUTIONS}
KNOWN = (
    "projects",
    "tracker",
    "waiting_statuses",
    *STATUS_KEYS,
    "reopen_status",
    *LEVEL_KEYS,
    "resolution_field",
    "tags_field",
    "reference_field",
    "lead_roles",
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
    #: The closed status each resolution sets (options ``done_status``, ``rejected_status``,
    #: ``duplicate_status``).
    close_statuses: Mapping[Resolution, str] = field(default_factory=lambda: dict(DEFAULT_CLOSE_STATUSES))
    #: The open status reopening sets; default the first open status that is not waiting (New).
    reopen_status: str | None = None
    #: Redmine priority name (lower case) -> level: :data:`DEFAULT_PRIORITIES` with the options
    #: ``low_priorities``, ``normal_priorities``, ``high_priorities``, ``urgent_priorities`` over it.
    priorities: Mapping[str, Priority] = field(default_factory=lambda: dict(DEFAULT_PRIORITIES))
    #: A list custom field holding done/rejected/duplicate; without it, a duplicate says so in its note.
    resolution_field: str | None = None
    #: A list custom field (multiple values) whose values are the task's tags.
    tags_field: str | None = None
    #: A custom field holding the task's reference; without it the reference is ``#<issue number>``.
    reference_field: str | None = None
    #: Redmine role names (compared case-insensitively) whose members are leads in that project.
    lead_roles: tuple[str, ...] = ("Lead", "Manager")

    @classmethod
    def parse(cls, options: Mapping[str, object]) -> RedmineOptions:
        """Options from a profile table (flat: names, numbers and lists of names); a wrong key or
        type raises InvalidRequestError naming it."""
        unknown = sorted(set(options) - set(KNOWN))
        if unknown:
            raise InvalidRequestError(f"Unknown Redmine option {unknown[0]!r}; use {', '.join(KNOWN)}.")
        close = dict(DEFAULT_CLOSE_STATUSES)
        for key, resolution in STATUS_KEYS.items():
            close[resolution] = _optional(options, key) or close[resolution]
        priorities = dict(DEFAULT_PRIORITIES)
        for key, level in LEVEL_KEYS.items():
            priorities |= {name.casefold(): level for name in _names(options, key) or ()}
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
            lead_roles=_names(options, "lead_roles") or ("Lead", "Manager"),
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
