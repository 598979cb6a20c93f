"""RFC 9457 problem details with backdesk's stable type URIs."""

from __future__ import annotations

from typing import Any

TYPE_PREFIX = "urn:backdesk:problem:"

#: slug -> (HTTP status, title)
PROBLEMS: dict[str, tuple[int, str]] = {
    "unauthorized": (401, "Unauthorized"),
    "forbidden": (403, "Forbidden"),
    "not-found": (404, "Not found"),
    "invalid-request": (400, "Invalid request"),
    "invalid-filter": (400, "Invalid filter"),
    "already-claimed": (409, "Already claimed"),
    "not-owner": (409, "Not the owner"),
    "task-closed": (409, "Task closed"),
    "task-open": (409, "Task not closed"),
    "stale-version": (412, "Stale version"),
    "key-reused": (422, "Idempotency-Key reused"),
    "method-not-allowed": (405, "Method not allowed"),
    "internal": (500, "Internal server error"),
}


class Problem(Exception):
    """An error answered as ``application/problem+json``; ``extensions`` join the body."""

    def __init__(self, slug: str, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.slug = slug
        self.status, self.title = PROBLEMS[slug]
        self.detail = detail
        self.extensions = extensions

    def body(self) -> dict[str, Any]:
        return {
            "type": TYPE_PREFIX + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            **self.extensions,
        }
