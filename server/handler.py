"""One request on one connection: parse it, check the token, route it, answer problem+json on failure."""

from __future__ import annotations

import json
import logging
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from . import page
from .conditional import conditional
from .httpd import Connection, Reader, Writer
from .problems import TYPE_PREFIX, Problem
from .routes import Reply, Request, route, segments

if TYPE_CHECKING:
    from .reference import ReferenceServer

log = logging.getLogger("backdesk.server")

MAX_BODY = 1 << 20
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"


class Handler(BaseHTTPRequestHandler):
    """Answers the requests of one connection, one :meth:`serve_one` call per request.

    The body is read only once the route and the token have been checked; an unread body
    closes the connection after the answer.
    """

    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.1"
    server_version = "backdesk-reference"
    server: ReferenceServer  # type: ignore[assignment]

    def __init__(self, conn: Connection, server: ReferenceServer) -> None:  # no super(): requests come one by one
        self.request = self.connection = conn.sock
        self.client_address = conn.address
        self.server = server
        self.store = server.store
        self.rfile = Reader(conn)  # type: ignore[assignment]
        self.wfile = Writer(conn.sock, server.limits.io_timeout)  # type: ignore[assignment]
        self._body: bytes | None = None
        self._expect_continue = False

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return self.handle_any
        raise AttributeError(name)

    def serve_one(self) -> bool:
        self.close_connection = True
        self._body = None
        self._expect_continue = False
        self.handle_one_request()
        return not self.close_connection

    def handle_expect_100(self) -> bool:
        """Send ``100 Continue`` only when the body is wanted (see :meth:`read_body`)."""
        self._expect_continue = True
        return True

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
            failure = Problem("internal", "The server failed to answer this request; it has been logged.")
            status, body, headers, content_type = failure.status, failure.body(), {}, PROBLEM_JSON
            self.close_connection = True
        if self._body is None and (self.headers.get("Content-Length") or "0") != "0":
            self.close_connection = True  # the unread body would be taken for the next request
        if self.command == "GET" and status == 200 and content_type == JSON and "Content-Type" not in headers:
            status, body, headers = conditional(self.headers.get("If-None-Match"), body, headers)
        self.reply(status, body, headers, content_type)

    def dispatch(self) -> Reply:
        lengths = self.headers.get_all("Content-Length") or ["0"]
        framed = len(lengths) == 1 and lengths[0].isascii() and lengths[0].isdigit() and len(lengths[0]) <= 18
        if self.headers.get("Transfer-Encoding") is not None or not framed:
            self.close_connection = True
            raise Problem("invalid-request", "Send the body with one Content-Length.")
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        parts = segments(url.path)
        if len(parts) == 2 and parts[0] == "tasks" and self.command in ("GET", "HEAD"):
            return self.task_page(parts[1], params)
        handler, args = route(self.command, url.path)
        return handler(Request(self, self.authenticate(), params), **args)

    def task_page(self, task_id: str, params: dict[str, list[str]]) -> Reply:
        """A task's read-only HTML page, for a valid signed link."""
        person, sig = (params.get(name, [""])[-1] for name in ("as", "sig"))
        if not page.valid(self.store.link_key(person) if person else None, task_id, sig):
            raise Problem("forbidden", "This link is not valid, or its token has changed; open the task from backdesk.")
        body = page.render(self.store.task(task_id), self.store.events(task_id))
        return 200, body, {**page.HEADERS, "Content-Type": "text/html; charset=utf-8"}

    def read_body(self) -> bytes:
        """The request body (read once, on first use)."""
        if self._body is not None:
            return self._body
        length = int(self.headers.get("Content-Length") or "0")
        if length > MAX_BODY:
            self.close_connection = True
            raise Problem("invalid-request", f"The request body is larger than {MAX_BODY} bytes.")
        if length and self._expect_continue:
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        try:
            self._body = self.rfile.read(length) if length else b""
        except (TimeoutError, OSError):
            self.close_connection = True
            raise Problem("invalid-request", "The request body did not arrive in time.") from None
        if len(self._body) < length:
            self.close_connection = True
            raise Problem("invalid-request", "The request body ended early.")
        return self._body

    def authenticate(self) -> dict[str, str]:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        person = self.store.person_by_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if person is None:
            raise Problem("unauthorized", "Send a valid token as 'Authorization: Bearer <token>'.")
        return person

    def reply(self, status: int, body: Any, headers: dict[str, str], content_type: str = JSON) -> None:
        """Send ``body`` (JSON, or bytes of the Content-Type in ``headers``)."""
        headers = dict(headers)
        content_type = headers.pop("Content-Type", content_type)
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
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
