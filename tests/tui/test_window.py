"""The window of a long list on its own: which pages it asks for, holds and drops, and the
position of every row, against a list served in keyset pages from either end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from backdesk.api_client import Task, TaskPage
from backdesk.tui.window import END, TOP, Chain, PageRef, TaskWindow

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def task(n: int) -> Task:
    return Task(
        id=f"t{n}",
        queue="returns",
        title=f"Task {n}",
        body="",
        status="open",
        priority="normal",
        created_at=T0,
        updated_at=T0,
        version="v1",
    )


@dataclass
class Listing:
    """``count`` tasks in order, served ``page_size`` at a time from the top or, reversed, from
    the end; a cursor is where the next page starts, the total comes with first pages only."""

    count: int
    page_size: int
    counts: bool = True
    fetched: list[PageRef] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tasks = [task(n) for n in range(self.count)]

    def page(self, ref: PageRef) -> TaskPage:
        self.fetched.append(ref)
        order = self.tasks if ref.chain == TOP else self.tasks[::-1]
        start = int(ref.cursor or 0)
        end = start + self.page_size
        total = self.count if ref.cursor is None and self.counts else None
        return TaskPage(tuple(order[start:end]), total, str(end) if end < self.count else None)


def settle(window: TaskWindow, listing: Listing) -> None:
    """Serve every page the window asks for until it asks for none."""
    for _ in range(10_000):
        refs = window.wants()
        if not refs:
            return
        for ref in refs:
            window.inflight.add(ref)
            window.arrived(ref, listing.page(ref))
    raise AssertionError("the window never settled")


def opened(count: int, page_size: int = 10, **kw) -> tuple[TaskWindow, Listing]:
    listing = Listing(count, page_size, **kw)
    window = TaskWindow(page_size, margin=5)
    settle(window, listing)
    return window, listing


def go(window: TaskWindow, listing: Listing, position: int) -> Task | None:
    window.cursor = position
    settle(window, listing)
    return window.at(position)


def test_the_next_page_comes_before_the_cursor_reaches_the_edge() -> None:
    window, listing = opened(1000)
    assert listing.fetched == [PageRef(TOP, 0, None)]
    assert window.size == 1000 and window.at(0) == listing.tasks[0] and window.offset == 0
    go(window, listing, 5)  # five rows from the edge: within the margin
    assert listing.fetched[1:] == [PageRef(TOP, 1, "10")] and window.holds(19)


def test_the_end_comes_from_the_reversed_list_in_one_fetch() -> None:
    window, listing = opened(1000)
    listing.fetched.clear()
    assert go(window, listing, 999) == listing.tasks[-1]
    assert listing.fetched[0] == PageRef(END, 0, None)
    assert window.chain == END and window.offset == 1000 - len(window.rows)
    assert [t.id for t in window.rows] == [t.id for t in listing.tasks[1000 - len(window.rows) :]]


def test_moving_up_from_the_end_shows_the_right_rows_and_holds_a_bounded_window() -> None:
    window, listing = opened(1000)
    go(window, listing, 999)
    for position in range(999, 700, -7):
        assert go(window, listing, position) == listing.tasks[position]
        assert len(window.held) <= window.max_pages
    assert window.chain == END


def test_paging_far_holds_a_bounded_window_and_every_row_is_where_it_belongs() -> None:
    window, listing = opened(5000)
    for position in range(0, 5000, 13):
        assert go(window, listing, position) == listing.tasks[position]
        assert len(window.rows) <= window.max_pages * listing.page_size
    assert go(window, listing, 0) == listing.tasks[0]


def test_going_back_fetches_a_dropped_page_with_the_cursor_that_fetched_it() -> None:
    window, listing = opened(1000)
    for position in range(0, 200, 5):
        go(window, listing, position)
    first = {ref.number: ref.cursor for ref in listing.fetched if ref.chain == TOP}
    assert 2 not in window.held
    listing.fetched.clear()
    assert go(window, listing, 25) == listing.tasks[25]
    assert PageRef(TOP, 2, first[2]) in listing.fetched
    assert all(ref.cursor == first[ref.number] for ref in listing.fetched)


def test_g_after_g_goes_back_to_the_top() -> None:
    window, listing = opened(1000)
    go(window, listing, 999)
    assert go(window, listing, 0) == listing.tasks[0]
    assert window.chain == TOP and window.at(1) == listing.tasks[1]


def test_a_position_far_from_both_ends_is_reached_from_the_nearer_end() -> None:
    window, listing = opened(1000)
    listing.fetched.clear()
    assert go(window, listing, 930) == listing.tasks[930]
    assert {ref.chain for ref in listing.fetched} == {END}
    assert go(window, listing, 120) == listing.tasks[120]


def test_without_a_total_the_end_is_found_by_reading_on() -> None:
    window, listing = opened(45, counts=False)
    assert window.size is None and window.extent == 10  # what is known so far
    for position in range(0, 45, 4):
        assert go(window, listing, position) == listing.tasks[position]
    assert window.size == 45 and window.chain == TOP
    assert not [ref for ref in listing.fetched if ref.chain == END]


def test_a_short_list_is_held_whole() -> None:
    window, listing = opened(7)
    assert [t.id for t in window.rows] == [t.id for t in listing.tasks] and window.wants() == []
    assert go(window, listing, 6) == listing.tasks[6] and window.chain == TOP


def test_a_page_for_a_cursor_the_chain_no_longer_has_is_dropped() -> None:
    window, listing = opened(1000)
    assert not window.arrived(PageRef(TOP, 1, "stale"), listing.page(PageRef(TOP, 1, "10")))


def test_a_page_fetched_again_keeps_the_way_past_it() -> None:
    chain = Chain()
    chain.seen(0, 10, "a")
    chain.seen(1, 10, "b")
    chain.seen(2, 10, "c")
    chain.seen(0, 10, "a2")
    assert chain.cursors == [None, "a2", "b", "c"] and chain.starts == [0, 10, 20, 30]
    chain.seen(3, 4, None)
    assert chain.ended and chain.page_for(33) == 3 and chain.page_for(34) is None


@pytest.mark.parametrize("chain", [TOP, END])
def test_a_task_kept_on_screen_goes_where_the_cursor_is(chain: str) -> None:
    window, listing = opened(1000)
    position = 5 if chain == TOP else 995
    go(window, listing, position)
    kept = task(5000)
    window.insert(position, kept)
    moved = position + 1 if chain == TOP else position - 1  # the end chain is placed from the bottom
    assert window.at(position) == kept and window.at(moved) == listing.tasks[position]
