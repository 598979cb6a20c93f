"""Where the tests find the real servers that the setup scripts start, and what happens when one
is missing: the tests that need it skip with a one-line reason, except when ``CI=true``, where
they fail, so a broken server is never green.

A setup script (``tests/rt/setup_rt.sh``, ``tests/redmine/setup_redmine.sh``) starts its server
on a free port and records the URL in its state folder; ``BACKDESK_<NAME>_URL`` overrides it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest


def service_url(name: str) -> str | None:
    """The URL of the test server ``name`` ("rt", "redmine"), or None when none was set up."""
    given = os.environ.get(f"BACKDESK_{name.upper()}_URL")
    if given:
        return given.rstrip("/")
    state = Path(os.environ.get(f"BACKDESK_{name.upper()}_STATE", f"/var/tmp/backdesk-{name}"))
    try:
        return (state / "url").read_text().strip().rstrip("/") or None
    except OSError:
        return None


def problem(what: str, url: str | None, path: str, setup: str, **request: Any) -> str | None:
    """Why the server cannot be used, as one line, or None when ``GET url+path`` answers 200."""
    if url is None:
        return f"{what} is not set up on this machine; run {setup}"
    try:
        response = httpx.get(f"{url}{path}", timeout=10, **request)
    except httpx.HTTPError as exc:
        return f"{what} not reachable at {url} ({type(exc).__name__}); run {setup}"
    if response.status_code != 200:
        return f"{what} at {url} answered HTTP {response.status_code} for ana; run {setup}"
    return None


def require(url: str | None, why: str | None) -> str:
    """``url`` when ``why`` is None; else skip the test, or fail it when ``CI=true``."""
    if why is not None or url is None:
        reason = why or "no URL"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return url
