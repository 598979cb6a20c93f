"""The bulk runner against the reference server: bounded, cancellable, every outcome reported,
failures retried without doubling a note."""

from __future__ import annotations

import pytest
from fault_proxy import FaultProxy  # tests/fault_proxy.py

from backdesk.api_client import NewTask, Task
from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.tui.bulk import BulkAction, BulkRun, Result

pytestmark = pytest.mark.anyio


@pytest.fixture
async def lee(wq_server):
    backend = WorkQueueBackend(wq_server.url, "lee-token")
    yield backend
    await backend.aclose()


@pytest.fixture
async def ben(wq_server):
    backend = WorkQueueBackend(wq_server.url, "ben-token")
    yield backend
    await backend.aclose()


async def made(backend, n: int) -> list[Task]:
    return [await backend.create_task(NewTask("returns", f"Duplicate report {i}")) for i in range(n)]


async def test_a_bulk_close_reports_each_task_and_retries_the_failed_one(lee, ben):
    tasks = await made(lee, 5)
    await ben.claim(tasks[2].id)  # held by someone else: a close without force is refused
    tasks[2] = await lee.task(tasks[2].id)  # as the lead's list shows it after a refresh
    await lee.add_note(tasks[4].id, "Seen.", idempotency_key="k1")  # changed since the lead saw it
    run = BulkRun(lee, BulkAction("close", resolution="duplicate"), tasks)
    await run.run()
    states = {r.task.id: (r.state, r.outcome) for r in run.results.values()}
    assert states[tasks[0].id] == ("done", "closed as duplicate")
    assert states[tasks[2].id] == ("failed", "held by someone else")
    assert states[tasks[4].id] == ("failed", "changed since")
    assert "holds task" in run.results[tasks[2].id].reason  # the server's own sentence
    for task in tasks[:2] + tasks[3:4]:
        assert (await lee.task(task.id)).resolution == "duplicate"

    await ben.release(tasks[2].id)
    await run.retry()  # re-read first: the new version, nobody holding it
    assert run.count("done") == 5
    for task in tasks:
        fresh = await lee.task(task.id)
        assert fresh.status == "closed" and fresh.resolution == "duplicate"


async def test_cancel_sends_nothing_more_and_keeps_what_was_done(lee):
    tasks = await made(lee, 6)

    def changed(result: Result) -> None:
        if result.state == "done":
            run.cancel()

    run = BulkRun(lee, BulkAction("release"), tasks, concurrency=1, changed=changed)
    for task in tasks:
        await lee.claim(task.id)
    await run.run()
    assert run.count("done") == 1 and run.count("skipped") == 5
    assert run.answered == 1  # the progress bar stops at 1 of 6, not at the end
    held = [(await lee.task(t.id)).owner for t in tasks]
    assert held.count(None) == 1  # only the first was released; nothing rolled back


async def test_at_most_four_writes_are_in_flight(lee):
    tasks = await made(lee, 12)
    in_flight, most = 0, 0

    class Counting:
        """The real backend, counting the releases it is waiting on."""

        def __getattr__(self, name):
            return getattr(lee, name)

        async def release(self, task_id):
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            try:
                return await lee.release(task_id)
            finally:
                in_flight -= 1

    for task in tasks:
        await lee.claim(task.id)
    run = BulkRun(Counting(), BulkAction("release"), tasks)
    await run.run()
    assert run.count("done") == 12 and 1 < most <= 4


async def test_a_retried_bulk_note_is_added_once(wq_server, lee):
    tasks = await made(lee, 3)
    port = int(wq_server.url.rsplit(":", 1)[1])
    with FaultProxy(port, seed=1, fault_rate=0) as proxy:
        through = WorkQueueBackend(proxy.url, "lee-token", timeout=5)
        run = BulkRun(through, BulkAction("note", note="Merged into #1."), tasks)
        proxy.always = "lose"  # the server adds each note; the answer never comes back
        await run.run()
        assert run.count("failed") == 3
        proxy.always = "pass"
        await run.retry()
        assert run.count("done") == 3
        await through.aclose()
    for task in tasks:
        notes = [e for e in await lee.events(task.id) if e.kind == "note"]
        assert [n.body for n in notes] == ["Merged into #1."]


def test_the_summary_names_the_count_the_place_and_the_change():
    close = BulkAction("close", resolution="duplicate")
    assert close.summary(1234, "in Returns & Refunds") == "Close 1,234 tasks in Returns & Refunds as duplicate?"
    assert close.title(37) == "Close 37 tasks as duplicate"
    assert BulkAction("release").summary(1, "in Billing") == "Release 1 task in Billing?"
