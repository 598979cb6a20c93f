"""The sidebar's counts after a write of ours, worked out from the task before and after it.

A write's answer is the task as the server holds it now; the copy the write was made against is
the task before. The difference moves the counts at once (a queue's open, unclaimed, mine and
breached; a view's count when its filter can be judged here), so a write costs no reload. The
periodic refresh reloads them from the server, which settles any drift (someone else's writes,
a due time passing). Plain Python: no Textual.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields, replace
from datetime import datetime

from backdesk.api_client import Queue, QueueCounts, Task, parse_filter
from backdesk.api_client.filters import matches
from backdesk.api_client.models import utcnow

from .config import View

#: The counts a queue shows, as :class:`QueueCounts` names them.
COUNTED = tuple(f.name for f in fields(QueueCounts) if f.name != "at_least")


def share(task: Task | None, me_id: str | None, now: datetime) -> dict[str, int]:
    """What ``task`` adds to its queue's counts (nothing when it is None or closed)."""
    if task is None or task.is_closed:
        return dict.fromkeys(COUNTED, 0)
    owner = task.owner.id if task.owner else None
    return {
        "open": 1,
        "unclaimed": int(owner is None),
        "mine": int(owner is not None and owner == me_id),
        "breached": int(task.is_breached(now)),
    }


def queue_deltas(
    before: Task | None, after: Task | None, me_id: str | None, now: datetime
) -> dict[str, dict[str, int]]:
    """Queue id -> how each count moves when ``before`` becomes ``after`` (a task may change queue;
    None: the task did not exist, or no longer does)."""
    deltas: dict[str, dict[str, int]] = {}
    for task, sign in ((before, -1), (after, 1)):
        if task is None:
            continue
        delta = deltas.setdefault(task.queue, dict.fromkeys(COUNTED, 0))
        for name, n in share(task, me_id, now).items():
            delta[name] += sign * n
    return {queue: delta for queue, delta in deltas.items() if any(delta.values())}


def moved(queue: Queue, delta: dict[str, int]) -> Queue:
    """``queue`` with ``delta`` applied; a count the backend gave only as "at least" stays as it is."""
    counts = queue.counts
    changed = {
        name: max(0, getattr(counts, name) + n) for name, n in delta.items() if n and name not in counts.at_least
    }
    return replace(queue, counts=replace(counts, **changed)) if changed else queue


def view_match(
    view: View, task: Task | None, me_id: str | None, queues: dict[str, Queue], now: datetime
) -> bool | None:
    """Whether ``task`` counts in ``view`` (the view's count query: its queue, open and waiting
    tasks unless the filter names a status, and its filter); None when that cannot be judged here."""
    if task is None:
        return False
    flt = parse_filter(view.filter)
    if view.queue is not None and task.queue != view.queue:
        return False
    if not flt.has("status") and task.status not in ("open", "waiting"):
        return False
    return matches(flt, task, me_id=me_id, queue_names={q.id: q.name for q in queues.values()}, now=now)


def judged(task: Task) -> tuple[object, ...]:
    """What a count can depend on: a write that changes none of it (a note) moves no count."""
    owner = task.owner.id if task.owner else None
    return (
        task.queue,
        task.status,
        owner,
        task.priority,
        task.due_at,
        task.tags,
        task.title,
        task.body,
        task.reference,
    )


def after_write(
    queues: dict[str, Queue],
    view_counts: dict[str, int | None],
    views: Iterable[View],
    before: Task | None,
    after: Task,
    me_id: str | None,
    now: datetime | None = None,
) -> tuple[dict[str, Queue], dict[str, int | None], list[View]]:
    """The queues and view counts once ``before`` became ``after``, and the views whose count
    cannot be worked out here (to be counted again by the server)."""
    if before is not None and judged(before) == judged(after):
        return queues, view_counts, []
    now = now or utcnow()
    new_queues = dict(queues)
    for queue_id, delta in queue_deltas(before, after, me_id, now).items():
        if queue_id in new_queues:
            new_queues[queue_id] = moved(new_queues[queue_id], delta)
    new_counts, unknown = dict(view_counts), []
    for view in views:
        was, now_in = (view_match(view, t, me_id, queues, now) for t in (before, after))
        if was is None or now_in is None:
            unknown.append(view)
        elif was != now_in and (count := new_counts.get(view.name)) is not None:
            new_counts[view.name] = max(0, count + (1 if now_in else -1))
    return new_queues, new_counts, unknown
