"""Reading a Request Tracker ticket's history: its events, the text it was created with, and
backdesk's notes found again by their comment subject.

RT keeps a comment's text in the transaction's attachments and names users by number in
owner changes, so reading the history takes a few requests; what never changes (a ticket's
first text, a user) is cached.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from .errors import NotFoundError
from .http import log
from .models import Event, Person
from .rt_confirm import SINCE_PAGE
from .rt_decode import RTDecoder, creator, owner_users, person, records, text, text_content, ticket_id, timestamp
from .rt_paging import PAGE, all_pages
from .sanitize import clean, clean_line

#: How many tickets' first texts are kept.
BODIES = 512
#: The adapter's GET: ``get(path, params=...)`` -> RT's JSON.
Get = Callable[..., Awaitable[Any]]


class TicketHistory:
    """History reads for one RT connection (``get``), decoded with ``decode``."""

    def __init__(self, get: Get, decode: RTDecoder) -> None:
        self._get = get
        self._decode = decode
        self._bodies: OrderedDict[str, str] = OrderedDict()
        self._people: dict[str, Person | None] = {}

    async def events(self, task_id: str) -> list[Event]:
        """Every transaction backdesk shows, oldest first (see :meth:`RTDecoder.event`)."""
        path = f"/ticket/{ticket_id(task_id)}"
        history, attachments = await asyncio.gather(
            all_pages(
                self._get,
                f"{path}/history",
                {
                    "fields": "Type,Field,OldValue,NewValue,Data,Created,Creator",
                    "fields[Creator]": "Name,RealName",
                    "orderby": "id",
                    "order": "ASC",
                },
            ),
            all_pages(
                self._get,
                f"{path}/attachments",
                {"fields": "TransactionId,ContentType,Content", "orderby": "id", "order": "ASC"},
            ),
        )
        texts = transaction_texts(attachments)
        create = next((txn for txn in history if txn.get("Type") == "Create"), None)
        if create is not None:  # the ticket's first text, which body() would ask RT for again
            self._keep_body(task_id, texts.get(str(create.get("id")), ""))
        users = {user for txn in history for user in owner_users(txn)}
        await asyncio.gather(*(self._person(user) for user in users))
        events = (self._decode.event(task_id, txn, texts.get(str(txn.get("id")), ""), self._people) for txn in history)
        return [event for event in events if event is not None]

    async def body(self, task_id: str) -> str:
        """The text the ticket was created with (it never changes, so it is cached)."""
        if task_id not in self._bodies:
            history = await self._get(
                f"/ticket/{ticket_id(task_id)}/history",
                params={"fields": "Type", "orderby": "id", "order": "ASC", "per_page": 5},
            )
            create = next((t for t in records(history) if t.get("Type") == "Create"), None)
            content = None
            if create is not None:
                parts = await self._get(
                    f"/transaction/{ticket_id(str(create.get('id')))}/attachments",
                    params={"fields": "ContentType,Content", "per_page": 20},
                )
                content = next((c for c in map(text_content, records(parts)) if c is not None), None)
            self._keep_body(task_id, content or "")
        return self._bodies[task_id]

    def created(self, task_id: str, body: str) -> None:
        """Remember the text a ticket was just created with."""
        self._keep_body(task_id, clean(body))

    def _keep_body(self, task_id: str, body: str) -> None:
        self._bodies[task_id] = body
        self._bodies.move_to_end(task_id)
        while len(self._bodies) > BODIES:
            self._bodies.popitem(last=False)

    async def find_note(self, task_id: str, subject: str, body: str) -> Event | None:
        """The note whose comment subject is ``subject``: RT is asked for the comments whose
        subject holds it, so the answer is small however long the history is."""
        query = [{"field": "Type", "value": "Comment"}, {"field": "Data", "operator": "LIKE", "value": subject}]
        data = await self._get(
            f"/ticket/{ticket_id(task_id)}/history",
            params={
                "query": json.dumps(query, separators=(",", ":")),
                "fields": "Type,Data,Created,Creator",
                "fields[Creator]": "Name,RealName",
                "orderby": "id",
                "order": "DESC",
                "per_page": PAGE,
            },
        )
        for txn in records(data):
            if txn.get("Type") == "Comment" and text(txn, "Data").strip() == subject:
                return Event(
                    id=clean_line(txn.get("id")),
                    task_id=task_id,
                    kind="note",
                    at=timestamp(txn.get("Created")),
                    actor=creator(txn),
                    body=clean(body),
                )
        return None

    async def since(self, task_id: str, etag: str) -> list[dict] | None:
        """The ticket's transactions after the one ``etag`` names (its ETag), oldest first, with
        what :func:`.rt_confirm.advanced` needs; None when ``etag`` names no transaction or there
        may be more than one page of them."""
        if not etag.isdigit():
            return None
        data = await self._get(
            f"/ticket/{ticket_id(task_id)}/history",
            params={
                "query": json.dumps([{"field": "id", "operator": ">", "value": etag}], separators=(",", ":")),
                "fields": "Type,Field,NewValue,Created",
                "orderby": "id",
                "order": "ASC",
                "per_page": SINCE_PAGE,
            },
        )
        txns = records(data)
        if len(txns) >= SINCE_PAGE or any(not text(t, "id").isdigit() or int(text(t, "id")) <= int(etag) for t in txns):
            return None
        return txns

    async def _person(self, user_id: str) -> Person | None:
        """An RT user by numeric id or name; None for RT's "Nobody"."""
        if user_id not in self._people:
            try:
                data = await self._get(f"/user/{quote(user_id, safe='')}")
            except NotFoundError as exc:
                log.debug("RT user %r not found; shown by that name", user_id, exc_info=exc)
                data = {"Name": user_id}
            found = person(data, user_id)
            self._people[user_id] = None if found.id == "Nobody" else found
        return self._people[user_id]


def transaction_texts(attachments: list[dict]) -> dict[str, str]:
    """Transaction id -> the text of its first ``text/plain`` attachment."""
    texts: dict[str, str] = {}
    for item in attachments:
        content = text_content(item)
        if content is not None:
            texts.setdefault(str(item.get("TransactionId")), content)
    return texts
