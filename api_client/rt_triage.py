"""A lead's triage on Request Tracker 5: who is a lead, operators with their load, assigning
and moving tickets, and a queue's health. :class:`RTTriage` works for
:class:`~api_client.rt.RTBackend`, through its requests and its limiter.

* **Leads.** An RT user is a lead when RT lists them as a member of the user-defined group
  named by ``leads_group`` (default ``Leads``; tests/rt/initialdata_leads.pl makes one, with
  the ReassignTicket right, so RT itself lets its members give away tickets others hold).
  Two requests, once: ``GET /groups`` by name, then ``GET /group/N``, whose ``Members`` every
  user with SeeGroup may read (``/group/N/members`` needs AdminGroupMembership).
  ``leads_group=None`` makes everyone a lead, and RT's own rights alone decide.
* **Lead-only actions** (assign, move, a priority or queue change through ``update``) by
  someone who is not a lead raise ForbiddenError before anything is sent. RT refuses a change
  with HTTP 200 and a message ("You can only reassign tickets that you own or that are
  unowned", "Permission Denied") and changes nothing, so the ticket is read again: a refusal
  becomes ForbiddenError with RT's words in ``detail``; any other reason ("That user does not
  exist", "may not own tickets in that queue", no status map between two lifecycles) becomes
  InvalidRequestError quoting RT.
* **Operators** are the members of RT's Privileged group (``GET /group/N``, as above, kept
  for a minute), with their real names from one users search (``POST /users`` with
  ``Name IN (...)``; with ``search``, two: ``Name LIKE`` and ``RealName LIKE``, as REST 2.0
  cannot OR two fields; RT's LIKE is a case-insensitive substring match). REST 2.0 does not
  tell a non-admin who holds OwnTicket in a queue, so ``queue`` does not narrow the list; RT
  refuses an assignee without it and ``assign`` says so.
* **Load** is counted from the active tickets someone owns: one search with their Owner and
  Due, 100 a page, the pages after the first fetched together, tallied per owner (breached =
  Due before now): a request per 100 held tickets, whatever the number of people. When that
  would take more pages than two counts (held, breached) per person listed (per privileged
  user for a queue's health), those counts are asked instead. Loads and queue figures are read
  afresh on every call: the picker and the dashboard decide how often to ask.
* **Queue health** is four TicketSQL counts (backlog, breached, at risk = due within the hour
  and not late, as ``due:<1h``), one search for the unclaimed (its ``total`` is the count,
  its one row, sorted by Created, the oldest) and the load search of the queue, together.
* **History.** RT keeps no snapshots, so each of the 23 whole hours before this one is derived
  with two counts: open then = created before it and active now or resolved after it (a
  ticket reopened since counts as open in between), breached then = of those, due before it;
  the 24th point is the backlog and breaches now. A past hour does not change, so each point
  is counted once and kept: 46 counts the first time, then two an hour.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .errors import BackendError, BadResponseError, ConflictError, ForbiddenError, InvalidRequestError, NotFoundError
from .filters import parse_filter
from .http import parse_time
from .models import OperatorLoad, Person, QueueStats, Role, StatsPoint, Task, utcnow
from .rt_decode import SERVER, check_version, due, person, records, text
from .rt_paging import PAGE, count
from .rt_ticketsql import DUE_SET, TicketSQL, queue_clause
from .rt_ticketsql import quote as quote_sql
from .sanitize import clean_line

if TYPE_CHECKING:
    from .rt import RTBackend

ACTIVE = "Status = '__Active__'"
#: How long the members of a group (leads, privileged users) are reused, in seconds.
PEOPLE_TTL = 60.0
HISTORY_HOURS = 24
#: RT's own users, never operators.
SYSTEM_USERS = ("Nobody", "RT_System")


class RTTriage:
    """Leads, operators, assignment, moves and queue health for one RTBackend."""

    def __init__(self, rt: RTBackend, leads_group: str | None) -> None:
        self.rt = rt
        self.leads_group = leads_group
        self._group_ids: dict[tuple[str, str], int | None] = {}
        #: (domain, name) -> (when read, the group's user names).
        self._groups: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}
        #: (queue, hour) -> the point derived for it; past hours do not change.
        self._points: dict[tuple[str, datetime], StatsPoint] = {}
        #: Queue id or name -> (id, name), for the queues looked up.
        self._queues: dict[str, tuple[str, str]] = {}
        #: Owners seen in load searches, by user name.
        self.people: dict[str, Person] = {}

    # -- roles ---------------------------------------------------------------------------

    async def role(self, user: str) -> Role:
        """``lead`` for a member of the leads group (everyone without one), else ``operator``."""
        if self.leads_group is None:
            return "lead"
        return "lead" if user in await self._members("UserDefined", self.leads_group) else "operator"

    async def require_lead(self, doing: str) -> None:
        """ForbiddenError unless the person signed in is a lead."""
        me = await self.rt.me()
        if me.role != "lead":
            raise ForbiddenError(
                f"Only leads can {doing}: you are not in Request Tracker's {self.leads_group!r} group. "
                "Ask an RT admin.",
                status=403,
            )

    async def _members(self, domain: str, name: str) -> frozenset[str]:
        """The user names in an RT group (none when the group does not exist or is hidden)."""
        cached = self._groups.get((domain, name))
        if cached and time.monotonic() - cached[0] < PEOPLE_TTL:
            return cached[1]
        group = await self._group_id(domain, name)
        members: frozenset[str] = frozenset()
        if group is not None:
            data = await self.rt._get(f"/group/{group}", right="SeeGroup")
            listed = data.get("Members") if isinstance(data, dict) else None
            members = frozenset(
                clean_line(m.get("id"))
                for m in listed or []
                if isinstance(m, dict) and m.get("type") == "user" and m.get("id")
            )
        self._groups[(domain, name)] = (time.monotonic(), members)
        return members

    async def _group_id(self, domain: str, name: str) -> int | None:
        if (domain, name) not in self._group_ids:
            query = [{"field": "Name", "value": name}, {"field": "Domain", "value": domain}]
            try:
                found = records(await self._post("/groups", query, {"per_page": 1}, "SeeGroup"))
            except (ForbiddenError, NotFoundError):  # hidden from this user, or no group search
                found = []
            ids = [int(g["id"]) for g in found if str(g.get("id", "")).isdigit()]
            self._group_ids[(domain, name)] = ids[0] if ids else None
        return self._group_ids[(domain, name)]

    # -- operators -----------------------------------------------------------------------

    async def operators(self, search: str, limit: int) -> list[OperatorLoad]:
        """Privileged users matching ``search``, least loaded first (see the module docstring)."""
        names = sorted((await self._members("SystemInternal", "Privileged")) - set(SYSTEM_USERS))
        if await self._group_id("SystemInternal", "Privileged") is None:
            raise ForbiddenError(
                "Request Tracker does not show you its Privileged group (the SeeGroup right), so backdesk "
                "cannot list who may hold tickets. Ask an RT admin.",
                status=403,
            )
        if not names or limit < 1:
            return []
        within: dict[str, Any] = {"field": "Name", "operator": "IN", "value": names}
        term = search.strip()
        queries: list[list[dict[str, Any]]] = (
            [
                [within, {"field": f, "operator": "LIKE", "value": term, "entry_aggregator": "AND"}]
                for f in ("Name", "RealName")
            ]
            if term
            else [[within]]
        )
        lists = await asyncio.gather(*(self._all_users(q) for q in queries))
        leads = await self._members("UserDefined", self.leads_group) if self.leads_group else frozenset()
        people = {p.id: replace(p, role="lead" if p.id in leads else "operator") for batch in lists for p in batch}
        if not people:
            return []
        load = await self._load(ACTIVE, list(people))
        rows = [OperatorLoad(p, *load.get(p.id, (0, 0))) for p in people.values()]
        rows.sort(key=lambda r: (r.held, r.breached, r.person.name.casefold(), r.person.id))
        return rows[:limit]

    async def _all_users(self, query: list[dict]) -> list[Person]:
        params = {"fields": "Name,RealName", "per_page": PAGE, "orderby": "Name"}
        first = await self._post("/users", query, params | {"page": 1})
        pages = first["pages"] if isinstance(first.get("pages"), int) else 1
        rest = await asyncio.gather(*(self._post("/users", query, params | {"page": n}) for n in range(2, pages + 1)))
        return [
            person(item, str(item.get("id")))
            for data in (first, *rest)
            for item in records(data)
            if text(item, "Name") not in SYSTEM_USERS
        ]

    async def _post(self, path: str, query: list[dict], params: dict[str, Any], right: str | None = None) -> dict:
        """A search of ``path`` (``/users``, ``/groups``) by REST 2.0's JSON conditions."""
        data = self.rt._json(await self.rt._send("POST", path, json=query, params=params, right=right))
        if not isinstance(data, dict):
            raise BadResponseError(f"{SERVER}'s answer to a search of {path} is not an object.")
        return data

    async def _load(self, sql: str, candidates: list[str]) -> dict[str, tuple[int, int]]:
        """Owner name -> (active tickets held, breached among them), of the tickets ``sql``
        matches that someone owns; each owner is remembered in ``self.people``. When reading
        them all would take more pages than two counts per candidate, the candidates are
        counted instead."""
        owned = f"({sql}) AND Owner != 'Nobody'"
        order = [("id", "ASC")]
        first = await self.rt._search(owned, 1, PAGE, order, "Owner,Due")
        total = first.get("total")
        pages = [first]
        if isinstance(total, int) and math.ceil(total / PAGE) - 1 > 2 * len(candidates):
            return await self._counted(sql, candidates)
        if isinstance(total, int):
            last = math.ceil(total / PAGE)
            pages += await asyncio.gather(
                *(self.rt._search(owned, n, PAGE, order, "Owner,Due") for n in range(2, last + 1))
            )
        else:  # RT withholds the total: read on until a short page
            while len(records(pages[-1])) == PAGE:
                pages.append(await self.rt._search(owned, len(pages) + 1, PAGE, order, "Owner,Due"))
        now = utcnow()
        tally: dict[str, tuple[int, int]] = {}
        for item in (t for page in pages for t in records(page)):
            owner = item.get("Owner")
            holder = person(owner, text(owner, "id"))
            if not holder.id or holder.id in SYSTEM_USERS:
                continue
            self.people[holder.id] = holder
            late = (when := due(item.get("Due"))) is not None and when < now
            held, breached = tally.get(holder.id, (0, 0))
            tally[holder.id] = (held + 1, breached + late)
        return tally

    async def _counted(self, sql: str, names: list[str]) -> dict[str, tuple[int, int]]:
        async def one(name: str) -> tuple[str, tuple[int, int]]:
            mine = f"({sql}) AND Owner = {quote_sql(name)}"
            held, breached = await asyncio.gather(
                count(self.rt._search, mine), count(self.rt._search, f"{mine} AND Due < 'now' AND {DUE_SET}")
            )
            return name, (held, breached)

        return {name: counts for name, counts in await asyncio.gather(*(one(n) for n in names)) if counts[0]}

    # -- writes --------------------------------------------------------------------------

    async def assign(self, task_id: str, operator_id: str, version: str | None) -> Task:
        await self.require_lead("assign tasks")
        current, etag = await self._open_ticket(task_id, version, "assign")
        if current.owner and current.owner.id == operator_id:
            return await self.rt.task(task_id)
        messages = await self.rt._put(task_id, {"Owner": operator_id}, etag if version else None)
        after = await self.rt.task(task_id)
        if not (after.owner and after.owner.id == operator_id):
            raise refused(task_id, messages, "assign tasks", "ReassignTicket or ModifyTicket")
        return after

    async def move(self, task_id: str, queue_id: str, version: str | None) -> Task:
        await self.require_lead("move tasks")
        target, _ = await self._queue(queue_id)
        current, etag = await self._open_ticket(task_id, version, "move")
        if current.queue == target:
            return await self.rt.task(task_id)
        messages = await self.rt._put(task_id, {"Queue": target}, etag if version else None)
        after = await self.rt.task(task_id)
        if after.queue != target:
            raise refused(task_id, messages, "move tasks", "ModifyTicket (and CreateTicket in the other queue)")
        return after

    async def _open_ticket(self, task_id: str, version: str | None, doing: str) -> tuple[Task, str]:
        """The ticket now and its ETag; ConflictError when it is closed, StaleError when it
        changed since ``version``."""
        data, etag = await self.rt._ticket(task_id)
        await self.rt._learn_statuses([data])
        current = self.rt._decode.task(data, version=etag)
        if current.is_closed:
            raise ConflictError(f"Ticket {task_id} is {current.status_label}; reopen it to {doing} it.", status=409)
        check_version(task_id, data, etag, version)
        return current, etag

    async def _queue(self, queue: str) -> tuple[str, str]:
        """A queue's (id, name) from its id or name; NotFoundError when RT has no such queue
        (or hides it). Asked once per queue."""
        if queue not in self._queues:
            try:
                data = await self.rt._get(f"/queue/{quote(queue, safe='')}", right="SeeQueue")
            except NotFoundError as exc:
                raise NotFoundError(f"Request Tracker has no queue {clean_line(queue)!r}.", status=404) from exc
            found = text(data, "id"), text(data, "Name")
            if not all(found):
                raise NotFoundError(f"Request Tracker has no queue {clean_line(queue)!r}.", status=404)
            self._queues[queue] = found
        return self._queues[queue]

    # -- queue health --------------------------------------------------------------------

    async def queue_stats(self, queue_id: str, sql: TicketSQL) -> QueueStats:
        await self._queue(queue_id)
        base = f"{queue_clause(queue_id)} AND {ACTIVE}"
        soon = sql.term(parse_filter("due:<1h").terms[0])
        search = self.rt._search
        backlog, unclaimed_page, breached, at_risk, load, history = await asyncio.gather(
            count(search, base),
            search(f"{base} AND Owner = 'Nobody'", 1, 1, [("Created", "ASC"), ("id", "ASC")], "Created"),
            count(search, f"{base} AND Due < 'now' AND {DUE_SET}"),
            count(search, f"{base} AND ({soon})"),
            self._load(base, sorted(await self._members("SystemInternal", "Privileged"))),
            self._history(queue_id),
        )
        unclaimed = unclaimed_page.get("total")
        if not isinstance(unclaimed, int):
            unclaimed = await count(search, f"{base} AND Owner = 'Nobody'")
        oldest = records(unclaimed_page)
        if unknown := [name for name in load if name not in self.people]:  # counted, not read: their real names
            for found in await self._all_users([{"field": "Name", "operator": "IN", "value": unknown}]):
                self.people[found.id] = found
        rows = [OperatorLoad(self.people.get(name, Person(name, name)), *counts) for name, counts in load.items()]
        rows.sort(key=lambda r: (-r.held, -r.breached, r.person.name.casefold()))
        return QueueStats(
            queue=queue_id,
            backlog=backlog,
            unclaimed=unclaimed,
            breached=breached,
            at_risk=at_risk,
            oldest_unclaimed_at=parse_time(oldest[0].get("Created")) if oldest else None,
            load=tuple(rows),
            history=(*history, StatsPoint(at=utcnow(), backlog=backlog, breached=breached)),
        )

    async def _history(self, queue_id: str) -> tuple[StatsPoint, ...]:
        """The 23 whole hours before this one (this hour's point is the figures now)."""
        now = utcnow()
        top = now.replace(minute=0, second=0, microsecond=0)
        hours = [top - timedelta(hours=back) for back in range(HISTORY_HOURS - 1, 0, -1)]
        for key in [k for k in self._points if k[1] < hours[0]]:
            del self._points[key]

        async def point(at: datetime) -> StatsPoint:
            key = (queue_id, at)
            if key not in self._points:
                ago = f"'-{math.ceil((now - at).total_seconds())} seconds'"
                then = f"{queue_clause(queue_id)} AND Created < {ago} AND ({ACTIVE} OR Resolved > {ago})"
                backlog, breached = await asyncio.gather(
                    count(self.rt._search, then), count(self.rt._search, f"{then} AND Due < {ago} AND {DUE_SET}")
                )
                self._points[key] = StatsPoint(at=at, backlog=backlog, breached=breached)
            return self._points[key]

        return tuple(await asyncio.gather(*(point(at) for at in hours)))


def denied(messages: list) -> bool:
    """Whether RT's answer to a change says the person may not make it."""
    return any("permission denied" in str(m).lower() or "you can only" in str(m).lower() for m in messages)


def refused(task_id: str, messages: list, doing: str, rights: str) -> BackendError:
    """RT's refusal of a change it answered with 200 and left undone: ForbiddenError when RT
    says the person may not (or says nothing), else InvalidRequestError quoting RT (an
    assignee who does not exist or may not own tickets there, a queue with no status map)."""
    said = "; ".join(clean_line(m) for m in messages if isinstance(m, str)) or None
    if said and not denied(messages):
        return InvalidRequestError(f"Request Tracker refused ticket {task_id}: {said}", status=400, detail=said)
    return ForbiddenError(
        f"Request Tracker refused: only leads can {doing} here (your RT user lacks the {rights} right).",
        status=403,
        detail=said,
    )
