"""The Work Queue API v1 adapter (see ``openapi.json``)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx

from .errors import (
    AuthError,
    BackendError,
    BadResponseError,
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    StaleError,
)
from .filters import FilterError
from .http import HTTPAdapter, format_time, if_match, json_items, log, parse_time, segment, task_page
from .models import (
    PRIORITIES,
    RESOLUTIONS,
    STATUSES,
    Event,
    NewTask,
    OperatorLoad,
    Person,
    Queue,
    QueueCounts,
    QueueStats,
    Resolution,
    StatsPoint,
    Task,
    TaskChanges,
    TaskPage,
    TaskQuery,
)
from .sanitize import clean, clean_line

PROBLEM = "urn:backdesk:problem:"
#: How many answers to reads are held for conditional requests (see WorkQueueBackend._read).
HELD_ANSWERS = 64


class WorkQueueBackend(HTTPAdapter):
    """Talks to any server that implements backdesk's Work Queue API."""

    api_prefix = "/api/v1"

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 10.0,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            verify=verify,
            transport=transport,
        )
        self.label = f"Work Queue API at {self.root}"
        #: URL -> (ETag, JSON) of the last answers to the reads asked again and again.
        self._held: OrderedDict[str, tuple[str, Any]] = OrderedDict()

    async def _read(self, path: str, params: dict[str, str | int] | None = None) -> Any:
        """A GET answered from what is held when the server says it has not changed (304):
        an idle refresh of an unchanged list or task moves headers only."""
        url = str(self._client.build_request("GET", path, params=params).url)
        held = self._held.get(url)
        headers = {"If-None-Match": held[0]} if held else None
        response = await self._request("GET", path, params=params, headers=headers)
        if response.status_code == 304 and held is not None:
            self._held.move_to_end(url)
            return held[1]
        data = self._json(response)
        if etag := response.headers.get("etag"):
            self._held[url] = (etag, data)
            self._held.move_to_end(url)
            while len(self._held) > HELD_ANSWERS:
                self._held.popitem(last=False)
        return data

    # -- reads ---------------------------------------------------------------------------

    async def me(self) -> Person:
        return _person(self._json(await self._request("GET", "/me")))

    async def queues(self) -> list[Queue]:
        data = await self._read("/queues")
        return [_queue(item) for item in json_items(data, "The server")]

    async def tasks(self, query: TaskQuery, cursor: str | None = None) -> TaskPage:
        params: dict[str, str | int] = {"sort": query.sort.to_param(), "limit": query.limit}
        if query.queue:
            params["queue"] = query.queue
        if query.q.strip():
            params["q"] = query.q
        if query.status:
            params["status"] = ",".join(query.status)
        if query.owner:
            params["owner"] = query.owner
        if query.reverse:
            params["reverse"] = "true"
        if cursor:
            params["cursor"] = cursor
        data = await self._read("/tasks", params)
        total = data.get("total") if isinstance(data, dict) else None
        return task_page(
            json_items(data, "The server"),
            _task,
            total=total if isinstance(total, int) else None,
            next_cursor=data.get("next_cursor") or None,
        )

    async def task(self, task_id: str) -> Task:
        return _task(await self._read(f"/tasks/{segment(task_id)}"))

    async def events(self, task_id: str) -> list[Event]:
        data = await self._read(f"/tasks/{segment(task_id)}/events")
        return [_event(item) for item in json_items(data, "The server")]

    # -- writes --------------------------------------------------------------------------

    async def create_task(self, new: NewTask) -> Task:
        body = {
            "queue": new.queue,
            "title": new.title,
            "body": new.body,
            "priority": new.priority,
            "due_at": format_time(new.due_at) if new.due_at else None,
            "reference": new.reference,
            "tags": list(new.tags),
        }
        return _task(self._json(await self._request("POST", "/tasks", json=body)))

    async def claim(self, task_id: str, *, force: bool = False, expected_owner: str | None = None) -> Task:
        body: dict[str, Any] = {"force": force}
        if expected_owner is not None:
            body["expected_owner"] = expected_owner
        response = await self._request("POST", f"/tasks/{segment(task_id)}/claim", json=body)
        return _task(self._json(response))

    async def release(self, task_id: str) -> Task:
        return _task(self._json(await self._request("POST", f"/tasks/{segment(task_id)}/release", json={})))

    async def add_note(self, task_id: str, body: str, *, idempotency_key: str) -> Event:
        response = await self._request(
            "POST",
            f"/tasks/{segment(task_id)}/notes",
            json={"body": body},
            headers={"Idempotency-Key": idempotency_key},
        )
        version = clean_line(response.headers.get("etag", "").strip('"'))
        return replace(_event(self._json(response)), task_version=version or None)

    async def close(
        self,
        task_id: str,
        resolution: Resolution,
        *,
        note: str | None = None,
        version: str | None = None,
        force: bool = False,
    ) -> Task:
        body: dict[str, Any] = {"resolution": resolution, "force": force}
        if note:
            body["note"] = note
        response = await self._request("POST", f"/tasks/{segment(task_id)}/close", json=body, headers=if_match(version))
        return _task(self._json(response))

    async def reopen(self, task_id: str, *, version: str | None = None, force: bool = False) -> Task:
        body = {"force": force}
        response = await self._request(
            "POST", f"/tasks/{segment(task_id)}/reopen", json=body, headers=if_match(version)
        )
        return _task(self._json(response))

    async def update(self, task_id: str, changes: TaskChanges, *, version: str | None = None) -> Task:
        body: dict[str, Any] = {}
        if changes.priority is not None:
            body["priority"] = changes.priority
        if changes.due_at is not None:
            body["due_at"] = format_time(changes.due_at)
        if changes.queue is not None:
            body["queue"] = changes.queue
        if changes.title is not None:
            body["title"] = changes.title
        response = await self._request("PATCH", f"/tasks/{segment(task_id)}", json=body, headers=if_match(version))
        return _task(self._json(response))

    # -- a lead's triage ----------------------------------------------------------------------

    async def operators(self, search: str = "", *, queue: str | None = None, limit: int = 50) -> list[OperatorLoad]:
        params: dict[str, str | int] = {"limit": max(1, min(limit, 200))}
        if search.strip():
            params["q"] = search.strip()
        if queue:
            params["queue"] = queue
        data = self._json(await self._request("GET", "/operators", params=params))
        return [_load(item) for item in json_items(data, "The server")]

    async def assign(self, task_id: str, operator_id: str, *, version: str | None = None) -> Task:
        response = await self._request(
            "POST", f"/tasks/{segment(task_id)}/assign", json={"operator": operator_id}, headers=if_match(version)
        )
        return _task(self._json(response))

    async def move(self, task_id: str, queue_id: str, *, version: str | None = None) -> Task:
        response = await self._request(
            "POST", f"/tasks/{segment(task_id)}/move", json={"queue": queue_id}, headers=if_match(version)
        )
        return _task(self._json(response))

    async def queue_stats(self, queue_id: str) -> QueueStats:
        return _stats(self._json(await self._request("GET", f"/queues/{segment(queue_id)}/stats")))

    # -- errors --------------------------------------------------------------------------

    def _error(self, response: httpx.Response) -> BackendError:
        if response.status_code >= 500:
            return super()._error(response)
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        if not isinstance(problem, dict):
            problem = {}
        kind = str(problem.get("type", "")).removeprefix(PROBLEM)
        # The server's own sentence: the problem's detail, else its title.
        detail = _optional(problem, "detail") or _optional(problem, "title")
        status = response.status_code
        if status == 401:
            return AuthError(
                "The server did not accept your token. Check BACKDESK_TOKEN or the profile's token.",
                status=status,
                detail=detail,
            )
        if status == 403:
            # The server's own sentence names the rule ("Only leads can assign tasks.").
            message = detail or "You are not allowed to do that on this server."
            return ForbiddenError(message, status=status, detail=detail)
        if status == 404:
            return NotFoundError("That task or queue no longer exists on the server.", status=status, detail=detail)
        if status == 412 or kind == "stale-version":
            return StaleError(
                "Someone else changed this task since you loaded it. Press r to reload, then try again.",
                status=status,
                detail=detail,
            )
        if status == 409:
            claimed_by = _claimed_by(problem)
            if kind == "already-claimed" and claimed_by:
                message = f"{claimed_by.name} has already claimed this task. Press C to take it over."
            elif kind == "not-owner":
                holder = f" ({claimed_by.name} holds it)" if claimed_by else ""
                message = f"You cannot release a task you do not hold{holder}."
            elif kind == "task-closed":
                message = "This task is already closed."
            else:
                message = detail or "The task changed in a way that conflicts with this action."
            return ConflictError(message, claimed_by=claimed_by, status=status, detail=detail)
        token = _optional(problem, "token")
        if kind == "invalid-filter" and token is not None:
            return FilterError(token, detail or "the server rejected this token")
        return InvalidRequestError(
            f"The server rejected the request: {detail or 'HTTP ' + str(status)}",
            status=status,
            detail=detail,
        )


# -- decoding -------------------------------------------------------------------------------
# The server is outside our control: every decoder raises BadResponseError, never KeyError,
# and every string it returns is sanitised (see :mod:`api_client.sanitize`).


def _field(data: Any, name: str, kind: type | tuple[type, ...] = str) -> str:
    """A required string (or, with ``kind``, id-like) field as one line of clean text."""
    if not isinstance(data, dict) or not isinstance(data.get(name), kind):
        raise BadResponseError(f"The server's response is missing a valid '{name}'.")
    return clean_line(data[name])


def _optional(data: dict, name: str) -> str | None:
    """An optional string field as one line of clean text, None when absent or not a string."""
    value = data.get(name)
    return clean_line(value) if isinstance(value, str) else None


def _choice(data: Any, name: str, allowed: tuple[Any, ...]) -> Any:
    """A required field that must be one of ``allowed`` (the spec's enum)."""
    value = data.get(name) if isinstance(data, dict) else None
    if value not in allowed:
        raise BadResponseError(f"The server's response is missing a valid '{name}'.")
    return value


def _body(data: dict) -> str:
    """A multi-line ``body`` field as clean text ("" when absent)."""
    value = data.get("body")
    return clean(value) if isinstance(value, str) else ""


def _person(data: Any) -> Person:
    role = data.get("role") if isinstance(data, dict) else None
    return Person(
        id=_field(data, "id", (str, int)),
        name=_field(data, "name"),
        role=role if role in ("operator", "lead") else "operator",
    )


def _claimed_by(problem: dict) -> Person | None:
    """A conflict problem's ``claimed_by``; None when absent or unreadable."""
    owner = problem.get("claimed_by")
    if not isinstance(owner, dict):
        return None
    try:
        return _person(owner)
    except BadResponseError as exc:
        log.debug("unreadable claimed_by %r in a conflict problem", owner, exc_info=exc)
        return None


def _queue(data: Any) -> Queue:
    counts = data.get("counts") if isinstance(data, dict) else None
    counts = counts if isinstance(counts, dict) else {}
    description = data.get("description")
    return Queue(
        id=_field(data, "id", (str, int)),
        name=_field(data, "name"),
        description=clean(description) if isinstance(description, str) else "",
        counts=QueueCounts(
            open=_count(counts, "open"),
            unclaimed=_count(counts, "unclaimed"),
            mine=_count(counts, "mine"),
            breached=_count(counts, "breached"),
        ),
    )


def _count(counts: dict, name: str) -> int:
    """A count (a queue's, a person's load, a stats figure); one that is not a whole number
    counts as 0 (and is logged), so a bad count never hides the queue or the person."""
    value = counts.get(name)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value or 0
    log.debug("queue count %s is not a whole number: %r", name, value)
    return 0


def _task(data: Any) -> Task:
    owner = data.get("owner") if isinstance(data, dict) else None
    tags = data.get("tags") if isinstance(data, dict) else None
    return Task(
        id=_field(data, "id", (str, int)),
        queue=_field(data, "queue", (str, int)),
        title=_field(data, "title"),
        body=_body(data),
        status=_choice(data, "status", STATUSES),
        priority=_choice(data, "priority", PRIORITIES),
        created_at=_time(data, "created_at"),
        updated_at=_time(data, "updated_at"),
        version=_field(data, "version", (int, str)),
        resolution=next((r for r in RESOLUTIONS if r == data.get("resolution")), None),
        owner=_person(owner) if isinstance(owner, dict) else None,
        due_at=parse_time(data.get("due_at")),
        reference=_optional(data, "reference"),
        tags=tuple(clean_line(t) for t in tags if isinstance(t, str)) if isinstance(tags, list) else (),
        url=_optional(data, "web_url") or _optional(data, "url"),
    )


def _event(data: Any) -> Event:
    actor = data.get("actor") if isinstance(data, dict) else None
    return Event(
        id=_field(data, "id", (str, int)),
        task_id=_field(data, "task_id", (str, int)),
        kind=_field(data, "kind"),
        at=_time(data, "at"),
        actor=_person(actor) if isinstance(actor, dict) else None,
        body=_body(data),
    )


def _load(data: Any) -> OperatorLoad:
    counts = data if isinstance(data, dict) else {}
    return OperatorLoad(person=_person(data), held=_count(counts, "held"), breached=_count(counts, "breached"))


def _stats(data: Any) -> QueueStats:
    if not isinstance(data, dict):
        raise BadResponseError("The server's queue stats are not a JSON object.")
    load, history = data.get("load"), data.get("history")
    return QueueStats(
        queue=_field(data, "queue", (str, int)),
        **{k: _count(data, k) for k in ("backlog", "unclaimed", "breached", "at_risk")},
        oldest_unclaimed_at=parse_time(data.get("oldest_unclaimed_at")),
        load=tuple(_load(item) for item in load) if isinstance(load, list) else (),
        history=tuple(
            StatsPoint(at=_time(p, "at"), backlog=_count(p, "backlog"), breached=_count(p, "breached"))
            for p in (history if isinstance(history, list) else ())
            if isinstance(p, dict)
        ),
    )


def _time(data: Any, name: str) -> datetime:
    """A required timestamp field."""
    parsed = parse_time(_field(data, name))
    if parsed is None:
        raise BadResponseError(f"The server's response is missing a valid '{name}'.")
    return parsed
