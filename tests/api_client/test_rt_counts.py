"""Counting an RT search that withholds its total (as RT does for users without global
ShowTicket): a few pages at most, then a lower bound, never a bisection over a large queue."""

from __future__ import annotations

import pytest

from backdesk.api_client.rt_paging import COUNT_PAGES, PAGE, measure

pytestmark = pytest.mark.anyio


def search_over(matching: int, asked: list[tuple[int, int]]):
    """A search over ``matching`` tickets that never says how many there are."""

    async def search(sql: str, page: int, per_page: int, orderby=(), fields: str = "") -> dict:
        asked.append((page, per_page))
        start = (page - 1) * per_page
        items = [{"id": str(n)} for n in range(start, min(start + per_page, matching))]
        return {"items": items, "page": page, "per_page": per_page, "total": None}

    return search


@pytest.mark.parametrize("matching", [0, 1, 99, 100, 101, 250, 901, 999])
async def test_up_to_the_cap_the_count_is_exact_in_a_few_requests(matching):
    asked: list[tuple[int, int]] = []
    assert await measure(search_over(matching, asked), "x") == (matching, True)
    assert len(asked) <= 7


@pytest.mark.parametrize("matching", [1000, 1001, 100_000])
async def test_past_the_cap_it_is_a_lower_bound_in_three_requests(matching):
    asked: list[tuple[int, int]] = []
    assert await measure(search_over(matching, asked), "x") == (COUNT_PAGES * PAGE, False)
    assert asked == [(1, 1), (1, PAGE), (COUNT_PAGES, PAGE)]


async def test_a_total_is_one_request_of_one_ticket():
    asked: list[tuple[int, int]] = []

    async def search(sql: str, page: int, per_page: int, orderby=(), fields: str = "") -> dict:
        asked.append((page, per_page))
        return {"items": [{"id": "1"}], "total": 123_456}

    assert await measure(search, "x") == (123_456, True)
    assert asked == [(1, 1)]
