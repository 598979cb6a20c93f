"""Paging through and counting Request Tracker searches.

* **Pages.** The cursor is RT's page number. Sorting by due date ascending lists dated
  tickets first, then undated ones (cursor ``d<page>``/``u<page>``), because RT keeps an
  unset Due as 1970, which would sort first; ties of every sort fall back to Due, then id,
  so the order is total and a reversed query (every key flipped) is its exact reverse.
* **Counts.** RT's ``total`` of a one-ticket page when it gives one; when it withholds it (users
  without global ShowTicket), a few pages are probed and a large count is given as a lower bound.

The functions here take the adapter's search as a callable, so they hold no connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from .errors import InvalidRequestError
from .models import QueueCounts, Sort
from .rt_decode import records
from .rt_ticketsql import DUE_SET, DUE_UNSET, queue_clause

PAGE = 100  # RT's largest per_page
#: Pages a count probes when RT withholds the total; past them the count is a lower bound.
COUNT_PAGES = 10
#: Most pages of a ticket's history or attachments read.
HISTORY_PAGES = 20
SORT_COLUMNS = {"priority": "Priority", "due_at": "Due", "created_at": "Created", "updated_at": "LastUpdated"}


class Search(Protocol):
    """The adapter's ticket search: one page of ``GET /tickets`` as RT's JSON object."""

    async def __call__(
        self, sql: str, page: int, per_page: int, orderby: Iterable[tuple[str, str]] = (), fields: str = ""
    ) -> dict: ...


async def ticket_page(
    search: Search, sql: str, sort: Sort, limit: int, cursor: str | None, fields: str, reverse: bool = False
) -> tuple[list[dict], int | None, str | None]:
    """One page of tickets matching ``sql``: the tickets, the total (when RT tells it and
    the list is not split by due date) and the next cursor (None on the last page).

    ``reverse`` reads the list from its end: every ORDER BY key flipped (the id ends each
    order, so this is the exact reverse), and undated tickets before dated ones when split."""
    per_page = max(1, min(limit, PAGE))
    column = SORT_COLUMNS[sort.field]

    def order(descending: bool) -> str:
        return "DESC" if descending != reverse else "ASC"

    orderby = [(column, order(sort.descending))] + ([("Due", order(False))] if column != "Due" else [])
    orderby.append(("id", order(False)))
    split = column == "Due" and not sort.descending
    first, second = ("u", "d") if reverse else ("d", "u")
    phase, page = read_cursor(cursor, split, first)
    while True:
        where = f"({sql}) AND {DUE_SET if phase == 'd' else DUE_UNSET}" if split else sql
        data = await search(where, page, per_page, orderby, fields)
        items = records(data)
        more = has_more(data, len(items), page, per_page)
        if split and phase == first and not more and not items:
            phase, page = second, 1
            continue
        next_cursor = f"{phase}{page + 1}" if more else f"{second}1" if split and phase == first else None
        total = data.get("total")
        return items, total if isinstance(total, int) and not split else None, next_cursor


def read_cursor(cursor: str | None, split: bool, first: str = "d") -> tuple[str, int]:
    """A cursor as (phase, page); InvalidRequestError for one this list did not give."""
    text = cursor or (f"{first}1" if split else "1")
    phase = text[0] if split and text[:1] in ("d", "u") else ""
    number = text[len(phase) :]
    if not number.isdigit() or int(number) < 1 or (split and not phase):
        raise InvalidRequestError(
            "That page cursor is not from this Request Tracker list; reload the list.", status=400
        )
    return phase, int(number)


def has_more(data: dict, count: int, page: int, per_page: int) -> bool:
    """Whether a page is followed by another: RT's ``pages`` when it gives a total, else
    whether the page came back full."""
    pages = data.get("pages")
    if isinstance(pages, int) and isinstance(data.get("total"), int):
        return page < pages
    return count >= per_page


async def measure(search: Search, sql: str) -> tuple[int, bool]:
    """How many tickets match ``sql``, and whether that is exact.

    One small request when RT tells the total (a page of one ticket). When it withholds it,
    pages of :data:`PAGE` are probed up to :data:`COUNT_PAGES` (at most six requests more);
    past that the answer is a lower bound (``COUNT_PAGES * PAGE``, not exact), never a
    bisection over a large queue."""
    first = await search(sql, 1, 1)
    if isinstance(first.get("total"), int):
        return first["total"], True
    if not records(first):
        return 0, True
    sizes: dict[int, int] = {}

    async def size(page: int) -> int:
        if page not in sizes:
            sizes[page] = len(records(await search(sql, page, PAGE)))
        return sizes[page]

    if await size(1) < PAGE:
        return sizes[1], True
    last = await size(COUNT_PAGES)
    if last == PAGE:
        return COUNT_PAGES * PAGE, False
    if last:  # every page before it is full
        return (COUNT_PAGES - 1) * PAGE + last, True
    full, short = 1, COUNT_PAGES  # page ``full`` is full, page ``short`` is not
    while short - full > 1:
        middle = (full + short) // 2
        if await size(middle) == PAGE:
            full = middle
        else:
            short = middle
    return full * PAGE + await size(full + 1), True


async def count(search: Search, sql: str) -> int:
    """How many tickets match ``sql`` (at least: see :func:`measure`)."""
    return (await measure(search, sql))[0]


async def queue_counts(search: Search, queue_id: str) -> QueueCounts:
    """A queue's open, unclaimed, mine and breached counts, searched concurrently."""
    base = f"{queue_clause(queue_id)} AND Status = '__Active__'"
    names = ("open", "unclaimed", "mine", "breached")
    found = await asyncio.gather(
        measure(search, base),
        measure(search, f"{base} AND Owner = 'Nobody'"),
        measure(search, f"{base} AND Owner = '__CurrentUser__'"),
        measure(search, f"{base} AND Due < 'now' AND {DUE_SET}"),
    )
    (open_, _), (unclaimed, _), (mine, _), (breached, _) = found
    inexact = frozenset(name for name, (_, exact) in zip(names, found, strict=True) if not exact)
    return QueueCounts(open=open_, unclaimed=unclaimed, mine=mine, breached=breached, at_least=inexact)


async def all_pages(get: Callable[..., Awaitable[Any]], path: str, params: dict[str, str]) -> list[dict]:
    """Every object of a paged list (up to :data:`HISTORY_PAGES` pages); ``get(path,
    params=...)`` reads one page."""
    items: list[dict] = []
    for page in range(1, HISTORY_PAGES + 1):
        data = await get(path, params={**params, "page": page, "per_page": PAGE})
        batch = records(data)
        items += batch
        if not has_more(data, len(batch), page, PAGE):
            break
    return items
