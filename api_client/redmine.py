"""The Redmine adapter (Redmine 5, REST API), as one user with an API key or a login.

How Redmine's world maps onto backdesk's (settings: :mod:`api_client.redmine_options`):

* **Queues** are the projects you can see that track issues (``projects`` narrows them);
  ``tracker`` narrows lists to one tracker and is used for new tasks.
* **Status.** Redmine's ``is_closed`` decides open or closed; ``waiting_statuses``
  (default Feedback) are waiting. Any other status word (In Progress, Resolved, which
  Redmine counts as open) is kept in ``Task.backend_status``.
* **Priority.** Low, Normal, High, Urgent by name, Immediate -> urgent; other names by
  their place: below the default low, the default normal, the next high, above urgent.
  ``low_priorities`` ... ``urgent_priorities`` override by name.
* **Due** is Redmine's ``due_date``, a day: the task is due at its last second (UTC).
* **Tags, reference, resolution** are custom fields named in the options; the reference
  is ``#<issue number>`` when unset, and free text also finds ``#123`` by number.
* **Claim** sets ``assigned_to_id`` to you (steal: the same over another operator),
  **release** clears it (``""``: Redmine ignores ``null``). **Close** sets the resolution's
  closed status (``done_status`` and so on) and the resolution field, or, without one, says
  "Closed as a duplicate." in the note for duplicates.
* **Notes** are always private (``private_notes``). Before the first note in a project
  the adapter checks that your roles there may set notes private and refuses otherwise,
  because Redmine would publish the note instead.
* **Compare-and-set.** Claim, release, close and update send ``lock_version``, which
  Redmine checks (stale: ``422 {"errors": []}``) but never puts in its JSON: it is read
  from the issue's web page (``GET /issues/N`` with the same credentials, the edit form's
  ``issue[lock_version]``), *before* the issue's JSON, so a decision is never based on an
  older state than the lock it is sent with. A lost race is re-read: a claim then fails
  naming the new owner, or succeeds quietly when it was your own.
* **Versions** are ``<updated_on>/<last journal id>`` from ``task()`` and ``<updated_on>``
  from lists (Redmine lists carry no journals); a list version is compared by time only.
* **Silent no-ops.** Redmine answers 204 to writes it ignored (a status its workflow does
  not allow, a field the role may not edit, ``private_notes`` without the right), so
  every write is re-read and compared; a mismatch raises an error naming what stuck.
* **Notes are not idempotent** in Redmine: a retry looks for a note of yours with the same
  text after the last journal the first try saw; a fresh client takes your latest note on
  the task with that text as the earlier try.
* **Refreshes** send ``If-None-Match`` with the ETag of the last answer to the same GET
  and reuse it on ``304``. A ``500`` (a busy SQLite) on a GET is retried twice.
* **Counts** are four ``limit=1`` lists per queue reading ``total_count``, asked for only
  when queues are listed and refreshed through the ETag cache.
* **People.** An operator's ``id`` is the Redmine login and ``name`` the full name.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from .errors import (
    AuthError,
    BadResponseError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    StaleError,
)
from .http import task_page
from .models import (
    Event,
    NewTask,
    Person,
    Queue,
    QueueCounts,
    Resolution,
    Task,
    TaskChanges,
    TaskPage,
    TaskQuery,
    utcnow,
)
from .redmine_decode import Catalog, due_date, last_day_before, number, user_ids
from .redmine_http import PAGE, RedmineHTTP, issue_number, issues_of, list_of
from .redmine_options import RedmineOptions
from .redmine_query import Plan, plan, sort_param, words
from .sanitize import clean, clean_line

CAS_TRIES = 4


class RedmineBackend(RedmineHTTP):
    """backdesk's Backend over Redmine's REST API (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        user: str | None = None,
        password: str | None = None,
        options: RedmineOptions | None = None,
        timeout: float = 15.0,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            url, api_key=api_key, user=user, password=password, timeout=timeout, verify=verify, transport=transport
        )
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
        self._notes: dict[tuple[str, str], Event] = {}
        self._baselines: dict[tuple[str, str], int] = {}
        self._setup = asyncio.Lock()
        self._ready = False

    # -- reads ---------------------------------------------------------------------------

    async def me(self) -> Person:
        await self._prepare()
        assert self._me is not None
        return self._me

    async def queues(self) -> list[Queue]:
        await self._prepare()
        self._projects = None  # pick up projects created since
        projects = await self._visible_projects()
        counts = await asyncio.gather(*(self._counts(number(p.get("id"))) for p in projects))
        return [
            Queue(
                id=str(number(p.get("id"))),
                name=clean_line(p.get("name")),
                description=clean(p.get("description")),
                counts=c,
            )
            for p, c in zip(projects, counts, strict=True)
        ]

    async def tasks(self, query: TaskQuery, cursor: str | None = None) -> TaskPage:
        await self._prepare()
        found = await self._plan(query)
        if found.empty:
            return TaskPage((), 0, None)
        per_page = max(1, min(query.limit, PAGE))
        filters = found.filters
        # Redmine (SQLite) sorts issues without a due date first; list dated ones first.
        split = query.sort.field == "due_at" and not query.sort.descending and "due_date" not in filters
        phase, offset = _read_cursor(cursor, split)
        while True:
            wanted = dict(filters)
            if split:
                wanted["due_date"] = ("*" if phase == "d" else "!*", [""])
            data = await self._list(wanted, offset, per_page, sort_param(query))
            issues = issues_of(data)
            total = data.get("total_count")
            more = isinstance(total, int) and offset + len(issues) < total
            if split and phase == "d" and not issues and not more:
                phase, offset = "u", 0
                continue
            next_cursor = f"{phase}{offset + per_page}" if more else "u0" if split and phase == "d" else None
            await self._know_people(issues)
            return task_page(
                issues,
                lambda issue: self.catalog.task(issue, self._people),
                total=total if isinstance(total, int) and not split else None,
                next_cursor=next_cursor,
            )

    async def task(self, task_id: str) -> Task:
        issue = await self._issue(task_id)
        return self.catalog.task(issue, self._people)

    async def events(self, task_id: str) -> list[Event]:
        issue = await self._issue(task_id)
        return self.catalog.events(issue, self._people)

    # -- writes --------------------------------------------------------------------------

    async def create_task(self, new: NewTask) -> Task:
        await self._prepare()
        project = self._project_id(new.queue)
        fields = await self._fields(project, reference=bool(new.reference), tags=bool(new.tags))
        body: dict[str, Any] = {
            "project_id": project,
            "subject": new.title,
            "description": new.body,
            "priority_id": self.catalog.priority_id(new.priority),
        }
        if self._tracker is not None:
            body["tracker_id"] = self._tracker
        if new.due_at:
            # Redmine wants the start date (default: today) no later than the due date.
            body["due_date"] = due_date(new.due_at)
            body["start_date"] = min(body["due_date"], utcnow().date().isoformat())
        custom = []
        if new.reference:
            custom.append({"id": fields["reference"], "value": new.reference})
        if new.tags:
            custom.append({"id": fields["tags"], "value": list(new.tags)})
        if custom:
            body["custom_fields"] = custom
        data = self._json(await self._send("POST", "/issues.json", json={"issue": body}))
        issue = data.get("issue") if isinstance(data, dict) else None
        if not isinstance(issue, dict):
            raise BadResponseError("Redmine created no issue; check the project and tracker.")
        task = await self.task(str(number(issue.get("id"))))
        missed = [
            name
            for name, ok in (
                ("priority", task.priority == new.priority),
                (
                    "due date",
                    new.due_at is None or task.due_at is not None and due_date(task.due_at) == body["due_date"],
                ),
                ("reference", not new.reference or task.reference == new.reference),
                ("tags", sorted(task.tags) == sorted(new.tags)),
            )
            if not ok
        ]
        if missed:
            raise InvalidRequestError(
                f"Redmine created #{task.id} but did not set its {', '.join(missed)}: "
                "your role may not edit those fields here.",
                status=400,
            )
        return task

    async def claim(self, task_id: str, *, force: bool = False) -> Task:
        me = await self.me()
        for _ in range(CAS_TRIES):
            lock, issue = await self._locked(task_id)
            before = self.catalog.task(issue, self._people)
            if before.is_closed:
                raise ConflictError(
                    f"#{before.id} is {before.status_label}; reopen it in Redmine to claim it.", status=409
                )
            if before.owner and before.owner.id == me.id:
                return before
            if before.owner and not force:
                raise _claimed(before.id, before.owner)
            try:
                await self._put(before.id, {"assigned_to_id": self._me_id, "lock_version": lock})
            except StaleError:
                continue
            after = await self.task(task_id)
            if after.owner and after.owner.id != me.id:
                raise _claimed(after.id, after.owner)
            if after.owner is None:
                raise InvalidRequestError(
                    f"Redmine accepted the claim of #{after.id} but did not assign it to you: your role may not "
                    "be assignable or may not change the assignee there. Ask a Redmine admin.",
                    status=400,
                )
            return after
        raise _busy(task_id)

    async def release(self, task_id: str) -> Task:
        me = await self.me()
        for _ in range(CAS_TRIES):
            lock, issue = await self._locked(task_id)
            before = self.catalog.task(issue, self._people)
            if not (before.owner and before.owner.id == me.id):
                holder = f" ({before.owner.name} holds it)" if before.owner else " (nobody holds it)"
                raise ConflictError(
                    f"You cannot release #{before.id}: it is not yours{holder}.", claimed_by=before.owner, status=409
                )
            try:
                await self._put(before.id, {"assigned_to_id": "", "lock_version": lock})
            except StaleError:
                continue
            after = await self.task(task_id)
            if after.owner is not None:
                raise InvalidRequestError(
                    f"Redmine kept #{after.id} assigned to {after.owner.name}: your role may "
                    "not change the assignee there. Ask a Redmine admin.",
                    status=400,
                )
            return after
        raise _busy(task_id)

    async def add_note(self, task_id: str, body: str, *, idempotency_key: str) -> Event:
        if not body.strip():
            raise InvalidRequestError("A note needs some text.", status=400)
        if not idempotency_key.strip():
            raise InvalidRequestError("A note needs an idempotency key.", status=400)
        key = (task_id, idempotency_key)
        if key in self._notes:
            return self._notes[key]
        issue = await self._issue(task_id)
        await self._require_private_notes(issue)
        earlier = self._my_note(issue, body, self._baselines.get(key))
        if earlier is None:
            self._baselines.setdefault(key, _last_journal(issue))
            await self._put(task_id, {"notes": body, "private_notes": True})
            issue = await self._issue(task_id)
            earlier = self._my_note(issue, body, self._baselines[key])
            if earlier is None:
                raise BadResponseError(f"Redmine accepted the note but #{task_id} does not show it; press r.")
        self._check_private(task_id, earlier)
        event = self.catalog.events({**issue, "journals": [earlier]}, self._people)[1]
        self._notes[key] = event
        return event

    async def close(
        self,
        task_id: str,
        resolution: Resolution,
        *,
        note: str | None = None,
        version: str | None = None,
        force: bool = False,
    ) -> Task:
        me = await self.me()
        status = self.catalog.status_named(self.options.close_statuses[resolution])
        if not status.is_closed:
            raise InvalidRequestError(
                f"Redmine's status {status.name} is not closed; check {resolution}_status in the profile's options.",
                status=400,
            )
        resolution_field = self.options.resolution_field
        if resolution == "duplicate" and not resolution_field:
            note = "Closed as a duplicate." + (f"\n\n{note}" if note else "")
        baseline: int | None = None  # the last journal before the closing note, once it is written
        for _ in range(CAS_TRIES):
            lock, issue = await self._locked(task_id)
            before = self.catalog.task(issue, self._people)
            if before.is_closed:
                raise ConflictError(f"#{before.id} is already {before.status_label}.", status=409)
            _check_version(before, version if baseline is None else None)
            if before.owner and before.owner.id != me.id and not force:
                raise ConflictError(
                    f"{before.owner.name} holds #{before.id}; close it anyway only if you mean to.",
                    claimed_by=before.owner,
                    status=409,
                )
            change: dict[str, Any] = {"status_id": status.id}
            if resolution_field:
                fields = await self._fields(int(before.queue), resolution=True)
                change["custom_fields"] = [{"id": fields["resolution"], "value": resolution}]
            try:
                if note and baseline is None:
                    # The note goes first, on its own: Redmine would split a private note sent with
                    # changes into two journals, changes first, and the history would read backwards.
                    await self._require_private_notes(issue)
                    await self._put(before.id, {"notes": note, "private_notes": True, "lock_version": lock})
                    baseline, lock = _last_journal(issue), lock + 1
                await self._put(before.id, change | {"lock_version": lock})
            except StaleError:
                if version and baseline is None:
                    raise
                continue
            issue = await self._issue(task_id)
            after = self.catalog.task(issue, self._people)
            if not after.is_closed:
                raise InvalidRequestError(
                    f"Redmine kept #{after.id} {after.status_label}: the workflow of your role does not allow "
                    f"{before.status_label} -> {status.name}. Ask a Redmine admin.",
                    status=400,
                )
            if resolution_field and after.resolution != resolution:
                raise InvalidRequestError(
                    f"Redmine closed #{after.id} but did not set its {resolution_field} "
                    "field: your role may not edit it.",
                    status=400,
                )
            if note:
                written = self._my_note(issue, note, baseline)
                if written is None:
                    raise BadResponseError(f"Redmine closed #{after.id} but does not show the closing note.")
                self._check_private(after.id, written)
            return after
        raise _busy(task_id)

    async def reopen(self, task_id: str, *, version: str | None = None, force: bool = False) -> Task:
        me = await self.me()
        status = self.catalog.reopen_status()
        for _ in range(CAS_TRIES):
            lock, issue = await self._locked(task_id)
            before = self.catalog.task(issue, self._people)
            if not before.is_closed:
                raise ConflictError(f"#{before.id} is not closed.", status=409)
            _check_version(before, version)
            if before.owner and before.owner.id != me.id and not force:
                raise ConflictError(
                    f"{before.owner.name} holds #{before.id}; reopen it anyway only if you mean to.",
                    claimed_by=before.owner,
                    status=409,
                )
            change: dict[str, Any] = {"status_id": status.id, "lock_version": lock}
            if self.options.resolution_field:
                fields = await self._fields(int(before.queue), resolution=True)
                change["custom_fields"] = [{"id": fields["resolution"], "value": ""}]
            try:
                await self._put(before.id, change)
            except StaleError:
                if version:
                    raise
                continue
            after = await self.task(task_id)
            if after.is_closed:
                raise InvalidRequestError(
                    f"Redmine kept #{after.id} {after.status_label}: the workflow of your role does not allow "
                    f"{before.status_label} -> {status.name}. Ask a Redmine admin.",
                    status=400,
                )
            return after
        raise _busy(task_id)

    async def update(self, task_id: str, changes: TaskChanges, *, version: str | None = None) -> Task:
        await self._prepare()
        change: dict[str, Any] = {}
        if changes.priority is not None:
            change["priority_id"] = self.catalog.priority_id(changes.priority)
        if changes.due_at is not None:
            change["due_date"] = due_date(changes.due_at)
        if changes.queue is not None:
            change["project_id"] = self._project_id(changes.queue)
        if changes.title is not None:
            change["subject"] = changes.title
        for _ in range(CAS_TRIES):
            lock, issue = await self._locked(task_id)
            before = self.catalog.task(issue, self._people)
            _check_version(before, version)
            if not change:
                return before
            try:
                await self._put(before.id, change | {"lock_version": lock})
            except StaleError:
                if version:
                    raise
                continue
            after = await self.task(task_id)
            missed = [
                name
                for name, ok in (
                    ("priority", changes.priority is None or after.priority == changes.priority),
                    (
                        "due date",
                        changes.due_at is None
                        or after.due_at is not None
                        and due_date(after.due_at) == change["due_date"],
                    ),
                    ("queue", changes.queue is None or after.queue == str(change["project_id"])),
                    ("title", changes.title is None or after.title == clean_line(changes.title)),
                )
                if not ok
            ]
            if missed:
                raise InvalidRequestError(
                    f"Redmine did not change the {', '.join(missed)} of #{after.id}: your "
                    "role's workflow makes it read-only there. Ask a Redmine admin.",
                    status=400,
                )
            return after
        raise _busy(task_id)

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
                    self._memberships[project] = [
                        number(r.get("id")) for r in membership.get("roles") or [] if isinstance(r, dict)
                    ]
            self.catalog.learn_statuses(list_of(statuses, "issue_statuses"))
            self.catalog.learn_priorities(list_of(priorities, "issue_priorities"))
            if self.options.tracker:
                self._tracker = await self._tracker_id(self.options.tracker)
            await self._visible_projects()
            self._ready = True

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
            raise AuthError(
                f"Your Redmine role in {name} cannot make notes private, so Redmine would publish this "
                "note to everyone who can see the issue; backdesk did not send it. Ask a Redmine admin "
                'for the "Set notes as private" permission.',
                status=403,
            )

    # -- plumbing ------------------------------------------------------------------------

    async def _plan(self, query: TaskQuery) -> Plan:
        projects = await self._visible_projects()
        allowed = [number(p.get("id")) for p in projects] if self.options.projects else None
        if self.options.tags_field and self.catalog.field_id(self.options.tags_field) is None and "tag:" in query.q:
            await self._fields(0, tags=True)
        found = plan(
            query,
            self.catalog,
            projects=self._project_id,
            people=self._login_number,
            allowed_projects=allowed,
            tracker=self._tracker,
            now=utcnow(),
        )
        if not found.empty and (found.words or found.not_words):
            await self._text(found)
        return found

    async def _text(self, found: Plan) -> None:
        """Free text matches the title or the reference field (or ``#N``, the issue number).

        Redmine cannot OR two fields, so a word that also occurs in references becomes a list
        of issue ids (its matches in both, up to 100 each); otherwise it is a title condition.
        Words to exclude are excluded from titles, and issues whose reference has them are
        taken out of that list (Redmine's "doesn't contain" skips issues with no reference).
        """
        reference = self.catalog.field_id(self.options.reference_field) if self.options.reference_field else None
        if self.options.reference_field and reference is None:
            await self._fields(0, reference=True)
            reference = self.catalog.field_id(self.options.reference_field)
        filters = found.filters
        ids: set[int] | None = None
        titles: list[str] = []
        for word in found.words:
            matches = {int(word[1:])} if word.startswith("#") and word[1:].isdigit() else set()
            if reference is not None:
                matches |= await self._ids(filters, f"cf_{reference}", word)
            if not matches and not found.not_words:
                titles.append(word)
                continue
            matches |= await self._ids(filters, "subject", word)
            ids = matches if ids is None else ids & matches
        if titles:
            filters["subject"] = ("~", [words(titles)])
        for word in found.not_words if reference is not None else []:
            excluded = await self._ids(filters, f"cf_{reference}", word)
            if excluded and ids is None:
                raise InvalidRequestError(
                    f"Redmine cannot leave out {word!r} here, as references contain it; add a word to search for.",
                    status=400,
                )
            ids = ids - excluded if ids is not None else None
        if found.not_words:
            filters["subject"] = ("!~", [words(found.not_words)])
        if ids is not None:
            filters["issue_id"] = ("=", [",".join(str(i) for i in sorted(ids))])
            found.empty = not ids

    async def _ids(self, filters: dict, name: str, word: str) -> set[int]:
        data = await self._list({**filters, name: ("~", [words([word])])}, 0, PAGE, "id")
        if int(data.get("total_count") or 0) > PAGE:
            raise InvalidRequestError(
                f"{word!r} matches more than {PAGE} tasks and references too; "
                "add a word or a filter to narrow it down.",
                status=400,
            )
        return {number(i.get("id")) for i in issues_of(data)}

    def _login_number(self, login: str) -> str:
        if login.isdigit():
            return login
        for user_id, person in self._people.items():
            if person.id == login:
                return str(user_id)
        raise InvalidRequestError(
            f"backdesk does not know a Redmine user {login!r} yet; use their number "
            "(from their Redmine page) or owner:me.",
            status=400,
        )

    async def _counts(self, project: int) -> QueueCounts:
        base = {"project_id": ("=", [str(project)]), "status_id": ("o", [""])}
        if self._tracker is not None:
            base["tracker_id"] = ("=", [str(self._tracker)])
        yesterday = last_day_before(utcnow())
        variants = [
            {},
            {"assigned_to_id": ("!*", [""])},
            {"assigned_to_id": ("=", ["me"])},
            {"due_date": ("<=", [yesterday.isoformat()])},
        ]
        totals = await asyncio.gather(*(self._list(base | v, 0, 1, "id") for v in variants))
        open_, unclaimed, mine, breached = (int(t.get("total_count") or 0) for t in totals)
        return QueueCounts(open=open_, unclaimed=unclaimed, mine=mine, breached=breached)

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
            raise AuthError(
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


def _claimed(task_id: str, owner: Person) -> ConflictError:
    return ConflictError(
        f"{owner.name} has already claimed #{task_id}. Press C to take it over.", claimed_by=owner, status=409
    )


def _busy(task_id: str) -> StaleError:
    return StaleError(
        f"#{task_id} kept changing while backdesk wrote to it. Press r to reload, then try again.", status=422
    )


def _check_version(task: Task, version: str | None) -> None:
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


def _read_cursor(cursor: str | None, split: bool) -> tuple[str, int]:
    text = cursor or ("d0" if split else "0")
    phase = text[0] if split and text[:1] in ("d", "u") else ""
    rest = text[len(phase) :]
    if not rest.isdigit() or (split and not phase):
        raise InvalidRequestError("That page cursor is not from this Redmine list; reload the list.", status=400)
    return phase, int(rest)


def _names_project(project: dict, name: str) -> bool:
    return (
        name in (str(project.get("id")), clean_line(project.get("identifier")))
        or clean_line(project.get("name")).casefold() == name.casefold()
    )


def _last_journal(issue: dict) -> int:
    return max((number(j.get("id")) for j in issue.get("journals") or [] if isinstance(j, dict)), default=0)


def _normal(text: str) -> str:
    return text.replace("\r\n", "\n").strip()
