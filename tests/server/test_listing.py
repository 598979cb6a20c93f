"""Listing tasks: filter tokens, list parameters, sort orders with nulls last, cursor pagination."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from backdesk.api_client.filters import FilterError, parse_filter
from backdesk.server import ReferenceServer

from .conftest import _connector
from .test_contract import make, problem, stamp


@pytest.fixture(scope="module")
def board(tmp_path_factory, spec):
    """A server shared by the listing tests: four tasks with known fields; ana owns D, ben owns C, C is closed.

    Yields (letter -> task id, client for ana, client for ben).
    """
    clients: list[httpx.Client] = []
    people = [("ana", "tok-ana"), ("ben", "tok-ben")]
    board_db = tmp_path_factory.mktemp("board") / "b.sqlite3"
    with ReferenceServer(board_db, operators=people, leads=[("lee", "tok-lee")]) as server:
        connect = _connector(server, spec, clients)
        ana, ben = connect("tok-ana"), connect("tok-ben")
        a = make(
            ana,
            title="Refund for ORD-1",
            priority="urgent",
            due_at=stamp(-timedelta(hours=1)),
            tags=["vip"],
            reference="ORD-11111",
        )
        b = make(
            ana,
            queue="returns",
            title="Damaged parcel",
            body="Customer wants a refund.",
            priority="low",
            due_at=stamp(timedelta(minutes=30)),
            tags=["chargeback"],
        )
        c = make(ana, queue="billing", title="Invoice query", priority="normal", tags=["VIP"])
        d = make(ana, title="Address change", priority="high", due_at=stamp(timedelta(days=3)))
        ben.post(f"/tasks/{c['id']}/claim")
        ben.post(f"/tasks/{c['id']}/close", json={"resolution": "done"})
        ana.post(f"/tasks/{d['id']}/claim")
        yield {"A": a["id"], "B": b["id"], "C": c["id"], "D": d["id"]}, ana, ben
        for client in clients:
            client.close()


def names(board, client: httpx.Client, **params) -> str:
    """The letters of the board tasks a listing returns, sorted."""
    response = client.get("/tasks", params=params)
    assert response.status_code == 200, response.text
    page = response.json()
    by_id = {v: k for k, v in board[0].items()}
    found = "".join(sorted(by_id[t["id"]] for t in page["items"]))
    assert page["total"] == len(found)
    return found


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("", "ABCD"),
        ("refund", "AB"),
        ("-refund", "CD"),
        ("ORD-11111", "A"),
        ('"damaged parcel"', "B"),
        ("50%", ""),
        ("status:closed", "C"),
        ("-status:closed", "ABD"),
        ("status:open,waiting", "ABD"),
        ("owner:me", "D"),
        ("owner:none", "AB"),
        ("owner:ben", "C"),
        ("-owner:none", "CD"),
        ("owner:me,ben", "CD"),
        ("priority:>=high", "AD"),
        ("priority:<normal", "B"),
        ("priority:low,urgent", "AB"),
        ("-priority:urgent", "BCD"),
        ("queue:orders", "AD"),
        ('queue:"Returns & Refunds"', "B"),
        ("-queue:orders", "BC"),
        ("tag:vip", "AC"),
        ("tag:vip,chargeback", "ABC"),
        ("-tag:vip", "BD"),
        ("due:<2h", "B"),
        ("due:>1d", "D"),
        ("-due:<2h", "ACD"),
        ("breached", "A"),
        ("-breached", "BCD"),
        ("refund -breached owner:none", "B"),
    ],
)
def test_filter_tokens(board, q, expected):
    assert names(board, board[1], q=q) == expected


def test_status_owner_queue_params(board):
    ana, ben = board[1], board[2]
    assert names(board, ana, status="closed") == "C"
    assert names(board, ana, status="open,waiting") == "ABD"
    assert names(board, ana, owner="me") == "D"
    assert names(board, ben, owner="me") == "C"
    assert names(board, ana, owner="none") == "AB"
    assert names(board, ana, owner="ben") == "C"
    assert names(board, ana, queue="orders") == "AD"
    assert names(board, ana, queue="orders", q="priority:urgent") == "A"


@pytest.mark.parametrize(
    ("q", "token"),
    [
        ("foo:bar", "foo:bar"),
        ("refund priority:extreme", "priority:extreme"),
        ("due:soon", "due:soon"),
        ("-status:gone", "-status:gone"),
        ("priority:>=high,urgent", "priority:>=high,urgent"),
    ],
)
def test_bad_filter_token_is_400_naming_it(ana, q, token):
    body = problem(ana.get("/tasks", params={"q": q}), 400, "invalid-filter")
    assert body["token"] == token
    with pytest.raises(FilterError) as parsed:
        parse_filter(q)
    assert body["detail"] == parsed.value.reason


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "501"},
        {"limit": "ten"},
        {"sort": "title"},
        {"sort": "--priority"},
        {"status": "done"},
        {"cursor": "not-a-cursor"},
    ],
)
def test_bad_list_parameters_are_400(ana, params):
    problem(ana.get("/tasks", params=params), 400, "invalid-request")


def test_unknown_queue_parameter_is_404(ana):
    problem(ana.get("/tasks", params={"queue": "nowhere"}), 404, "not-found")


def test_cursor_from_another_sort_is_400(ana):
    for _ in range(3):
        make(ana)
    cursor = ana.get("/tasks", params={"limit": 1}).json()["next_cursor"]
    problem(ana.get("/tasks", params={"limit": 1, "sort": "due_at", "cursor": cursor}), 400, "invalid-request")


def _expected_order(tasks: list[dict], sort: str) -> list[str]:
    field = sort.lstrip("-")
    descending = sort.startswith("-")
    rank = {"low": 0, "normal": 1, "high": 2, "urgent": 3}

    def value(task: dict, name: str):
        return rank[task[name]] if name == "priority" else task[name]

    def key(task: dict):
        primary = value(task, field)
        due = task["due_at"]
        return (
            primary is None,
            "" if primary is None else _Reverse(primary) if descending else primary,
            due is None,
            due or "",
            int(task["id"]),
        )

    return [t["id"] for t in sorted(tasks, key=key)]


class _Reverse:
    def __init__(self, value) -> None:
        self.value = value

    def __lt__(self, other: _Reverse) -> bool:
        return self.value > other.value

    def __eq__(self, other) -> bool:
        return self.value == other.value


@pytest.mark.parametrize(
    "sort", ["priority", "-priority", "due_at", "-due_at", "created_at", "-created_at", "updated_at", "-updated_at"]
)
def test_sort_orders_put_nulls_last(demo_connect, sort):
    client = demo_connect("tok-ana")
    items = client.get("/tasks", params={"sort": sort, "limit": 500}).json()["items"]
    assert len(items) == 400
    assert [t["id"] for t in items] == _expected_order(items, sort)
    if sort.lstrip("-") == "due_at":
        dues = [t["due_at"] for t in items]
        assert None in dues and dues.index(None) == len(dues) - dues.count(None)


def test_default_sort_is_priority_descending(demo_connect):
    client = demo_connect("tok-ana")
    items = client.get("/tasks", params={"limit": 500}).json()["items"]
    assert [t["id"] for t in items] == _expected_order(items, "-priority")


@pytest.mark.parametrize(
    ("sort", "q", "limit"),
    [
        ("-priority", "", 37),
        ("due_at", "", 50),
        ("-due_at", "-status:closed", 23),
        ("updated_at", "owner:none", 100),
        ("-created_at", "refund", 7),
    ],
)
def test_cursor_pagination_returns_every_task_once(demo_connect, sort, q, limit):
    client = demo_connect("tok-ana")
    everything = client.get("/tasks", params={"sort": sort, "q": q, "limit": 500}).json()
    seen: list[str] = []
    cursor = None
    while True:
        params = {"sort": sort, "q": q, "limit": limit} | ({"cursor": cursor} if cursor else {})
        page = client.get("/tasks", params=params).json()
        assert page["total"] == (None if cursor else everything["total"])
        assert len(page["items"]) <= limit
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)
    assert seen == [t["id"] for t in everything["items"]]
    assert len(set(seen)) == len(seen) == everything["total"] > 0


def test_last_page_has_no_cursor(ana):
    make(ana)
    make(ana)
    page = ana.get("/tasks", params={"limit": 2}).json()
    assert page["next_cursor"] is None and page["total"] == 2
