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
* **People.** An operator's ``id`` is the Redmine login and ``name`` the full name. Leads,
  operators with their load, assigning, moving and project health: :mod:`.redmine_triage`.

The adapter comes in layers, one module each: ``redmine_http`` (requests, ETags, errors),
``redmine_session`` (setup, people, locks), ``redmine_search`` (lists, text, counts),
``redmine_triage`` (a lead's operators, assign, move, health), then this module's Backend
methods; ``redmine_decode``, ``redmine_query`` and ``redmine_options`` hold the decoders, the
filter translation and the settings.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .errors import (
    BadResponseError,
    ConflictError,
    InvalidRequestError,
    StaleError,
    changed_hands,
)
from .http import task_page
from .models import (
    Event,
    NewTask,
    Person,
    Queue,
    Resolution,
    Task,
    TaskChanges,
    TaskPage,
    TaskQuery,
    utcnow,
)
from .redmine_decode import due_date, number
from .redmine_http import PAGE, issues_of
from .redmine_query import sort_param
from .redmine_search import read_cursor
from .redmine_session import busy, check_version, last_journal
from .redmine_triage import RedmineTriage, ignored
from .sanitize import clean, clean_line

CAS_TRIES = 4


class RedmineBackend(RedmineTriage):
    """backdesk's Backend over Redmine's REST API (see the module docstring)."""

    # -- reads ---------------------------------------------------------------------------

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
        # Reversed, undated ones come first (see sort_param for why the reverse is exact).
        first, second = ("u", "d") if query.reverse else ("d", "u")
        phase, offset = read_cursor(cursor, split, first)
        while True:
            wanted = dict(filters)
            if split:
                wanted["due_date"] = ("*" if phase == "d" else "!*", [""])
            data = await self._list(wanted, offset, per_page, sort_param(query))
            issues = issues_of(data)
            total = data.get("total_count")
            more = isinstance(total, int) and offset + len(issues) < total
            if split and phase == first and not issues and not more:
                phase, offset = second, 0
                continue
            next_cursor = f"{phase}{offset + per_page}" if more else f"{second}0" if split and phase == first else None
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

    async def claim(self, task_id: str, *, force: bool = False, expected_owner: str | None = None) -> Task:
        me = await self.me()
        for _ in range(CAS_TRIES):
            lock, issue = await self._locked(task_id)
            before = self.catalog.task(issue, self._people)
            if not (before.owner and before.owner.id == me.id) and (conflict := changed_hands(before, expected_owner)):
                raise conflict
            if before.is_closed:
                raise ConflictError(f"#{before.id} is {before.status_label}; reopen it first to claim it.", status=409)
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
        raise busy(task_id)

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
        raise busy(task_id)

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
            self._baselines.setdefault(key, last_journal(issue))
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
            check_version(before, version if baseline is None else None)
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
                    baseline, lock = last_journal(issue), lock + 1
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
        raise busy(task_id)

    async def reopen(self, task_id: str, *, version: str | None = None, force: bool = False) -> Task:
        me = await self.me()
        status = self.catalog.reopen_status()
        for _ in range(CAS_TRIES):
            lock, issue = await self._locked(task_id)
            before = self.catalog.task(issue, self._people)
            if not before.is_closed:
                raise ConflictError(f"#{before.id} is not closed.", status=409)
            check_version(before, version)
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
        raise busy(task_id)

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
            if changes.priority is not None:
                self._require_lead(int(before.queue), "change priorities")
            if changes.queue is not None:
                self._require_lead(int(before.queue), "move tasks")
            check_version(before, version)
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
            if {"priority", "queue"} & set(missed):
                raise ignored(after.id, f"change the {' and '.join(missed)} of tasks", "edit that")
            if missed:
                raise InvalidRequestError(
                    f"Redmine did not change the {', '.join(missed)} of #{after.id}: your "
                    "role's workflow makes it read-only there. Ask a Redmine admin.",
                    status=400,
                )
            return after
        raise busy(task_id)


# -- helpers ---------------------------------------------------------------------------------


def _claimed(task_id: str, owner: Person) -> ConflictError:
    return ConflictError(
        f"{owner.name} has already claimed #{task_id}. Press C to take it over.", claimed_by=owner, status=409
    )
