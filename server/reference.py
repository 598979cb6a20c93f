"""``ReferenceServer``: the Work Queue API v1 over one SQLite file, served in a thread."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Sequence
from types import TracebackType

from .demo import DEMO_PEOPLE, seed
from .httpd import ApiServer
from .store import Store


class ReferenceServer:
    """The reference Work Queue API server.

    ``operators`` and ``leads`` are (name, token) pairs; a name becomes the operator id, and
    its display name too unless it is a demo operator's id. ``demo_data`` seeds that many tasks
    into an empty database, creating the demo people (with random tokens) if needed.
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        operators: Sequence[tuple[str, str]] = (),
        leads: Sequence[tuple[str, str]] = (),
        demo_data: int = 0,
        verbose: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.verbose = verbose
        self.url = ""
        self.store = Store(db_path)
        demo_names = {pid: name for pid, name, _ in DEMO_PEOPLE}
        if demo_data:
            self.store.add_people([(pid, name, role, secrets.token_urlsafe(18)) for pid, name, role in DEMO_PEOPLE])
            seed(self.store, demo_data)
        for role, people in (("operator", operators), ("lead", leads)):
            for name, token in people:
                self.store.upsert_person(name, demo_names.get(name, name), role, token)
        self.tokens: dict[str, str] = self.store.tokens()
        self._httpd: ApiServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind and serve in a daemon thread; returns once requests are accepted."""
        self._httpd = ApiServer((self.host, self.port), self.store, verbose=self.verbose)
        host, port = self._httpd.server_address[:2]
        shown = host if ":" not in str(host) else f"[{host}]"
        self.url = f"http://{shown}:{port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="backdesk-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> ReferenceServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
