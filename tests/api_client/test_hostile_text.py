"""Server text is sanitised at the boundary: every string either adapter decodes is safe to show.

A hostile server puts OSC 0/52, CSI 2J, C1 controls, bidi overrides and zero-width characters
into every field; nothing of them may come out of the decoders except the visible ``⟨U+…⟩``.
"""

from __future__ import annotations

import dataclasses
import re

import httpx
import pytest

from backdesk.api_client.models import TaskQuery
from backdesk.api_client.rt import RTBackend
from backdesk.api_client.workqueue import WorkQueueBackend

pytestmark = pytest.mark.anyio

EVIL = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;owned\x07\x1b[2J\x9b31m\x85\u202e\u200b\ufeff"
SHOWN = "⟨U+202E⟩⟨U+200B⟩⟨U+FEFF⟩"
#: Anything that may drive a terminal or hide text: C0 but tab/newline, DEL, C1, bidi, zero-width.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def strings(value: object) -> list[str]:
    """Every string inside a model (dataclasses, tuples, lists), recursively."""
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value):
        return [s for f in dataclasses.fields(value) for s in strings(getattr(value, f.name))]
    if isinstance(value, (tuple, list)):
        return [s for item in value for s in strings(item)]
    return []


def assert_safe(*models: object) -> None:
    found = [s for model in models for s in strings(model)]
    assert found
    assert [s for s in found if UNSAFE.search(s)] == []


# -- Work Queue API -----------------------------------------------------------------------------

PERSON = {"id": f"eve{EVIL}", "name": f"Eve{EVIL}", "role": "operator"}
TASK = {
    "id": f"1{EVIL}",
    "queue": f"orders{EVIL}",
    "title": f"Refund{EVIL}",
    "body": f"Line one{EVIL}\n\tLine two",
    "status": "closed",
    "resolution": f"done{EVIL}",
    "owner": PERSON,
    "priority": "high",
    "created_at": "2026-11-26T10:00:00Z",
    "updated_at": "2026-11-26T10:00:00Z",
    "due_at": None,
    "reference": f"ORD-1{EVIL}",
    "tags": [f"vip{EVIL}", "plain"],
    "version": f"3{EVIL}",
    "url": f"http://wq.test/t/1{EVIL}",
}
EVENT = {
    "id": f"9{EVIL}",
    "task_id": f"1{EVIL}",
    "kind": f"note{EVIL}",
    "actor": PERSON,
    "at": "2026-11-26T10:00:00Z",
    "body": f"Checked{EVIL}\nthe photos",
}
QUEUE = {
    "id": f"orders{EVIL}",
    "name": f"Orders{EVIL}",
    "description": f"All orders{EVIL}\nand more",
    "counts": {"open": 1, "unclaimed": 1, "mine": 0, "breached": 0},
}


LOAD = {**PERSON, "held": 3, "breached": 1}
STATS = {
    "queue": f"orders{EVIL}",
    "backlog": 4,
    "unclaimed": 1,
    "breached": 1,
    "at_risk": 0,
    "oldest_unclaimed_at": "2026-11-26T09:00:00Z",
    "load": [LOAD],
    "history": [{"at": "2026-11-26T09:00:00Z", "backlog": 3, "breached": 1}],
}


def hostile_wq(request: httpx.Request) -> httpx.Response:
    path = request.url.path.removeprefix("/api/v1")
    if path == "/me":
        return httpx.Response(200, json=PERSON)
    if path == "/operators":
        return httpx.Response(200, json={"items": [LOAD]})
    if path.endswith("/stats"):
        return httpx.Response(200, json=STATS)
    if path == "/queues":
        return httpx.Response(200, json={"items": [QUEUE]})
    if path == "/tasks":
        return httpx.Response(200, json={"items": [TASK], "total": 1, "next_cursor": None})
    if path.endswith("/events"):
        return httpx.Response(200, json={"items": [EVENT]})
    return httpx.Response(200, json=TASK)


async def test_every_work_queue_string_is_sanitised():
    backend = WorkQueueBackend("http://wq.test", "token", transport=httpx.MockTransport(hostile_wq))
    try:
        me, queues = await backend.me(), await backend.queues()
        page, task, events = await backend.tasks(TaskQuery()), await backend.task("1"), await backend.events("1")
        claimed = await backend.claim("1")
        loads, stats = await backend.operators(), await backend.queue_stats("orders")
        assigned, moved = await backend.assign("1", "eve"), await backend.move("1", "orders")
    finally:
        await backend.aclose()
    assert_safe(me, queues, page, task, events, claimed, loads, stats, assigned, moved)
    assert (loads[0].person.name, loads[0].held, loads[0].breached) == ("Eve" + SHOWN, 3, 1)
    assert (stats.queue, stats.load[0].person.id, len(stats.history)) == ("orders" + SHOWN, "eve" + SHOWN, 1)
    assert (me.id, me.name) == ("eve" + SHOWN, "Eve" + SHOWN)
    assert (task.title, task.reference, task.tags) == ("Refund" + SHOWN, "ORD-1" + SHOWN, ("vip" + SHOWN, "plain"))
    assert task.body == f"Line one{SHOWN}\n\tLine two"  # bodies keep their tab and newline
    assert task.resolution is None  # not one of the resolutions the spec allows
    assert events[0].body == f"Checked{SHOWN}\nthe photos"
    assert queues[0].description == f"All orders{SHOWN}\nand more"


# -- Request Tracker ----------------------------------------------------------------------------

RT_TICKET = {
    "id": 1,
    "Subject": f"Refund{EVIL}",
    "Status": f"pending{EVIL}",
    "Priority": 60,
    "Created": "2026-11-26 10:00:00",
    "LastUpdated": "2026-11-26 10:00:00",
    "Due": "1970-01-01 00:00:00",
    "Queue": {"id": 3, "Name": f"Returns{EVIL}"},
    "Owner": {"id": "eve", "Name": f"eve{EVIL}", "RealName": f"Eve{EVIL}"},
    "CustomFields": [
        {"name": "Tags", "values": [f"vip{EVIL}"]},
        {"name": "Reference", "values": [f"ORD-1{EVIL}"]},
        {"name": f"Region{EVIL}", "values": [f"North{EVIL}", None]},
    ],
}
HISTORY = [
    {"id": 10, "Type": "Create", "Created": "2026-11-26 10:00:00", "Creator": {"Name": "eve", "RealName": EVIL}},
    {
        "id": 11,
        "Type": "Comment",
        "Data": f"backdesk note k{EVIL}",
        "Created": "2026-11-26 10:01:00",
        "Creator": {"Name": f"eve{EVIL}", "RealName": f"Eve{EVIL}"},
    },
    {
        "id": 12,
        "Type": "Set",
        "Field": "Owner",
        "OldValue": "6",
        "NewValue": "7",
        "Created": "2026-11-26 10:02:00",
        "Creator": {"Name": "ana", "RealName": "Ana"},
    },
    {
        "id": 13,
        "Type": "Status",
        "Field": "Status",
        "OldValue": f"open{EVIL}",
        "NewValue": f"odd{EVIL}",
        "Created": "2026-11-26 10:03:00",
        "Creator": {"Name": "ana"},
    },
    {
        "id": 14,
        "Type": "Set",
        "Field": f"Subject{EVIL}",
        "OldValue": EVIL,
        "NewValue": f"New{EVIL}",
        "Created": "2026-11-26 10:04:00",
        "Creator": {"Name": "ana"},
    },
    {"id": 15, "Type": f"Weird{EVIL}", "Field": EVIL, "NewValue": EVIL, "Created": "2026-11-26 10:05:00"},
]
ATTACHMENTS = [
    {"TransactionId": 10, "ContentType": "text/plain", "Content": f"The parcel{EVIL}\r\ncame back."},
    {"TransactionId": 11, "ContentType": "text/plain", "Content": f"Checked{EVIL}"},
]
USERS = {
    "6": {"Name": f"ben{EVIL}", "RealName": f"Ben{EVIL}"},
    "7": {"Name": "cy", "RealName": f"Cy{EVIL}"},
    "ana": {"Name": "ana", "RealName": f"Ana{EVIL}"},
}


def listing(items: list) -> httpx.Response:
    return httpx.Response(200, json={"items": items, "total": len(items), "pages": 1, "page": 1})


def hostile_rt(request: httpx.Request) -> httpx.Response:
    path = request.url.path.removeprefix("/REST/2.0")
    if path.startswith("/user/"):
        return httpx.Response(200, json=USERS[path.removeprefix("/user/")])
    if path == "/queues/all":
        return listing([{"id": 3, "Name": f"Returns{EVIL}", "Description": f"Back{EVIL}"}])
    if path == "/tickets":
        # Searches: the hostile status word is inactive; counts and pages get the one ticket.
        return listing([] if "__Active__" in request.url.params["query"] else [RT_TICKET])
    if path == "/ticket/1":
        return httpx.Response(200, json=RT_TICKET, headers={"ETag": b'"77\x1b]0;owned\x07\x1b[2J\x9b31m"'})
    if path == "/ticket/1/history":
        return listing(HISTORY)
    if path == "/ticket/1/attachments":
        return listing(ATTACHMENTS)
    if path == "/transaction/10/attachments":
        return listing(ATTACHMENTS[:1])
    return httpx.Response(404, json={"message": "Resource does not exist"})


async def test_every_request_tracker_string_is_sanitised():
    backend = RTBackend("http://rt.test", user="ana", password="pw", transport=httpx.MockTransport(hostile_rt))
    try:
        me, queues = await backend.me(), await backend.queues()
        page, task, events = await backend.tasks(TaskQuery()), await backend.task("1"), await backend.events("1")
    finally:
        await backend.aclose()
    assert_safe(me, queues, page, task, events)
    assert me.name == "Ana" + SHOWN
    assert (queues[0].name, queues[0].description) == ("Returns" + SHOWN, "Back" + SHOWN)
    assert (task.title, task.reference, task.tags) == ("Refund" + SHOWN, "ORD-1" + SHOWN, ("vip" + SHOWN,))
    assert (task.status, task.backend_status) == ("closed", "pending" + SHOWN.lower())
    assert task.owner is not None and task.owner.name == "Eve" + SHOWN
    assert task.fields == (("Region" + SHOWN, "North" + SHOWN),)
    assert task.body == f"The parcel{SHOWN}\ncame back."
    assert task.version == "77"
    assert [e.kind for e in events] == ["created", "note", "updated", "updated", "updated", "updated"]
    assert events[1].body == "Checked" + SHOWN
    assert events[2].body == f"Owner changed from Ben{SHOWN} to Cy{SHOWN}"
