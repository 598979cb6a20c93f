"""Work Queue API records as a server sends them, for the adapter tests."""

from __future__ import annotations


def task(n: int, **fields: object) -> dict:
    return {
        "id": str(n),
        "queue": "orders",
        "title": f"Task {n}",
        "body": "",
        "status": "open",
        "resolution": None,
        "owner": None,
        "priority": "normal",
        "created_at": "2026-11-26T10:00:00Z",
        "updated_at": "2026-11-26T10:00:00Z",
        "due_at": None,
        "reference": None,
        "tags": [],
        "version": 1,
        "url": f"http://wq.test/api/v1/tasks/{n}",
        **fields,
    }
