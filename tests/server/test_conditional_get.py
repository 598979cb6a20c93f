"""Conditional GETs on the reference server, and the Work Queue adapter holding answers: an idle
refresh of an unchanged list, queue list or task is a 304 with no body; any change is seen."""

from __future__ import annotations

import httpx
import pytest

from backdesk.api_client import NewTask, TaskQuery
from backdesk.api_client.workqueue import WorkQueueBackend

pytestmark = pytest.mark.anyio


def test_an_unchanged_answer_is_a_304_without_a_body(wq_server):
    with httpx.Client(base_url=wq_server.url + "/api/v1", headers={"Authorization": "Bearer ana-token"}) as http:
        for path in ("/queues", "/tasks?sort=-priority&limit=5"):
            first = http.get(path)
            assert first.status_code == 200 and first.headers["etag"]
            again = http.get(path, headers={"If-None-Match": first.headers["etag"]})
            assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", first.headers["etag"])
        http.post("/tasks", json={"queue": "returns", "title": "Changes the list"}).raise_for_status()
        changed = http.get("/queues", headers={"If-None-Match": first.headers["etag"]})
        assert changed.status_code == 200 and changed.json()


class Recording(httpx.AsyncBaseTransport):
    """The real transport, noting each answer's status."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.statuses: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.statuses.append(response.status_code)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_the_adapter_reuses_what_it_holds_and_sees_every_change(wq_server):
    wire = Recording()
    ana = WorkQueueBackend(wq_server.url, "ana-token", transport=wire)
    try:
        task = await ana.create_task(NewTask("returns", "Held answers"))
        query = TaskQuery(queue="returns")
        first, queues, one = await ana.tasks(query), await ana.queues(), await ana.task(task.id)
        wire.statuses.clear()
        assert (await ana.tasks(query), await ana.queues(), await ana.task(task.id)) == (first, queues, one)
        assert wire.statuses == [304, 304, 304]
        claimed = await ana.claim(task.id)
        wire.statuses.clear()
        after = await ana.tasks(query)
        assert wire.statuses == [200]
        assert next(t for t in after.items if t.id == task.id).version == claimed.version
        assert (await ana.task(task.id)).owner is not None
    finally:
        await ana.aclose()
