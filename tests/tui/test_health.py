"""The dashboard's figures, order and drill-downs, as plain data (see tui/health.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from backdesk.api_client import Person, Queue, Sort, parse_filter
from backdesk.api_client.errors import UnavailableError
from backdesk.api_client.models import OperatorLoad, QueueStats, StatsPoint
from backdesk.tui.export_dialog import default_path
from backdesk.tui.health import Dashboard, QueueHealth, age, drill_down, holders, ordered, spark, squeeze

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
ANA, BEN, CHEN = Person("ana", "Ana Ruiz"), Person("ben", "Ben Okafor"), Person("chen", "Chen Li")


def health(qid: str, name: str, backlog: int = 0, breached: int = 0, at_risk: int = 0, **kw) -> QueueHealth:
    return QueueHealth(Queue(qid, name), QueueStats(qid, backlog, kw.pop("unclaimed", 0), breached, at_risk, **kw))


def test_age_reads_in_its_two_largest_units():
    assert age(NOW - timedelta(days=3, hours=4, minutes=5), NOW) == "3d 4h"
    assert age(NOW - timedelta(hours=2, minutes=5), NOW) == "2h 5m"
    assert age(NOW - timedelta(hours=2), NOW) == "2h"
    assert age(NOW - timedelta(days=1), NOW) == "1d"
    assert age(NOW - timedelta(seconds=30), NOW) == "0m"
    assert age(None, NOW) == "—"
    assert age(NOW + timedelta(minutes=5), NOW) == "0m"  # a clock a little ahead is never negative


def test_sparklines_tell_none_from_a_few_without_colour():
    assert spark([0, 1, 8], floor=0) == "▁▂█"
    assert spark([0, 0], floor=0) == "▁▁"
    assert spark([90, 91, 97]) == "▁▂█"  # a backlog's trend, from its own minimum
    assert spark([40, 40]) == "▄▄"
    assert spark([]) == ""
    assert squeeze(list(range(24)), 12) == [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23]
    assert squeeze(list(range(23)), 12) == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]  # ends on now
    assert squeeze([5, 1], 12) == [5, 1]


def test_the_queue_breaching_most_comes_first_then_at_risk_then_backlog():
    rows = [
        health("a", "Alpha", backlog=50),
        health("b", "Bravo", backlog=5, breached=2),
        health("c", "Charlie", backlog=5, breached=2, at_risk=3),
        QueueHealth(Queue("d", "Delta")),  # no figures yet: last
        health("e", "Echo", backlog=60),
    ]
    assert [r.queue.id for r in ordered(rows)] == ["c", "b", "e", "a", "d"]


def test_cells_read_without_colour():
    row = health(
        "r",
        "Returns",
        backlog=9,
        unclaimed=4,
        breached=2,
        at_risk=1,
        oldest_unclaimed_at=NOW - timedelta(hours=5),
        load=(OperatorLoad(ANA, 3, 1), OperatorLoad(BEN, 2), OperatorLoad(CHEN, 1)),
        history=tuple(StatsPoint(NOW - timedelta(hours=h), 9, 0 if h > 2 else 2) for h in range(24, 0, -1)),
    )
    cells = row.cells(NOW)
    assert (cells["backlog"], cells["unclaimed"], cells["oldest"]) == ("9", "4", "5h")
    assert (cells["breached"], cells["at_risk"], cells["load"]) == ("⚠ 2", "◷ 1", "Ana 3, Ben 2 +1")
    assert cells["breached_24h"] == "▁" * 11 + "█" and len(cells["backlog_24h"]) == 12
    assert QueueHealth(Queue("x", "X")).cells(NOW)["backlog"] == "…"
    assert health("x", "X").cells(NOW)["backlog_24h"] == "—"  # a backend that keeps no history
    assert holders(QueueStats("x", 0, 0, 0, 0)) == "—"
    busy = (
        OperatorLoad(BEN, 11),
        OperatorLoad(Person("devi", "Devi Rao"), 2),
        OperatorLoad(ANA, 1),
        OperatorLoad(CHEN, 1),
    )
    assert holders(QueueStats("x", 15, 0, 0, 0, load=busy)) == "Ben 11 +3"  # what fits in the column
    assert holders(QueueStats("x", 15, 0, 0, 0, load=busy), width=24) == "Ben 11, Devi 2, Ana 1 +1"


def test_each_figure_drills_down_to_a_filter_the_language_accepts():
    row = health("returns", "Returns", backlog=3, load=(OperatorLoad(ANA, 2),))
    expected = {
        "backlog": ("", Sort("priority", True)),
        "unclaimed": ("owner:none", Sort("priority", True)),
        "oldest": ("owner:none", Sort("created_at", False)),
        "breached": ("breached", Sort("due_at", False)),
        "at_risk": ("due:<1h", Sort("due_at", False)),
    }
    for column, (text, sort) in expected.items():
        drill = drill_down(row, column)
        assert drill is not None and (drill.queue_id, drill.filter, drill.sort) == ("returns", text, sort)
        parse_filter(drill.filter)
    held = drill_down(row, "load", "ana")
    assert held is not None and held.filter == "owner:ana" and held.label == "Held by Ana Ruiz in Returns"
    assert drill_down(row, "load") is None


def test_a_failed_refresh_keeps_the_figures_and_says_so():
    board = Dashboard()
    board.queues_arrived([Queue("a", "Alpha"), Queue("b", "Bravo")])
    board.stats_arrived({"a": QueueStats("a", 4, 1, 0, 0), "b": QueueStats("b", 2, 0, 1, 0)}, NOW)
    assert board.status(NOW) == "Updated just now"
    later = NOW + timedelta(minutes=3)
    board.stats_arrived(
        {"a": UnavailableError("The server is not answering."), "b": QueueStats("b", 7, 0, 1, 0)}, later
    )
    assert board.rows["a"].stats == QueueStats("a", 4, 1, 0, 0) and board.rows["b"].stats.backlog == 7
    assert board.status(later) == "Refresh failed, showing figures updated 3m ago. Alpha: The server is not answering."
    board.refresh_failed(UnavailableError("Down."))
    board.queues_arrived([Queue("a", "Alpha")])
    assert board.rows["a"].stats is not None and "Down." in board.status(later)
    board.stats_arrived({"a": QueueStats("a", 1, 0, 0, 0)}, later)
    assert board.status(later) == "Updated just now"


def test_a_first_load_fills_in_row_by_row_and_later_ones_all_at_once():
    board = Dashboard()
    board.queues_arrived([Queue("a", "Alpha"), Queue("b", "Bravo")])
    assert board.first_figures("a", QueueStats("a", 4, 1, 0, 0)) is True
    assert board.rows["a"].stats.backlog == 4 and board.rows["b"].stats is None
    assert board.refreshed_at is None and board.status(NOW) == "Loading…"
    assert board.first_figures("a", QueueStats("a", 9, 1, 0, 0)) is False  # known: waits for the refresh
    assert board.rows["a"].stats.backlog == 4


def test_the_export_path_names_the_place_and_the_day():
    assert default_path("Returns & Refunds", date(2026, 11, 27)) == "~/backdesk-returns-refunds-2026-11-27.csv"
    assert (
        default_path("★ Unclaimed urgent + vip", date(2026, 1, 2)) == "~/backdesk-unclaimed-urgent-vip-2026-01-02.csv"
    )
    assert default_path("★", date(2026, 1, 2)) == "~/backdesk-tasks-2026-01-02.csv"
