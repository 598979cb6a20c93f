"""The HTTP side of the reference server: routing, auth, request checks and problem+json."""

from __future__ import annotations

import json
import logging
import re
import socket
import sys
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from backdesk.api_client.filters import FilterError, parse_filter
from backdesk.api_client.models import PRIORITIES, RESOLUTIONS, STATUSES
from .problems import TYPE_PREFIX, Problem
from .query import Order
from .store import Store
from .times import parse_iso

log = logging.getLogger("backdesk.server")

API = "/api/v1"
MAX_BODY = 1 << 20
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"

Reply = tuple[int, Any, dict[str, str]]


class ApiServer(ThreadingHTTPServer):
    """A threading HTTP server that holds the store its handlers share."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], store: Store, *, verbose: bool = False) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)
        self.store = store
        self.verbose = verbose

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer is normal; anything else is logged as usual."""
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class Request:
    """What a route handler needs to know about one request."""

    def __init__(self, handler: Handler, caller: dict[str, str], params: dict[str, list[str]], raw: bytes) -> None:
        self.handler = handler
        self.caller = caller
        self.params = params
        self.raw = raw
        self.store = handler.server.store

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
        if not self.raw.strip():
            return {}
        try:
            data = json.loads(self.raw)
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


class Handler(BaseHTTPRequestHandler):
    """One connection; every method goes through :meth:`handle_any`."""

    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.1"
    server_version = "backdesk-reference"
    timeout = 60
    server: ApiServer  # type: ignore[assignment]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return self.handle_any
        raise AttributeError(name)

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as separate writes; without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def root(self) -> str:
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        return f"http://{host}"

    def handle_any(self) -> None:
        content_type = JSON
        try:
            status, body, headers = self.dispatch()
        except Problem as problem:
            status, body, headers, content_type = problem.status, problem.body(), {}, PROBLEM_JSON
            if "allow" in problem.extensions:
                headers["Allow"] = problem.extensions["allow"]
            if problem.status == 401:
                headers["WWW-Authenticate"] = 'Bearer realm="backdesk"'
        except Exception:
            log.exception("%s %s failed", self.command, self.path)
            problem = Problem("internal", "The server failed to answer this request; it has been logged.")
            status, body, headers, content_type = problem.status, problem.body(), {}, PROBLEM_JSON
            self.close_connection = True
        self.reply(status, body, headers, content_type)

    def dispatch(self) -> Reply:
        url = urlsplit(self.path)
        raw = self.read_body()
        handler, args = route(self.command, url.path)
        caller = self.authenticate()
        request = Request(self, caller, parse_qs(url.query, keep_blank_values=True), raw)
        return handler(request, **args)

    def read_body(self) -> bytes:
        length_text = self.headers.get("Content-Length") or "0"
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked" or not length_text.isdigit():
            self.close_connection = True
            raise Problem("invalid-request", "Send the body with a Content-Length.")
        length = int(length_text)
        if length > MAX_BODY:
            self.close_connection = True
            raise Problem("invalid-request", f"The request body is larger than {MAX_BODY} bytes.")
        return self.rfile.read(length) if length else b""

    def authenticate(self) -> dict[str, str]:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        person = (
            self.server.store.person_by_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        )
        if person is None:
            raise Problem("unauthorized", "Send a valid token as 'Authorization: Bearer <token>'.")
        return person

    def reply(self, status: int, body: Any, headers: dict[str, str], content_type: str = JSON) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        if self.close_connection:
            self.send_header("Connection", "close")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level failures (a garbled request line, huge headers) as problem+json too."""
        self.close_connection = True
        body = {
            "type": TYPE_PREFIX + ("not-found" if code == 404 else "invalid-request"),
            "title": message or "Bad request",
            "status": code,
            "detail": explain or message or "The request could not be read.",
        }
        self.reply(code, body, {}, PROBLEM_JSON)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            log.info("%s - %s", self.address_string(), format % args)
