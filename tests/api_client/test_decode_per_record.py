"""One bad record in a page fails only itself: the good ones are listed, the bad one is named."""

from __future__ import annotations

import logging

import httpx
import pytest

from backdesk.api_client.models import QueueCounts, TaskQuery, UnreadableTask
from backdesk.api_client.rt import RTBackend
from backdesk.api_client.workqueue import WorkQueueBackend

from .wire import task

pytestmark = pytest.mark.anyio


def wq(body: dict) -> WorkQueueBackend:
    return WorkQueueBackend(
        "http://wq.test", "token", transport=httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    )


async def test_bad_work_queue_records_are_listed_apart(caplog):
    caplog.set_level(logging.DEBUG, logger="backdesk.api_client")
    version = task(3)
    del version["version"]
    records = [
        task(1),
        task(2, title=None),
        version,
        task(4, owner={"id": "ana", "name": None}),
        task(5, due_at="next tuesday"),
        "not a record",
        task(7),
    ]
    backend = wq({"items": records, "total": 7, "next_cursor": "c2"})
    try:
        page = await backend.tasks(TaskQuery())
    finally:
        await backend.aclose()
    assert [t.id for t in page.items] == ["1", "7"]
    assert (page.total, page.next_cursor) == (7, "c2")
    assert page.unreadable == (
        UnreadableTask("2", "The server's response is missing a valid 'title'."),
        UnreadableTask("3", "The server's response is missing a valid 'version'."),
        UnreadableTask("4", "The server's response is missing a valid 'name'."),
        UnreadableTask("5", "Could not read the timestamp 'next tuesday'."),
        UnreadableTask(None, "The server's response is missing a valid 'id'."),
    )
    assert caplog.text.count("unreadable task record") == 5


async def test_a_queue_count_that_is_not_a_number_counts_as_zero():
    queue = {
        "id": "orders",
        "name": "Orders",
        "description": "",
        "counts": {"open": "many", "unclaimed": 2.5, "mine": True, "breached": 3},
    }
    backend = wq({"items": [queue]})
    try:
        queues = await backend.queues()
    finally:
        await backend.aclose()
    assert queues[0].counts == QueueCounts(open=0, unclaimed=0, mine=0, breached=3)


def ticket(n: int, **fields: object) -> dict:
    return {
        "id": n,
        "Subject": f"Ticket {n}",
        "Status": "open",
        "Priority": 30,
        "Created": "2026-11-26 10:00:00",
        "LastUpdated": "2026-11-26 10:00:00",
        "Due": None,
        "CustomFields": [],
        "Queue": {"id": 3},
        "Owner": {"id": "Nobody"},
        **fields,
    }


async def test_a_bad_request_tracker_ticket_is_listed_apart():
    records = [ticket(1), ticket(2, Created="the other day"), ticket(3, LastUpdated=None), ticket(4)]
    body = {"items": records, "total": 4, "pages": 1, "page": 1}
    backend = RTBackend(
        "http://rt.test",
        user="ana",
        password="pw",
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=body)),
    )
    try:
        page = await backend.tasks(TaskQuery())
    finally:
        await backend.aclose()
    assert [t.id for t in page.items] == ["1", "4"]
    assert page.unreadable == (
        UnreadableTask("2", "Could not read the timestamp 'the other day'."),
        UnreadableTask("3", "Request Tracker sent no timestamp where one was expected (None)."),
    )
