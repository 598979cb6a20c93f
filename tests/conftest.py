"""Fixtures shared by every suite: an isolated home, a live reference server, the local RT, and ``kit``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import pytest
import redmine_env  # tests/redmine_env.py: how the local Redmine is reached
import rt_env  # tests/rt_env.py: how the local Request Tracker is reached
from hypothesis import settings as hypothesis_settings

from backdesk.api_client import Backend
from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.server import ReferenceServer

# Property tests run the same examples every time (no flaky CI), with no time limit per example
# (the machines are shared) and no example database left in the work tree.
hypothesis_settings.register_profile("backdesk", derandomize=True, deadline=None, database=None)
hypothesis_settings.load_profile("backdesk")

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


@pytest.fixture(autouse=True)
def strict_errors(monkeypatch):
    """A bug in an app worker fails the test instead of turning into a toast."""
    monkeypatch.setattr("backdesk.tui.errors.STRICT", True)


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def wq_server(tmp_path):
    """A reference server on a free loopback port with operators ana and ben and lead lee.

    Operators may create tasks here (by default only leads and integrations may), so that
    suites can make their own tasks as the operator under test.
    """
    with ReferenceServer(
        tmp_path / "wq.sqlite3", operators=OPERATORS, leads=[LEAD], operators_may_create=True
    ) as server:
        yield server


@pytest.fixture
def demo_server(tmp_path):
    """A reference server seeded with demo data."""
    with ReferenceServer(tmp_path / "demo.sqlite3", operators=OPERATORS, demo_data=60) as server:
        yield server


class Kit:
    """One backend under test: adapters for its people and a queue to create tasks in.

    ``backend(who)`` makes a fresh adapter each call, for operators ``ana`` and ``ben`` and
    lead ``lee``; the ``kit`` fixture closes every
    one of them after the test. ``unique`` is a word unique to the test, for titles and
    references to filter on.
    """

    def __init__(self, name: str, make: Callable[[str], Backend], queue_id: str) -> None:
        self.name = name
        self._make = make
        self.queue_id = queue_id
        self.unique = uuid.uuid4().hex[:8]
        self._adapters: list[Backend] = []

    def backend(self, operator: str) -> Backend:
        adapter = self._make(operator)
        self._adapters.append(adapter)
        return adapter

    async def aclose(self) -> None:
        """Close every adapter this kit made (closing twice is harmless)."""
        adapters, self._adapters = self._adapters, []
        for adapter in adapters:
            await adapter.aclose()


@pytest.fixture(scope="session")
def rt_url() -> str:
    """The local Request Tracker's URL; skips (or fails when CI=true) if it does not answer."""
    return rt_env.require_rt()


@pytest.fixture(scope="session")
def rt_queue_ids(rt_url) -> dict[str, str]:
    """RT queue name -> id."""
    return rt_env.queue_ids(rt_url)


@pytest.fixture(scope="session")
def redmine_url() -> str:
    """The local Redmine's URL; skips (or fails when CI=true) if it does not answer."""
    return redmine_env.require_redmine()


@pytest.fixture(scope="session")
def redmine_project_ids(redmine_url) -> dict[str, str]:
    """Redmine project identifier -> id."""
    return redmine_env.project_ids(redmine_url)


@pytest.fixture(
    params=["reference", pytest.param("rt", marks=pytest.mark.rt), pytest.param("redmine", marks=pytest.mark.redmine)]
)
async def kit(request) -> AsyncIterator[Kit]:
    """Each backend in turn: the reference server (fresh per test), the local RT 5 and Redmine 5."""
    if request.param == "reference":
        server = request.getfixturevalue("wq_server")
        tokens = dict([*OPERATORS, LEAD])
        made = Kit("reference", lambda who: WorkQueueBackend(server.url, tokens[who]), "returns")
    elif request.param == "rt":
        url = request.getfixturevalue("rt_url")
        queue = request.getfixturevalue("rt_queue_ids")[rt_env.QUEUE]
        made = Kit("rt", lambda who: rt_env.rt_backend(url, who), queue)
    else:
        url = request.getfixturevalue("redmine_url")
        project = request.getfixturevalue("redmine_project_ids")[redmine_env.PROJECT]
        made = Kit("redmine", lambda who: redmine_env.redmine_backend(url, who), project)
    try:
        yield made
    finally:
        await made.aclose()
