"""The web server behind ``backdesk web``: textual-serve, told where it really listens and
guarded against other web sites.

Imported only by ``backdesk web``, and only when the ``web`` extra is installed.

textual-serve has no login: whoever reaches it gets a session working with the operator's
credentials. Besides listening on loopback by default, it answers only requests addressed to
this machine by a loopback name (or to the ``--host`` it was given), which stops DNS rebinding,
and opens a session only for the page it served itself (the websocket's ``Origin``), which stops
any other web site open in the same browser from driving the app; and no other site may frame
the page.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

from .web import is_loopback

WILDCARDS = ("", "0.0.0.0", "::")
#: Seconds a stopping server waits for its sessions' apps to quit before it cuts them off.
SHUTDOWN_TIMEOUT = 10.0


#: The page loads and connects only to this server (textual-serve's page would fetch a web font
#: from Google) and no other site may frame it (and trick the operator into typing into it).
PAGE_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
)


async def add_page_policy(request: web.Request, response: web.StreamResponse) -> None:
    """Every answer carries :data:`PAGE_POLICY`."""
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["X-Frame-Options"] = "DENY"


class WebServer(Server):
    """textual-serve's server, listening where asked (port 0 picks a free port) and printing
    the address it got; its pages and websocket URLs follow the address the browser used, so
    an SSH tunnel from any local port works."""

    def __init__(self, command: str, host: str, port: int) -> None:
        super().__init__(command, host=host, port=port, title="backdesk")
        #: the handlers of the open sessions, ended on shutdown (each ends its app process)
        self.sessions: set[asyncio.Task[Any]] = set()

    def serve(self, debug: bool = False) -> None:
        """Serve until SIGINT or SIGTERM."""
        self.debug = debug
        self.initialize_logging()
        asyncio.run(self._serve_until_stopped())

    async def _serve_until_stopped(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        # textual-serve builds its routes (page, websocket, downloads, static files) here.
        app = await self._make_app()
        app.on_response_prepare.append(add_page_policy)
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
            port = runner.addresses[0][1]
            host = f"[{self.host}]" if ":" in self.host else self.host
            print(f"backdesk web: serving on http://{host}:{port} (ctrl+c stops)", flush=True)
            await stop.wait()
        finally:
            await runner.cleanup()

    async def on_startup(self, app: web.Application) -> None:
        """Say nothing yet: the address is printed once the port is bound."""

    async def on_shutdown(self, app: web.Application) -> None:
        """End the open sessions: textual-serve then closes each websocket and quits its app."""
        for session in self.sessions:
            session.cancel()

    def allowed(self, request: web.Request) -> bool:
        """Whether ``request`` is addressed to this server by a name it answers to."""
        name = request.url.host or ""
        return self.host in WILDCARDS or is_loopback(name) or name == self.host.strip("[]")

    def check(self, request: web.Request, *, same_origin: bool = False) -> None:
        """Refuse a request to another name, or (``same_origin``) from a page this server did not serve."""
        if not self.allowed(request):
            raise web.HTTPForbidden(text="backdesk web answers only to the address it listens on.\n")
        if same_origin and request.headers.get("Origin") != f"{request.scheme}://{request.host}":
            raise web.HTTPForbidden(text="backdesk web opens sessions only for its own page.\n")

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """The page, with its URLs built from the address the browser used."""
        self.check(request)
        websocket = "wss" if request.scheme == "https" else "ws"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{websocket}://{request.host}/ws",
            "config": {"static": {"url": f"{request.scheme}://{request.host}/static/"}},
            "application": {"name": self.title},
        }

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """A session: a ``backdesk`` process for this browser tab."""
        self.check(request, same_origin=True)
        session = asyncio.current_task()
        assert session is not None
        self.sessions.add(session)
        try:
            return await super().handle_websocket(request)
        finally:
            self.sessions.discard(session)

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        self.check(request)
        return await super().handle_download(request)


def serve(command: str, host: str, port: int) -> int:
    """Serve ``command`` to browsers on ``host``:``port`` until interrupted."""
    try:
        WebServer(command, host, port).serve()
    except OSError as err:
        print(f"backdesk web: cannot listen on {host}:{port}: {err.strerror or err}.", file=sys.stderr)
        return 1
    return 0
