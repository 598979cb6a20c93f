"""Turning Redmine's JSON into backdesk's models, every server string made safe on the way in
(:mod:`api_client.sanitize`: ``clean`` for bodies and notes, ``clean_line`` for the rest).

:class:`Catalog` holds what Redmine says about itself (statuses, priorities, custom fields)
and decodes issues and journals with it. Redmine's ids are numbers; backdesk's are strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from .errors import BadResponseError, InvalidRequestError
from .http import parse_time
from .models import RESOLUTIONS, Event, Person, Priority, Resolution, Status, Task
from .redmine_options import RedmineOptions
from .sanitize import clean, clean_line

#: Status words that say nothing beyond backdesk's own status or resolution.
_PLAIN_STATUSES = {"new", "open", "closed", "rejected", "done"}


def number(value: Any) -> int:
    """A Redmine id from JSON."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadResponseError(f"Redmine sent {clean_line(value)!r} where an id belongs.")
    return value


def due_at(value: Any) -> datetime | None:
    """A due date is a whole day: due at its last second (UTC), so a task due today is not late yet."""
    if not value:
        return None
    try:
        day = date.fromisoformat(str(value))
    except ValueError as exc:
        raise BadResponseError(f"Redmine sent the due date {clean_line(value)!r}.") from exc
    return datetime.combine(day, time(23, 59, 59), UTC)


def due_date(value: datetime) -> str:
    """The Redmine due date (a UTC day) for a backdesk due time."""
    return value.astimezone(UTC).date().isoformat()


def last_day_before(moment: datetime) -> date:
    """The last day whose end (23:59:59 UTC) is before ``moment``."""
    return moment.astimezone(UTC).date() - timedelta(days=1)


def stamp(value: Any) -> datetime:
    parsed = parse_time(value)
    if parsed is None:
        raise BadResponseError(f"Redmine sent no timestamp where one was expected ({clean_line(value)!r}).")
    return parsed


@dataclass(frozen=True, slots=True)
class StatusInfo:
    id: int
    name: str
    is_closed: bool


@dataclass
class Catalog:
    """Redmine's statuses, priorities and custom fields, as this adapter maps them."""

    options: RedmineOptions
    root: str
    statuses: dict[int, StatusInfo] = field(default_factory=dict)
    #: Redmine priority id -> level, and per level the id written for it.
    priority_levels: dict[int, Priority] = field(default_factory=dict)
    priority_ids: dict[Priority, int] = field(default_factory=dict)
    #: Custom field name (case-folded) -> id, learnt from issues.
    fields: dict[str, int] = field(default_factory=dict)
    #: Names to show in the history: custom fields and priorities by id.
    field_names: dict[int, str] = field(default_factory=dict)
    priority_names: dict[int, str] = field(default_factory=dict)

    # -- setup -------------------------------------------------------------------------------

    def learn_statuses(self, items: list[Any]) -> None:
        for item in items:
            if isinstance(item, dict):
                info = StatusInfo(number(item.get("id")), clean_line(item.get("name")), bool(item.get("is_closed")))
                self.statuses[info.id] = info

    def learn_priorities(self, items: list[Any]) -> None:
        """Map priorities by name (see the options), others by their place around the default."""
        active = [p for p in items if isinstance(p, dict) and p.get("active", True)]
        default = next((i for i, p in enumerate(active) if p.get("is_default")), 0)
        for index, item in enumerate(active):
            name = clean_line(item.get("name"))
            level = self.options.priorities.get(name.casefold())
            if level is None:
                level = (
                    "low"
                    if index < default
                    else "normal"
                    if index == default
                    else "high"
                    if index == default + 1
                    else "urgent"
                )
            self.priority_levels[number(item.get("id"))] = level
            self.priority_names[number(item.get("id"))] = name
            if level not in self.priority_ids or name.casefold() == level:
                self.priority_ids[level] = number(item.get("id"))

    def learn_fields(self, issue: dict) -> None:
        for item in issue.get("custom_fields") or []:
            if isinstance(item, dict) and isinstance(item.get("id"), int):
                self.fields[clean_line(item.get("name")).casefold()] = item["id"]
                self.field_names[item["id"]] = clean_line(item.get("name"))

    # -- lookups -----------------------------------------------------------------------------

    def field_id(self, name: str | None) -> int | None:
        """The id of a configured custom field (by name or number), or None when unknown."""
        if name is None:
            return None
        return int(name) if name.isdigit() else self.fields.get(name.casefold())

    def status_named(self, name: str) -> StatusInfo:
        for info in self.statuses.values():
            if info.name.casefold() == name.casefold() or str(info.id) == name:
                return info
        known = ", ".join(i.name for i in self.statuses.values())
        raise InvalidRequestError(
            f"Redmine has no status named {name!r} (it has {known}); check the profile's *_status options."
        )

    def reopen_status(self) -> StatusInfo:
        """The status reopening sets: ``reopen_status``, or the first open status that is not waiting."""
        if self.options.reopen_status:
            info = self.status_named(self.options.reopen_status)
            if info.is_closed:
                raise InvalidRequestError(
                    f"Redmine's status {info.name} is closed; check reopen_status in the profile's options."
                )
            return info
        opened = [i for i in self.statuses.values() if self.bucket(i) == "open"]
        if not opened:
            raise InvalidRequestError("Redmine has no open status to reopen with; set reopen_status in the options.")
        return opened[0]

    def priority_id(self, level: Priority) -> int:
        if level not in self.priority_ids:
            raise InvalidRequestError(
                f"No Redmine priority maps to {level}; set {level}_priorities in the profile's options."
            )
        return self.priority_ids[level]

    def level_ids(self, levels: AbstractSet[str]) -> list[int]:
        return sorted(i for i, level in self.priority_levels.items() if level in levels)

    def bucket(self, info: StatusInfo) -> Status:
        if info.is_closed:
            return "closed"
        waiting = {name.casefold() for name in self.options.waiting_statuses}
        return "waiting" if info.name.casefold() in waiting else "open"

    def status_ids(self, buckets: AbstractSet[str]) -> list[int]:
        return sorted(i for i, info in self.statuses.items() if self.bucket(info) in buckets)

    # -- decoding ----------------------------------------------------------------------------

    def task(self, issue: dict, people: Mapping[int, Person]) -> Task:
        """A Task from an issue; ``people`` knows every user the issue names."""
        self.learn_fields(issue)
        issue_id = number(issue.get("id"))
        status = _ref(issue, "status")
        info = self.statuses.get(number(status.get("id"))) or StatusInfo(
            number(status.get("id")), clean_line(status.get("name")), bool(status.get("is_closed"))
        )
        bucket = self.bucket(info)
        values = self.custom_values(issue)
        resolution = self.resolution(info, values) if bucket == "closed" else None
        word = info.name.casefold()
        reference = values.pop(self.field_id(self.options.reference_field), ("", []))[1]
        tags = values.pop(self.field_id(self.options.tags_field), ("", []))[1]
        values.pop(self.field_id(self.options.resolution_field), None)
        journals = [j for j in issue.get("journals") or [] if isinstance(j, dict)]
        updated = clean_line(issue.get("updated_on"))
        owner = _ref(issue, "assigned_to")
        return Task(
            id=str(issue_id),
            queue=str(number(_ref(issue, "project").get("id"))),
            title=clean_line(issue.get("subject")),
            body=clean(issue.get("description")),
            status=bucket,
            priority=self.priority_levels.get(number(_ref(issue, "priority").get("id")), "normal"),
            created_at=stamp(issue.get("created_on")),
            updated_at=stamp(issue.get("updated_on")),
            version=f"{updated}/{max((number(j.get('id')) for j in journals), default=0)}"
            if "journals" in issue
            else updated,
            resolution=resolution,
            owner=people.get(number(owner.get("id"))) if owner else None,
            due_at=due_at(issue.get("due_date")),
            reference=", ".join(reference) if reference else f"#{issue_id}",
            tags=tuple(tags or ()),
            url=f"{self.root}/issues/{issue_id}",
            backend_status=None if word in _PLAIN_STATUSES | {bucket} else info.name,
            fields=tuple((name, ", ".join(v)) for name, v in values.values() if v),
        )

    def custom_values(self, issue: dict) -> dict[int | None, tuple[str, list[str]]]:
        """Custom field id -> (its name, its non-empty values)."""
        values: dict[int | None, tuple[str, list[str]]] = {}
        for item in issue.get("custom_fields") or []:
            if isinstance(item, dict) and isinstance(item.get("id"), int):
                raw = item.get("value")
                listed = raw if isinstance(raw, list) else [raw]
                chosen = [clean_line(v) for v in listed if v not in (None, "")]
                values[item["id"]] = (clean_line(item.get("name")), chosen)
        return values

    def resolution(self, info: StatusInfo, values: dict[int | None, tuple[str, list[str]]]) -> Resolution:
        chosen = values.get(self.field_id(self.options.resolution_field), ("", []))[1]
        if chosen and chosen[0] in RESOLUTIONS:
            return chosen[0]
        close = self.options.close_statuses
        rejected = info.name.casefold() == close["rejected"].casefold() != close["done"].casefold()
        return "rejected" if rejected else "done"

    def events(self, issue: dict, people: Mapping[int, Person]) -> list[Event]:
        """The issue's history, oldest first, from its creation and journals."""
        self.learn_fields(issue)
        task_id = str(number(issue.get("id")))
        author = _ref(issue, "author")
        events = [
            Event(
                task_id + "-0",
                task_id,
                "created",
                stamp(issue.get("created_on")),
                people.get(number(author.get("id"))) if author else None,
                clean(issue.get("description")),
            )
        ]
        journals = sorted(
            (j for j in issue.get("journals") or [] if isinstance(j, dict)), key=lambda j: number(j.get("id"))
        )
        for journal in journals:
            if clean(journal.get("notes")).strip():
                events.append(self._note(task_id, journal, people))
            events += self._changes(task_id, journal, people)
        return events

    def _note(self, task_id: str, journal: dict, people: Mapping[int, Person]) -> Event:
        return Event(
            str(number(journal.get("id"))),
            task_id,
            "note",
            stamp(journal.get("created_on")),
            _actor(journal, people),
            clean(journal.get("notes")),
        )

    def _changes(self, task_id: str, journal: dict, people: Mapping[int, Person]) -> list[Event]:
        actor = _actor(journal, people)
        at = stamp(journal.get("created_on"))
        details = [d for d in journal.get("details") or [] if isinstance(d, dict)]
        resolution = next(
            (
                clean_line(d.get("new_value"))
                for d in details
                if d.get("property") == "cf" and self.field_id(self.options.resolution_field) == _int(d.get("name"))
            ),
            "",
        )
        events = []
        for index, detail in enumerate(details, start=1):
            kind, body = self._change(detail, actor, people, resolution)
            if kind:
                events.append(Event(f"{number(journal.get('id'))}-{index}", task_id, kind, at, actor, body))
        return events

    def _change(
        self, detail: dict, actor: Person | None, people: Mapping[int, Person], resolution: str
    ) -> tuple[str, str]:
        name, old, new = clean_line(detail.get("name")), detail.get("old_value"), detail.get("new_value")
        if detail.get("property") == "attr" and name == "assigned_to_id":
            before, after = people.get(_int(old) or 0), people.get(_int(new) or 0)
            if after is None:
                return "released", f"Released by {actor.name}" if actor else "Released"
            if actor and after.id == actor.id:
                return ("stolen", f"Took over from {before.name}") if before else ("claimed", "")
            return "updated", f"Owner changed from {before.name if before else 'nobody'} to {after.name}"
        if detail.get("property") == "attr" and name == "status_id":
            was, now = self.statuses.get(_int(old) or 0), self.statuses.get(_int(new) or 0)
            if was and now and not was.is_closed and now.is_closed:
                return "closed", resolution or self.resolution(now, {})
            if was and now and was.is_closed and not now.is_closed:
                return "reopened", f"Status changed from {was.name} to {now.name}"
            return "updated", f"Status changed from {was.name if was else old} to {now.name if now else new}"
        if detail.get("property") == "cf" and self.field_id(self.options.resolution_field) == _int(name):
            return "", ""
        if detail.get("property") == "attr":
            label = name.removesuffix("_id").replace("_", " ").capitalize()
        else:
            label = self.field_names.get(_int(name) or 0, name)
        if name == "priority_id":
            old, new = self.priority_names.get(_int(old) or 0, old), self.priority_names.get(_int(new) or 0, new)
        return "updated", f"{label} changed from {clean_line(old) or 'nothing'} to {clean_line(new) or 'nothing'}"


def user_ids(issue: dict) -> set[int]:
    """Every user id an issue (with its journals) names."""
    ids = {_int(_ref(issue, key).get("id")) for key in ("assigned_to", "author")}
    for journal in issue.get("journals") or []:
        if isinstance(journal, dict):
            ids.add(_int(_ref(journal, "user").get("id")))
            for detail in journal.get("details") or []:
                if isinstance(detail, dict) and detail.get("name") == "assigned_to_id":
                    ids |= {_int(detail.get("old_value")), _int(detail.get("new_value"))}
    return {i for i in ids if i}


def _ref(data: dict, key: str) -> dict:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    return int(text) if text.isdigit() else None


def _actor(journal: dict, people: Mapping[int, Person]) -> Person | None:
    user = _ref(journal, "user")
    return people.get(_int(user.get("id")) or 0)
