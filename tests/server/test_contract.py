"""The reference server against the Work Queue API v1 contract (notes/wire.md, openapi.json).

Real HTTP over loopback; every response is checked against openapi.json by the clients
the fixtures hand out.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from backdesk.api_client.filters import FilterError, parse_filter
from backdesk.server import ReferenceServer
from backdesk.server.demo import generate

from .conftest import _connector

PROBLEM = "urn:backdesk:problem:"


def stamp(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


LEAD_AUTH = {"Authorization": "Bearer tok-lee"}


def make(client: httpx.Client, **fields) -> dict:
    """A new task, created by lead lee on ``client``'s server (operators may not create tasks)."""
    response = client.post("/tasks", json={"queue": "orders", "title": "A task", **fields}, headers=LEAD_AUTH)
    assert response.status_code == 201, response.text
    return response.json()


def problem(response: httpx.Response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == PROBLEM + slug
    assert body["detail"]
    return body


def events(client: httpx.Client, task_id: str) -> list[dict]:
    return client.get(f"/tasks/{task_id}/events").json()["items"]


# Auth and identity


def test_missing_or_unknown_token_is_401(connect):
    for client in (connect(None), connect("nope"), connect("")):
        for path in ("/me", "/queues", "/tasks", "/tasks/1"):
            response = client.get(path)
            problem(response, 401, "unauthorized")
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    basic = httpx.get(connect().base_url.join("/api/v1/me"), auth=("ana", "tok-ana"))
    assert basic.status_code == 401


def test_me_names_caller_and_role(ana, connect):
    assert ana.get("/me").json() == {"id": "ana", "name": "Ana Ruiz", "role": "operator"}
    assert connect("tok-chen").get("/me").json() == {"id": "chen", "name": "Chen Wei", "role": "operator"}
    assert connect("tok-lee").get("/me").json() == {"id": "lee", "name": "Lee Park", "role": "lead"}


def test_server_exposes_tokens_and_upserts_them(tmp_path):
    db = tmp_path / "t.sqlite3"
    first = ReferenceServer(db, operators=[("zoe", "one")])
    assert first.tokens == {"zoe": "one"}
    again = ReferenceServer(db, operators=[("zoe", "two")], leads=[("max", "three")])
    assert again.tokens == {"zoe": "two", "max": "three"}
    with again:
        assert httpx.get(again.url + "/api/v1/me", headers={"Authorization": "Bearer two"}).json() == {
            "id": "zoe",
            "name": "zoe",
            "role": "operator",
        }
        assert httpx.get(again.url + "/api/v1/me", headers={"Authorization": "Bearer one"}).status_code == 401


# Queues


def test_queues_and_counts(ana, ben):
    queues = ana.get("/queues").json()["items"]
    assert [q["id"] for q in queues] == [
        "orders",
        "returns",
        "complaints",
        "billing",
        "data-entry",
        "hr-onboarding",
        "it-access",
        "compliance",
    ]
    assert queues[0]["name"] == "Orders & Fulfilment" and all(q["description"] for q in queues)
    assert queues[0]["counts"] == {"open": 0, "unclaimed": 0, "mine": 0, "breached": 0}
    late = make(ana, due_at=stamp(-timedelta(hours=1)))
    mine = make(ana)
    make(ana, due_at=stamp(timedelta(hours=1)))
    closed = make(ana, due_at=stamp(-timedelta(hours=2)))
    ana.post(f"/tasks/{mine['id']}/claim")
    ben.post(f"/tasks/{late['id']}/claim")
    ana.post(f"/tasks/{closed['id']}/close", json={"resolution": "done"})
    counts = {q["id"]: q["counts"] for q in ana.get("/queues").json()["items"]}
    assert counts["orders"] == {"open": 3, "unclaimed": 1, "mine": 1, "breached": 1}
    assert counts["returns"] == {"open": 0, "unclaimed": 0, "mine": 0, "breached": 0}
    assert {q["id"]: q["counts"] for q in ben.get("/queues").json()["items"]}["orders"]["mine"] == 1


# Create, read, events


def test_create_task_and_read_it(srv, ana):
    due = stamp(timedelta(days=1))
    response = ana.post(
        "/tasks",
        headers=LEAD_AUTH,
        json={
            "queue": "returns",
            "title": "Refund ORD-48213",
            "body": "Line one\nLine two",
            "priority": "high",
            "due_at": due,
            "reference": "ORD-48213",
            "tags": ["vip", "chargeback"],
        },
    )
    assert response.status_code == 201
    task = response.json()
    assert response.headers["Location"] == task["url"] == f"{srv.url}/api/v1/tasks/{task['id']}"
    assert task["id"].isdigit()
    assert task["web_url"].startswith(f"{srv.url}/tasks/{task['id']}?as=lee&sig=")
    assert task | {"id": None, "url": None, "web_url": None, "created_at": None, "updated_at": None} == {
        "id": None,
        "queue": "returns",
        "title": "Refund ORD-48213",
        "body": "Line one\nLine two",
        "status": "open",
        "resolution": None,
        "owner": None,
        "priority": "high",
        "created_at": None,
        "updated_at": None,
        "due_at": due,
        "reference": "ORD-48213",
        "tags": ["vip", "chargeback"],
        "version": 1,
        "url": None,
        "web_url": None,
    }
    got = ana.get(f"/tasks/{task['id']}")
    assert got.json() | {"web_url": None} == task | {"web_url": None}
    assert got.headers["ETag"] == '"1"'
    [created] = events(ana, task["id"])
    assert created["kind"] == "created" and created["actor"] == {"id": "lee", "name": "Lee Park"}
    assert created["task_id"] == task["id"]


def test_create_defaults_and_normalises_times(ana):
    task = make(ana, due_at="2030-01-02T03:04:05+02:00")
    assert task["due_at"] == "2030-01-02T01:04:05Z"
    assert (task["priority"], task["body"], task["tags"], task["reference"]) == ("normal", "", [], None)


@pytest.mark.parametrize(
    "payload",
    [
        {"title": "no queue"},
        {"queue": "orders"},
        {"queue": "orders", "title": "   "},
        {"queue": "orders", "title": "x", "priority": "extreme"},
        {"queue": "orders", "title": "x", "due_at": "tomorrow"},
        {"queue": "orders", "title": "x", "due_at": "2030-01-01T00:00:00"},
        {"queue": "orders", "title": "x", "tags": "vip"},
        {"queue": "orders", "title": 5},
        {"queue": "orders", "title": "x", "colour": "red"},
    ],
)
def test_create_rejects_bad_fields(ana, payload):
    problem(ana.post("/tasks", json=payload, headers=LEAD_AUTH), 400, "invalid-request")


def test_create_in_an_unknown_queue_is_404(ana):
    problem(ana.post("/tasks", json={"queue": "nowhere", "title": "x"}, headers=LEAD_AUTH), 404, "not-found")


def test_malformed_json_is_400(ana):
    task = make(ana)
    for content in (b"{not json", b"[1, 2]", b"\xff\xfe", b'"text"'):
        problem(
            ana.post("/tasks", content=content, headers={"Content-Type": "application/json"}), 400, "invalid-request"
        )
        problem(ana.post(f"/tasks/{task['id']}/close", content=content), 400, "invalid-request")
    assert ana.get("/me").status_code == 200


def test_unknown_tasks_are_404(ana):
    for path in ("/tasks/999", "/tasks/999/events", "/tasks/999999999999999999"):
        problem(ana.get(path), 404, "not-found")
    problem(ana.post("/tasks/999/claim", json={}), 404, "not-found")
    problem(ana.post("/tasks/999/notes", json={"body": "x"}), 404, "not-found")


def test_unknown_routes_and_methods(ana):
    problem(ana.get("/nothing"), 404, "not-found")
    problem(ana.get("/tasks/1/claim/extra"), 404, "not-found")
    problem(httpx.get(str(ana.base_url).replace("/api/v1", "/")), 404, "not-found")
    response = ana.delete("/tasks/1")
    problem(response, 405, "method-not-allowed")
    assert response.headers["Allow"] == "GET, PATCH"
    problem(ana.put("/queues"), 405, "method-not-allowed")
    problem(ana.get("/tasks/1/claim"), 405, "method-not-allowed")


def _raw(srv: ReferenceServer, request: bytes) -> str:
    """Send bytes as they are and read the answer until the server closes the connection."""
    host, port = srv.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def test_garbage_on_the_wire_gets_a_problem_and_the_server_lives_on(srv, ana):
    reply = _raw(srv, b"BLAH\r\n\r\n")
    assert reply.startswith("HTTP/1.1 400") and "application/problem+json" in reply and "invalid-request" in reply
    reply = _raw(srv, b"POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")
    assert reply.startswith("HTTP/1.1 401"), "the token is checked before any body is read"
    auth = b"Authorization: Bearer tok-ana\r\n"
    reply = _raw(srv, b"POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\n" + auth + b"Content-Length: 99999999\r\n\r\n")
    assert reply.startswith("HTTP/1.1 400") and "invalid-request" in reply
    reply = _raw(srv, b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    assert reply.startswith("HTTP/1.1 400")
    assert ana.get("/me").status_code == 200


def test_unexpected_failures_are_500_without_internals(srv, ana, caplog):
    task = make(ana)
    with sqlite3.connect(srv.store.path) as con:
        con.execute("ALTER TABLE events RENAME TO events_gone")
    try:
        body = problem(ana.get(f"/tasks/{task['id']}/events"), 500, "internal")
        assert "events" not in body["detail"] and "Traceback" not in str(body)
        assert "failed" in caplog.text and "OperationalError" in caplog.text
        assert ana.get(f"/tasks/{task['id']}").status_code == 200
    finally:
        with sqlite3.connect(srv.store.path) as con:
            con.execute("ALTER TABLE events_gone RENAME TO events")
    assert ana.get(f"/tasks/{task['id']}/events").status_code == 200


# Claim, steal, release


def test_claim_steal_release(ana, ben, connect):
    task = make(ana)
    url = f"/tasks/{task['id']}"
    claimed = ana.post(url + "/claim", json={"force": False})
    assert claimed.status_code == 200 and claimed.headers["ETag"] == '"2"'
    assert claimed.json()["owner"] == {"id": "ana", "name": "Ana Ruiz"} and claimed.json()["version"] == 2
    again = ana.post(url + "/claim")
    assert again.status_code == 200 and again.json()["version"] == 2
    lost = problem(ben.post(url + "/claim", json={}), 409, "already-claimed")
    assert lost["claimed_by"] == {"id": "ana", "name": "Ana Ruiz"}
    stolen = ben.post(url + "/claim", json={"force": True}).json()
    assert stolen["owner"] == {"id": "ben", "name": "Ben Okafor"} and stolen["version"] == 3
    not_owner = problem(ana.post(url + "/release"), 409, "not-owner")
    assert not_owner["claimed_by"] == {"id": "ben", "name": "Ben Okafor"}
    released = ben.post(url + "/release").json()
    assert released["owner"] is None and released["version"] == 4
    nobody = problem(ben.post(url + "/release"), 409, "not-owner")
    assert nobody["claimed_by"] is None
    kinds = [(e["kind"], e["actor"]["id"], e["body"]) for e in events(ana, task["id"])]
    assert kinds == [
        ("created", "lee", ""),
        ("claimed", "ana", ""),
        ("stolen", "ben", "Took over from Ana Ruiz"),
        ("released", "ben", ""),
    ]
    problem(ana.post(url + "/claim", json={"force": "yes"}), 400, "invalid-request")


def test_closed_tasks_cannot_be_claimed_or_released(ana, ben):
    task = make(ana)
    ana.post(f"/tasks/{task['id']}/claim")
    ana.post(f"/tasks/{task['id']}/close", json={"resolution": "done"})
    problem(ben.post(f"/tasks/{task['id']}/claim"), 409, "task-closed")
    problem(ben.post(f"/tasks/{task['id']}/claim", json={"force": True}), 409, "task-closed")
    problem(ana.post(f"/tasks/{task['id']}/release"), 409, "task-closed")


def _race(clients: list[tuple[str, httpx.Client]], task_id: str) -> list[tuple[str, httpx.Response]]:
    """Every client claims the task at the same instant; returns (operator, response) pairs."""
    barrier = threading.Barrier(len(clients))
    results: list[tuple[str, httpx.Response]] = []

    def claim(who: str, client: httpx.Client) -> None:
        barrier.wait()
        results.append((who, client.post(f"/tasks/{task_id}/claim", json={"force": False})))

    threads = [threading.Thread(target=claim, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return results


def test_concurrent_claims_have_exactly_one_winner(tmp_path, spec):
    people = [(f"op{i}", f"tok-{i}") for i in range(20)]
    clients: list[httpx.Client] = []
    with ReferenceServer(tmp_path / "race.sqlite3", operators=people, leads=[("lee", "tok-lee")]) as server:
        connect = _connector(server, spec, clients)
        creator = connect("tok-lee")
        racers = [(who, connect(token)) for who, token in people]
        for _ in range(5):
            task_id = creator.post("/tasks", json={"queue": "orders", "title": "Race"}).json()["id"]
            results = _race(racers, task_id)
            wins = [who for who, response in results if response.status_code == 200]
            assert len(results) == 20 and len(wins) == 1
            for who, response in results:
                if who != wins[0]:
                    assert problem(response, 409, "already-claimed")["claimed_by"]["id"] == wins[0]
            task = creator.get(f"/tasks/{task_id}").json()
            assert task["owner"]["id"] == wins[0] and task["version"] == 2
            assert [e["kind"] for e in events(creator, task_id)] == ["created", "claimed"]
        for client in clients:
            client.close()


# Notes


def test_notes_are_idempotent_per_caller_and_key(ana, ben):
    task = make(ana)
    url = f"/tasks/{task['id']}/notes"
    first = ana.post(url, json={"body": "Called the customer."}, headers={"Idempotency-Key": "k1"})
    assert first.status_code == 201
    note = first.json()
    assert note["kind"] == "note" and note["body"] == "Called the customer." and note["actor"]["id"] == "ana"
    again = ana.post(url, json={"body": "Called the customer."}, headers={"Idempotency-Key": "k1"})
    assert again.status_code == 201 and again.json() == note
    other = ben.post(url, json={"body": "Called the customer."}, headers={"Idempotency-Key": "k1"})
    assert other.status_code == 201 and other.json()["id"] != note["id"]
    problem(ana.post(url, json={"body": "Something else"}, headers={"Idempotency-Key": "k1"}), 422, "key-reused")
    assert [e["kind"] for e in events(ana, task["id"])] == ["created", "note", "note"]
    assert ana.get(f"/tasks/{task['id']}").json()["version"] == 3


@pytest.mark.parametrize("payload", [{}, {"body": ""}, {"body": "  \n"}, {"body": 3}])
def test_empty_notes_are_400(ana, payload):
    task = make(ana)
    problem(
        ana.post(f"/tasks/{task['id']}/notes", json=payload, headers={"Idempotency-Key": "x"}), 400, "invalid-request"
    )


# Close and If-Match


def test_close_with_note_keeps_owner(ana):
    task = make(ana)
    ana.post(f"/tasks/{task['id']}/claim")
    response = ana.post(
        f"/tasks/{task['id']}/close",
        json={"resolution": "rejected", "note": "Outside the window."},
        headers={"If-Match": '"2"'},
    )
    assert response.status_code == 200 and response.headers["ETag"] == '"3"'
    closed = response.json()
    assert (closed["status"], closed["resolution"], closed["owner"]["id"], closed["version"]) == (
        "closed",
        "rejected",
        "ana",
        3,
    )
    tail = [(e["kind"], e["body"]) for e in events(ana, task["id"])][-2:]
    assert tail == [("note", "Outside the window."), ("closed", "rejected")]
    problem(ana.post(f"/tasks/{task['id']}/close", json={"resolution": "done"}), 409, "task-closed")


def test_close_stale_if_match_is_412(ana, ben):
    task = make(ana)
    ben.post(f"/tasks/{task['id']}/claim")
    for stale in ('"1"', "1", 'W/"1"'):
        body = problem(
            ana.post(f"/tasks/{task['id']}/close", json={"resolution": "done"}, headers={"If-Match": stale}),
            412,
            "stale-version",
        )
        assert body["current_version"] == 2
    problem(
        ana.post(f"/tasks/{task['id']}/close", json={"resolution": "done"}, headers={"If-Match": "soon"}),
        400,
        "invalid-request",
    )
    closed = ana.post(
        f"/tasks/{task['id']}/close", json={"resolution": "done", "force": True}, headers={"If-Match": "2"}
    )
    assert closed.status_code == 200


@pytest.mark.parametrize("payload", [{}, {"resolution": "fixed"}, {"resolution": "done", "note": 5}])
def test_close_rejects_bad_resolution(ana, payload):
    task = make(ana)
    problem(ana.post(f"/tasks/{task['id']}/close", json=payload), 400, "invalid-request")


def test_patch_changes_fields_and_checks_version(ana):
    task = make(ana, due_at=stamp(timedelta(days=2)))
    url = f"/tasks/{task['id']}"
    new_due = stamp(timedelta(hours=3))
    response = ana.patch(
        url,
        json={"priority": "urgent", "due_at": new_due, "queue": "billing", "title": "Renamed"},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200 and response.headers["ETag"] == '"2"'
    patched = response.json()
    assert (patched["priority"], patched["due_at"], patched["queue"], patched["title"], patched["version"]) == (
        "urgent",
        new_due,
        "billing",
        "Renamed",
        2,
    )
    updated = events(ana, task["id"])[-1]
    assert updated["kind"] == "updated" and "priority" in updated["body"]
    assert (
        problem(ana.patch(url, json={"priority": "low"}, headers={"If-Match": '"1"'}), 412, "stale-version")[
            "current_version"
        ]
        == 2
    )
    assert ana.patch(url, json={"priority": "urgent"}).json()["version"] == 2  # nothing changed
    assert ana.patch(url, json={"due_at": None}).json()["due_at"] is None
    for payload in ({"status": "closed"}, {"priority": "extreme"}, {"title": ""}, {"queue": ""}):
        problem(ana.patch(url, json=payload), 400, "invalid-request")
    problem(ana.patch(url, json={"queue": "nowhere"}), 404, "not-found")


# Listing: filters, sorting, pagination


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


# Demo data


def test_demo_seed_is_deterministic_and_sized(demo_connect, demo_srv, tmp_path):
    now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    first, first_events = generate(300, now)
    second, second_events = generate(300, now)
    assert first == second and first_events == second_events
    assert [row[2] for row in generate(301, now)[0][:20]] != [row[2] for row in first[:20]]
    client = demo_connect("tok-ana")
    tasks = client.get("/tasks", params={"sort": "created_at", "limit": 500}).json()
    assert tasks["total"] == 400
    with ReferenceServer(tmp_path / "twin.sqlite3", operators=[("ana", "tok-ana")], demo_data=400) as twin:
        twin_tasks = httpx.get(
            twin.url + "/api/v1/tasks",
            params={"sort": "created_at", "limit": 500},
            headers={"Authorization": "Bearer tok-ana"},
        ).json()
    key = sorted((t["id"], t["title"], t["reference"], t["queue"]) for t in tasks["items"])
    assert key == sorted((t["id"], t["title"], t["reference"], t["queue"]) for t in twin_tasks["items"])
    queues = {t["queue"] for t in tasks["items"]}
    assert len(queues) == 8
    statuses = {t["status"] for t in tasks["items"]}
    assert statuses == {"open", "waiting", "closed"}
    owners = {t["owner"]["id"] for t in tasks["items"] if t["owner"]}
    assert owners >= {"ben", "chen", "dev"}
    assert any(t["due_at"] is None for t in tasks["items"])
    assert client.get("/tasks", params={"q": "breached"}).json()["total"] > 0
    assert all(t["resolution"] for t in tasks["items"] if t["status"] == "closed")
    assert set(demo_srv.tokens) == {"ana", "ben", "chen", "dev", "lee"}


def test_demo_seed_only_fills_an_empty_database(tmp_path):
    db = tmp_path / "d.sqlite3"
    first = ReferenceServer(db, demo_data=30)
    again = ReferenceServer(db, demo_data=50)
    assert again.tokens.keys() == first.tokens.keys() == again.generated
    assert not set(again.tokens.values()) & set(first.tokens.values()), "a demo's tokens are fresh on each start"
    assert again.store.task_count() == 30


def test_demo_seed_of_10000_is_fast(tmp_path):
    started = time.perf_counter()
    server = ReferenceServer(tmp_path / "big.sqlite3", demo_data=10_000)
    assert server.store.task_count() == 10_000
    assert time.perf_counter() - started < 5


def test_demo_versions_match_history(demo_connect):
    client = demo_connect("tok-ana")
    for task in client.get("/tasks", params={"limit": 25, "sort": "-updated_at"}).json()["items"]:
        history = events(client, task["id"])
        assert history[0]["kind"] == "created" and task["version"] == len(history)
        assert [e["at"] for e in history] == sorted(e["at"] for e in history)
        assert history[-1]["at"] == task["updated_at"]


# The command line


def test_cli_serves_demo_until_interrupted(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "backdesk.server",
            "--port",
            "0",
            "--db",
            str(tmp_path / "cli" / "s.sqlite3"),
            "--demo-data",
            "20",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(9)]
        url = re.search(r"(http://\S+)/api/v1", lines[0])[1]
        people = {m[1]: (m[2], m[3]) for line in lines if (m := re.match(r"\s+(\w+)\s+(operator|lead)\s+(\S+)", line))}
        assert set(people) == {"ana", "ben", "chen", "dev", "lee"} and people["lee"][0] == "lead"
        tip = next(line for line in lines if line.startswith("Try:"))
        assert f"backdesk --url {url}" in tip and "BACKDESK_TOKEN=" in tip
        me = httpx.get(url + "/api/v1/me", headers={"Authorization": f"Bearer {people['ben'][1]}"})
        assert me.json() == {"id": "ben", "name": "Ben Okafor", "role": "operator"}
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
