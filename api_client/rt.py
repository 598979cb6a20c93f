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
  listed tickets carry ``@<LastUpdated>`` because searches give no ETag. ``close``,
  ``reopen`` and ``update`` raise StaleError when the version does not match, and write
  with ``If-Match``, so RT refuses (412) any change made in between. ``close`` (without a
  note) and ``reopen`` do not read the ticket first when the version is the ETag of the
  copy the adapter keeps (:mod:`.rt_confirm`): the ``If-Match`` write alone checks it.
* **Claims.** claim = ``take`` (``steal`` with force), release = ``untake``. RT reports a
  lost race in a 200 body ("You can only take tickets that are unowned"), in the user's
  language, so the adapter decides from the owner before and after each call: someone
  else's ticket raises ConflictError naming them, one's own claim succeeds quietly, and
  claiming or closing a closed ticket is a ConflictError as in the Work Queue API. A ticket
  the kept copy shows free is taken with ``If-Match`` on that copy, without reading it first.
* **Writes are confirmed from RT's transactions**, not its sentences: after a write the
  adapter reads the transactions since the ETag it wrote against and applies them to its
  copy (:mod:`.rt_confirm`), or reads the ticket again when one is not understood. A write
  RT refused makes no transaction, so it is never reported as done.
* **Notes** are always comments (internal), never correspondence (which mails the
  requester). RT has no idempotency keys: each note's comment subject is
  ``backdesk note <key>``, and before posting, RT is asked for the ticket's comments with
  that subject, so a retry after a timeout finds the first comment instead of adding a
  second one (and two tries with one key run one after the other). A close's note takes its
  key from the close (ticket, resolution, version, text), so the same close sent again adds
  it once; the same close with the same note and no version, after a reopen, does not add
  it again. Closing as *duplicate* resolves the ticket and adds the note "Closed as a
  duplicate." (RT has no duplicate resolution); it reads back as done.
* **Sorting and pages.** priority/due_at/created_at/updated_at -> Priority/Due/Created/
  LastUpdated, ties by Due then id; undated tickets come last when sorting by due date
  ascending, first within a tie of another sort. RT times are per second. See
  :mod:`.rt_paging` for cursors and for counts when RT withholds ``total``.
* **People.** A user's ``id`` is the RT user name, ``name`` the real name. A member of the
  RT group ``leads_group`` (default "Leads") is a lead; see :mod:`.rt_triage` for leads,
  operators and their load, assigning, moving and queue health.
* **Counts** are TicketSQL searches run concurrently.
* **Text.** Everything RT sends is sanitised as it is decoded, error messages included.

The adapter is split by job: this module talks to RT (reads, writes, claims, notes);
:mod:`.rt_ticketsql` compiles queries (pure), :mod:`.rt_decode` decodes RT's JSON and its
refusals, :mod:`.rt_paging` pages and counts searches, :mod:`.rt_history` reads ticket
histories, and :mod:`.rt_confirm` keeps tickets at their ETags and confirms writes.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from .errors import (
    AuthError,
    BackendError,
    BadResponseError,
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    StaleError,
    changed_hands,
)
from .filters import FilterError, parse_filter
from .http import HTTPAdapter, if_match, task_page
from .models import (
    Event,
    NewTask,
    OperatorLoad,
    Person,
    Queue,
    QueueCounts,
    QueueStats,
    Resolution,
    Task,
    TaskChanges,
    TaskPage,
    TaskQuery,
)
from .rt_confirm import KnownTickets, advanced, only_quiet
from .rt_decode import RTDecoder, check_version, person, queue, records, refusal, text, ticket_id, timestamp
from .rt_history import TicketHistory
from .rt_paging import PAGE, queue_counts, ticket_page
from .rt_ticketsql import TicketSQL
from .rt_triage import RTTriage, denied, refused
from .sanitize import clean, clean_line

#: RT priority number written for each level (read back through rt_ticketsql.PRIORITY_FLOOR).
PRIORITY_VALUE = {"low": 10, "normal": 30, "high": 60, "urgent": 90}
CLOSE_STATUS = {"done": "resolved", "rejected": "rejected", "duplicate": "resolved"}
#: The status reopening sets: an active status of the default lifecycle and of custom ones like it.
REOPEN_STATUS = "open"
NOTE_SUBJECT = "backdesk note "
TICKET_FIELDS = "Subject,Status,Owner,Queue,Priority,Created,LastUpdated,Due,CustomFields"
SUB_FIELDS = {"fields[Owner]": "Name,RealName", "fields[Queue]": "Name"}
#: Seconds the queue list and each queue's counts are kept. Four searches per queue cost RT real
#: work: a sidebar reloaded after every write asks RT for them at most this often.
COUNTS_TTL = 30.0


class RTBackend(HTTPAdapter):
    """Request Tracker 5 through REST 2.0, as one user (basic auth or an auth token)."""

    api_prefix = "/REST/2.0"
    #: A ticket's history is two or more requests (transactions, attachments, people), each
    #: costing RT's server real work: read only what the operator looks at.
    read_ahead = False

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
        leads_group: str | None = "Leads",
    ) -> None:
        """``search_content`` makes free text also match ticket content (slow without RT's
        full-text index); by default it matches the subject and the reference field.
        ``leads_group`` names the RT group whose members are leads (None: everyone is, and
        RT's rights alone decide what each may do)."""
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
        self.reference_field = reference_field
        self._sql = TicketSQL(tags_field, reference_field, search_content)
        self._decode = RTDecoder(self.root, tags_field=tags_field, reference_field=reference_field)
        self._history = TicketHistory(self._get, self._decode)
        self._me: Person | None = None
        #: The signed-in user's RT number (owner changes in the history name users by number).
        self._number: str | None = None
        #: RT's record of the tickets read or written lately, at their ETags (see :mod:`.rt_confirm`).
        self._known = KnownTickets()
        self._notes: dict[tuple[str, str], Event] = {}
        self._note_locks: dict[tuple[str, str], asyncio.Lock] = {}
        #: User names known to exist, so an ``owner:`` filter is checked once.
        self._users: set[str] = set()
        self._limit = asyncio.Semaphore(6)
        self._triage = RTTriage(self, leads_group)
        #: Queue id -> (when counted, its counts): see :data:`COUNTS_TTL`.
        self._counts: dict[str, tuple[float, QueueCounts]] = {}
        #: (when read, RT's list of queues): see :data:`COUNTS_TTL`.
        self._queue_list: tuple[float, list[dict]] | None = None

    # -- reads ---------------------------------------------------------------------------

    async def me(self) -> Person:
        if self._me is None:
            data = await self._get(f"/user/{quote(self.user, safe='')}")
            found = person(data, self.user)
            self._number = text(data, "id") or None
            self._me = replace(found, role=await self._triage.role(found.id))
        return self._me

    async def queues(self) -> list[Queue]:
        """The queues and their counts; both are kept :data:`COUNTS_TTL` seconds."""
        kept = self._queue_list
        if kept is None or time.monotonic() - kept[0] >= COUNTS_TTL:
            data = await self._get("/queues/all", params={"fields": "Name,Description", "per_page": PAGE})
            kept = self._queue_list = (time.monotonic(), records(data))
        queues = kept[1]
        counts = await asyncio.gather(*(self._queue_counts(str(item.get("id"))) for item in queues))
        return [queue(item, count) for item, count in zip(queues, counts, strict=True)]

    async def _queue_counts(self, queue_id: str) -> QueueCounts:
        """A queue's counts, asked for at most every :data:`COUNTS_TTL` seconds."""
        kept = self._counts.get(queue_id)
        if kept is not None and time.monotonic() - kept[0] < COUNTS_TTL:
            return kept[1]
        counts = await queue_counts(self._search, queue_id)
        self._counts[queue_id] = (time.monotonic(), counts)
        return counts

    async def tasks(self, query: TaskQuery, cursor: str | None = None) -> TaskPage:
        await self._check_owners(query.q)
        items, total, next_cursor = await ticket_page(
            self._search, self._sql.compile(query), query.sort, query.limit, cursor, TICKET_FIELDS, query.reverse
        )
        await self._learn_statuses(items)
        return task_page(items, self._decode.task, total=total, next_cursor=next_cursor)

    async def _check_owners(self, text: str) -> None:
        """Name an ``owner:`` that is no RT user, instead of quietly matching nothing."""
        for term in parse_filter(text).terms:
            for name in term.values if term.key == "owner" else ():
                if name in ("me", "none") or name in self._users:
                    continue
                try:
                    await self._get(f"/user/{quote(name, safe='')}")
                except NotFoundError as exc:
                    raise FilterError(term.to_text(), f"Request Tracker has no user called {name!r}") from exc
                self._users.add(name)

    async def task(self, task_id: str) -> Task:
        data, etag = await self._ticket(task_id)
        body = await self._history.body(task_id)
        await self._learn_statuses([data])
        return self._decode.task(data, version=etag, body=body)

    async def events(self, task_id: str) -> list[Event]:
        return await self._history.events(task_id)

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
            fields[self._sql.require_tags_field()] = list(new.tags)
        if fields:
            body["CustomFields"] = fields
        data = self._json(await self._send("POST", "/ticket", json=body, right="CreateTicket"))
        if not isinstance(data, dict) or not data.get("id"):
            raise BadResponseError("Request Tracker created no ticket id; check the queue name.")
        self._history.created(str(data["id"]), new.body)
        return await self.task(str(data["id"]))

    async def claim(self, task_id: str, *, force: bool = False, expected_owner: str | None = None) -> Task:
        me = await self.me()
        known = self._known.get(task_id)
        if known is not None and not force and expected_owner is None:
            etag, data = known
            kept = self._decode.task(data, version=etag)
            if kept.owner is None and not kept.is_closed:
                try:  # free in the copy kept at this ETag: take it if it still is (RT answers 412 if not)
                    return await self._take(task_id, "take", etag, data, guarded=True)
                except StaleError:
                    pass  # it changed since: decide on the ticket as it is now
        data, etag = await self._ticket(task_id)
        await self._learn_statuses([data])
        before = self._decode.task(data, version=etag, body=await self._history.body(task_id))
        if not (before.owner and before.owner.id == me.id) and (conflict := changed_hands(before, expected_owner)):
            raise conflict
        if before.is_closed:
            raise ConflictError(f"Ticket {task_id} is {before.status_label}; reopen it in RT to claim it.", status=409)
        if before.owner and before.owner.id == me.id:
            return before
        if before.owner and not force:
            raise _claimed(task_id, before.owner)
        return await self._take(task_id, "steal" if before.owner else "take", etag, data, guarded=False)

    async def _take(self, task_id: str, action: str, etag: str, data: dict, *, guarded: bool) -> Task:
        """``take`` or ``steal`` the ticket, whose record at ``etag`` is ``data`` (``guarded``: only
        if it is still at that ETag); the ticket afterwards, which must be the user's."""
        await self._send(
            "PUT",
            f"/ticket/{ticket_id(task_id)}/{action}",
            json={},
            headers=if_match(etag if guarded else None),
            right="StealTicket" if action == "steal" else "TakeTicket",
        )
        after = await self._after_write(task_id, etag, data)
        me = await self.me()
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
            raise ConflictError(
                f"You cannot release ticket {task_id}: it is not yours{holder}.", claimed_by=before.owner, status=409
            )
        await self._send("PUT", f"/ticket/{ticket_id(task_id)}/untake", json={}, right="OwnTicket")
        after = await self.task(task_id)
        if after.owner is not None:
            raise ConflictError(
                f"Ticket {task_id} is now held by {after.owner.name}.", claimed_by=after.owner, status=409
            )
        return after

    async def add_note(self, task_id: str, body: str, *, idempotency_key: str) -> Event:
        if not body.strip():
            raise InvalidRequestError("A note needs some text.", status=400)
        key = re.sub(r"\s+", "-", idempotency_key.strip())
        if not key:
            raise InvalidRequestError("A note needs an idempotency key.", status=400)
        # One try at a time for a key: a second one waits and finds the first one's note.
        async with self._note_locks.setdefault((task_id, key), asyncio.Lock()):
            return await self._add_note(task_id, body, key)

    async def _add_note(self, task_id: str, body: str, key: str) -> Event:
        cached = self._notes.get((task_id, key))
        if cached:
            return cached
        subject = NOTE_SUBJECT + key
        event = await self._history.find_note(task_id, subject, body)
        if event is None:
            known = self._known.get(task_id)
            response = await self._send(
                "POST",
                f"/ticket/{ticket_id(task_id)}/comment",
                json={"Subject": subject, "Content": body, "ContentType": "text/plain"},
                right="CommentOnTicket",
            )
            comment = response.headers.get("location", "").rstrip("/").rpartition("/transaction/")[2]
            event = await self._noted(task_id, comment, body, known) if known and comment.isdigit() else None
            event = event or await self._history.find_note(task_id, subject, body)
            if event is None:
                raise BadResponseError(f"Request Tracker accepted the note but ticket {task_id} does not show it.")
        self._notes[(task_id, key)] = event
        return event

    async def _noted(self, task_id: str, comment: str, body: str, known: tuple[str, dict]) -> Event | None:
        """The event of the comment just added (RT's transaction ``comment``), read with the
        transactions since the kept copy ``known``; it carries the ticket's new version when
        nothing but comments and the like happened since. None when it is not among them."""
        etag, data = known
        txns = await self._history.since(task_id, etag) or []
        found = next((t for t in txns if text(t, "id") == comment and text(t, "Type") == "Comment"), None)
        if found is None:
            return None
        me = await self.me()
        moved = advanced(etag, data, txns, me, self._number)
        if moved is not None:
            self._known.remember(task_id, *moved)
        return Event(
            id=comment,
            task_id=task_id,
            kind="note",
            at=timestamp(found.get("Created")),
            actor=Person(me.id, me.name),
            body=clean(body),
            task_version=moved[0] if moved is not None and only_quiet(txns) else None,
        )

    async def close(
        self,
        task_id: str,
        resolution: Resolution,
        *,
        note: str | None = None,
        version: str | None = None,
        force: bool = False,
    ) -> Task:
        if resolution == "duplicate":
            note = "Closed as a duplicate." + (f"\n\n{note}" if note else "")
        key = _close_key(task_id, resolution, version, note or "")
        try:  # with a note to add first, the version is checked on the ticket read again, before the note
            data, etag, guarded = await self._to_change(task_id, version, force, closing=True, kept=not note)
        except StaleError:
            if not (note and version and await self._only_note_since(task_id, version, key)):
                raise
            # This close was sent before and its note landed, not the status: the note alone moved the version.
            data, etag, guarded = await self._to_change(task_id, None, force, closing=True, kept=False)
        if note:
            event = await self.add_note(task_id, note, idempotency_key=key)
            known = self._known.get(task_id)
            if event.task_version and known is not None and known[0] == event.task_version:
                etag, data = known  # nothing but notes happened since
            else:  # something else did: decide again on the ticket as it is now
                data, etag, _ = await self._to_change(task_id, None, force, closing=True, kept=False)
        await self._put(task_id, {"Status": CLOSE_STATUS[resolution]}, etag if version or guarded else None)
        after = await self._after_write(task_id, etag, data)
        if not after.is_closed:
            raise InvalidRequestError(
                f"Request Tracker kept ticket {task_id} {after.status_label}; its lifecycle may not allow "
                f"{CLOSE_STATUS[resolution]} from there.",
                status=400,
            )
        return after

    async def _only_note_since(self, task_id: str, version: str, key: str) -> bool:
        """Whether the note of ``key`` (and RT's mail records) is all the ticket recorded since ``version``."""
        event = await self._history.find_note(task_id, NOTE_SUBJECT + key, "")
        if event is None:
            return False
        txns = await self._history.since(task_id, version.strip('"'))
        return bool(txns) and all(
            text(t, "id") == event.id or text(t, "Type") in ("CommentEmailRecord", "EmailRecord") for t in txns or ()
        )

    async def reopen(self, task_id: str, *, version: str | None = None, force: bool = False) -> Task:
        data, etag, guarded = await self._to_change(task_id, version, force, closing=False)
        await self._put(task_id, {"Status": REOPEN_STATUS}, etag if version or guarded else None)
        after = await self._after_write(task_id, etag, data)
        if after.is_closed:
            raise InvalidRequestError(
                f"Request Tracker kept ticket {task_id} {after.status_label}; its lifecycle may not allow "
                f"{REOPEN_STATUS} from there.",
                status=400,
            )
        return after

    async def _to_change(
        self, task_id: str, version: str | None, force: bool, *, closing: bool, kept: bool = True
    ) -> tuple[dict, str, bool]:
        """The ticket's record and ETag to close (or reopen) it from, and whether that is the copy
        kept at ``version`` rather than read again (only with ``kept``; the write then carries
        ``If-Match``, so RT refuses it if the ticket changed). A refusal is never decided on a kept
        copy alone."""
        me = await self.me()
        known = self._known.get(task_id)
        guarded = bool(kept and version and known is not None and version.strip('"') == known[0])
        if guarded and known is not None:
            etag, data = known
            current = self._decode.task(data, version=etag)
            if current.is_closed != closing and not (current.owner and current.owner.id != me.id and not force):
                return data, etag, True
        data, etag = await self._ticket(task_id)
        await self._learn_statuses([data])
        current = self._decode.task(data, version=etag)
        if closing and current.is_closed:
            raise ConflictError(f"Ticket {task_id} is already {current.status_label}.", status=409)
        if not closing and not current.is_closed:
            raise ConflictError(f"Ticket {task_id} is not closed.", status=409)
        check_version(task_id, data, etag, version)
        await self._check_holder(task_id, current, force, "close" if closing else "reopen")
        return data, etag, False

    async def _check_holder(self, task_id: str, task: Task, force: bool, doing: str) -> None:
        """Refuse to change a ticket someone else owns unless ``force`` (RT itself would let it)."""
        me = await self.me()
        if task.owner and task.owner.id != me.id and not force:
            raise ConflictError(
                f"{task.owner.name} holds ticket {task_id}; {doing} it only if you mean to take it from them.",
                claimed_by=task.owner,
                status=409,
            )

    async def update(self, task_id: str, changes: TaskChanges, *, version: str | None = None) -> Task:
        if changes.priority is not None:
            await self._triage.require_lead("change priorities")
        if changes.queue is not None:
            await self._triage.require_lead("move tasks")
        data, etag = await self._ticket(task_id)
        check_version(task_id, data, etag, version)
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
        queue_name = text(data.get("Queue"), "Name")
        after = self._decode.task(data, version=etag, body=await self._history.body(task_id))
        missed = [
            name
            for name, ok in (
                ("priority", changes.priority is None or after.priority == changes.priority),
                ("title", changes.title is None or after.title == changes.title),
                ("queue", changes.queue is None or changes.queue in (after.queue, queue_name)),
            )
            if not ok
        ]
        if {"priority", "queue"} & set(missed) and denied(messages):
            raise refused(task_id, messages, f"change the {' and '.join(missed)} of tasks", "ModifyTicket")
        if missed:
            raise InvalidRequestError(
                f"Request Tracker did not change the {', '.join(missed)} of ticket {task_id}: "
                + "; ".join(clean_line(m) for m in messages if isinstance(m, str)),
                status=400,
            )
        return after

    # -- a lead's triage (rt_triage) -----------------------------------------------------

    async def operators(self, search: str = "", *, queue: str | None = None, limit: int = 50) -> list[OperatorLoad]:
        return await self._triage.operators(search, limit)

    async def assign(self, task_id: str, operator_id: str, *, version: str | None = None) -> Task:
        return await self._triage.assign(task_id, operator_id, version)

    async def move(self, task_id: str, queue_id: str, *, version: str | None = None) -> Task:
        return await self._triage.move(task_id, queue_id, version)

    async def queue_stats(self, queue_id: str) -> QueueStats:
        return await self._triage.queue_stats(queue_id, self._sql)

    # -- plumbing ------------------------------------------------------------------------

    async def _send(self, method: str, path: str, *, right: str | None = None, **kwargs: Any) -> httpx.Response:
        """One request; a 403 names the RT right the operator is probably missing."""
        async with self._limit:
            try:
                return await self._request(method, path, **kwargs)
            except AuthError as err:
                if err.status == 403 and right:
                    raise ForbiddenError(
                        f"Request Tracker refused: your RT user lacks the {right} right here. Ask an RT admin.",
                        status=403,
                        detail=err.detail,
                    ) from err
                raise

    async def _get(self, path: str, params: Any = None, right: str = "ShowTicket") -> Any:
        return self._json(await self._send("GET", path, params=params, right=right))

    async def _ticket(self, task_id: str) -> tuple[dict, str]:
        """RT's record of the ticket and its ETag; asked with ``If-None-Match`` when a copy is
        kept, so an unchanged ticket costs RT's 304 and no body."""
        known = self._known.get(task_id)
        response = await self._send(
            "GET",
            f"/ticket/{ticket_id(task_id)}",
            params=SUB_FIELDS,
            headers={"If-None-Match": f'"{known[0]}"'} if known else None,
            right="ShowTicket",
        )
        if response.status_code == 304 and known is not None:
            return known[1], known[0]
        data = self._json(response)
        if not isinstance(data, dict) or "id" not in data:
            raise BadResponseError(f"Request Tracker sent ticket {task_id} without an id.")
        etag = response.headers.get("etag", "").strip('"')
        self._known.remember(task_id, etag, data)
        return data, etag

    async def _after_write(self, task_id: str, etag: str, data: dict) -> Task:
        """The ticket after a write made on its record ``data`` at ``etag``: the transactions
        since, applied to it when each is understood (:func:`.rt_confirm.advanced`), else the
        ticket read whole."""
        txns = await self._history.since(task_id, etag)
        moved = advanced(etag, data, txns, await self.me(), self._number) if txns is not None else None
        if moved is None:
            return await self.task(task_id)
        etag, data = moved
        self._known.remember(task_id, etag, data)
        await self._learn_statuses([data])
        return self._decode.task(data, version=etag, body=await self._history.body(task_id))

    async def _put(self, task_id: str, body: dict, etag: str | None) -> list:
        data = self._json(
            await self._send(
                "PUT", f"/ticket/{ticket_id(task_id)}", json=body, headers=if_match(etag), right="ModifyTicket"
            )
        )
        return data if isinstance(data, list) else []

    async def _search(
        self, sql: str, page: int, per_page: int, orderby: Iterable[tuple[str, str]] = (), fields: str = ""
    ) -> dict:
        params: list[tuple[str, str | int]] = [("query", sql), ("page", page), ("per_page", per_page)]
        for column, order in orderby:
            params += [("orderby", column), ("order", order)]
        if fields:
            params += [("fields", fields), *SUB_FIELDS.items()]
        data = await self._get("/tickets", params=params)
        if not isinstance(data, dict):
            raise BadResponseError("Request Tracker's search answer is not an object.")
        return data

    async def _learn_statuses(self, tickets: list[dict]) -> None:
        """Ask RT whether status words it uses beyond the default lifecycle are active."""

        async def learn(status: str, ticket_id: str) -> None:
            data = await self._search(f"id = {int(ticket_id)} AND Status = '__Active__'", 1, 1)
            self._decode.active[status] = bool(records(data))

        unknown = self._decode.unknown_statuses(tickets)
        await asyncio.gather(*(learn(s, t) for s, t in unknown.items() if t.isdigit()))

    # -- errors --------------------------------------------------------------------------

    def _error(self, response: httpx.Response) -> BackendError:
        if response.status_code >= 500:
            return super()._error(response)
        return refusal(response, root=self.root, user=self.user)


# -- helpers ---------------------------------------------------------------------------------


def _claimed(task_id: str, owner: Person) -> ConflictError:
    return ConflictError(
        f"{owner.name} has already claimed ticket {task_id}. Press C to take it over.", claimed_by=owner, status=409
    )


def _close_key(task_id: str, resolution: str, version: str | None, note: str) -> str:
    """The idempotency key of a close's note: the same for the same close sent again (an outbox
    resend after a lost answer finds the note it added), another for another close."""
    made = "\n".join((task_id, resolution, version or "", note)).encode()
    return "close-" + hashlib.sha256(made).hexdigest()[:32]


def _rt_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
