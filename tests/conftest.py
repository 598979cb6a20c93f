"""Fixtures shared by every suite: an isolated home, and a live reference server."""

from __future__ import annotations

import uuid

import pytest

from api_client import Backend
from api_client.server import ReferenceServer
from api_client.workqueue import WorkQueueBackend

OPERATORS = (("ana", "ana-token"), ("ben", "ben-token"))
LEAD = ("lee", "lee-token")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Point platformdirs (XDG) at a fresh folder so a developer's own config never leaks in."""
    home = tmp_path_factory.mktemp("home")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))
    for var in ("BACKDESK_TOKEN", "BACKDESK_PASSWORD", "EDITOR", "VISUAL"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def wq_server(tmp_path):
    """A reference server on a free loopback port with operators ana and ben and lead lee."""
    with ReferenceServer(tmp_path / "wq.sqlite3", operators=OPERATORS, leads=[LEAD]) as server:
        yield server


@pytest.fixture
def demo_server(tmp_path):
    """A reference server seeded with demo data."""
    with ReferenceServer(tmp_path / "demo.sqlite3", operators=OPERATORS, demo_data=60) as server:
        yield server


class Kit:
    """One backend under test: adapters for its operators and a queue to create tasks in."""

    def __init__(self, name: str, make, queue_id: str) -> None:
        self.name = name
        self._make = make
        self.queue_id = queue_id
        self.unique = uuid.uuid4().hex[:8]

    def backend(self, operator: str) -> Backend:
        return self._make(operator)


@pytest.fixture(params=["reference"])
def kit(request, wq_server):
    tokens = dict(OPERATORS)
    return Kit("reference", lambda who: WorkQueueBackend(wq_server.url, tokens[who]), "returns")
