"""The Work Queue API's routes: request checks, field checks and one function per operation."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from backdesk.api_client.filters import FilterError, parse_filter
from backdesk.api_client.models import PRIORITIES, RESOLUTIONS, STATUSES
from .problems import Problem
from .query import Order
from .times import parse_iso

if TYPE_CHECKING:
    from .handler import Handler

API = "/api/v1"

Reply = tuple[int, Any, dict[str, str]]


class Request:
    """What a route handler needs to know about one request."""

    def __init__(self, handler: Handler, caller: dict[str, str], params: dict[str, list[str]]) -> None:
        self.handler = handler
        self.caller = caller
        self.params = params
        self.store = handler.store

    @property
    def caller_id(self) -> str:
        return self.caller["id"]

    def param(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[-1] if values else None

    def header(self, name: str) -> str | None:
        return self.handler.headers.get(name)

    def json(self) -> dict[str, Any]:
        """The body as a JSON object; an empty body is an empty object."""
        raw = self.handler.read_body()
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as err:
            raise Problem("invalid-request", f"The request body is not valid JSON ({err}).") from None
        if not isinstance(data, dict):
            raise Problem("invalid-request", "The request body must be a JSON object.")
        return data

    def task(self, task: dict[str, Any]) -> dict[str, Any]:
        """A store task with its canonical ``url``."""
        return {**task, "url": f"{self.handler.root()}{API}/tasks/{task['id']}"}

    def if_match(self) -> int | None:
        """The version an ``If-Match`` header names (``"3"``, ``W/"3"`` or ``3``); None for absent or ``*``."""
        value = self.header("If-Match")
        if value is None or value.strip() == "*":
            return None
        text = value.strip().removeprefix("W/").strip('"')
        if not text.isascii() or not text.isdigit():
            raise Problem("invalid-request", f'If-Match {value!r} is not a task version such as "3".')
        return int(text)


# Field checks


def _string(data: dict[str, Any], name: str, *, required: bool = False, empty: bool = True) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise Problem("invalid-request", f"'{name}' is required.")
        return None
    if not isinstance(value, str):
        raise Problem("invalid-request", f"'{name}' must be a string.")
    if not empty and not value.strip():
        raise Problem("invalid-request", f"'{name}' must not be empty.")
    return value


def _choice(data: dict[str, Any], name: str, allowed: tuple[str, ...], *, required: bool = False) -> str | None:
    value = _string(data, name, required=required)
    if value is not None and value not in allowed:
        raise Problem("invalid-request", f"'{name}' must be one of {', '.join(allowed)}, not {value!r}.")
    return value


def _time(data: dict[str, Any], name: str) -> str | None:
    value = _string(data, name)
    if value is None:
        return None
    try:
        return parse_iso(value)
    except ValueError:
        raise Problem("invalid-request", f"'{name}' must be an RFC 3339 time such as 2026-11-26T10:00:00Z.") from None


def _tags(data: dict[str, Any]) -> list[str]:
    value = data.get("tags")
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise Problem("invalid-request", "'tags' must be a list of strings.")
    return list(dict.fromkeys(tag.strip() for tag in value if tag.strip()))


def _unknown(data: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise Problem("invalid-request", f"Unknown field(s): {', '.join(extra)}.")


# Routes


def get_me(req: Request, **_: str) -> Reply:
    return 200, req.caller, {}


def get_queues(req: Request, **_: str) -> Reply:
    return 200, {"items": req.store.queues(req.caller_id)}, {}


def list_tasks(req: Request, **_: str) -> Reply:
    try:
        flt = parse_filter(req.param("q") or "")
    except FilterError as err:
        raise Problem("invalid-filter", err.reason, token=err.token) from None
    statuses = tuple(s.strip() for v in req.params.get("status", []) for s in v.split(",") if s.strip())
    for status in statuses:
        if status not in STATUSES:
            raise Problem("invalid-request", f"status {status!r} is not one of {', '.join(STATUSES)}.")
    limit_text = req.param("limit") or "50"
    if not limit_text.isascii() or not limit_text.isdigit() or not 1 <= int(limit_text) <= 500:
        raise Problem("invalid-request", f"limit must be a whole number from 1 to 500, not {limit_text!r}.")
    items, total, next_cursor = req.store.list_tasks(
        req.caller_id,
        queue=req.param("queue") or None,
        flt=flt,
        statuses=statuses,
        owner=req.param("owner") or None,
        order=Order.parse(req.param("sort") or "-priority"),
        limit=int(limit_text),
        cursor=req.param("cursor") or None,
    )
    return 200, {"items": [req.task(t) for t in items], "total": total, "next_cursor": next_cursor}, {}


def create_task(req: Request, **_: str) -> Reply:
    data = req.json()
    _unknown(data, {"queue", "title", "body", "priority", "due_at", "reference", "tags"})
    fields = {
        "queue": _string(data, "queue", required=True),
        "title": (_string(data, "title", required=True, empty=False) or "").strip(),
        "body": _string(data, "body") or "",
        "priority": _choice(data, "priority", PRIORITIES) or "normal",
        "due_at": _time(data, "due_at"),
        "reference": (_string(data, "reference") or "").strip() or None,
        "tags": _tags(data),
    }
    task = req.task(req.store.create_task(req.caller_id, fields))
    return 201, task, {"Location": task["url"], "ETag": f'"{task["version"]}"'}


def _task_reply(req: Request, task: dict[str, Any], status: int = 200) -> Reply:
    return status, req.task(task), {"ETag": f'"{task["version"]}"'}


def get_task(req: Request, task_id: str) -> Reply:
    return _task_reply(req, req.store.task(task_id))


def patch_task(req: Request, task_id: str) -> Reply:
    data = req.json()
    _unknown(data, {"priority", "due_at", "queue", "title"})
    changes: dict[str, Any] = {}
    if data.get("priority") is not None:
        changes["priority"] = _choice(data, "priority", PRIORITIES)
    if "due_at" in data:
        changes["due_at"] = _time(data, "due_at")
    if data.get("queue") is not None:
        changes["queue"] = _string(data, "queue", empty=False)
    if data.get("title") is not None:
        changes["title"] = (_string(data, "title", empty=False) or "").strip()
    return _task_reply(req, req.store.update_task(req.caller_id, task_id, changes, req.if_match()))


def get_events(req: Request, task_id: str) -> Reply:
    return 200, {"items": req.store.events(task_id)}, {}


def claim(req: Request, task_id: str) -> Reply:
    data = req.json()
    force = data.get("force", False)
    if not isinstance(force, bool):
        raise Problem("invalid-request", "'force' must be true or false.")
    return _task_reply(req, req.store.claim(req.caller_id, task_id, force))


def release(req: Request, task_id: str) -> Reply:
    req.json()
    return _task_reply(req, req.store.release(req.caller_id, task_id))


def add_note(req: Request, task_id: str) -> Reply:
    body = _string(req.json(), "body", required=True, empty=False)
    key = req.header("Idempotency-Key")
    if key is not None and not 1 <= len(key) <= 255:
        raise Problem("invalid-request", "Idempotency-Key must be 1 to 255 characters.")
    return 201, req.store.add_note(req.caller_id, task_id, body or "", key), {}


def close(req: Request, task_id: str) -> Reply:
    data = req.json()
    resolution = _choice(data, "resolution", RESOLUTIONS, required=True)
    note = _string(data, "note")
    return _task_reply(
        req, req.store.close(req.caller_id, task_id, resolution or "", (note or "").strip() or None, req.if_match())
    )


Route = Callable[..., Reply]
ROUTES: list[tuple[re.Pattern[str], dict[str, Route]]] = [
    (re.compile(r"/me"), {"GET": get_me}),
    (re.compile(r"/queues"), {"GET": get_queues}),
    (re.compile(r"/tasks"), {"GET": list_tasks, "POST": create_task}),
    (re.compile(r"/tasks/(?P<task_id>[^/]+)"), {"GET": get_task, "PATCH": patch_task}),
    (re.compile(r"/tasks/(?P<task_id>[^/]+)/events"), {"GET": get_events}),
    (re.compile(r"/tasks/(?P<task_id>[^/]+)/claim"), {"POST": claim}),
    (re.compile(r"/tasks/(?P<task_id>[^/]+)/release"), {"POST": release}),
    (re.compile(r"/tasks/(?P<task_id>[^/]+)/notes"), {"POST": add_note}),
    (re.compile(r"/tasks/(?P<task_id>[^/]+)/close"), {"POST": close}),
]


def route(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The handler for a request, or a not-found / method-not-allowed problem."""
    if path == API or path.startswith(API + "/"):
        for pattern, methods in ROUTES:
            match = pattern.fullmatch(path[len(API) :].rstrip("/") or "/")
            if match:
                if method not in methods:
                    allowed = ", ".join(methods)
                    raise Problem("method-not-allowed", f"{method} is not allowed here; use {allowed}.", allow=allowed)
                return methods[method], match.groupdict()
    raise Problem("not-found", f"There is nothing at {path}.")
