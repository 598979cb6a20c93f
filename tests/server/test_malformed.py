"""Malformed input answers 400 with a problem, never 500 (every response is checked against the spec)."""

from __future__ import annotations

import base64
import json

import pytest

from .test_contract import make, problem


def cursor(sort: str, keys) -> str:
    return base64.urlsafe_b64encode(json.dumps({"s": sort, "k": keys}).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "keys",
    [
        {"a": 1},
        [[1], "2026-01-01T00:00:00Z", 1],
        [{"x": 1}, "~", 1],
        [10**20, "~", 1],
        [3, "~", 99999999999999999999],
        [True, "~", 1],
        [1.5e308 * 10, "~", 1],
        "text",
        None,
    ],
)
def test_cursors_holding_odd_values_are_400(ana, keys):
    make(ana)
    problem(ana.get("/tasks", params={"cursor": cursor("-priority", keys)}), 400, "invalid-request")


@pytest.mark.parametrize("task_id", ["99999999999999999999", "abc", "-1", "1.5", "%C3%A9", "%F0%9F%98%80", "%FF", "１"])
def test_task_ids_that_are_not_ids_are_400(ana, task_id):
    for method, path, body in (
        ("GET", "", None),
        ("GET", "/events", None),
        ("POST", "/claim", {}),
        ("POST", "/notes", {"body": "x"}),
        ("POST", "/close", {"resolution": "done"}),
        ("PATCH", "", {"priority": "low"}),
    ):
        problem(ana.request(method, f"/tasks/{task_id}{path}", json=body), 400, "invalid-request")


def test_many_filter_tokens_are_400_naming_the_first_too_many(ana):
    make(ana)
    assert ana.get("/tasks", params={"q": " ".join(f"tag:t{i}" for i in range(2000))}).status_code == 400
    body = problem(ana.get("/tasks", params={"q": " ".join(f"tag:t{i}" for i in range(40))}), 400, "invalid-filter")
    assert body["token"] == "tag:t32"
    body = problem(
        ana.get("/tasks", params={"q": "tag:" + ",".join(f"t{i}" for i in range(200))}), 400, "invalid-filter"
    )
    assert body["token"].startswith("tag:t0,t1,")
    problem(ana.get("/tasks", params={"q": "x" * 2001}), 400, "invalid-request")
    assert ana.get("/tasks", params={"q": " ".join(f"-tag:t{i}" for i in range(32))}).status_code == 200


def test_percent_encoded_paths_are_decoded(ana):
    task = make(ana)
    assert task["id"] == "1" and ana.get("/%74asks/%31").json()["id"] == "1"
    assert ana.get("/%6De").json()["id"] == "ana"
    problem(ana.get(f"/tasks/{task['id']}%2Fevents"), 400, "invalid-request")


@pytest.mark.parametrize(
    "params",
    [{"limit": "9" * 5000}, {"limit": "١٠"}, {"status": ",".join(["open"] * 5000)}, {"owner": "\\x00"}],
)
def test_odd_list_parameters_never_fail_the_server(ana, params):
    assert ana.get("/tasks", params=params).status_code in (200, 400)


@pytest.mark.parametrize(
    "content",
    [
        b'{"queue": "orders", "title": "\\ud800"}',
        b'{"queue": "orders", "title": "x", "tags": ["\\udfff"]}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"queue": "orders", "title": "x", "due_at": "0121-06-08T17:54:26+01:00", "priority": 1e999}',
        b'{"queue": "orders", "title": "x", "due_at": "0001-01-01T00:00:00+01:00"}',
        b'{"queue": "orders", "title": "x", "due_at": "9999-12-31T23:59:59-01:00"}',
        b'{"queue": "orders", "title": "x", "due_at": "2026-11-26 10:00:00Z"}',
        b'{"queue": "orders", "title": "x", "due_at": "\\u0662026-11-26T10:00:00Z"}',
    ],
)
def test_odd_bodies_are_400(ana, content):
    problem(ana.post("/tasks", content=content, headers={"Content-Type": "application/json"}), 400, "invalid-request")


def test_far_times_are_echoed_as_rfc_3339(ana):
    assert make(ana, due_at="0121-06-08T17:54:26Z")["due_at"] == "0121-06-08T17:54:26Z"
    assert make(ana, due_at="2030-01-02T03:04:05.123456789z")["due_at"] == "2030-01-02T03:04:05Z"


def test_odd_headers_are_400(ana):
    task = make(ana)
    for value in ("9" * 5000, "1e3", "-1"):
        problem(ana.patch(f"/tasks/{task['id']}", json={}, headers={"If-Match": value}), 400, "invalid-request")
    problem(ana.patch(f"/tasks/{task['id']}", json={}, headers={"If-Match": "0"}), 412, "stale-version")
