"""RedmineBackend against a real Redmine 5 (tests/redmine/setup_redmine.sh): the traps of issue 12.

What every backend must do is in tests/conformance, which runs against Redmine too. Here:
each trap is first shown on Redmine itself (plain HTTP) where that is cheap, then the
adapter is shown to turn it into an error or to avoid it. Fault-injecting transports wrap
the real one only for what a real server cannot be made to do on demand (a lost response,
a 500, a write landing between two requests).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

import anyio
import httpx
import pytest
from redmine_env import PROJECT, USERS, redmine_backend

from backdesk.api_client.connect import Credentials, connect
from backdesk.api_client.errors import (
    AuthError,
    BackendTimeout,
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    StaleError,
)
from backdesk.api_client.models import NewTask, TaskChanges, TaskQuery, utcnow
from backdesk.api_client.redmine_options import RedmineOptions

pytestmark = [pytest.mark.redmine, pytest.mark.anyio]


class Hooked(httpx.AsyncBaseTransport):
    """The real transport, with a hook before each request and one that may replace the answer."""

    def __init__(
        self,
        before: Callable[[httpx.Request], Awaitable[None]] | None = None,
        after: Callable[[httpx.Request, httpx.Response], Awaitable[httpx.Response]] | None = None,
    ) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.before, self.after = before, after
        self.seen: list[tuple[str, str, int]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.before:
            await self.before(request)
        response = await self.inner.handle_async_request(request)
        self.seen.append((request.method, request.url.path, response.status_code))
        return await self.after(request, response) if self.after else response

    async def aclose(self) -> None:
        await self.inner.aclose()


def key() -> str:
    return str(uuid.uuid4())


async def journal_count(client: httpx.AsyncClient, issue: str) -> int:
    response = await client.get(f"/issues/{issue}.json", params={"include": "journals"})
    return len(response.json()["issue"]["journals"])


# -- silent no-ops ---------------------------------------------------------------------------


async def test_status_change_the_workflow_forbids_is_an_error(vic, new_issue, raw):
    task = await new_issue()
    answer = await raw("vic").put(f"/issues/{task.id}.json", json={"issue": {"status_id": 5}})
    assert answer.status_code == 204  # Redmine says yes ...
    with pytest.raises(InvalidRequestError, match="workflow"):
        await vic.close(task.id, "done")  # ... the adapter sees that nothing changed
    assert not (await vic.task(task.id)).is_closed


async def test_unknown_status_is_refused_before_sending(adapter, new_issue, raw):
    task = await new_issue()
    answer = await raw("ana").put(f"/issues/{task.id}.json", json={"issue": {"status_id": 9999}})
    assert answer.status_code == 204
    odd = adapter("ana", done_status="Finished")
    with pytest.raises(InvalidRequestError, match="no status named 'Finished'"):
        await odd.close(task.id, "done")
    assert not (await odd.task(task.id)).is_closed


async def test_release_clears_the_assignee_where_null_would_not(ana, new_issue, raw):
    task = await new_issue()
    await ana.claim(task.id)
    answer = await raw("ana").put(f"/issues/{task.id}.json", json={"issue": {"assigned_to_id": None}})
    assert answer.status_code == 204
    assert (await ana.task(task.id)).owner == await ana.me()  # null changed nothing
    assert (await ana.release(task.id)).owner is None


async def test_a_field_the_role_may_not_edit_is_an_error(ana, adapter, new_issue):
    """vic's workflow makes the priority read-only, so Redmine answers 204 and changes
    nothing; counted as a lead (lead_roles), vic gets past backdesk's own check to Redmine."""
    vic = adapter("vic", lead_roles=["Requester"])
    task = await new_issue(priority="low")
    with pytest.raises(ForbiddenError, match="priority"):
        await vic.update(task.id, TaskChanges(priority="urgent"))
    assert (await ana.task(task.id)).priority == "low"


async def test_claim_by_someone_who_is_not_assignable_is_an_error(vic, new_issue):
    task = await new_issue()
    with pytest.raises(InvalidRequestError, match="Assignee"):
        await vic.claim(task.id)
    assert (await vic.task(task.id)).owner is None


# -- private notes ---------------------------------------------------------------------------


async def test_a_note_that_redmine_would_publish_is_refused(vic, new_issue, raw):
    task = await new_issue()
    # What Redmine does with private_notes from a role without "set notes private": publishes it.
    await raw("vic").put(f"/issues/{task.id}.json", json={"issue": {"notes": "Trap", "private_notes": True}})
    journals = (await raw("ana").get(f"/issues/{task.id}.json", params={"include": "journals"})).json()
    assert [(j["notes"], j["private_notes"]) for j in journals["issue"]["journals"]] == [("Trap", False)]
    with pytest.raises(AuthError, match="would publish"):
        await vic.add_note(task.id, "Internal: customer is difficult", idempotency_key=key())
    with pytest.raises(AuthError, match="would publish"):
        await vic.close(task.id, "done", note="Internal closing note")
    assert await journal_count(raw("ana"), task.id) == 1


async def test_notes_are_private_and_hidden_from_a_user_without_the_right(ana, vic, new_issue, raw):
    task = await new_issue()
    await ana.add_note(task.id, "Internal: refund approved", idempotency_key=key())
    await ana.close(task.id, "done", note="Internal: closing")
    issue = (await raw("ana").get(f"/issues/{task.id}.json", params={"include": "journals"})).json()["issue"]
    assert [j["private_notes"] for j in issue["journals"] if j["notes"]] == [True, True]
    assert [e.kind for e in await vic.events(task.id)] == ["created", "closed"]
    # Redmine's own page: the note shows to ana and not to vic; both see the status.
    page_ana = (await raw("ana").get(f"/issues/{task.id}", headers={"Accept": "text/html"})).text
    page_vic = (await raw("vic").get(f"/issues/{task.id}", headers={"Accept": "text/html"})).text
    assert "Internal: refund approved" in page_ana and "Internal: refund approved" not in page_vic
    assert "Closed" in page_vic


# -- optimistic locking ----------------------------------------------------------------------


async def test_lock_version_comes_from_the_issue_page_and_a_stale_one_is_refused(ana, new_issue, raw):
    task = await new_issue()
    lock = await ana._lock_version(task.id)
    await ana.claim(task.id)
    assert await ana._lock_version(task.id) == lock + 1
    stale = await raw("ana").put(
        f"/issues/{task.id}.json", json={"issue": {"assigned_to_id": "", "lock_version": lock}}
    )
    assert (stale.status_code, stale.json()) == (422, {"errors": []})
    assert (await ana.task(task.id)).owner == await ana.me()


async def test_a_claim_that_loses_the_race_between_read_and_write_names_the_winner(adapter, ben, new_issue):
    task = await new_issue()
    raced = False

    async def ben_first(request: httpx.Request) -> None:
        nonlocal raced
        if request.method == "PUT" and not raced:
            raced = True
            await ben.claim(task.id)

    ana = adapter("ana", transport=Hooked(before=ben_first))
    with pytest.raises(ConflictError) as caught:
        await ana.claim(task.id)
    assert caught.value.claimed_by == await ben.me() and "Ben Okafor" in str(caught.value)
    assert (await ana.task(task.id)).owner == await ben.me()


async def test_a_release_that_races_a_steal_does_not_undo_it(adapter, ben, new_issue):
    task = await new_issue()
    raced = True  # not on the claim, only on the release

    async def steal_first(request: httpx.Request) -> None:
        nonlocal raced
        if request.method == "PUT" and not raced:
            raced = True
            await ben.claim(task.id, force=True)

    ana = adapter("ana", transport=Hooked(before=steal_first))
    await ana.claim(task.id)
    raced = False
    with pytest.raises(ConflictError) as caught:
        await ana.release(task.id)
    assert caught.value.claimed_by == await ben.me()
    assert (await ana.task(task.id)).owner == await ben.me()


async def test_close_with_a_version_from_a_list_is_compared_by_time(ana, ben, new_issue, marker):
    task = await new_issue()
    listed = (await ana.tasks(TaskQuery(q=marker))).items[0]
    assert "/" not in listed.version and "/" in task.version
    # Redmine's times are per second: let the clock pass the creation's second first.
    with anyio.fail_after(5):
        while utcnow().replace(microsecond=0) <= listed.updated_at:
            await anyio.sleep(0.05)
    await ben.add_note(task.id, "Meanwhile", idempotency_key=key())
    with pytest.raises(StaleError):
        await ana.close(task.id, "done", version=listed.version)
    fresh = (await ana.tasks(TaskQuery(q=marker))).items[0]
    assert (await ana.close(task.id, "done", version=fresh.version)).is_closed


# -- no idempotency --------------------------------------------------------------------------


async def test_a_note_whose_answer_was_lost_is_not_written_twice(adapter, new_issue, raw):
    task = await new_issue()

    async def lose_first_put(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.method == "PUT" and not lost:
            lost.append(request)
            raise httpx.ReadTimeout("answer lost", request=request)
        return response

    lost: list[httpx.Request] = []
    ana = adapter("ana", transport=Hooked(after=lose_first_put))
    same = key()
    with pytest.raises(BackendTimeout):
        await ana.add_note(task.id, "Called the customer", idempotency_key=same)
    event = await ana.add_note(task.id, "Called the customer", idempotency_key=same)
    assert await journal_count(raw("ana"), task.id) == 1
    assert event.body == "Called the customer"
    # The same text under a new key, written after another note, is a new note.
    await ana.add_note(task.id, "Left a voicemail", idempotency_key=key())
    await ana.add_note(task.id, "Called the customer", idempotency_key=key())
    assert await journal_count(raw("ana"), task.id) == 3


# -- errors ----------------------------------------------------------------------------------


async def test_errors_map_to_backend_errors(ana, vic, redmine_url, new_issue):
    with pytest.raises(NotFoundError):
        await ana.task("99999999")
    with pytest.raises(NotFoundError):
        await ana.task("not-a-number")
    wrong = redmine_backend(redmine_url, "ana")
    wrong._client.headers["X-Redmine-API-Key"] = "wrongkey"
    try:
        with pytest.raises(AuthError, match="API key"):
            await wrong.me()
    finally:
        await wrong.aclose()
    with pytest.raises(AuthError, match="role"):
        await vic._get("/users.json")  # admins only: an empty 403
    with pytest.raises(InvalidRequestError, match="Tags is not included in the list"):
        await new_issue(tags=("no-such-tag",))
    task = await new_issue()
    with pytest.raises(InvalidRequestError, match="HTTP 400"):
        await ana._send(
            "PUT", f"/issues/{task.id}.json", content=b"{not json", headers={"Content-Type": "application/json"}
        )
    nowhere = redmine_backend("http://127.0.0.1:9", "ana")
    try:
        with pytest.raises(Exception, match="127.0.0.1:9") as caught:
            await nowhere.me()
        assert caught.value.__cause__ is not None
    finally:
        await nowhere.aclose()


async def test_a_busy_database_500_is_retried(adapter, new_issue):
    task = await new_issue()
    failures: list[str] = []

    async def busy_once(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.method == "GET" and not failures:
            failures.append(request.url.path)
            return httpx.Response(500, text="SQLite3::BusyException", request=request)
        return response

    ana = adapter("ana", transport=Hooked(after=busy_once))
    assert (await ana.task(task.id)).id == task.id
    assert failures


async def test_filters_redmine_cannot_use_are_refused_before_sending(ana, raw, marker):
    bogus = await raw("ana").get("/issues.json", params={"status_id": "bogus"})
    assert (bogus.status_code, bogus.json()["issues"]) == (200, [])  # Redmine's silent "nothing"
    for q in ("x", "-due:<2h", "-breached", "owner:none,ana", f"{marker} a b c d e f"):
        with pytest.raises(InvalidRequestError):
            await ana.tasks(TaskQuery(q=q))


# -- ETags and auth --------------------------------------------------------------------------


async def test_refreshes_are_answered_304_from_the_etag_cache(adapter, new_issue):
    task = await new_issue()
    hooked = Hooked()
    ana = adapter("ana", transport=hooked)
    first = await ana.task(task.id)
    again = await ana.task(task.id)
    assert first == again
    reads = [status for method, path, status in hooked.seen if path == f"/issues/{task.id}.json"]
    assert reads == [200, 304]


async def test_login_and_password_work_as_well_as_an_api_key(adapter, new_issue):
    by_password = adapter("ben", password=True)
    assert (await by_password.me()).id == "ben"
    task = await new_issue()
    assert (await by_password.claim(task.id)).owner.name == "Ben Okafor"


def test_connect_builds_the_adapter_and_checks_its_options(redmine_url):
    backend = connect(
        "redmine",
        Credentials(url=redmine_url, token=USERS["ana"][1], options={"waiting_statuses": ["Feedback", "On hold"]}),
    )
    assert backend.label == f"Redmine at {redmine_url}"
    with pytest.raises(AuthError, match="API key"):
        connect("redmine", Credentials(url=redmine_url))
    with pytest.raises(InvalidRequestError, match="colour"):
        connect("redmine", Credentials(url=redmine_url, token="k", options={"colour": "red"}))
    with pytest.raises(InvalidRequestError, match="urgent_priorities"):
        RedmineOptions.parse({"urgent_priorities": {"Immediate": True}})
    chosen = RedmineOptions.parse({"high_priorities": ["Immediate"], "rejected_status": "Closed"})
    assert chosen.priorities["immediate"] == "high" and chosen.close_statuses["rejected"] == "Closed"


# -- mapping ---------------------------------------------------------------------------------


async def test_mapping_of_statuses_priorities_due_and_fields(ana, new_issue, raw, marker):
    due = utcnow() + timedelta(days=2)
    task = await new_issue("Mapping", priority="high", due_at=due, reference=f"ORD-{marker}", tags=("vip",))
    assert (task.priority, task.reference, task.tags) == ("high", f"ORD-{marker}", ("vip",))
    assert task.due_at.date() == due.date() and (task.due_at.hour, task.due_at.minute) == (23, 59)
    assert task.url.endswith(f"/issues/{task.id}") and task.queue == (await ana.queues())[1].id
    await raw("ana").put(f"/issues/{task.id}.json", json={"issue": {"status_id": 4, "priority_id": 5}})
    waiting = await ana.task(task.id)
    assert (waiting.status, waiting.status_label, waiting.priority) == ("waiting", "Feedback", "urgent")
    assert [t.id for t in (await ana.tasks(TaskQuery(q=f"{marker} status:waiting tag:vip"))).items] == [task.id]
    assert [e.body for e in await ana.events(task.id)][-2:] == [
        "Status changed from New to Feedback",
        "Priority changed from High to Immediate",
    ]
    closed = await ana.close(task.id, "duplicate")
    assert (closed.resolution, closed.status_label) == ("duplicate", "closed")
    reopened = await ana.reopen(task.id)
    assert (reopened.status, reopened.resolution) == ("open", None)


async def test_without_a_resolution_field_a_duplicate_says_so_in_its_note(adapter, new_issue):
    plain = adapter("ana", resolution_field=None, reference_field=None)
    task = await new_issue()
    assert plain is not None and (await plain.task(task.id)).reference == f"#{task.id}"
    closed = await plain.close(task.id, "duplicate", note="Same as the other one")
    assert (closed.status, closed.resolution) == ("closed", "done")
    notes = [e.body for e in await plain.events(task.id) if e.kind == "note"]
    assert notes == ["Closed as a duplicate.\n\nSame as the other one"]
    rejected = await plain.close((await new_issue()).id, "rejected")
    assert (rejected.resolution, rejected.status_label) == ("rejected", "closed")


async def test_free_text_finds_title_reference_and_number(ana, new_issue, marker):
    first = await new_issue("Kettle broken", reference=f"INV-{marker}")
    second = await new_issue("Parcel lost")

    async def ids(q: str) -> set[str]:
        return {t.id for t in (await ana.tasks(TaskQuery(q=q))).items}

    assert await ids(f"INV-{marker}") == {first.id}
    assert await ids(f"{marker} -Kettle") == {second.id}
    assert await ids(f"#{second.id} {marker}") == {second.id}
    assert await ids(f'"Parcel lost {marker}"') == {second.id}


async def test_owner_filter_takes_a_login_from_a_fresh_client(adapter, ben, new_issue, marker):
    task = await new_issue()
    await new_issue()
    await ben.claim(task.id)
    fresh = adapter("ana")
    assert [t.id for t in (await fresh.tasks(TaskQuery(q=f"{marker} owner:ben"))).items] == [task.id]
    with pytest.raises(InvalidRequestError, match="nobody"):
        await fresh.tasks(TaskQuery(q=f"{marker} owner:nobody"))


async def test_queues_are_the_configured_projects_with_counts(adapter, redmine_project_ids, marker):
    ana = adapter("ana", projects=["billing"])
    [billing] = await ana.queues()
    before = billing.counts
    await ana.create_task(NewTask(billing.id, f"Invoice {marker}", due_at=utcnow() - timedelta(days=2)))
    mine = await ana.create_task(NewTask(billing.id, f"Dunning {marker}"))
    await ana.claim(mine.id)
    [after] = await ana.queues()
    assert (
        after.counts.open - before.open,
        after.counts.unclaimed - before.unclaimed,
        after.counts.mine - before.mine,
        after.counts.breached - before.breached,
    ) == (2, 1, 1, 1)
    with pytest.raises(InvalidRequestError, match="no queue"):
        await ana.create_task(NewTask(redmine_project_ids[PROJECT], f"Elsewhere {marker}"))


async def test_server_text_is_made_safe(ana, new_issue, raw):
    task = await new_issue()
    await raw("ana").put(
        f"/issues/{task.id}.json",
        json={
            "issue": {
                "subject": "Refund \x1b]52;c;ZXZpbA==\x07now\x1b[2J",
                "description": "Line one\n\x1b[31mred\x1b[0m\x9b2J",
            }
        },
    )
    shown = await ana.task(task.id)
    assert (shown.title, shown.body) == ("Refund now", "Line one\nred")
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", shown.title + shown.body)


async def test_due_and_breached_by_day(ana, new_issue, marker):
    now = utcnow()
    late = await new_issue("Late", due_at=now - timedelta(days=1))
    today = await new_issue("Today", due_at=now)
    later = await new_issue("Later", due_at=now + timedelta(days=3))

    async def ids(q: str) -> set[str]:
        return {t.id for t in (await ana.tasks(TaskQuery(q=f"{marker} {q}"))).items}

    assert not late.is_breached(now - timedelta(days=2)) and late.is_breached(now)
    assert not today.is_breached(now)
    assert await ids("breached") == {late.id}
    assert await ids("due:<1d") == {today.id}  # due within a day, not yet late
    assert await ids("due:<5d") == {today.id, later.id}
    assert await ids("due:>1d") == {later.id}
