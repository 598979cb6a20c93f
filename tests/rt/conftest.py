"""Fixtures for the tests against a real Request Tracker 5 (started by setup_rt.sh).

Without a reachable RT these tests skip, except when ``CI=true``: there they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from api_client.models import NewTask, Task
from api_client.rt import RTBackend

RT_URL = os.environ.get("BACKDESK_RT_URL", "http://127.0.0.1:8086").rstrip("/")
OPERATORS = {"ana": "ana-backdesk", "ben": "ben-backdesk"}
QUEUE = "Returns & Refunds"


def _rt_problem() -> str | None:
    """Why RT cannot be used, or None when it answers as ana."""
    try:
        response = httpx.get(f"{RT_URL}/REST/2.0/queues/all", auth=("ana", OPERATORS["ana"]), timeout=10)
    except httpx.HTTPError as exc:
        return f"Request Tracker not reachable at {RT_URL} ({type(exc).__name__}); run tests/rt/setup_rt.sh"
    if response.status_code != 200:
        return f"Request Tracker at {RT_URL} answered HTTP {response.status_code} for ana; run tests/rt/setup_rt.sh"
    return None


@pytest.fixture(scope="session")
def rt_url() -> str:
    problem = _rt_problem()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    return RT_URL


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def ana(rt_url: str) -> AsyncIterator[RTBackend]:
    backend = RTBackend(rt_url, user="ana", password=OPERATORS["ana"])
    yield backend
    await backend.aclose()


@pytest.fixture
async def ben(rt_url: str) -> AsyncIterator[RTBackend]:
    backend = RTBackend(rt_url, user="ben", password=OPERATORS["ben"])
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
