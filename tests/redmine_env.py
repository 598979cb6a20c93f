"""How the tests reach the local Redmine 5 (started by tests/redmine/setup_redmine.sh).

Shared by ``tests/conftest.py`` (the ``redmine_url`` and ``redmine_queue_ids`` fixtures, and
the "redmine" param of ``kit``) and ``tests/redmine/``; finding it, skipping or failing is
``service_env``'s.
"""

from __future__ import annotations

import httpx
from service_env import problem, require, service_url

from backdesk.api_client.redmine import RedmineBackend
from backdesk.api_client.redmine_options import RedmineOptions

REDMINE_URL = service_url("redmine")
#: Login -> (password, API key), as tests/redmine/seed.rb creates them. vic may not see or
#: set private notes, is not assignable, has no status transitions and may not edit priorities.
#: lee is a lead (role "Lead").
USERS = {
    "ana": ("ana-backdesk", "anabackdeskapikey"),
    "ben": ("ben-backdesk", "benbackdeskapikey"),
    "vic": ("vic-backdesk", "vicbackdeskapikey"),
    "lee": ("lee-backdesk", "leebackdeskapikey"),
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


def require_redmine() -> str:
    """Redmine's URL; skips the test when Redmine is unreachable, or fails it when ``CI=true``."""
    why = problem(
        "Redmine", REDMINE_URL, "/users/current.json", "tests/redmine/setup_redmine.sh", headers=headers("ana")
    )
    return require(REDMINE_URL, why)


def headers(user: str) -> dict[str, str]:
    return {"X-Redmine-API-Key": USERS[user][1]}


def project_ids(url: str) -> dict[str, str]:
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
