"""Marks in the workspace model: v, J/K, *, esc; kept across refreshes, dropped when a task leaves."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from backdesk.api_client import Queue, Sort, TaskPage
from backdesk.tui.config import Settings
from backdesk.tui.marks import Marks, place_of
from backdesk.tui.workspace import Workspace

from .test_workspace import ANA, FIRST, page, task


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    settings = Settings(config_path=tmp_path / "config.toml", state_path=tmp_path / "app-state.toml")
    workspace = Workspace(settings, scope="demo")
    workspace.queues_arrived([Queue("returns", "Returns & Refunds")])
    workspace.choose_queue(None)
    return workspace


def loaded(ws: Workspace, *ids: int, **kw) -> Workspace:
    assert ws.page_arrived(ws.generation, page(*ids, **kw))
    return ws


def test_v_toggles_the_task_under_the_cursor(ws: Workspace) -> None:
    loaded(ws, 1, 2, 3)
    assert ws.toggle_mark() is True and ws.marks.ids == {"1"}
    assert ws.toggle_mark() is False and len(ws.marks) == 0


def test_j_and_k_extend_the_marks_and_move(ws: Workspace) -> None:
    loaded(ws, 1, 2, 3, 4)
    assert ws.extend_marks(1) == "2" and ws.cursor_id == "2"
    assert ws.extend_marks(1) == "3"
    assert ws.marks.ids == {"1", "2", "3"}
    assert ws.extend_marks(-1) == "2" and ws.marks.ids == {"1", "2", "3"}
    ws.cursor_moved("4")
    assert ws.extend_marks(1) is None and "4" in ws.marks  # the last row: marked, nowhere to go


def test_marks_survive_a_refresh_and_a_new_sort_but_not_another_place(ws: Workspace) -> None:
    loaded(ws, 1, 2, 3)
    ws.toggle_mark()
    assert ws.refresh_arrived(ws.generation, [(FIRST, page(3, 2, 1))])
    assert ws.marks.ids == {"1"} and ws.marks.to_check == set()
    ws.set_sort(Sort("due_at", False))
    assert ws.marks.ids == {"1"} and ws.marks.take_notices() is None
    ws.choose_queue("returns")
    assert len(ws.marks) == 0
    assert ws.marks.take_notices() == "Cleared 1 mark: the list changed."


def test_a_refresh_keeps_the_latest_copy_of_a_marked_task(ws: Workspace) -> None:
    loaded(ws, 1, 2)
    ws.toggle_mark()
    newer = replace(task(1), version="v2", priority="urgent")
    ws.refresh_arrived(ws.generation, [(FIRST, TaskPage((newer, task(2))))])
    assert ws.marks.tasks["1"].version == "v2"


def test_a_marked_task_closed_by_someone_else_is_unmarked_with_a_notice(ws: Workspace) -> None:
    loaded(ws, 1, 2)
    ws.toggle_mark()
    ws.task_written(replace(task(1), status="closed", resolution="done", version="v2"))
    assert len(ws.marks) == 0
    assert ws.marks.take_notices() == "#1 closed: unmarked."
    assert ws.marks.take_notices() is None  # said once


def test_the_leads_own_bulk_close_unmarks_without_a_notice(ws: Workspace) -> None:
    loaded(ws, 1, 2)
    ws.toggle_mark()
    ws.task_written(replace(task(1), status="closed", resolution="done", version="v2"), ours=True)
    assert len(ws.marks) == 0 and ws.marks.take_notices() is None


def test_a_marked_task_that_drops_out_of_the_list_is_checked_then_unmarked(ws: Workspace) -> None:
    ws.choose_queue("returns")
    loaded(ws, 1, 2, 3)
    ws.cursor_moved("2")
    ws.toggle_mark()
    ws.cursor_moved("1")
    ws.refresh_arrived(ws.generation, [(FIRST, page(1, 3))])
    assert ws.marks.to_check == {"2"}  # gone from page one: closed, moved, or only moved down?
    ws.task_written(task(2))  # re-read: still open here (it moved down the list)
    assert ws.marks.ids == {"2"} and ws.marks.to_check == set()
    ws.task_written(replace(task(2), queue="billing", version="v2"))
    assert len(ws.marks) == 0
    assert ws.marks.take_notices() == "#2 no longer in this list: unmarked."


def test_a_task_that_no_longer_exists_is_unmarked(ws: Workspace) -> None:
    loaded(ws, 1)
    ws.toggle_mark()
    ws.marks.gone("1")
    assert len(ws.marks) == 0 and ws.marks.take_notices() == "#1 no longer exists: unmarked."


def test_many_departures_are_told_in_one_sentence() -> None:
    marks = Marks()
    marks.add(task(n) for n in range(5))
    for n in range(5):
        marks.seen(replace(task(n), status="closed"), False)
    assert marks.take_notices() == "5 marked tasks left this view and were unmarked."


def test_the_place_of_a_set_names_its_queue_or_counts_them() -> None:
    queues = {"returns": Queue("returns", "Returns & Refunds")}
    assert place_of([task(1), task(2)], queues) == "in Returns & Refunds"
    assert place_of([task(1), task(2, queue="billing")], queues) == "in 2 queues"


def test_a_marked_task_missing_from_a_whole_list_after_a_refresh_is_unmarked(ws: Workspace) -> None:
    loaded(ws, 1, 2, 3, total=3)
    ws.marks.add([task(1), task(2), task(9)])  # 9: marked with * from a page no longer held
    ws.refresh_arrived(ws.generation, [(FIRST, page(1, total=1))])
    assert ws.marks.to_check == {"2", "9"}  # re-read, to say why
    ws.task_written(replace(task(2), owner=ANA, version="v2"))  # assigned: in no status or queue out
    ws.task_written(replace(task(9), status="closed", version="v2"))
    assert ws.marks.ids == {"1"} and ws.marks.to_check == set()
    assert ws.marks.take_notices() == "#2 no longer in this list: unmarked. #9 closed: unmarked."


def test_many_marked_tasks_gone_from_a_whole_list_are_unmarked_without_reading_each(ws: Workspace) -> None:
    loaded(ws, 1, total=1)
    ws.marks.add(task(n) for n in range(1, 100))
    ws.refresh_arrived(ws.generation, [(FIRST, page(1, total=1))])
    assert ws.marks.ids == {"1"} and ws.marks.to_check == set()
    assert ws.marks.take_notices() == "98 marked tasks left this view and were unmarked."


def test_a_closed_task_is_not_marked(ws: Workspace) -> None:
    closed = replace(task(2), status="closed", resolution="done")
    assert ws.page_arrived(ws.generation, TaskPage((task(1), closed, task(3))))
    assert ws.extend_marks(1) == "2" and ws.marks.ids == {"1"}
    assert ws.toggle_mark() is False and ws.marks.ids == {"1"}
    assert ws.marks.take_notices() == "#2 is closed: not marked."
    assert ws.marks.add([closed, task(3)]) == 1 and ws.marks.ids == {"1", "3"}
