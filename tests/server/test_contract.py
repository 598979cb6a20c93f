"""The reference server against the Work Queue API v1 contract (notes/wire.md, openapi.json).

Real HTTP over loopback; every response is checked against openapi.json by the clients
the fixtures hand out.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from backdesk.server import ReferenceServer

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
    for lengths in (b"Content-Length: " + b"9" * 5000, b"Content-Length: 2\r\nContent-Length: 3"):
        reply = _raw(srv, b"POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\n" + auth + lengths + b"\r\n\r\n{}")
        assert reply.startswith("HTTP/1.1 400") and "invalid-request" in reply
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
