"""The Request Tracker 5 adapter, over RT's built-in REST 2.0 API.

How RT's world maps onto backdesk's:

* **Statuses.** ``new``/``open`` -> open, ``stalled`` -> waiting, ``resolved`` -> closed
  (done), ``rejected``/``deleted`` -> closed (rejected). Any other word comes from a custom
  lifecycle: RT itself is asked once per word whether it is active or inactive (TicketSQL
  ``__Active__``), giving open or closed, and ``Task.backend_status`` keeps RT's word
  (also for ``stalled`` and ``deleted``) so the TUI shows it.
* **Priorities.** RT's number: 0-24 low, 25-49 normal, 50-74 high, 75 and up urgent.
  Writing sets low=10, normal=30, high=60, urgent=90.
* **Due.** RT's ``Due``; RT's "not set" (1970) is None. Written as ``YYYY-MM-DD HH:MM:SS``
  UTC (RT's storage format); searches use RT's relative dates (``'+2 hours'``, ``'now'``)
  so the RT user's time zone never skews them.
* **Tags and reference.** Ticket custom fields named ``Tags`` and ``Reference`` (names
  configurable; ``None`` turns one off, and a ``tag:`` filter then fails with an
  InvalidRequestError). Other custom fields become ``Task.fields``.
* **Versions.** ``task()`` returns RT's ETag (the id of the ticket's latest transaction);
  listed tickets carry ``@<LastUpdated>`` because searches give no ETag. ``close`` and
  ``update`` first read the ticket, raise StaleError when the version does not match,
  then write with ``If-Match`` on the fresh ETag, so RT refuses (412) any change made in
  between.
* **Claims.** claim = ``take`` (``steal`` with force), release = ``untake``. RT reports a
  lost race in a 200 body ("You can only take tickets that are unowned"), in the user's
  language, so the adapter reads the ticket around each call and decides from the owner:
  someone else's ticket raises ConflictError naming them, one's own claim succeeds quietly,
  and claiming or closing a closed ticket is a ConflictError as in the Work Queue API.
* **Notes** are always comments (internal), never correspondence (which mails the
  requester). RT has no idempotency keys: each note's comment subject is
  ``backdesk note <key>``, and before posting, the ticket's latest 100 transactions are
  searched for that subject, so a retry after a timeout finds the first comment instead
  of adding a second one. Closing as *duplicate* resolves the ticket and adds the note
  "Closed as a duplicate." (RT has no duplicate resolution); it reads back as done.
* **Sorting and pages.** priority/due_at/created_at/updated_at -> Priority/Due/Created/
  LastUpdated, ties by Due then id; the cursor is RT's page number. Sorting by due date
  ascending lists dated tickets first, then undated ones (cursor ``d<page>``/``u<page>``);
  within a tie of another sort RT puts undated tickets first. RT times are per second.
* **People.** A user's ``id`` is the RT user name, ``name`` the real name. Everyone is an
  operator: RT has no lead role.
* **Counts** are TicketSQL searches run concurrently; when RT withholds ``total`` (users
  without global ShowTicket), the last page is found by probing and bisection.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import httpx

from .errors import (
    AuthError,
    BackendError,
    BadResponseError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    StaleError,
)
from .filters import Term, parse_filter
from .http import HTTPAdapter, parse_time
from .models import (
    PRIORITIES,
    Event,
    NewTask,
    Person,
    Priority,
    Queue,
    QueueCounts,
    Resolution,
    Status,
    Task,
    TaskChanges,
    TaskPage,
    TaskQuery,
)

#: Lowest RT priority number of each level; writes use PRIORITY_VALUE.
PRIORITY_FLOOR = {"low": 0, "normal": 25, "high": 50, "urgent": 75}
PRIORITY_VALUE = {"low": 10, "normal": 30, "high": 60, "urgent": 90}
SORT_COLUMNS = {"priority": "Priority", "due_at": "Due", "created_at": "Created", "updated_at": "LastUpdated"}
ACTIVE = {"new": True, "open": True, "stalled": True, "resolved": False, "rejected": False, "deleted": False}
CLOSE_STATUS = {"done": "resolved", "rejected": "rejected", "duplicate": "resolved"}
NOTE_SUBJECT = "backdesk note "
TICKET_FIELDS = "Subject,Status,Owner,Queue,Priority,Created,LastUpdated,Due,CustomFields"
SUB_FIELDS = {"fields[Owner]": "Name,RealName", "fields[Queue]": "Name"}
DUE_SET = "Due IS NOT NULL"  # RT compares an unset date as NULL
DUE_UNSET = "Due IS NULL"
PAGE = 100  # RT's largest per_page
HISTORY_PAGES = 20


class RTBackend(HTTPAdapter):
    """Request Tracker 5 through REST 2.0, as one user (basic auth or an auth token)."""

    api_prefix = "/REST/2.0"

    def __init__(
        self,
        url: str,
        *,
        user: str,
        password: str | None = None,
        token: str | None = None,
        timeout: float = 15.0,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
        tags_field: str | None = "Tags",
        reference_field: str | None = "Reference",
        search_content: bool = False,
    ) -> None:
        """``search_content`` makes free text also match ticket content (slow without RT's
        full-text index); by default it matches the subject and the reference field."""
        if not (password or token):
            raise AuthError("Request Tracker needs a password or an auth token for " + user + ".")
        super().__init__(
            url,
            headers={"Authorization": f"token {token}"} if token else None,
            auth=None if token else (user, password or ""),
            timeout=timeout,
            verify=verify,
            transport=transport,
        )
        self.user = user
        self.label = f"Request Tracker at {self.root}"
        self.tags_field = tags_field
        self.reference_field = reference_field
        self.search_content = search_content
        self._me: Person | None = None
        self._active: dict[str, bool] = dict(ACTIVE)
        self._bodies: dict[str, str] = {}
        self._people: dict[str, Person | None] = {}
        self._notes: dict[tuple[str, str], Event] = {}
        self._limit = asyncio.Semaphore(6)

    # -- reads ---------------------------------------------------------------------------

    async def me(self) -> Person:
        if self._me is None:
            data = await self._get(f"/user/{quote(self.user, safe='')}")
            name = _str(data, "Name") or self.user
            self._me = Person(id=name, name=_str(data, "RealName") or name)
        return self._me

    async def queues(self) -> list[Queue]:
        data = await self._get("/queues/all", params={"fields": "Name,Description", "per_page": PAGE})
        queues = [item for item in _items(data) if isinstance(item, dict)]
        counts = await asyncio.gather(*(self._counts(str(item.get("id"))) for item in queues))
        return [
            Queue(
                id=str(item.get("id")),
                name=_str(item, "Name") or str(item.get("id")),
                description=_str(item, "Description"),
                counts=count,
            )
            for item, count in zip(queues, counts)
        ]

    async def tasks(self, query: TaskQuery, cursor: str | None = None) -> TaskPage:
        sql = self.ticket_sql(query)
        per_page = max(1, min(query.limit, PAGE))
        column = SORT_COLUMNS[query.sort.field]
        order = "DESC" if query.sort.descending else "ASC"
        orderby = [(column, order)] + ([("Due", "ASC")] if column != "Due" else []) + [("id", "ASC")]
        # RT keeps an unset Due as 1970, which sorts first ascending; list dated tickets
        # first, then undated ones, so "no due date" comes last as in the Work Queue API.
        split = column == "Due" and not query.sort.descending
        phase, page = _read_cursor(cursor, split)
        while True:
            where = f"({sql}) AND {DUE_SET if phase == 'd' else DUE_UNSET}" if split else sql
            data = await self._search(where, page, per_page, orderby, TICKET_FIELDS)
            items = [item for item in _items(data) if isinstance(item, dict)]
            more = _has_more(data, len(items), page, per_page)
            if split and phase == "d" and not more and not items:
                phase, page = "u", 1
                continue
            next_cursor = f"{phase}{page + 1}" if more else "u1" if split and phase == "d" else None
            total = data.get("total")
            await self._learn_statuses(items)
            return TaskPage(
                items=tuple(self._task(item) for item in items),
                total=total if isinstance(total, int) and not split else None,
                next_cursor=next_cursor,
            )

    async def task(self, task_id: str) -> Task:
        data, etag = await self._ticket(task_id)
        body = await self._body(task_id)
        await self._learn_statuses([data])
        return self._task(data, version=etag, body=body)

    async def events(self, task_id: str) -> list[Event]:
        history, attachments = await asyncio.gather(
            self._all(
                f"/ticket/{_id(task_id)}/history",
                {"fields": "Type,Field,OldValue,NewValue,Data,Created,Creator",
                 "fields[Creator]": "Name,RealName", "orderby": "id", "order": "ASC"},
            ),
            self._all(
                f"/ticket/{_id(task_id)}/attachments",
                {"fields": "TransactionId,ContentType,Content", "orderby": "id", "order": "ASC"},
            ),
        )
        texts: dict[str, str] = {}
        for item in attachments:
            if item.get("ContentType") == "text/plain" and isinstance(item.get("Content"), str):
                texts.setdefault(str(item.get("TransactionId")), item["Content"])
        events = []
        for txn in history:
            event = await self._event(task_id, txn, texts.get(str(txn.get("id")), ""))
            if event is not None:
                events.append(event)
        return events

    # -- writes --------------------------------------------------------------------------

    async def create_task(self, new: NewTask) -> Task:
        body: dict[str, Any] = {
            "Queue": new.queue,
            "Subject": new.title,
            "Content": new.body,
            "ContentType": "text/plain",
            "Priority": PRIORITY_VALUE[new.priority],
        }
        if new.due_at:
            body["Due"] = _rt_time(new.due_at)
        fields: dict[str, Any] = {}
        if new.reference and self.reference_field:
            fields[self.reference_field] = new.reference
        if new.tags:
            fields[self._tags_field()] = list(new.tags)
        if fields:
            body["CustomFields"] = fields
        data = self._json(await self._send("POST", "/ticket", json=body, right="CreateTicket"))
        if not isinstance(data, dict) or not data.get("id"):
            raise BadResponseError("Request Tracker created no ticket id; check the queue name.")
        self._bodies[str(data["id"])] = new.body
        return await self.task(str(data["id"]))

    async def claim(self, task_id: str, *, force: bool = False) -> Task:
        me = await self.me()
        before = await self.task(task_id)
        if before.is_closed:
            raise ConflictError(f"Ticket {task_id} is {before.status_label}; reopen it in RT to claim it.", status=409)
        if before.owner and before.owner.id == me.id:
            return before
        if before.owner and not force:
            raise _claimed(task_id, before.owner)
        action = "steal" if before.owner else "take"
        await self._send("PUT", f"/ticket/{_id(task_id)}/{action}", json={},
                         right="StealTicket" if before.owner else "TakeTicket")
        after = await self.task(task_id)
        if not (after.owner and after.owner.id == me.id):
            if after.owner:
                raise _claimed(task_id, after.owner)
            raise ConflictError(f"Request Tracker did not let you take ticket {task_id}.", status=409)
        return after

    async def release(self, task_id: str) -> Task:
        me = await self.me()
        before = await self.task(task_id)
        if not (before.owner and before.owner.id == me.id):
            holder = f" ({before.owner.name} holds it)" if before.owner else " (nobody holds it)"
            raise ConflictError(f"You cannot release ticket {task_id}: it is not yours{holder}.",
                                claimed_by=before.owner, status=409)
        await self._send("PUT", f"/ticket/{_id(task_id)}/untake", json={}, right="OwnTicket")
        after = await self.task(task_id)
        if after.owner is not None:
            raise ConflictError(f"Ticket {task_id} is now held by {after.owner.name}.",
                                claimed_by=after.owner, status=409)
        return after

    async def add_note(self, task_id: str, body: str, *, idempotency_key: str) -> Event:
        if not body.strip():
            raise InvalidRequestError("A note needs some text.", status=400)
        key = re.sub(r"\s+", "-", idempotency_key.strip())
        if not key:
            raise InvalidRequestError("A note needs an idempotency key.", status=400)
        cached = self._notes.get((task_id, key))
        if cached:
            return cached
        subject = NOTE_SUBJECT + key
        event = await self._find_note(task_id, subject, body)
        if event is None:
            await self._send(
                "POST", f"/ticket/{_id(task_id)}/comment",
                json={"Subject": subject, "Content": body, "ContentType": "text/plain"},
                right="CommentOnTicket",
            )
            event = await self._find_note(task_id, subject, body)
            if event is None:
                raise BadResponseError(f"Request Tracker accepted the note but ticket {task_id} does not show it.")
        self._notes[(task_id, key)] = event
        return event

    async def close(
        self,
        task_id: str,
        resolution: Resolution,
        *,
        note: str | None = None,
        version: str | None = None,
    ) -> Task:
        data, etag = await self._ticket(task_id)
        await self._learn_statuses([data])
        current = self._task(data, version=etag)
        if current.is_closed:
            raise ConflictError(f"Ticket {task_id} is already {current.status_label}.", status=409)
        _check_version(task_id, data, etag, version)
        if resolution == "duplicate":
            note = "Closed as a duplicate." + (f"\n\n{note}" if note else "")
        if note:
            event = await self.add_note(task_id, note, idempotency_key=f"close-{uuid.uuid4()}")
            etag = event.id
        await self._put(task_id, {"Status": CLOSE_STATUS[resolution]}, etag if version else None)
        after = await self.task(task_id)
        if not after.is_closed:
            raise InvalidRequestError(
                f"Request Tracker kept ticket {task_id} {after.status_label}; its lifecycle may not allow "
                f"{CLOSE_STATUS[resolution]} from there.", status=400)
        return after

    async def update(self, task_id: str, changes: TaskChanges, *, version: str | None = None) -> Task:
        data, etag = await self._ticket(task_id)
        _check_version(task_id, data, etag, version)
        body: dict[str, Any] = {}
        if changes.priority is not None:
            body["Priority"] = PRIORITY_VALUE[changes.priority]
        if changes.due_at is not None:
            body["Due"] = _rt_time(changes.due_at)
        if changes.queue is not None:
            body["Queue"] = changes.queue
        if changes.title is not None:
            body["Subject"] = changes.title
        if not body:
            return await self.task(task_id)
        messages = await self._put(task_id, body, etag if version else None)
        data, etag = await self._ticket(task_id)
        queue = data.get("Queue") if isinstance(data.get("Queue"), dict) else {}
        after = self._task(data, version=etag, body=await self._body(task_id))
        missed = [
            name for name, ok in (
                ("priority", changes.priority is None or after.priority == changes.priority),
                ("title", changes.title is None or after.title == changes.title),
                ("queue", changes.queue is None or changes.queue in (after.queue, _str(queue, "Name"))),
            ) if not ok
        ]
        if missed:
            raise InvalidRequestError(
                f"Request Tracker did not change the {', '.join(missed)} of ticket {task_id}: "
                + "; ".join(m for m in messages if isinstance(m, str)), status=400)
        return after

    # -- TicketSQL -----------------------------------------------------------------------

    def ticket_sql(self, query: TaskQuery) -> str:
        """The TicketSQL for a TaskQuery (its filter text included)."""
        clauses: list[str] = []
        if query.queue:
            clauses.append(_queue_clause(query.queue, False))
        if query.status:
            clauses.append(_status_clause(set(query.status), False))
        if query.owner:
            clauses.append(_owner_clause(query.owner, False))
        for term in parse_filter(query.q).terms:
            clauses.append(self._term(term))
        clauses = [c for c in clauses if c]
        return " AND ".join(f"({c})" for c in clauses) if clauses else "id > 0"

    def _term(self, term: Term) -> str:
        neg = term.negated
        if term.key == "text":
            return self._text_clause(term.values[0], neg)
        if term.key == "status":
            return _status_clause(set(term.values), neg)
        if term.key == "owner":
            return _join([_owner_clause(v, neg) for v in term.values], "AND" if neg else "OR")
        if term.key == "queue":
            return _queue_clause(term.values[0], neg)
        if term.key == "priority":
            return _priority_clause(term, neg)
        if term.key == "tag":
            field = _quote_cf(self._tags_field())
            op = "!=" if neg else "="
            return _join([f"{field} {op} {_q(v)}" for v in term.values], "AND" if neg else "OR")
        if term.key == "due":
            return _due_clause(term, neg)
        if term.key == "breached":
            if neg:
                return f"Due > 'now' OR {DUE_UNSET} OR Status = '__Inactive__'"
            return f"Due < 'now' AND {DUE_SET} AND Status = '__Active__'"
        raise InvalidRequestError(f"Request Tracker cannot filter by {term.key}.", status=400)

    def _text_clause(self, text: str, neg: bool) -> str:
        columns = ["Subject"]
        if self.reference_field:
            columns.append(_quote_cf(self.reference_field))
        if self.search_content:
            columns.append("Content")
        if neg:
            return _join([f"{c} NOT LIKE {_q(text)}" + (f" OR {c} IS NULL" if c.startswith("CF.") else "")
                          for c in columns], "AND")
        return _join([f"{c} LIKE {_q(text)}" for c in columns], "OR")

    def _tags_field(self) -> str:
        if not self.tags_field:
            raise InvalidRequestError(
                "Request Tracker has no tags here: this profile sets no tags custom field.", status=400)
        return self.tags_field

    # -- plumbing ------------------------------------------------------------------------

    async def _send(self, method: str, path: str, *, right: str | None = None, **kwargs: Any) -> httpx.Response:
        """One request; a 403 names the RT right the operator is probably missing."""
        async with self._limit:
            try:
                return await self._request(method, path, **kwargs)
            except AuthError as err:
                if err.status == 403 and right:
                    raise AuthError(
                        f"Request Tracker refused: your RT user lacks the {right} right here. Ask an RT admin.",
                        status=403, detail=err.detail) from None
                raise

    async def _get(self, path: str, params: Any = None, right: str = "ShowTicket") -> Any:
        return self._json(await self._send("GET", path, params=params, right=right))

    async def _ticket(self, task_id: str) -> tuple[dict, str]:
        response = await self._send("GET", f"/ticket/{_id(task_id)}", params=SUB_FIELDS, right="ShowTicket")
        data = self._json(response)
        if not isinstance(data, dict) or "id" not in data:
            raise BadResponseError(f"Request Tracker sent ticket {task_id} without an id.")
        return data, response.headers.get("etag", "").strip('"')

    async def _put(self, task_id: str, body: dict, etag: str | None) -> list:
        headers = {"If-Match": f'"{etag}"'} if etag else {}
        data = self._json(await self._send("PUT", f"/ticket/{_id(task_id)}", json=body, headers=headers,
                                      right="ModifyTicket"))
        return data if isinstance(data, list) else []

    async def _search(self, sql: str, page: int, per_page: int,
                      orderby: Iterable[tuple[str, str]] = (), fields: str = "") -> dict:
        params: list[tuple[str, str | int]] = [("query", sql), ("page", page), ("per_page", per_page)]
        for column, order in orderby:
            params += [("orderby", column), ("order", order)]
        if fields:
            params += [("fields", fields), *SUB_FIELDS.items()]
        data = await self._get("/tickets", params=params)
        if not isinstance(data, dict):
            raise BadResponseError("Request Tracker's search answer is not an object.")
        return data

    async def _count(self, sql: str) -> int:
        """Matching tickets; probes pages when RT withholds the total."""
        first = await self._search(sql, 1, PAGE)
        if isinstance(first.get("total"), int):
            return first["total"]
        counts = {1: len(_items(first))}

        async def count(page: int) -> int:
            if page not in counts:
                counts[page] = len(_items(await self._search(sql, page, PAGE)))
            return counts[page]

        if counts[1] < PAGE:
            return counts[1]
        full, page = 1, 2
        while await count(page) == PAGE:
            full, page = page, page * 2
        while page - full > 1:
            middle = (full + page) // 2
            if await count(middle) == PAGE:
                full = middle
            else:
                page = middle
        return full * PAGE + await count(full + 1)

    async def _counts(self, queue_id: str) -> QueueCounts:
        base = f"Queue = {int(queue_id)} AND Status = '__Active__'" if queue_id.isdigit() \
            else f"Queue = {_q(queue_id)} AND Status = '__Active__'"
        open_, unclaimed, mine, breached = await asyncio.gather(
            self._count(base),
            self._count(f"{base} AND Owner = 'Nobody'"),
            self._count(f"{base} AND Owner = '__CurrentUser__'"),
            self._count(f"{base} AND Due < 'now' AND {DUE_SET}"),
        )
        return QueueCounts(open=open_, unclaimed=unclaimed, mine=mine, breached=breached)

    async def _all(self, path: str, params: dict[str, str]) -> list[dict]:
        items: list[dict] = []
        for page in range(1, HISTORY_PAGES + 1):
            data = await self._get(path, params={**params, "page": page, "per_page": PAGE})
            batch = [item for item in _items(data) if isinstance(item, dict)]
            items += batch
            if not _has_more(data, len(batch), page, PAGE):
                break
        return items

    async def _body(self, task_id: str) -> str:
        """The text the ticket was created with (it never changes, so it is cached)."""
        if task_id not in self._bodies:
            history = await self._get(f"/ticket/{_id(task_id)}/history",
                                      params={"fields": "Type", "orderby": "id", "order": "ASC", "per_page": 5})
            create = next((t for t in _items(history) if isinstance(t, dict) and t.get("Type") == "Create"), None)
            text = ""
            if create is not None:
                parts = await self._get(f"/transaction/{_id(str(create.get('id')))}/attachments",
                                        params={"fields": "ContentType,Content", "per_page": 20})
                text = next((p["Content"] for p in _items(parts) if isinstance(p, dict)
                             and p.get("ContentType") == "text/plain" and isinstance(p.get("Content"), str)), "")
            self._bodies[task_id] = text
        return self._bodies[task_id]

    async def _learn_statuses(self, tickets: list[dict]) -> None:
        """Ask RT whether status words it uses beyond the default lifecycle are active."""
        unknown: dict[str, str] = {}
        for item in tickets:
            status = _str(item, "Status").lower()
            if status and status not in self._active:
                unknown.setdefault(status, str(item.get("id")))

        async def learn(status: str, ticket_id: str) -> None:
            data = await self._search(f"id = {int(ticket_id)} AND Status = '__Active__'", 1, 1)
            self._active[status] = bool(_items(data))

        await asyncio.gather(*(learn(s, t) for s, t in unknown.items() if t.isdigit()))

    async def _person(self, user_id: str) -> Person | None:
        """An RT user by numeric id or name; None for RT's "Nobody"."""
        if user_id not in self._people:
            try:
                data = await self._get(f"/user/{quote(user_id, safe='')}")
            except NotFoundError:
                data = {"Name": user_id}
            name = _str(data, "Name") or user_id
            self._people[user_id] = None if name == "Nobody" else Person(id=name, name=_str(data, "RealName") or name)
        return self._people[user_id]

    async def _find_note(self, task_id: str, subject: str, body: str) -> Event | None:
        data = await self._get(
            f"/ticket/{_id(task_id)}/history",
            params={"fields": "Type,Data,Created,Creator", "fields[Creator]": "Name,RealName",
                    "orderby": "id", "order": "DESC", "per_page": PAGE},
        )
        for txn in _items(data):
            if isinstance(txn, dict) and txn.get("Type") == "Comment" and _str(txn, "Data").strip() == subject:
                return Event(id=str(txn.get("id")), task_id=task_id, kind="note",
                             at=_time(txn.get("Created")), actor=_creator(txn), body=body)
        return None

    # -- decoding ------------------------------------------------------------------------

    def _task(self, data: dict, *, version: str | None = None, body: str = "") -> Task:
        word = _str(data, "Status").lower()
        status, resolution = self._status(word)
        owner = data.get("Owner") if isinstance(data.get("Owner"), dict) else {}
        owner_name = _str(owner, "Name") or _str(owner, "id")
        queue = data.get("Queue") if isinstance(data.get("Queue"), dict) else {}
        custom = {cf.get("name"): [str(v) for v in cf.get("values") or [] if v is not None]
                  for cf in data.get("CustomFields") or [] if isinstance(cf, dict)}
        reference = custom.pop(self.reference_field, None) if self.reference_field else None
        tags = custom.pop(self.tags_field, None) if self.tags_field else None
        ticket_id = str(data.get("id", ""))
        if not ticket_id:
            raise BadResponseError("Request Tracker sent a ticket without an id.")
        return Task(
            id=ticket_id,
            queue=str(queue.get("id", "")),
            title=_str(data, "Subject"),
            body=body,
            status=status,
            priority=priority_level(data.get("Priority")),
            created_at=_time(data.get("Created")),
            updated_at=_time(data.get("LastUpdated")),
            version=version or "@" + _str(data, "LastUpdated"),
            resolution=resolution,
            owner=Person(owner_name, _str(owner, "RealName") or owner_name)
            if owner_name and owner_name != "Nobody" else None,
            due_at=_due(data.get("Due")),
            reference=reference[0] if reference else None,
            tags=tuple(tags or ()),
            url=f"{self.root}/Ticket/Display.html?id={ticket_id}",
            backend_status=word if word not in ("new", "open", "resolved", "rejected") else None,
            fields=tuple((str(name), ", ".join(values)) for name, values in custom.items() if values),
        )

    def _status(self, word: str) -> tuple[Status, Resolution | None]:
        if word == "stalled":
            return "waiting", None
        if self._active.get(word, True):
            return "open", None
        return "closed", "done" if word == "resolved" else "rejected" if word in ("rejected", "deleted") else None

    async def _event(self, task_id: str, txn: dict, text: str) -> Event | None:
        kind, body = "updated", ""
        kind_of, field = _str(txn, "Type"), _str(txn, "Field")
        old, new = _str(txn, "OldValue"), _str(txn, "NewValue")
        actor = _creator(txn)
        if kind_of == "SetWatcher" and field == "Owner":
            return None  # RT's twin of the "Set Owner" transaction
        if kind_of == "Create":
            kind, body = "created", text
        elif kind_of == "Comment":
            kind, body = "note", text
        elif kind_of == "Correspond":
            kind, body = "note", "Reply to the requester:\n" + text
        elif field == "Owner" or kind_of in ("Take", "Untake", "Steal", "Give"):
            before, after = await self._person(old) if old else None, await self._person(new) if new else None
            if after is None:
                kind, body = "released", f"Released by {actor.name}" if actor else "Released"
            elif before is None and actor and after.id == actor.id:
                kind = "claimed"
            elif before is not None and actor and after.id == actor.id:
                kind, body = "stolen", f"Took over from {before.name}"
            else:
                body = f"Owner changed from {before.name if before else 'nobody'} to {after.name}"
        elif kind_of == "Status" or field == "Status":
            was, now = self._active.get(old.lower(), True), self._active.get(new.lower(), True)
            if was and not now:
                kind, body = "closed", self._status(new.lower())[1] or new
            elif now and not was:
                kind, body = "reopened", f"Status changed from {old} to {new}"
            else:
                body = f"Status changed from {old} to {new}"
        elif kind_of == "Set":
            body = f"{field} changed from {old or 'nothing'} to {new or 'nothing'}"
        elif kind_of == "CustomField":
            body = f"Custom field changed: {old or 'nothing'} -> {new or 'nothing'}"
        else:
            body = " ".join(p for p in (kind_of, field, new) if p)
        return Event(id=str(txn.get("id")), task_id=task_id, kind=kind, at=_time(txn.get("Created")),
                     actor=actor, body=body)

    # -- errors --------------------------------------------------------------------------

    def _error(self, response: httpx.Response) -> BackendError:
        status = response.status_code
        if status >= 500:
            return super()._error(response)
        try:
            payload = response.json()
        except ValueError:
            payload = None
        detail = payload.get("message") if isinstance(payload, dict) and isinstance(payload.get("message"), str) \
            else None
        if status == 401:
            return AuthError(f"Request Tracker at {self.root} did not accept {self.user}'s credentials. "
                             "Check the user and password / token.", status=status, detail=detail)
        if status == 403:
            return AuthError("Request Tracker refused: your RT user lacks the right for this. Ask an RT admin.",
                             status=status, detail=detail)
        if status == 404:
            return NotFoundError("That ticket, queue or user does not exist in Request Tracker "
                                 "(or is hidden from you).", status=status, detail=detail)
        if status == 412:
            return StaleError("Someone else changed this ticket since you loaded it. "
                              "Press r to reload, then try again.", status=status, detail=detail)
        return InvalidRequestError(f"Request Tracker rejected the request: {detail or 'HTTP ' + str(status)}",
                                   status=status, detail=detail)


# -- helpers ---------------------------------------------------------------------------------


def priority_level(value: Any) -> Priority:
    """RT's priority number as a backdesk level (see the module docstring)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return "normal"
    return next(level for level in reversed(PRIORITIES) if number >= PRIORITY_FLOOR[level] or level == "low")


def _claimed(task_id: str, owner: Person) -> ConflictError:
    return ConflictError(f"{owner.name} has already claimed ticket {task_id}. Press C to take it over.",
                         claimed_by=owner, status=409)


def _check_version(task_id: str, data: dict, etag: str, version: str | None) -> None:
    if not version:
        return
    current = "@" + _str(data, "LastUpdated") if version.startswith("@") else etag
    if version.strip('"') != current:
        raise StaleError(f"Ticket {task_id} changed since you loaded it. Press r to reload, then try again.",
                         status=412, detail=f"current version {etag}")


def _read_cursor(cursor: str | None, split: bool) -> tuple[str, int]:
    text = cursor or ("d1" if split else "1")
    phase = text[0] if split and text[:1] in ("d", "u") else ""
    number = text[len(phase):]
    if not number.isdigit() or int(number) < 1 or (split and not phase):
        raise InvalidRequestError("That page cursor is not from this Request Tracker list; reload the list.",
                                  status=400)
    return phase, int(number)


def _has_more(data: dict, count: int, page: int, per_page: int) -> bool:
    pages = data.get("pages")
    if isinstance(pages, int) and isinstance(data.get("total"), int):
        return page < pages
    return count >= per_page


def _items(data: Any) -> list[Any]:
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise BadResponseError("Request Tracker's list answer has no 'items' array.")
    return data["items"]


def _str(data: Any, name: str) -> str:
    value = data.get(name) if isinstance(data, dict) else None
    return str(value) if isinstance(value, (str, int)) else ""


def _id(task_id: str) -> str:
    if not str(task_id).isdigit():
        raise NotFoundError(f"{task_id!r} is not a Request Tracker ticket number.", status=404)
    return str(task_id)


def _time(value: Any) -> datetime:
    parsed = parse_time(value)
    if parsed is None:
        raise BadResponseError(f"Request Tracker sent no timestamp where one was expected ({value!r}).")
    return parsed


def _due(value: Any) -> datetime | None:
    parsed = parse_time(value) if value else None
    return parsed if parsed and parsed.year > 1970 else None


def _rt_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _creator(txn: dict) -> Person | None:
    creator = txn.get("Creator") if isinstance(txn.get("Creator"), dict) else {}
    name = _str(creator, "Name") or _str(creator, "id")
    if not name or name in ("Nobody", "RT_System"):
        return None
    return Person(id=name, name=_str(creator, "RealName") or name)


def _q(value: str) -> str:
    """A TicketSQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _quote_cf(name: str) -> str:
    return "CF.{" + name.replace("}", "") + "}"


def _join(clauses: list[str], op: str) -> str:
    return f" {op} ".join(f"({c})" for c in clauses if c)


def _queue_clause(queue: str, neg: bool) -> str:
    op = "!=" if neg else "="
    return f"Queue {op} {int(queue)}" if queue.isdigit() else f"Queue {op} {_q(queue)}"


def _owner_clause(owner: str, neg: bool) -> str:
    op = "!=" if neg else "="
    name = {"me": "__CurrentUser__", "none": "Nobody"}.get(owner, owner)
    return f"Owner {op} {_q(name)}"


_STATUS_SQL = {
    "open": "Status = '__Active__' AND Status != 'stalled'",
    "waiting": "Status = 'stalled'",
    "closed": "Status = '__Inactive__'",
}


def _status_clause(statuses: set[str], neg: bool) -> str:
    wanted = set(_STATUS_SQL) - statuses if neg else statuses & set(_STATUS_SQL)
    if not wanted:
        return "id < 0"
    if wanted == set(_STATUS_SQL):
        return ""
    return _join([_STATUS_SQL[s] for s in _STATUS_SQL if s in wanted], "OR")


def _priority_clause(term: Term, neg: bool) -> str:
    ranks = {level: i for i, level in enumerate(PRIORITIES)}
    value = ranks[term.values[0]]
    chosen = {
        ">=": {r for r in ranks.values() if r >= value},
        ">": {r for r in ranks.values() if r > value},
        "<=": {r for r in ranks.values() if r <= value},
        "<": {r for r in ranks.values() if r < value},
        "=": {ranks[v] for v in term.values},
    }[term.op]
    if neg:
        chosen = set(ranks.values()) - chosen
    if not chosen:
        return "id < 0"
    runs: list[str] = []
    start = None
    for rank in range(len(PRIORITIES) + 1):
        if rank in chosen and start is None:
            start = rank
        elif rank not in chosen and start is not None:
            low = f"Priority >= {PRIORITY_FLOOR[PRIORITIES[start]]}" if start > 0 else ""
            high = f"Priority < {PRIORITY_FLOOR[PRIORITIES[rank]]}" if rank < len(PRIORITIES) else ""
            runs.append(" AND ".join(p for p in (low, high) if p))
            start = None
    return "" if runs == [""] else _join(runs, "OR")


_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _due_clause(term: Term, neg: bool) -> str:
    amount, unit = term.values[0][:-1], _UNITS[term.values[0][-1]]
    when = f"'+{int(amount)} {unit}'"
    if term.op in ("<", "<="):
        return f"Due > {when} OR {DUE_UNSET}" if neg else f"Due < {when} AND {DUE_SET}"
    return f"Due < {when}" if neg else f"Due > {when}"
