"""The sidebar's counts moved by a write of ours, from the task before and after it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from backdesk.api_client import Person, Queue, QueueCounts, Task
from backdesk.tui.config import View
from backdesk.tui.counts import after_write, queue_deltas

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ANA, BEN = Person("ana", "Ana Ruiz"), Person("ben", "Ben Okafor")
LATE = NOW - timedelta(hours=1)
VIEWS = (
    View("My open", "owner:me"),
    View("Unclaimed urgent", "owner:none priority:>=urgent"),
    View("Refunds", "refund"),  # free text: only the server can tell
    View("Billing only", "", queue="billing"),
)


def task(**kw) -> Task:
    fields = dict(
        id="7",
        queue="returns",
        title="Damaged parcel",
        body="",
        status="open",
        priority="urgent",
        created_at=NOW,
        updated_at=NOW,
        version="v1",
    )
    return Task(**(fields | kw))


def queues(**counts: QueueCounts) -> dict[str, Queue]:
    return {q: Queue(q, q.title(), counts=c) for q, c in counts.items()}


def delta(before: Task | None, after: Task | None) -> dict[str, dict[str, int]]:
    return queue_deltas(before, after, "ana", NOW)


def moved(open=0, unclaimed=0, mine=0, breached=0) -> dict[str, int]:
    return {"open": open, "unclaimed": unclaimed, "mine": mine, "breached": breached}


UNCLAIMED = task()
MINE = task(owner=ANA, version="v2")
CLOSED = task(owner=ANA, status="closed", resolution="done", version="v3")


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        pytest.param(UNCLAIMED, MINE, {"returns": moved(unclaimed=-1, mine=1)}, id="claim"),
        pytest.param(MINE, UNCLAIMED, {"returns": moved(unclaimed=1, mine=-1)}, id="release"),
        pytest.param(task(owner=BEN), MINE, {"returns": moved(mine=1)}, id="steal"),
        pytest.param(MINE, CLOSED, {"returns": moved(open=-1, mine=-1)}, id="close mine"),
        pytest.param(UNCLAIMED, replace(CLOSED, owner=None), {"returns": moved(open=-1, unclaimed=-1)}, id="close"),
        pytest.param(CLOSED, replace(MINE, version="v4"), {"returns": moved(open=1, mine=1)}, id="reopen"),
        pytest.param(UNCLAIMED, task(owner=BEN), {"returns": moved(unclaimed=-1)}, id="assign to someone else"),
        pytest.param(task(owner=BEN), MINE, {"returns": moved(mine=1)}, id="assigned to me"),
        pytest.param(
            MINE,
            replace(MINE, queue="billing"),
            {"returns": moved(open=-1, mine=-1), "billing": moved(open=1, mine=1)},
            id="move",
        ),
        pytest.param(UNCLAIMED, task(priority="low", version="v2"), {}, id="priority"),
        pytest.param(UNCLAIMED, task(version="v2"), {}, id="note"),
        pytest.param(
            task(due_at=LATE), task(due_at=LATE, owner=ANA), {"returns": moved(unclaimed=-1, mine=1)}, id="claim late"
        ),
        pytest.param(
            task(due_at=LATE), task(due_at=LATE, status="closed"), {"returns": moved(-1, -1, 0, -1)}, id="close late"
        ),
        pytest.param(
            task(due_at=LATE),
            task(due_at=LATE, queue="billing"),
            {"returns": moved(-1, -1, 0, -1), "billing": moved(1, 1, 0, 1)},
            id="move late",
        ),
        pytest.param(
            task(status="waiting"),
            task(status="waiting", owner=ANA),
            {"returns": moved(unclaimed=-1, mine=1)},
            id="waiting",
        ),
    ],
)
def test_each_write_moves_the_queue_counts_it_should(before, after, expected) -> None:
    assert delta(before, after) == expected


def test_the_counts_move_and_never_go_below_zero_or_past_a_bound() -> None:
    held = queues(
        returns=QueueCounts(open=5, unclaimed=0, mine=1, breached=0, at_least=frozenset({"open"})),
        billing=QueueCounts(open=2, unclaimed=1, mine=0),
    )
    new, counts, unknown = after_write(held, {}, (), MINE, replace(MINE, queue="billing"), "ana", NOW)
    assert new["returns"].counts == QueueCounts(open=5, unclaimed=0, mine=0, at_least=frozenset({"open"}))
    assert new["billing"].counts == QueueCounts(open=3, unclaimed=1, mine=1)
    new, _, _ = after_write(held, {}, (), MINE, UNCLAIMED, "ana", NOW)
    assert new["returns"].counts.unclaimed == 1 and new["returns"].counts.mine == 0
    new, _, _ = after_write(held, {}, (), UNCLAIMED, MINE, "ana", NOW)
    assert new["returns"].counts.unclaimed == 0  # the copy held was behind the server: no -1


def test_view_counts_move_where_the_filter_can_be_judged_here() -> None:
    held = queues(returns=QueueCounts(open=3, unclaimed=3), billing=QueueCounts())
    counts = {"My open": 0, "Unclaimed urgent": 2, "Refunds": 4, "Billing only": 0}
    _, new, unknown = after_write(held, counts, VIEWS, UNCLAIMED, MINE, "ana", NOW)
    assert new == {"My open": 1, "Unclaimed urgent": 1, "Refunds": 4, "Billing only": 0}
    assert [v.name for v in unknown] == ["Refunds"]
    _, new, unknown = after_write(held, new, VIEWS, MINE, replace(CLOSED, queue="returns"), "ana", NOW)
    assert new["My open"] == 0 and new["Unclaimed urgent"] == 1
    _, new, _ = after_write(held, new, VIEWS, MINE, replace(MINE, queue="billing"), "ana", NOW)
    assert new["Billing only"] == 1


def test_a_note_moves_nothing_and_asks_the_server_for_nothing() -> None:
    held = queues(returns=QueueCounts(open=1, mine=1))
    counts = {"My open": 1, "Refunds": None}
    new, same, unknown = after_write(held, counts, VIEWS, MINE, replace(MINE, version="v9"), "ana", NOW)
    assert new == held and same == counts and unknown == []


def test_a_count_not_known_yet_stays_unknown() -> None:
    _, new, _ = after_write({}, {"My open": None}, VIEWS[:1], UNCLAIMED, MINE, "ana", NOW)
    assert new == {"My open": None}
