"""Fixtures for the UI suites."""

from __future__ import annotations

import pytest

from backdesk.api_client.workqueue import WorkQueueBackend


@pytest.fixture
async def ben(wq_server):
    """Ben, a second operator on the reference server, acting through the API."""
    backend = WorkQueueBackend(wq_server.url, "ben-token")
    yield backend
    await backend.aclose()
