"""Play mode's state: the candidates looked up ahead are served once, only while they are fresh
and answer the list the operator is on."""

from __future__ import annotations

from backdesk.api_client import TaskQuery
from backdesk.tui.play import AHEAD_FOR, Play

from .test_workspace import task

HERE = TaskQuery(queue="returns", q="owner:none")
FOUND = ([task(1), task(2)], False)


def test_candidates_looked_up_ahead_are_served_once() -> None:
    play = Play(playing=True)
    play.looked_ahead(HERE, FOUND, at=100.0)
    assert play.take_ahead(HERE, now=101.0) == FOUND
    assert play.take_ahead(HERE, now=101.0) is None  # used: the next space looks again


def test_a_stale_look_or_one_for_another_list_is_not_served() -> None:
    play = Play(playing=True)
    play.looked_ahead(HERE, FOUND, at=100.0)
    assert play.take_ahead(HERE, now=100.0 + AHEAD_FOR + 1) is None
    play.looked_ahead(HERE, FOUND, at=100.0)
    assert play.take_ahead(TaskQuery(queue="billing", q="owner:none"), now=101.0) is None


def test_a_task_skipped_since_is_left_out_and_an_empty_look_is_asked_again() -> None:
    play = Play(playing=True)
    play.looked_ahead(HERE, FOUND, at=100.0)
    play.skip("1")
    assert play.take_ahead(HERE, now=101.0) == ([task(2)], False)
    play.looked_ahead(HERE, ([task(2)], False), at=100.0)
    play.skip("2")
    assert play.take_ahead(HERE, now=101.0) is None


def test_stopping_play_forgets_the_look_ahead() -> None:
    play = Play(playing=True)
    play.looked_ahead(HERE, FOUND, at=100.0)
    play.stop()
    assert play.take_ahead(HERE, now=101.0) is None
