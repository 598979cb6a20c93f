"""The workspace model on its own: transitions, derived title and queries, stale pages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backdesk.api_client import Person, Queue, Sort, Task, TaskPage
from backdesk.tui.config import QueuePrefs, Settings, View
from backdesk.tui.window import TOP, PageRef
from backdesk.tui.workspace import OPEN_STATUSES, Workspace

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ANA = Person("ana", "Ana Ruiz")
FIRST = PageRef(TOP, 0, None)


def task(n: int, **kw) -> Task:
    fields = dict(
        id=str(n),
        queue="returns",
        title=f"Task {n}",
        body="",
        status="open",
        priority="normal",
        created_at=T0,
        updated_at=T0,
        version="v1",
    )
    fields.update(kw)
    return Task(**fields)


def page(*ids: int, total: int | None = None, next_cursor: str | None = None) -> TaskPage:
    return TaskPage(tuple(task(n) for n in ids), total=total, next_cursor=next_cursor)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    settings = Settings(config_path=tmp_path / "config.toml", state_path=tmp_path / "app-state.toml")
    workspace = Workspace(settings, scope="demo")
    workspace.queues_arrived([Queue("returns", "Returns & Refunds")])
    workspace.choose_queue(None)
    return workspace


def test_a_queue_brings_back_its_remembered_sort_and_filter(ws: Workspace) -> None:
    ws.settings.queues["demo / returns"] = QueuePrefs(sort="due_at", filter="refund")
    ws.choose_queue("returns")
    assert (ws.sort, ws.typed_filter) == (Sort("due_at", False), "refund")
    assert ws.query().q == "refund" and ws.query().queue == "returns"
    assert ws.title() == "Returns & Refunds · … tasks · by due ↑ · refund"
    assert ws.prefs_to_save() == ("demo / returns", "due_at", "refund")


def test_the_query_lists_open_work_unless_the_filter_names_a_status(ws: Workspace) -> None:
    assert ws.query().status == OPEN_STATUSES
    ws.apply_filter("status:closed")
    assert ws.query().status == ()


def test_a_typed_filter_refines_the_view_and_the_title_says_so(ws: Workspace) -> None:
    ws.choose_view(View("My open", "owner:me", "due_at"))
    ws.apply_filter("refund")
    assert ws.filter_text == "owner:me refund"
    assert ws.query().q == "owner:me refund"
    assert ws.title().startswith("★ My open + refund · ")
    assert ws.prefs_to_save() is None  # a view is its own saved sort and filter


def test_a_page_for_a_list_the_operator_has_left_is_dropped(ws: Workspace) -> None:
    generation = ws.generation
    ws.set_sort(Sort("due_at", False))
    assert not ws.page_arrived(generation, page(1, 2))
    assert ws.tasks == [] and not ws.loaded
    assert ws.page_arrived(ws.generation, page(3, 4, total=2))
    assert [t.id for t in ws.tasks] == ["3", "4"] and ws.cursor_id == "3"


def test_a_new_list_starts_at_the_top(ws: Workspace) -> None:
    ws.page_arrived(ws.generation, page(1, 2, 3))
    ws.cursor_moved("3")
    ws.choose_view(View("Unclaimed", "owner:none"))
    ws.page_arrived(ws.generation, page(3, 2, 1))
    assert ws.cursor_id == "3" and ws.cursor_row == 0


def test_the_next_page_is_wanted_near_the_end_and_a_stale_one_dropped(ws: Workspace) -> None:
    ws.page_arrived(ws.generation, page(1, 2, next_cursor="c1"))
    assert ws.title().startswith("All queues · 1 of 2+ · ")
    assert ws.window.wants() == [PageRef(TOP, 1, "c1")]
    assert not ws.window_arrived(ws.generation, PageRef(TOP, 1, "stale"), page(9))
    assert not ws.window_arrived(ws.generation - 1, PageRef(TOP, 1, "c1"), page(9))
    assert ws.window_arrived(ws.generation, PageRef(TOP, 1, "c1"), page(3))
    assert [t.id for t in ws.tasks] == ["1", "2", "3"] and ws.window.wants() == []
    assert ws.title().startswith("All queues · 1 of 3 · ")


def test_a_refresh_keeps_the_place_and_marks_what_changed(ws: Workspace) -> None:
    ws.page_arrived(ws.generation, page(1, 2, 3, total=3))
    ws.cursor_moved("2")
    fresh = TaskPage((task(1), task(2, version="v2", owner=ANA), task(4)), total=3)
    assert ws.refresh_arrived(ws.generation, [(FIRST, fresh)])
    assert ws.cursor_id == "2" and ws.cursor_row == 1
    assert ws.changed == {"2", "4"}
    ws.cursor_moved("4")
    assert ws.changed == {"2"}  # visiting a task clears its mark


def test_a_refresh_follows_the_task_when_rows_arrive_above_it(ws: Workspace) -> None:
    ws.page_arrived(ws.generation, page(1, 2, 3, total=3))
    ws.cursor_moved("3")
    ws.refresh_arrived(ws.generation, [(FIRST, page(7, 1, 2, 3, total=4))])
    assert ws.cursor_id == "3" and ws.cursor_row == 3 and ws.title().startswith("All queues · 4 of 4 · ")


def test_a_refresh_keeps_the_task_under_the_cursor_even_when_it_left_the_list(ws: Workspace) -> None:
    ws.page_arrived(ws.generation, page(1, 2, 3))
    ws.cursor_moved("2")
    ws.refresh_arrived(ws.generation, [(FIRST, page(1, 3, total=2))])
    assert [t.id for t in ws.tasks] == ["1", "2", "3"] and ws.cursor_id == "2"  # the next key acts on #2
    assert ws.departed == {"2"} and ws.total == 2
    ws.cursor_moved("3")
    ws.refresh_arrived(ws.generation, [(FIRST, page(1, 3, total=2))])  # once the operator moved on, it goes
    assert [t.id for t in ws.tasks] == ["1", "3"] and ws.departed == set() and ws.cursor_id == "3"


def test_a_refresh_fetches_every_page_held_again(ws: Workspace) -> None:
    ws.page_arrived(ws.generation, page(1, 2, next_cursor="c1"))
    ws.window_arrived(ws.generation, PageRef(TOP, 1, "c1"), page(3, 4, next_cursor="c2"))
    assert ws.window.refresh_refs() == [FIRST, PageRef(TOP, 1, "c1")]
    ws.refresh_arrived(
        ws.generation, [(FIRST, page(1, 2, next_cursor="c1")), (PageRef(TOP, 1, "c1"), page(3, 5, next_cursor="c2"))]
    )
    assert [t.id for t in ws.tasks] == ["1", "2", "3", "5"]


def test_a_closed_task_stays_shown_but_leaves_the_count(ws: Workspace) -> None:
    ws.page_arrived(ws.generation, page(1, 2, total=2))
    ws.task_written(replace(task(1), status="closed", resolution="done", version="v2"))
    assert ws.tasks[0].is_closed and ws.total == 1
    assert ws.title().startswith("All queues · 1 of 1 · ")
    ws.task_written(replace(task(1), status="closed", resolution="done", version="v3"))
    assert ws.total == 1  # only once


def test_play_mode_serves_unclaimed_tasks_it_has_not_skipped(ws: Workspace) -> None:
    ws.apply_filter("refund")
    query = ws.play_query()
    assert query.q == "refund owner:none" and query.sort == Sort("priority", True)
    ws.play.start()
    ws.play.skip("2")
    offered = TaskPage((task(1, owner=ANA), task(2), task(3)))
    assert [t.id for t in ws.play.candidates(offered)[0]] == ["3"]
    ws.task_shown(task(3))
    assert ws.cursor_id == "3" and ws.task("3") is not None


def test_saving_and_deleting_a_view(ws: Workspace) -> None:
    ws.apply_filter("tag:vip")
    view = View("VIP", ws.filter_text, ws.sort.to_param(), ws.queue_id)
    ws.view_saved(view)
    assert ws.title().startswith("★ VIP · ") and ws.filter_text == "tag:vip"
    ws.view_deleted("VIP")
    assert ws.view is None and ws.filter_text == "tag:vip"


def test_play_mode_offers_a_released_task_again_only_when_nothing_else_is_left(ws: Workspace) -> None:
    ws.play.start()
    ws.play.release("1")
    assert ws.play.candidates(page(1, 2)) == ([task(2)], False)
    assert ws.play.candidates(page(1)) == ([task(1)], True)
    ws.play.stop()
    ws.play.start()  # a new play session forgets what was released
    assert ws.play.candidates(page(1, 2)) == ([task(1), task(2)], False)


def test_an_unknown_queue_is_named_with_the_closest_one(ws: Workspace) -> None:
    ws.queues_arrived([Queue("returns", "Returns & Refunds"), Queue("billing", "Billing & Collections")])
    problem = ws.unknown_queue('refund queue:"Retrns & Refunds"')
    assert problem is not None and 'did you mean queue:"Returns & Refunds"?' in str(problem)
    assert ws.unknown_queue('queue:"No Such Queue"') is not None
    assert ws.unknown_queue("queue:billing") is None and ws.unknown_queue('queue:"returns & refunds"') is None
