"""``ReferenceServer``: the Work Queue API v1 over one SQLite file, served in a thread."""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from types import TracebackType

from .demo import DEMO_PEOPLE, seed
from .handler import Handler
from .httpd import Connection, ConnectionServer, Limits
from .store import Store


class ReferenceServer:
    """The reference Work Queue API server.

    ``operators``, ``leads`` and ``integrations`` are (name, token) pairs; a name becomes the
    person's id, and their display name too unless it is a demo person's id. ``demo_data``
    seeds that many tasks into an empty database, creating the demo people (with random
    tokens) if needed. Task URLs start with ``public_url`` (default: the bound address), never
    with a request's Host header. Only leads and integrations create tasks, unless
    ``operators_may_create``.
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        operators: Sequence[tuple[str, str]] = (),
        leads: Sequence[tuple[str, str]] = (),
        integrations: Sequence[tuple[str, str]] = (),
        demo_data: int = 0,
        verbose: bool = False,
        limits: Limits = Limits(),
        public_url: str | None = None,
        operators_may_create: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.verbose = verbose
        self.limits = limits
        self.url = ""
        if public_url is not None and not public_url.startswith(("http://", "https://")):
            raise ValueError(f"public URL {public_url!r} must start with http:// or https://")
        self._public_url = public_url.rstrip("/") if public_url else None
        self.store = Store(db_path, operators_may_create=operators_may_create)
        demo_names = {pid: name for pid, name, _ in DEMO_PEOPLE}
        if demo_data:
            self.store.add_people([(pid, name, role, secrets.token_urlsafe(18)) for pid, name, role in DEMO_PEOPLE])
            seed(self.store, demo_data)
        for role, people in (("operator", operators), ("lead", leads), ("integration", integrations)):
            for name, token in people:
                self.store.upsert_person(name, demo_names.get(name, name), role, token)
        self.tokens: dict[str, str] = self.store.tokens()
        self._server: ConnectionServer | None = None

    def start(self) -> None:
        """Bind and serve in background threads; returns once connections are accepted."""
        self._server = ConnectionServer((self.host, self.port), self._exchange, self.limits)
        host, port = self._server.server_address
        shown = host if ":" not in str(host) else f"[{host}]"
        self.url = f"http://{shown}:{port}"
        self._server.start()

    @property
    def public_url(self) -> str:
        """Where clients reach this server: ``public_url`` as given, else the bound address."""
        return self._public_url or self.url

    def _exchange(self, conn: Connection) -> Handler:
        return Handler(conn, self)

    def stop(self) -> None:
        """Stop serving and close every connection."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> ReferenceServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
