"""Notes (idempotent per caller and key), closing, If-Match and PATCH."""

from __future__ import annotations

from datetime import timedelta

import pytest

from .test_contract import events, make, problem, stamp

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


def test_patch_changes_fields_and_checks_version(lee):
    """A lead's PATCH (operators may not change priority or queue: see test_triage)."""
    task = make(lee, due_at=stamp(timedelta(days=2)))
    url = f"/tasks/{task['id']}"
    new_due = stamp(timedelta(hours=3))
    response = lee.patch(
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
    updated = events(lee, task["id"])[-1]
    assert updated["kind"] == "updated" and "priority" in updated["body"]
    assert (
        problem(lee.patch(url, json={"priority": "low"}, headers={"If-Match": '"1"'}), 412, "stale-version")[
            "current_version"
        ]
        == 2
    )
    assert lee.patch(url, json={"priority": "urgent"}).json()["version"] == 2  # nothing changed
    assert lee.patch(url, json={"due_at": None}).json()["due_at"] is None
    for payload in ({"status": "closed"}, {"priority": "extreme"}, {"title": ""}, {"queue": ""}):
        problem(lee.patch(url, json=payload), 400, "invalid-request")
    problem(lee.patch(url, json={"queue": "nowhere"}), 404, "not-found")
