"""Who you are in Redmine and what it holds: statuses, priorities, projects, tracker,
custom fields, roles and people, each loaded once; issues read with their ``lock_version``.

:class:`RedmineSession` sits between :class:`~api_client.redmine_http.RedmineHTTP` (requests)
and :class:`~api_client.redmine.RedmineBackend` (the Backend methods).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from .errors import BadResponseError, ForbiddenError, InvalidRequestError, NotFoundError, StaleError
from .models import Event, Person, Task
from .redmine_decode import Catalog, clean, number, user_ids
from .redmine_http import PAGE, RedmineHTTP, issue_number, issues_of, list_of
from .redmine_options import RedmineOptions
from .sanitize import clean_line


class RedmineSession(RedmineHTTP):
    """A signed-in Redmine connection that knows its server's setup (see the module docstring)."""

    def __init__(self, url: str, *, options: RedmineOptions | None = None, **connection: Any) -> None:
        """``connection`` is :class:`RedmineHTTP`'s: the credentials, timeout, TLS and transport."""
        super().__init__(url, **connection)
        self.options = options or RedmineOptions()
        self.catalog = Catalog(self.options, self.root)
        self._me: Person | None = None
        self._me_id = 0
        self._admin = False
        self._people: dict[int, Person] = {}
        self._projects: list[dict] | None = None
        self._tracker: int | None = None
        self._private_ok: dict[int, bool] = {}
        self._roles: dict[int, set[str]] = {}
        self._memberships: dict[int, list[int]] = {}
        #: Project -> the names (case-folded) of your roles there.
        self._role_names: dict[int, set[str]] = {}
        #: Notes written per (task, idempotency key), and the last journal seen before each was sent.
        self._notes: dict[tuple[str, str], Event] = {}
        self._baselines: dict[tuple[str, str], int] = {}
        self._setup = asyncio.Lock()
        self._ready = False

    async def me(self) -> Person:
        await self._prepare()
        assert self._me is not None
        return self._me

    # -- what Redmine knows about itself and you -----------------------------------------

    async def _prepare(self) -> None:
        """Load you, the statuses, priorities, projects and tracker once."""
        if self._ready:
            return
        async with self._setup:
            if self._ready:
                return
            current, statuses, priorities = await asyncio.gather(
                self._get("/users/current.json", {"include": "memberships"}),
                self._get("/issue_statuses.json"),
                self._get("/enumerations/issue_priorities.json"),
            )
            user = current.get("user") if isinstance(current, dict) else None
            if not isinstance(user, dict):
                raise BadResponseError(f"{self.root} did not say who you are: is it a Redmine?")
            self._me_id = number(user.get("id"))
            self._me = _person(user)
            self._people[self._me_id] = self._me
            self._admin = bool(user.get("admin"))
            for membership in user.get("memberships") or []:
                if isinstance(membership, dict):
                    project = number((membership.get("project") or {}).get("id"))
                    roles = [r for r in membership.get("roles") or [] if isinstance(r, dict)]
                    self._memberships[project] = [number(r.get("id")) for r in roles]
                    self._role_names[project] = {clean_line(r.get("name")).casefold() for r in roles}
            if self.lead_in():
                self._me = self._people[self._me_id] = replace(self._me, role="lead")
            self.catalog.learn_statuses(list_of(statuses, "issue_statuses"))
            self.catalog.learn_priorities(list_of(priorities, "issue_priorities"))
            if self.options.tracker:
                self._tracker = await self._tracker_id(self.options.tracker)
            await self._visible_projects()
            self._ready = True

    def lead_in(self, project: int | None = None) -> bool:
        """Whether you are a lead in ``project`` (in any project when None): an admin, or a
        member there with a role named in ``lead_roles``."""
        leads = {name.casefold() for name in self.options.lead_roles}
        if self._admin:
            return True
        projects = [project] if project is not None else list(self._role_names)
        return any(self._role_names.get(p, set()) & leads for p in projects)

    async def _visible_projects(self) -> list[dict]:
        if self._projects is None:
            projects: list[dict] = []
            while True:
                data = await self._get(
                    "/projects.json", {"include": "enabled_modules", "limit": PAGE, "offset": len(projects)}
                )
                batch = [p for p in list_of(data, "projects") if isinstance(p, dict)]
                projects += batch
                if not batch or len(projects) >= int(data.get("total_count") or 0):
                    break
            tracking = [
                p
                for p in projects
                if any(
                    isinstance(m, dict) and m.get("name") == "issue_tracking" for m in p.get("enabled_modules") or []
                )
            ]
            wanted = self.options.projects
            if wanted:
                missing = [w for w in wanted if not any(_names_project(p, w) for p in tracking)]
                if missing:
                    raise InvalidRequestError(
                        f"Redmine shows you no project {missing[0]!r} with issue tracking; "
                        "check projects in the profile's options.",
                        status=400,
                    )
                tracking = [p for p in tracking if any(_names_project(p, w) for w in wanted)]
            self._projects = tracking
        return self._projects

    def _project_id(self, name: str) -> int:
        for project in self._projects or []:
            if _names_project(project, name):
                return number(project.get("id"))
        raise InvalidRequestError(f"Redmine has no queue {name!r} here; pick one from the sidebar.", status=400)

    async def _tracker_id(self, name: str) -> int:
        data = await self._get("/trackers.json")
        for tracker in list_of(data, "trackers"):
            if isinstance(tracker, dict) and (
                clean_line(tracker.get("name")).casefold() == name.casefold() or str(tracker.get("id")) == name
            ):
                return number(tracker.get("id"))
        raise InvalidRequestError(
            f"Redmine has no tracker {name!r}; check tracker in the profile's options.", status=400
        )

    async def _fields(
        self, project: int, *, reference: bool = False, tags: bool = False, resolution: bool = False
    ) -> dict[str, int]:
        """Ids of the configured custom fields needed for a write, learnt from an issue if need be."""
        wanted = {
            name: configured
            for name, configured, needed in (
                ("reference", self.options.reference_field, reference),
                ("tags", self.options.tags_field, tags),
                ("resolution", self.options.resolution_field, resolution),
            )
            if needed
        }
        for name, configured in wanted.items():
            if configured is None:
                raise InvalidRequestError(
                    f"This Redmine profile keeps no {name}: set {name}_field in its options.", status=400
                )
        if any(self.catalog.field_id(c) is None for c in wanted.values()):
            for scope in ({"project_id": project} if project else {}, {}):
                data = await self._get("/issues.json", {"status_id": "*", "limit": 1, **scope})
                for issue in issues_of(data):
                    self.catalog.learn_fields(issue)
        found = {name: self.catalog.field_id(c) for name, c in wanted.items()}
        for name, field_id in found.items():
            if field_id is None:
                raise InvalidRequestError(
                    f"Redmine shows no custom field {wanted[name]!r} on issues; check "
                    f"{name}_field in the profile's options (a name or a number).",
                    status=400,
                )
        return {name: field_id for name, field_id in found.items() if field_id is not None}

    async def _require_private_notes(self, issue: dict) -> None:
        """Refuse before writing when your roles in the issue's project cannot set notes private."""
        project = number((issue.get("project") or {}).get("id"))
        if project not in self._private_ok:
            allowed = self._admin
            for role in self._memberships.get(project, []):
                if role not in self._roles:
                    data = await self._get(f"/roles/{role}.json")
                    detail = data.get("role") if isinstance(data, dict) else None
                    self._roles[role] = set((detail or {}).get("permissions") or [])
                allowed = allowed or "set_notes_private" in self._roles[role]
            self._private_ok[project] = allowed
        if not self._private_ok[project]:
            name = clean_line((issue.get("project") or {}).get("name"))
            raise ForbiddenError(
                f"Your Redmine role in {name} cannot make notes private, so Redmine would publish this "
                "note to everyone who can see the issue; backdesk did not send it. Ask a Redmine admin "
                'for the "Set notes as private" permission.',
                status=403,
            )

    # -- issues --------------------------------------------------------------------------

    async def _issue(self, task_id: str) -> dict:
        await self._prepare()
        data = await self._get(f"/issues/{issue_number(task_id)}.json", {"include": "journals"})
        issue = data.get("issue") if isinstance(data, dict) else None
        if not isinstance(issue, dict):
            raise BadResponseError(f"Redmine sent issue {task_id} without its fields.")
        await self._know_people([issue])
        return issue

    async def _locked(self, task_id: str) -> tuple[int, dict]:
        """The lock_version, then the issue as it is at least that new (see the module docstring)."""
        n = issue_number(task_id)
        return await self._lock_version(n), await self._issue(n)

    async def _know_members(self) -> None:
        """Look up the login of every member of the visible projects (for ``owner:LOGIN``)."""
        ids: set[int] = set()
        for project in await self._visible_projects():
            data = await self._get(f"/projects/{number(project.get('id'))}/memberships.json", {"limit": PAGE})
            for membership in list_of(data, "memberships"):
                user = membership.get("user") if isinstance(membership, dict) else None
                if isinstance(user, dict) and isinstance(user.get("id"), int):
                    ids.add(user["id"])
        await self._know_people([{"assigned_to": {"id": i}} for i in ids])

    async def _know_people(self, issues: list[dict]) -> None:
        """Look up (once) the login of every user these issues name."""
        unknown = set().union(*(user_ids(i) for i in issues)) - set(self._people) if issues else set()

        async def learn(user_id: int) -> None:
            try:
                data = await self._get(f"/users/{user_id}.json")
                user = data.get("user") if isinstance(data, dict) else None
                self._people[user_id] = _person(user) if isinstance(user, dict) else Person(str(user_id), str(user_id))
            except NotFoundError:  # a group, a locked or an invisible user: keep the name the issue shows
                self._people[user_id] = Person(str(user_id), _name_in(issues, user_id) or f"user {user_id}")

        await asyncio.gather(*(learn(u) for u in unknown))

    def _my_note(self, issue: dict, body: str, after: int | None) -> dict | None:
        """Your journal with this note text: after ``after``, or your latest note when None."""
        text = _normal(body)
        mine = [
            j
            for j in issue.get("journals") or []
            if isinstance(j, dict) and (j.get("user") or {}).get("id") == self._me_id and clean(j.get("notes")).strip()
        ]
        if after is None:
            return mine[-1] if mine and _normal(clean(mine[-1].get("notes"))) == text else None
        return next((j for j in mine if number(j.get("id")) > after and _normal(clean(j.get("notes"))) == text), None)

    def _check_private(self, task_id: str, journal: dict) -> None:
        if journal.get("private_notes") is not True:
            raise ForbiddenError(
                f"Redmine stored your note on #{task_id} as PUBLIC although backdesk asked for a "
                "private one: edit or delete it in Redmine now, and ask an admin to check your "
                "role's private-notes permission.",
                status=403,
            )


# -- helpers ---------------------------------------------------------------------------------


def _person(user: dict) -> Person:
    login = clean_line(user.get("login")) or str(user.get("id"))
    name = " ".join(p for p in (clean_line(user.get("firstname")), clean_line(user.get("lastname"))) if p)
    return Person(id=login, name=name or login)


def _name_in(issues: list[dict], user_id: int) -> str:
    for issue in issues:
        for key in ("assigned_to", "author"):
            ref = issue.get(key)
            if isinstance(ref, dict) and ref.get("id") == user_id:
                return clean_line(ref.get("name"))
    return ""


def _names_project(project: dict, name: str) -> bool:
    return (
        name in (str(project.get("id")), clean_line(project.get("identifier")))
        or clean_line(project.get("name")).casefold() == name.casefold()
    )


def last_journal(issue: dict) -> int:
    return max((number(j.get("id")) for j in issue.get("journals") or [] if isinstance(j, dict)), default=0)


def _normal(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def busy(task_id: str) -> StaleError:
    return StaleError(
        f"#{task_id} kept changing while backdesk wrote to it. Press r to reload, then try again.", status=422
    )


def check_version(task: Task, version: str | None) -> None:
    """StaleError when ``version`` (from task() or, time only, from a list) is not the task's."""
    if not version:
        return
    current = task.version if "/" in version else task.version.split("/")[0]
    if version != current:
        raise StaleError(
            f"#{task.id} changed since you loaded it. Press r to reload, then try again.",
            status=412,
            detail=f"current version {task.version}",
        )
