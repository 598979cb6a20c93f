"""How the tests reach the local Redmine 5 (started by tests/redmine/setup_redmine.sh).

Shared by ``tests/conftest.py`` (the ``redmine_url`` and ``redmine_queue_ids`` fixtures, and
the "redmine" param of ``kit``) and ``tests/redmine/``. Without a reachable Redmine the tests
that need it skip with a one-line reason, except when ``CI=true``: there they fail.
"""

from __future__ import annotations

import os

import httpx
import pytest

from backdesk.api_client.redmine import RedmineBackend
from backdesk.api_client.redmine_options import RedmineOptions

REDMINE_URL = os.environ.get("BACKDESK_REDMINE_URL", "http://127.0.0.1:3005").rstrip("/")
#: Login -> (password, API key), as tests/redmine/seed.rb creates them. vic may not see or
#: set private notes, is not assignable, has no status transitions and may not edit priorities.
USERS = {
    "ana": ("ana-backdesk", "anabackdeskapikey"),
    "ben": ("ben-backdesk", "benbackdeskapikey"),
    "vic": ("vic-backdesk", "vicbackdeskapikey"),
}
#: The project the tests create their issues in, and the options the suites connect with.
PROJECT = "returns"
OPTIONS = {
    "projects": ["returns", "billing"],
    "tracker": "Support",
    "reference_field": "Reference",
    "tags_field": "Tags",
    "resolution_field": "Resolution",
}


def redmine_problem(url: str = REDMINE_URL) -> str | None:
    """Why Redmine cannot be used, as one line, or None when it answers as ana."""
    try:
        response = httpx.get(f"{url}/users/current.json", headers=headers("ana"), timeout=10)
    except httpx.HTTPError as exc:
        return f"Redmine not reachable at {url} ({type(exc).__name__}); run tests/redmine/setup_redmine.sh"
    if response.status_code != 200:
        return f"Redmine at {url} answered HTTP {response.status_code} for ana; run tests/redmine/setup_redmine.sh"
    return None


def require_redmine(url: str = REDMINE_URL) -> str:
    """Redmine's URL; skips the test when Redmine is unreachable, or fails it when ``CI=true``."""
    problem = redmine_problem(url)
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
    return url


def headers(user: str) -> dict[str, str]:
    return {"X-Redmine-API-Key": USERS[user][1]}


def project_ids(url: str = REDMINE_URL) -> dict[str, str]:
    """Project identifier -> id (as ``Task.queue`` carries it), as ana sees them."""
    response = httpx.get(f"{url}/projects.json", headers=headers("ana"), timeout=10)
    response.raise_for_status()
    return {item["identifier"]: str(item["id"]) for item in response.json()["projects"]}


def redmine_backend(
    url: str, user: str, *, password: bool = False, transport: httpx.AsyncBaseTransport | None = None, **options: object
) -> RedmineBackend:
    """A RedmineBackend as one of the test users (API key, or login and password), with OPTIONS
    overridden by ``options`` (None removes one)."""
    chosen = RedmineOptions.parse({k: v for k, v in (OPTIONS | options).items() if v is not None})
    secret, key = USERS[user]
    if password:
        return RedmineBackend(url, user=user, password=secret, options=chosen, transport=transport)
    return RedmineBackend(url, api_key=key, options=chosen, transport=transport)
