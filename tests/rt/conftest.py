"""Fixtures for the tests against a real Request Tracker 5 (started by setup_rt.sh).

Reaching RT (URL, logins, skip-or-fail-on-CI) lives in ``tests/rt_env.py`` and the session
fixture ``rt_url`` in ``tests/conftest.py``: without a reachable RT these tests skip, except
when ``CI=true``: there they fail.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from rt_env import QUEUE, rt_backend

from backdesk.api_client.models import NewTask, Task
from backdesk.api_client.rt import RTBackend


@pytest.fixture
async def ana(rt_url: str) -> AsyncIterator[RTBackend]:
    backend = rt_backend(rt_url, "ana")
    yield backend
    await backend.aclose()


@pytest.fixture
async def ben(rt_url: str) -> AsyncIterator[RTBackend]:
    backend = rt_backend(rt_url, "ben")
    yield backend
    await backend.aclose()


@pytest.fixture
async def lee(rt_url: str) -> AsyncIterator[RTBackend]:
    """The lead."""
    backend = rt_backend(rt_url, "lee")
    yield backend
    await backend.aclose()


@pytest.fixture
def marker() -> str:
    """A word unique to one test, to put in titles and filter on."""
    return "bd" + uuid.uuid4().hex[:10]


@pytest.fixture
def new_ticket(ana: RTBackend, marker: str) -> Callable[..., Awaitable[Task]]:
    async def create(title: str = "Refund for order", **kw) -> Task:
        return await ana.create_task(NewTask(queue=kw.pop("queue", QUEUE), title=f"{title} {marker}", **kw))

    return create
