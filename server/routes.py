"""The Work Queue API's routes: request checks, field checks and one function per operation."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from backdesk.api_client.filters import Filter, FilterError, parse_filter
from backdesk.api_client.models import PRIORITIES, RESOLUTIONS, STATUSES

from . import fields, page
from .problems import Problem
from .query import MAX_TERMS, MAX_VALUES, Order

if TYPE_CHECKING:
    from .handler import Handler

API = "/api/v1"
MAX_QUERY = 2000
#: ``"3"``, ``W/"3"`` or ``3``
IF_MATCH = re.compile(r'(?:W/)?"([0-9]{1,18})"|([0-9]{1,18})')

Reply = tuple[int, Any, dict[str, str]]


class Request:
    """What a route handler needs to know about one request."""

    def __init__(self, handler: Handler, caller: dict[str, str], params: dict[str, list[str]]) -> None:
        self.handler = handler
        self.caller = caller
        self.params = params
        self.store = handler.store
        self._link_key: bytes | None = None

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
        except (ValueError, UnicodeDecodeError, RecursionError) as err:
            raise Problem("invalid-request", f"The request body is not valid JSON ({err}).") from None
        if not isinstance(data, dict):
            raise Problem("invalid-request", "The request body must be a JSON object.")
        return data

    def task(self, task: dict[str, Any]) -> dict[str, Any]:
        """A store task with its API ``url`` and its signed ``web_url``, both under the public URL."""
        if self._link_key is None:
            self._link_key = self.store.link_key(self.caller_id) or b""
        root = self.handler.server.public_url
        return {
            **task,
            "url": f"{root}{API}/tasks/{task['id']}",
            "web_url": page.web_url(root, self.caller_id, self._link_key, task["id"]),
        }

    def if_match(self) -> int | None:
        """The version an ``If-Match`` header names (``"3"``, ``W/"3"`` or ``3``); None for absent or ``*``."""
        value = self.header("If-Match")
        if value is None or value.strip() == "*":
            return None
        match = IF_MATCH.fullmatch(value.strip())
        if match is None:
            raise Problem("invalid-request", f'If-Match {value!r} is not a task version such as "3".')
        return int(match[1] or match[2])


# Routes


def get_me(req: Request, **_: str) -> Reply:
    return 200, {key: req.caller[key] for key in ("id", "name", "role")}, {}


def get_queues(req: Request, **_: str) -> Reply:
    return 200, {"items": req.store.queues(req.caller_id)}, {}


def _filter(q: str) -> Filter:
    """The parsed ``q``, within the limits that keep its SQL small."""
    if len(q) > MAX_QUERY:
        raise Problem("invalid-request", f"q is longer than {MAX_QUERY} characters.")
    try:
        flt = parse_filter(q)
    except FilterError as err:
        raise Problem("invalid-filter", err.reason, token=err.token) from None
    values = 0
    for i, term in enumerate(flt.terms):
        values += len(term.values)
        if i >= MAX_TERMS or values > MAX_VALUES:
            raise Problem(
                "invalid-filter",
                f"A filter holds at most {MAX_TERMS} tokens and {MAX_VALUES} values; this one has more.",
                token=term.to_text(),
            )
    return flt


def _check_owners(req: Request, flt: Filter) -> None:
    """An ``owner:`` naming nobody is a 400 that suggests the closest id, not an empty list."""
    names = [v for t in flt.terms if t.key == "owner" for v in t.values if v not in ("me", "none")]
    if not names:
        return
    known = req.store.person_ids()
    for term in flt.terms:
        for name in term.values if term.key == "owner" else ():
            if name not in ("me", "none") and name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f"did you mean owner:{close[0]}?" if close else "use me, none or an operator id"
                raise Problem("invalid-filter", f"No operator has the id {name!r}; {hint}", token=term.to_text())


def _given(req: Request, name: str) -> str | None:
    """A query parameter that is either left out or not empty."""
    value = req.param(name)
    if value == "":
        raise Problem("invalid-request", f"{name} must not be empty; leave it out instead.")
    return value


def _flag(req: Request, name: str) -> bool:
    """A true/false query parameter, false when left out."""
    value = _given(req, name)
    if value not in (None, "true", "false"):
        raise Problem("invalid-request", f"{name} must be true or false.")
    return value == "true"


def list_tasks(req: Request, **_: str) -> Reply:
    flt = _filter(req.param("q") or "")
    _check_owners(req, flt)
    status = _given(req, "status")
    statuses = tuple(dict.fromkeys(status.split(","))) if status is not None else ()
    for name in statuses:
        if name not in STATUSES:
            raise Problem("invalid-request", f"status {name!r} is not one of {', '.join(STATUSES)}.")
    limit = fields.whole_number(_given(req, "limit") or "50", "limit", 1, 500)
    items, total, next_cursor = req.store.list_tasks(
        req.caller_id,
        queue=_given(req, "queue"),
        flt=flt,
        statuses=statuses,
        owner=_given(req, "owner"),
        order=Order.parse(_given(req, "sort") or "-priority", _flag(req, "reverse")),
        limit=limit,
        cursor=_given(req, "cursor"),
    )
    return 200, {"items": [req.task(t) for t in items], "total": total, "next_cursor": next_cursor}, {}


def create_task(req: Request, **_: str) -> Reply:
    data = req.json()
    fields.unknown(data, {"queue", "title", "body", "priority", "due_at", "reference", "tags"})
    new = {
        "queue": fields.string(data, "queue", required=True),
        "title": fields.trim(fields.string(data, "title", required=True, empty=False) or ""),
        "body": fields.string(data, "body") or "",
        "priority": fields.choice(data, "priority", PRIORITIES) or "normal",
        "due_at": fields.moment(data, "due_at"),
        "reference": fields.trim(fields.string(data, "reference", nullable=True) or "") or None,
        "tags": fields.tags(data),
    }
    task = req.task(req.store.create_task(req.caller, new))
    return 201, task, {"Location": task["url"], "ETag": f'"{task["version"]}"'}


def _task_reply(req: Request, task: dict[str, Any], status: int = 200) -> Reply:
    return status, req.task(task), {"ETag": f'"{task["version"]}"'}


def get_task(req: Request, task_id: str) -> Reply:
    return _task_reply(req, req.store.task(task_id))


def patch_task(req: Request, task_id: str) -> Reply:
    data = req.json()
    fields.unknown(data, {"priority", "due_at", "queue", "title", "force"})
    changes: dict[str, Any] = {}
    if "priority" in data:
        changes["priority"] = fields.choice(data, "priority", PRIORITIES)
    if "due_at" in data:
        changes["due_at"] = fields.moment(data, "due_at")
    if "queue" in data:
        changes["queue"] = fields.string(data, "queue", empty=False)
    if "title" in data:
        changes["title"] = fields.trim(fields.string(data, "title", empty=False) or "")
    force = fields.flag(data, "force")
    return _task_reply(req, req.store.update_task(req.caller, task_id, changes, req.if_match(), force))


def get_events(req: Request, task_id: str) -> Reply:
    return 200, {"items": req.store.events(task_id)}, {}


def claim(req: Request, task_id: str) -> Reply:
    data = req.json()
    fields.unknown(data, {"force", "expected_owner"})
    expected = fields.string(data, "expected_owner", empty=False, nullable=True)
    return _task_reply(req, req.store.claim(req.caller, task_id, fields.flag(data, "force"), expected))


def release(req: Request, task_id: str) -> Reply:
    return _task_reply(req, req.store.release(req.caller, task_id, _force(req)))


def reopen(req: Request, task_id: str) -> Reply:
    return _task_reply(req, req.store.reopen(req.caller, task_id, req.if_match(), _force(req)))


def _force(req: Request) -> bool:
    """The ``force`` flag of a body that may hold nothing else."""
    data = req.json()
    fields.unknown(data, {"force"})
    return fields.flag(data, "force")


def add_note(req: Request, task_id: str) -> Reply:
    data = req.json()
    fields.unknown(data, {"body"})
    body = fields.string(data, "body", required=True, empty=False)
    key = req.header("Idempotency-Key")
    if key is not None and not 1 <= len(key) <= 255:
        raise Problem("invalid-request", "Idempotency-Key must be 1 to 255 characters.")
    event = req.store.add_note(req.caller, task_id, body or "", key)
    return 201, event, {"ETag": f'"{req.store.task(task_id)["version"]}"'}


def close(req: Request, task_id: str) -> Reply:
    data = req.json()
    fields.unknown(data, {"resolution", "note", "force"})
    resolution = fields.choice(data, "resolution", RESOLUTIONS, required=True) or ""
    note = fields.trim(fields.string(data, "note", nullable=True) or "") or None
    force = fields.flag(data, "force")
    return _task_reply(req, req.store.close(req.caller, task_id, resolution, note, req.if_match(), force))


def list_operators(req: Request, **_: str) -> Reply:
    search = req.param("q") or ""
    fields.text(search, "q")
    limit = fields.whole_number(_given(req, "limit") or "50", "limit", 1, 200)
    return 200, {"items": req.store.operators(search, _given(req, "queue"), limit)}, {}


def assign(req: Request, task_id: str) -> Reply:
    data = req.json()
    fields.unknown(data, {"operator"})
    operator = fields.string(data, "operator", required=True, empty=False) or ""
    return _task_reply(req, req.store.assign(req.caller, task_id, operator, req.if_match()))


def move(req: Request, task_id: str) -> Reply:
    data = req.json()
    fields.unknown(data, {"queue"})
    queue = fields.string(data, "queue", required=True, empty=False) or ""
    return _task_reply(req, req.store.move(req.caller, task_id, queue, req.if_match()))


def queue_stats(req: Request, queue_id: str) -> Reply:
    return 200, req.store.queue_stats(queue_id), {}


Route = Callable[..., Reply]
#: path segments after /api/v1 (``{task_id}`` matches any one segment) -> method -> route
ROUTES: list[tuple[tuple[str, ...], dict[str, Route]]] = [
    (("me",), {"GET": get_me}),
    (("queues",), {"GET": get_queues}),
    (("queues", "{queue_id}", "stats"), {"GET": queue_stats}),
    (("operators",), {"GET": list_operators}),
    (("tasks",), {"GET": list_tasks, "POST": create_task}),
    (("tasks", "{task_id}"), {"GET": get_task, "PATCH": patch_task}),
    (("tasks", "{task_id}", "events"), {"GET": get_events}),
    (("tasks", "{task_id}", "claim"), {"POST": claim}),
    (("tasks", "{task_id}", "release"), {"POST": release}),
    (("tasks", "{task_id}", "notes"), {"POST": add_note}),
    (("tasks", "{task_id}", "close"), {"POST": close}),
    (("tasks", "{task_id}", "reopen"), {"POST": reopen}),
    (("tasks", "{task_id}", "assign"), {"POST": assign}),
    (("tasks", "{task_id}", "move"), {"POST": move}),
]


def segments(path: str) -> list[str]:
    """The percent-decoded segments of a request path (a trailing slash is ignored)."""
    try:
        return [unquote(part, errors="strict") for part in path.rstrip("/").split("/")[1:]]
    except UnicodeDecodeError:
        raise Problem("invalid-request", "The request path is not valid UTF-8 once percent-decoded.") from None


def route(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The handler for a request and its path arguments, or a not-found / method-not-allowed problem."""
    parts = segments(path)
    if parts[:2] == API.strip("/").split("/"):
        for template, methods in ROUTES:
            if len(template) == len(parts) - 2 and all(
                want.startswith("{") or want == got for want, got in zip(template, parts[2:], strict=True)
            ):
                if method not in methods:
                    allowed = ", ".join(methods)
                    raise Problem("method-not-allowed", f"{method} is not allowed here; use {allowed}.", allow=allowed)
                args = {want[1:-1]: got for want, got in zip(template, parts[2:], strict=True) if want.startswith("{")}
                return methods[method], args
    raise Problem("not-found", f"There is nothing at {path}.")
