"""The filter language judged on a task here agrees with the reference server's own answer, so
counts moved by a write (tui.counts) are the counts the server would give."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backdesk.api_client import NewTask, TaskQuery, parse_filter
from backdesk.api_client.filters import matches
from backdesk.api_client.models import utcnow
from backdesk.api_client.workqueue import WorkQueueBackend

pytestmark = pytest.mark.anyio

FILTERS = [
    "owner:me",
    "owner:none",
    "-owner:me",
    "owner:ben,none",
    "priority:>=high",
    "priority:<normal",
    "priority:low,urgent",
    "status:open",
    "status:waiting,closed",
    "-status:closed",
    "breached",
    "-breached",
    "due:<1h",
    "due:>1d",
    "due:<=3h",
    "tag:vip",
    "-tag:VIP",
    "queue:billing",
    'queue:"Returns & Refunds"',
    "owner:none priority:>=urgent",
    "owner:me -breached tag:vip,late",
]


async def test_every_token_is_judged_as_the_server_judges_it(wq_server) -> None:
    ana, ben = WorkQueueBackend(wq_server.url, "ana-token"), WorkQueueBackend(wq_server.url, "ben-token")
    try:
        now = utcnow()
        made = []
        shapes = [
            dict(priority="urgent", due_at=now - timedelta(hours=2), tags=("vip",)),
            dict(priority="high", due_at=now + timedelta(minutes=30)),
            dict(priority="low", due_at=now + timedelta(days=3), tags=("late", "VIP")),
            dict(priority="normal", due_at=now + timedelta(hours=2)),
            dict(priority="normal"),
        ]
        for queue in ("returns", "billing"):
            for n, shape in enumerate(shapes):
                made.append(await ben.create_task(NewTask(queue, f"Match {queue} {n}", **shape)))
        await ana.claim(made[0].id)
        await ben.claim(made[1].id)
        await ana.claim(made[5].id)
        await ana.close(made[5].id, "done")
        await ben.close(made[6].id, "done", force=True)
        await ana.claim(made[7].id)
        tasks = {t.id: t for t in [await ana.task(t.id) for t in made]}
        names = {q.id: q.name for q in await ana.queues()}
        now = utcnow()
        for text in FILTERS:
            page = await ana.tasks(TaskQuery(q=text, limit=100))
            served = {t.id for t in page.items} & tasks.keys()
            here = {
                i for i, t in tasks.items() if matches(parse_filter(text), t, me_id="ana", queue_names=names, now=now)
            }
            assert here == served, text
        mine = tasks[made[0].id]  # free text is the server's to judge, unless another term already fails
        assert matches(parse_filter("refund owner:me"), mine, me_id="ana", queue_names=names, now=now) is None
        assert matches(parse_filter("refund owner:none"), mine, me_id="ana", queue_names=names, now=now) is False
    finally:
        await ana.aclose()
        await ben.aclose()
