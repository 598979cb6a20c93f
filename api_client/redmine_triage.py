"""A lead's triage on Redmine 5: operators with their load, assigning and moving issues, and a
project's health. :class:`RedmineTriage` sits between the list side
(:class:`~api_client.redmine_search.RedmineSearch`) and the Backend methods.

* **Leads.** You are a lead in a project when Redmine gives you a role there named in
  ``lead_roles`` (default Lead or Manager; tests/redmine/seed.rb makes lee a Lead), or when
  you are an admin; ``me().role`` is ``lead`` when you are one anywhere. Read from
  ``/users/current.json?include=memberships``, which the adapter reads anyway.
* **Lead-only actions** (assign, move, a priority or project change through ``update``) in a
  project where you are not a lead raise ForbiddenError before anything is sent. Redmine's
  own refusal is a 403, or a write it answers 204 and ignores (a field the role's workflow
  makes read-only): each write is read back, and a change that did not stick is a
  ForbiddenError. An assignee Redmine rejects (``422 Assignee is invalid``: not an assignable
  member) is an InvalidRequestError.
* **Operators** are the members of the queue's project (of every queue without one) through a
  role Redmine marks assignable (``/projects/P/memberships.json``, kept for a minute;
  ``/roles/N.json`` once per role; ``/users/N.json`` once per person, for the login). Redmine
  offers no name search of members to non-admins, so ``search`` filters that list here.
* **Load.** Two ``limit=1`` counts per person, together: open issues assigned to them in the
  queues, and of those the ones due before today (a due date is a day). A list of the
  assigned issues instead would cost a page per 100 issues, each far slower than a count
  here (Redmine renders every issue). Read afresh on every call.
* **Queue health** is ``limit=1`` counts read from ``total_count`` (backlog, breached, at risk
  = ``due:<1h``, which Redmine can only answer by day), one list of the unassigned sorted by
  creation (its ``total_count`` and its one issue, the oldest) and the load of the project's
  assignable members (someone who holds issues there without being one is not listed),
  together.
* **No history.** Redmine keeps no snapshots. Deriving the last 24 hours would take four
  counts an hour (open then = created by then and open now, plus created by then and closed
  since, as Redmine cannot OR a status with a date; the same again for breached): 96 counts,
  which took about 20 s with thin answering one request at a time on the test machine. So
  ``history`` is empty and the dashboard shows none for Redmine rather than invented numbers.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

from .errors import ConflictError, ForbiddenError, InvalidRequestError, NotFoundError, StaleError
from .models import OperatorLoad, Person, QueueStats, Task, TaskQuery, utcnow
from .redmine_decode import last_day_before, number, stamp
from .redmine_http import PAGE, issues_of, list_of
from .redmine_search import RedmineSearch
from .redmine_session import busy, check_version

CAS_TRIES = 4
MEMBERS_TTL = 60.0
Filters = dict[str, tuple[str, list[str]]]


class RedmineTriage(RedmineSearch):
    """Leads, operators, assignment, moves and project health (see the module docstring)."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        #: Project -> (when read, [(user id, names of their roles there)]).
        self._members: dict[int, tuple[float, list[tuple[int, set[str]]]]] = {}
        self._assignable: dict[int, bool] = {}

    # -- roles ---------------------------------------------------------------------------

    def _require_lead(self, project: int, doing: str) -> None:
        if not self.lead_in(project):
            roles = " or ".join(self.options.lead_roles) or "lead"
            raise ForbiddenError(
                f"Only leads can {doing}: your Redmine role in this project is not {roles}. Ask a Redmine admin.",
                status=403,
            )

    # -- operators -----------------------------------------------------------------------

    async def operators(self, search: str = "", *, queue: str | None = None, limit: int = 50) -> list[OperatorLoad]:
        await self._prepare()
        everywhere = [number(p.get("id")) for p in await self._visible_projects()]
        members = await self._assignable_members([self._queue(queue)] if queue else everywhere)
        await self._know_people([{"assigned_to": {"id": user}} for user in members])
        term = search.strip().casefold()
        people = {
            user: replace(self._people[user], role="lead" if roles & self._lead_names() else "operator")
            for user, roles in members.items()
            if user in self._people
        }
        people = {u: p for u, p in people.items() if not term or term in p.id.casefold() or term in p.name.casefold()}
        if not people or limit < 1:
            return []
        load = await self._load(self._scope(everywhere), set(people))  # held in every queue
        rows = [OperatorLoad(p, *load.get(u, (0, 0))) for u, p in people.items()]
        rows.sort(key=lambda r: (r.held, r.breached, r.person.name.casefold(), r.person.id))
        return rows[:limit]

    def _lead_names(self) -> set[str]:
        return {name.casefold() for name in self.options.lead_roles}

    async def _assignable_members(self, projects: list[int]) -> dict[int, set[str]]:
        """User id -> their role names, of the users with an assignable role in ``projects``."""
        found: dict[int, set[str]] = {}
        for members in await asyncio.gather(*(self._project_members(p) for p in projects)):
            for user, roles in members:
                found.setdefault(user, set()).update(roles)
        return found

    async def _project_members(self, project: int) -> list[tuple[int, set[str]]]:
        cached = self._members.get(project)
        if cached and time.monotonic() - cached[0] < MEMBERS_TTL:
            return cached[1]
        listed: list[dict] = []
        while True:
            data = await self._get(f"/projects/{project}/memberships.json", {"limit": PAGE, "offset": len(listed)})
            batch = [m for m in list_of(data, "memberships") if isinstance(m, dict)]
            listed += batch
            if not batch or len(listed) >= int(data.get("total_count") or 0):
                break
        roles = {number(r.get("id")) for m in listed for r in m.get("roles") or [] if isinstance(r, dict)}
        await asyncio.gather(*(self._learn_role(r) for r in roles - set(self._assignable)))
        members = []
        for membership in listed:
            user = membership.get("user")  # a group's membership has "group" instead
            mine = [r for r in membership.get("roles") or [] if isinstance(r, dict)]
            if isinstance(user, dict) and any(self._assignable.get(number(r.get("id"))) for r in mine):
                members.append((number(user.get("id")), {str(r.get("name", "")).casefold() for r in mine}))
        self._members[project] = (time.monotonic(), members)
        return members

    async def _learn_role(self, role: int) -> None:
        data = await self._get(f"/roles/{role}.json")
        detail = data.get("role") if isinstance(data, dict) else None
        self._assignable[role] = bool((detail or {}).get("assignable"))
        self._roles[role] = set((detail or {}).get("permissions") or [])

    def _scope(self, projects: list[int]) -> Filters:
        """Open issues in ``projects`` (of the profile's tracker)."""
        scope: Filters = {"project_id": ("=", [str(p) for p in projects]), "status_id": ("o", [""])}
        if self._tracker is not None:
            scope["tracker_id"] = ("=", [str(self._tracker)])
        return scope

    async def _load(self, scope: Filters, people: set[int]) -> dict[int, tuple[int, int]]:
        """User id -> (open issues assigned within ``scope``, breached among them): two
        ``limit=1`` counts per person, together."""
        late = {"due_date": ("<=", [last_day_before(utcnow()).isoformat()])}

        async def one(user: int) -> tuple[int, tuple[int, int]]:
            mine = scope | {"assigned_to_id": ("=", [str(user)])}
            held, breached = await asyncio.gather(self._count(mine), self._count(mine | late))
            return user, (held, breached)

        return dict(await asyncio.gather(*(one(u) for u in people)))

    async def _count(self, filters: Filters) -> int:
        return int((await self._list(filters, 0, 1, "id")).get("total_count") or 0)

    def _queue(self, queue: str) -> int:
        """A queue's project id; NotFoundError when it is not one of your queues."""
        try:
            return self._project_id(queue)
        except InvalidRequestError as exc:
            raise NotFoundError(str(exc), status=404) from exc

    # -- writes --------------------------------------------------------------------------

    async def assign(self, task_id: str, operator_id: str, *, version: str | None = None) -> Task:
        await self._prepare()
        for _ in range(CAS_TRIES):
            lock, issue = await self._locked(task_id)
            before = self.catalog.task(issue, self._people)
            self._require_lead(int(before.queue), "assign tasks")
            if before.is_closed:
                raise ConflictError(f"#{before.id} is {before.status_label}; reopen it to assign it.", status=409)
            check_version(before, version)
            if before.owner and before.owner.id == operator_id:
                return before
            if not operator_id.isdigit() and operator_id not in {p.id for p in self._people.values()}:
                await self._know_members()
            user = self._login_number(operator_id)
            try:
                await self._put(before.id, {"assigned_to_id": int(user), "lock_version": lock})
            except StaleError:
                if version:
                    raise
                continue
            after = self.catalog.task(await self._issue(task_id), self._people)
            wanted = self._people.get(int(user))
            if not (after.owner and wanted and after.owner.id == wanted.id):
                raise ignored(after.id, "assign tasks", "change the assignee")
            return after
        raise busy(task_id)

    async def move(self, task_id: str, queue_id: str, *, version: str | None = None) -> Task:
        await self._prepare()
        target = self._queue(queue_id)
        for _ in range(CAS_TRIES):
            lock, issue = await self._locked(task_id)
            before = self.catalog.task(issue, self._people)
            self._require_lead(int(before.queue), "move tasks")
            if before.is_closed:
                raise ConflictError(f"#{before.id} is {before.status_label}; reopen it to move it.", status=409)
            check_version(before, version)
            if before.queue == str(target):
                return before
            try:
                await self._put(before.id, {"project_id": target, "lock_version": lock})
            except StaleError:
                if version:
                    raise
                continue
            after = self.catalog.task(await self._issue(task_id), self._people)
            if after.queue != str(target):
                raise ignored(after.id, "move tasks", "move issues to that project")
            return after
        raise busy(task_id)

    # -- queue health --------------------------------------------------------------------

    async def queue_stats(self, queue_id: str) -> QueueStats:
        await self._prepare()
        project = self._queue(queue_id)
        base = self._scope([project])
        soon = await self._plan(TaskQuery(queue=str(project), status=("open", "waiting"), q="due:<1h"))
        late = {"due_date": ("<=", [last_day_before(utcnow()).isoformat()])}
        backlog, unclaimed, breached, at_risk, load = await asyncio.gather(
            self._count(base),
            self._list(base | {"assigned_to_id": ("!*", [""])}, 0, 1, "created_on,id"),
            self._count(base | late),
            self._count(soon.filters) if not soon.empty else _zero(),
            self._load(base, set(await self._assignable_members([project]))),
        )
        await self._know_people([{"assigned_to": {"id": user}} for user in load])
        rows = [
            OperatorLoad(self._people.get(user, Person(str(user), f"user {user}")), *counts)
            for user, counts in load.items()
            if counts[0]
        ]
        rows.sort(key=lambda r: (-r.held, -r.breached, r.person.name.casefold()))
        oldest = issues_of(unclaimed)
        return QueueStats(
            queue=str(project),
            backlog=backlog,
            unclaimed=int(unclaimed.get("total_count") or 0),
            breached=breached,
            at_risk=at_risk,
            oldest_unclaimed_at=stamp(oldest[0].get("created_on")) if oldest else None,
            load=tuple(rows),
        )


async def _zero() -> int:
    return 0


def ignored(task_id: str, doing: str, may: str) -> ForbiddenError:
    """Redmine answered a lead's change with 204 and left it undone (a read-only field)."""
    return ForbiddenError(
        f"Redmine refused: only leads can {doing} here, and your role's workflow does not let you {may} "
        f"(#{task_id} is unchanged). Ask a Redmine admin.",
        status=403,
    )
