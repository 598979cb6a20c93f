"""``ReferenceServer``: the Work Queue API v1 over one SQLite file, served by background threads."""

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
    person's id, and their display name too unless it is a demo person's id. A token of None
    keeps an existing person's token and gives a new person a random one. ``demo_data``
    seeds that many tasks into an empty database and gives the demo people fresh random
    tokens. Task URLs start with ``public_url`` (default: the bound address), never
    with a request's Host header. Only leads and integrations create tasks, unless
    ``operators_may_create``.
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        operators: Sequence[tuple[str, str | None]] = (),
        leads: Sequence[tuple[str, str | None]] = (),
        integrations: Sequence[tuple[str, str | None]] = (),
        demo_data: int = 0,
        verbose: bool = False,
        limits: Limits | None = None,
        public_url: str | None = None,
        operators_may_create: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.verbose = verbose
        self.limits = limits or Limits()
        self.url = ""
        if public_url is not None and not public_url.startswith(("http://", "https://")):
            raise ValueError(f"public URL {public_url!r} must start with http:// or https://")
        self._public_url = public_url.rstrip("/") if public_url else None
        self.store = Store(db_path, operators_may_create=operators_may_create)
        #: person id -> token, for the tokens this server was given or generated (the file holds hashes)
        self.tokens: dict[str, str] = {}
        #: the ids whose tokens were generated here: the only tokens worth printing
        self.generated: set[str] = set()
        demo_names = {pid: name for pid, name, _ in DEMO_PEOPLE}
        named = set()
        for role, people in (("operator", operators), ("lead", leads), ("integration", integrations)):
            for name, token in people:
                named.add(name)
                made = self.store.upsert_person(name, demo_names.get(name, name), role, token)
                if made:
                    self.generated.add(name)
                known = made or token
                if known:
                    self.tokens[name] = known
        if demo_data:
            for pid, name, role in DEMO_PEOPLE:  # fresh tokens each start: a demo's tokens are never stored
                if pid not in named:
                    self.tokens[pid] = secrets.token_urlsafe(18)
                    self.generated.add(pid)
                    self.store.upsert_person(pid, name, role, self.tokens[pid])
            seed(self.store, demo_data)
        self.store.record_history()  # derives the hours before this start now, not in a first request
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
