"""Request Tracker's REST 2.0 JSON decoded into backdesk's models, and its refusals (HTTP
4xx) into BackendErrors.

RT is outside our control: every decoder raises BadResponseError, never KeyError, and every
string it returns is sanitised (:mod:`api_client.sanitize`), error messages included.
Statuses, priorities and the history mapping are described in :mod:`api_client.rt`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from .errors import (
    AuthError,
    BackendError,
    BadResponseError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    StaleError,
)
from .http import json_items, parse_time
from .models import PRIORITIES, Event, Person, Priority, Queue, QueueCounts, Resolution, Status, Task
from .rt_ticketsql import PRIORITY_FLOOR
from .sanitize import clean, clean_line

#: How operator sentences name RT.
SERVER = "Request Tracker"
#: Whether each status word of RT's default lifecycle is active; others are asked of RT.
ACTIVE = {"new": True, "open": True, "stalled": True, "resolved": False, "rejected": False, "deleted": False}
#: Users that stand for "no one".
_NOBODY = ("Nobody", "RT_System")


class RTDecoder:
    """Decodes tickets and transactions for one RT: its URL, the custom fields that hold
    tags and references, and the status words learnt so far (``active``)."""

    def __init__(self, root: str, *, tags_field: str | None, reference_field: str | None) -> None:
        self.root = root
        self.tags_field = tags_field
        self.reference_field = reference_field
        #: Status word -> active? Grows as the adapter asks RT about custom lifecycles.
        self.active: dict[str, bool] = dict(ACTIVE)

    def unknown_statuses(self, tickets: list[dict]) -> dict[str, str]:
        """Status words not yet known, each with the id of a ticket that has it."""
        unknown: dict[str, str] = {}
        for item in tickets:
            status = text(item, "Status").lower()
            if status and status not in self.active:
                unknown.setdefault(status, str(item.get("id")))
        return unknown

    def status(self, word: str) -> tuple[Status, Resolution | None]:
        """backdesk's status and resolution for an RT status word."""
        if word == "stalled":
            return "waiting", None
        if self.active.get(word, True):
            return "open", None
        return "closed", "done" if word == "resolved" else "rejected" if word in ("rejected", "deleted") else None

    def task(self, data: dict, *, version: str | None = None, body: str = "") -> Task:
        """A ticket (with ``fields[Owner]`` and ``fields[Queue]`` expanded) as a Task;
        ``version`` is its ETag when known, else ``@<LastUpdated>``."""
        word = text(data, "Status").lower()
        status, resolution = self.status(word)
        owner = data.get("Owner")
        owner_name = text(owner, "Name") or text(owner, "id")
        custom = {
            clean_line(cf.get("name")): [clean_line(v) for v in _listed(cf.get("values")) if v is not None]
            for cf in _listed(data.get("CustomFields"))
            if isinstance(cf, dict)
        }
        reference = custom.pop(self.reference_field, None) if self.reference_field else None
        tags = custom.pop(self.tags_field, None) if self.tags_field else None
        ticket_id = clean_line(data.get("id", ""))
        if not ticket_id:
            raise BadResponseError("Request Tracker sent a ticket without an id.")
        return Task(
            id=ticket_id,
            queue=text(data.get("Queue"), "id"),
            title=text(data, "Subject"),
            body=body,
            status=status,
            priority=priority_level(data.get("Priority")),
            created_at=timestamp(data.get("Created")),
            updated_at=timestamp(data.get("LastUpdated")),
            version=clean_line(version) if version else "@" + text(data, "LastUpdated"),
            resolution=resolution,
            owner=Person(owner_name, text(owner, "RealName") or owner_name)
            if owner_name and owner_name != "Nobody"
            else None,
            due_at=due(data.get("Due")),
            reference=reference[0] if reference else None,
            tags=tuple(tags or ()),
            url=f"{self.root}/Ticket/Display.html?id={ticket_id}",
            backend_status=word if word not in ("new", "open", "resolved", "rejected") else None,
            fields=tuple((clean_line(name), ", ".join(values)) for name, values in custom.items() if values),
        )

    def event(self, task_id: str, txn: dict, body_text: str, people: Mapping[str, Person | None]) -> Event | None:
        """A transaction as an Event, or None for one backdesk does not show. ``body_text`` is
        its text attachment as :func:`text_content` gives it (clean); ``people`` holds every
        user :func:`owner_users` named."""
        kind, body = "updated", ""
        kind_of, field = text(txn, "Type"), text(txn, "Field")
        old, new = text(txn, "OldValue"), text(txn, "NewValue")
        actor = creator(txn)
        if kind_of == "SetWatcher" and field == "Owner":
            return None  # RT's twin of the "Set Owner" transaction
        if kind_of == "Create":
            kind, body = "created", body_text
        elif kind_of == "Comment":
            kind, body = "note", body_text
        elif kind_of == "Correspond":
            kind, body = "note", "Reply to the requester:\n" + body_text
        elif _is_owner_change(kind_of, field):
            before, after = people.get(old) if old else None, people.get(new) if new else None
            if after is None:
                kind, body = "released", f"Released by {actor.name}" if actor else "Released"
            elif before is None and actor and after.id == actor.id:
                kind = "claimed"
            elif before is not None and actor and after.id == actor.id:
                kind, body = "stolen", f"Took over from {before.name}"
            else:
                body = f"Owner changed from {before.name if before else 'nobody'} to {after.name}"
        elif kind_of == "Status" or field == "Status":
            was, now = self.active.get(old.lower(), True), self.active.get(new.lower(), True)
            if was and not now:
                kind, body = "closed", self.status(new.lower())[1] or new
            elif now and not was:
                kind, body = "reopened", f"Status changed from {old} to {new}"
            else:
                body = f"Status changed from {old} to {new}"
        elif kind_of == "Set":
            body = f"{field} changed from {old or 'nothing'} to {new or 'nothing'}"
        elif kind_of == "CustomField":
            body = f"Custom field changed: {old or 'nothing'} -> {new or 'nothing'}"
        else:
            body = " ".join(p for p in (kind_of, field, new) if p)
        return Event(
            id=clean_line(txn.get("id")),
            task_id=task_id,
            kind=kind,
            at=timestamp(txn.get("Created")),
            actor=actor,
            body=body,
        )


def queue(data: dict, counts: QueueCounts) -> Queue:
    """An RT queue (with ``Name`` and ``Description``) as a Queue."""
    queue_id = clean_line(data.get("id"))
    return Queue(id=queue_id, name=text(data, "Name") or queue_id, description=text(data, "Description"), counts=counts)


def owner_users(txn: dict) -> list[str]:
    """The user ids (numbers or names) an owner-changing transaction names, to look up
    before decoding it with :meth:`RTDecoder.event`."""
    if not _is_owner_change(text(txn, "Type"), text(txn, "Field")):
        return []
    return [value for value in (text(txn, "OldValue"), text(txn, "NewValue")) if value]


def _is_owner_change(kind_of: str, field: str) -> bool:
    if kind_of in ("SetWatcher", "Create", "Comment", "Correspond"):
        return False
    return field == "Owner" or kind_of in ("Take", "Untake", "Steal", "Give")


def ticket_id(task_id: str) -> str:
    """A ticket number for a REST path; NotFoundError for anything else."""
    if not str(task_id).isdigit():
        raise NotFoundError(f"{clean_line(task_id)!r} is not a Request Tracker ticket number.", status=404)
    return str(task_id)


def _listed(value: Any) -> list[Any]:
    """``value`` when it is a list; anything else a server sends there counts as empty."""
    return value if isinstance(value, list) else []


def records(data: Any) -> list[dict]:
    """The objects of a list answer."""
    return [item for item in json_items(data, SERVER) if isinstance(item, dict)]


def person(data: Any, fallback: str) -> Person:
    """An RT user record as a Person; ``fallback`` names one whose record has no name."""
    name = text(data, "Name") or clean_line(fallback)
    return Person(id=name, name=text(data, "RealName") or name)


def creator(txn: dict) -> Person | None:
    """Who made a transaction; None for RT itself."""
    record = txn.get("Creator") if isinstance(txn.get("Creator"), dict) else {}
    name = text(record, "Name") or text(record, "id")
    if not name or name in _NOBODY:
        return None
    return Person(id=name, name=text(record, "RealName") or name)


def text_content(item: Any) -> str | None:
    """An attachment's text, cleaned, when it is ``text/plain``; else None."""
    if isinstance(item, dict) and item.get("ContentType") == "text/plain" and isinstance(item.get("Content"), str):
        return clean(item["Content"])
    return None


def priority_level(value: Any) -> Priority:
    """RT's priority number as a backdesk level (see :data:`PRIORITY_FLOOR`)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return "normal"
    return next(level for level in reversed(PRIORITIES) if number >= PRIORITY_FLOOR[level] or level == "low")


def text(data: Any, name: str) -> str:
    """A string (or number) field as one line of clean text; "" when absent."""
    value = data.get(name) if isinstance(data, dict) else None
    return clean_line(value) if isinstance(value, (str, int)) else ""


def timestamp(value: Any) -> datetime:
    """A required RT time."""
    parsed = parse_time(value)
    if parsed is None:
        raise BadResponseError(f"Request Tracker sent no timestamp where one was expected ({value!r}).")
    return parsed


def due(value: Any) -> datetime | None:
    """RT's Due; its "not set" (1970) is None."""
    parsed = parse_time(value) if value else None
    return parsed if parsed and parsed.year > 1970 else None


def refusal(response: httpx.Response, *, root: str, user: str) -> BackendError:
    """RT's answer to a request it refused (HTTP 4xx) as a BackendError, quoting RT's
    ``message`` (sanitised) as the detail."""
    status = response.status_code
    try:
        payload = response.json()
    except ValueError:
        payload = None
    detail = text(payload, "message") or None
    if status == 401:
        return AuthError(
            f"Request Tracker at {root} did not accept {user}'s credentials. Check the user and password / token.",
            status=status,
            detail=detail,
        )
    if status == 403:
        return ForbiddenError(
            "Request Tracker refused: your RT user lacks the right for this. Ask an RT admin.",
            status=status,
            detail=detail,
        )
    if status == 404:
        return NotFoundError(
            "That ticket, queue or user does not exist in Request Tracker (or is hidden from you).",
            status=status,
            detail=detail,
        )
    if status == 412:
        return StaleError(
            "Someone else changed this ticket since you loaded it. Press r to reload, then try again.",
            status=status,
            detail=detail,
        )
    return InvalidRequestError(
        f"Request Tracker rejected the request: {detail or 'HTTP ' + str(status)}", status=status, detail=detail
    )


def check_version(task_id: str, data: dict, etag: str, version: str | None) -> None:
    """StaleError when ``version`` (an ETag, or ``@<LastUpdated>`` from a list) is not the
    ticket's now (``data`` and its ``etag``)."""
    if not version:
        return
    current = "@" + text(data, "LastUpdated") if version.startswith("@") else etag
    if version.strip('"') != current:
        raise StaleError(
            f"Ticket {task_id} changed since you loaded it. Press r to reload, then try again.",
            status=412,
            detail=f"current version {clean_line(etag)}",
        )
