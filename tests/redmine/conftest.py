"""Fixtures for the tests against a real Redmine 5 (started by setup_redmine.sh).

Reaching Redmine (URL, users, skip-or-fail-on-CI) lives in ``tests/redmine_env.py`` and the
session fixtures ``redmine_url`` and ``redmine_project_ids`` in ``tests/conftest.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from redmine_env import PROJECT, headers, redmine_backend

from backdesk.api_client.models import NewTask, Task
from backdesk.api_client.redmine import RedmineBackend


@pytest.fixture
async def adapter(redmine_url: str) -> AsyncIterator[Callable[..., RedmineBackend]]:
    """Make adapters (``adapter("ana", **options)``); every one is closed after the test."""
    made: list[RedmineBackend] = []

    def make(user: str, **kw: object) -> RedmineBackend:
        made.append(redmine_backend(redmine_url, user, **kw))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for backend in made:
        await backend.aclose()


@pytest.fixture
def ana(adapter) -> RedmineBackend:
    return adapter("ana")


@pytest.fixture
def ben(adapter) -> RedmineBackend:
    return adapter("ben")


@pytest.fixture
def vic(adapter) -> RedmineBackend:
    """A requester: may not see or set private notes, not assignable, no status transitions,
    may not edit priorities."""
    return adapter("vic")


@pytest.fixture
async def raw(redmine_url: str) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """Plain HTTP clients as a test user, to show what Redmine itself does."""
    clients: list[httpx.AsyncClient] = []

    def make(user: str) -> httpx.AsyncClient:
        clients.append(httpx.AsyncClient(base_url=redmine_url, headers=headers(user), timeout=15))
        return clients[-1]

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def marker() -> str:
    """A word unique to one test, to put in titles and filter on."""
    return "bd" + uuid.uuid4().hex[:10]


@pytest.fixture
def new_issue(ana: RedmineBackend, marker: str, redmine_project_ids) -> Callable[..., Awaitable[Task]]:
    async def create(title: str = "Refund for order", **kw) -> Task:
        queue = kw.pop("queue", redmine_project_ids[PROJECT])
        return await ana.create_task(NewTask(queue=queue, title=f"{title} {marker}", **kw))

    return create
