"""How the tests reach the local Request Tracker 5 (started by tests/rt/setup_rt.sh).

Shared by ``tests/conftest.py`` (the ``rt_url`` and ``rt_queue_ids`` fixtures, and the "rt"
param of ``kit``) and ``tests/rt/``. Without a reachable RT the tests that need it skip with
a one-line reason, except when ``CI=true``: there they fail, so a broken RT is never green.
"""

from __future__ import annotations

import os

import httpx
import pytest

from backdesk.api_client.rt import RTBackend

RT_URL = os.environ.get("BACKDESK_RT_URL", "http://127.0.0.1:8086").rstrip("/")
#: RT user name -> password, as created by tests/rt/initialdata.pl.
OPERATORS = {"ana": "ana-backdesk", "ben": "ben-backdesk"}
#: The queue the tests create their tickets in.
QUEUE = "Returns & Refunds"


def rt_problem(url: str = RT_URL) -> str | None:
    """Why RT cannot be used, as one line, or None when it answers as ana."""
    try:
        response = httpx.get(f"{url}/REST/2.0/queues/all", auth=("ana", OPERATORS["ana"]), timeout=10)
    except httpx.HTTPError as exc:
        return f"Request Tracker not reachable at {url} ({type(exc).__name__}); run tests/rt/setup_rt.sh"
    if response.status_code != 200:
        return f"Request Tracker at {url} answered HTTP {response.status_code} for ana; run tests/rt/setup_rt.sh"
    return None


def require_rt(url: str = RT_URL) -> str:
    """RT's URL; skips the test when RT is unreachable, or fails it when ``CI=true``."""
    problem = rt_problem(url)
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
    return url


def queue_ids(url: str = RT_URL) -> dict[str, str]:
    """RT queue name -> queue id (as ``Task.queue`` carries it), as ana sees them."""
    response = httpx.get(
        f"{url}/REST/2.0/queues/all",
        params={"fields": "Name", "per_page": 100},
        auth=("ana", OPERATORS["ana"]),
        timeout=10,
    )
    response.raise_for_status()
    return {item["Name"]: str(item["id"]) for item in response.json()["items"]}


def rt_backend(url: str, user: str, **kw) -> RTBackend:
    """An RTBackend logged in as one of the test users."""
    return RTBackend(url, user=user, password=OPERATORS[user], **kw)
