"""Who may change what: holders, leads, force, creation by role, reopen, signed task pages, public URLs."""

from __future__ import annotations

import httpx
import pytest

from backdesk.server import ReferenceServer

from .test_contract import events, make, problem

BEN = {"id": "ben", "name": "Ben Okafor"}


@pytest.fixture
def bens(ben) -> dict:
    """A task ben holds."""
    task = make(ben)
    assert ben.post(f"/tasks/{task['id']}/claim").status_code == 200
    return task


def test_only_leads_and_integrations_create_tasks(tmp_path, spec):
    people = {"operators": [("ana", "a")], "leads": [("lee", "l")], "integrations": [("mailer", "m")]}
    new = {"queue": "orders", "title": "From the mail gateway"}
    with ReferenceServer(tmp_path / "s.sqlite3", **people) as server:
        api = server.url + "/api/v1"
        refused = httpx.post(api + "/tasks", json=new, headers={"Authorization": "Bearer a"})
        assert refused.status_code == 403 and refused.json()["type"].endswith(":forbidden")
        for token in ("l", "m"):
            assert httpx.post(api + "/tasks", json=new, headers={"Authorization": f"Bearer {token}"}).status_code == 201
        me = httpx.get(api + "/me", headers={"Authorization": "Bearer m"}).json()
        assert me == {"id": "mailer", "name": "mailer", "role": "integration"}
    with ReferenceServer(tmp_path / "s.sqlite3", operators_may_create=True) as server:
        allowed = httpx.post(server.url + "/api/v1/tasks", json=new, headers={"Authorization": "Bearer a"})
        assert allowed.status_code == 201


def test_patch_of_someone_elses_task_needs_force_or_the_lead_role(ana, lee, ben, bens):
    url = f"/tasks/{bens['id']}"
    refused = problem(ana.patch(url, json={"title": "Ana's"}), 409, "not-owner")
    assert refused["claimed_by"] == BEN and "Ben Okafor" in refused["detail"]
    assert ana.patch(url, json={"title": "Ana's", "force": True}).json()["title"] == "Ana's"
    assert lee.patch(url, json={"priority": "urgent"}).json()["priority"] == "urgent"
    assert ben.patch(url, json={"title": "Ben's"}).json()["title"] == "Ben's"
    updates = [e["body"] for e in events(ana, bens["id"]) if e["kind"] == "updated"]
    assert updates == [
        "title: A task → Ana's (held by Ben Okafor; forced)",
        "priority: normal → urgent (held by Ben Okafor; changed by a lead)",
        "title: Ana's → Ben's",
    ]
    unclaimed = make(ana)
    assert ana.patch(f"/tasks/{unclaimed['id']}", json={"title": "Mine to fix"}).status_code == 200
    problem(ana.patch(url, json={"force": "yes"}), 400, "invalid-request")


def test_closed_tasks_cannot_be_patched(ana, lee):
    task = make(ana)
    ana.post(f"/tasks/{task['id']}/close", json={"resolution": "done"})
    for client in (ana, lee):
        problem(client.patch(f"/tasks/{task['id']}", json={"title": "Later", "force": True}), 409, "task-closed")


def test_close_of_someone_elses_task_needs_force_even_for_a_lead(ana, lee, bens):
    url = f"/tasks/{bens['id']}/close"
    for client in (ana, lee):
        assert problem(client.post(url, json={"resolution": "done"}), 409, "not-owner")["claimed_by"] == BEN
    closed = lee.post(url, json={"resolution": "duplicate", "force": True})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert events(ana, bens["id"])[-1]["body"] == "duplicate (held by Ben Okafor; forced)"


def test_release_of_someone_elses_task_needs_force_or_the_lead_role(ana, lee, ben, bens):
    url = f"/tasks/{bens['id']}/release"
    assert problem(ana.post(url), 409, "not-owner")["claimed_by"] == BEN
    assert ana.post(url, json={"force": True}).json()["owner"] is None
    ben.post(f"/tasks/{bens['id']}/claim")
    assert lee.post(url).json()["owner"] is None
    released = [e["body"] for e in events(ana, bens["id"]) if e["kind"] == "released"]
    assert released == ["(held by Ben Okafor; forced)", "(held by Ben Okafor; changed by a lead)"]
    problem(ana.post(url, json={"force": True, "why": "x"}), 400, "invalid-request")


def test_reopen(ana, ben, lee, bens):
    url = f"/tasks/{bens['id']}"
    problem(ben.post(url + "/reopen"), 409, "task-open")
    ben.post(url + "/close", json={"resolution": "done"})
    assert problem(ana.post(url + "/reopen"), 409, "not-owner")["claimed_by"] == BEN
    problem(ben.post(url + "/reopen", headers={"If-Match": '"1"'}), 412, "stale-version")
    reopened = ben.post(url + "/reopen")
    assert reopened.status_code == 200 and reopened.headers["ETag"] == f'"{reopened.json()["version"]}"'
    task = reopened.json()
    assert (task["status"], task["resolution"], task["owner"]) == ("open", None, BEN)
    assert ben.patch(url, json={"title": "Reopened"}).status_code == 200
    lee.post(url + "/close", json={"resolution": "rejected", "force": True})
    assert lee.post(url + "/reopen").status_code == 200
    kinds = [(e["kind"], e["actor"]["id"]) for e in events(ana, bens["id"])]
    assert kinds[-5:] == [
        ("closed", "ben"),
        ("reopened", "ben"),
        ("updated", "ben"),
        ("closed", "lee"),
        ("reopened", "lee"),
    ]


def test_notes_go_on_any_task(ana, bens):
    assert ana.post(f"/tasks/{bens['id']}/notes", json={"body": "FYI"}).status_code == 201


def test_task_page_opens_with_its_signed_link_only(srv, ana, ben):
    task = make(ana, title="<script>alert(1)</script> Refund", body="Line & <b>bold</b>")
    ana.post(f"/tasks/{task['id']}/notes", json={"body": "Called <them>"})
    link = ana.get(f"/tasks/{task['id']}").json()["web_url"]
    page = httpx.get(link)
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Refund" in page.text and "<script>" not in page.text
    assert "Called &lt;them&gt;" in page.text and "Line &amp; &lt;b&gt;bold&lt;/b&gt;" in page.text
    other = make(ana)
    forged = [
        link.replace(f"/tasks/{task['id']}?", f"/tasks/{other['id']}?"),
        link[:-1] + ("0" if link[-1] != "0" else "1"),
        link.replace("as=ana", "as=ben"),
        link.split("?")[0],
    ]
    for url in forged:
        assert httpx.get(url).status_code == 403
    assert ben.get(f"/tasks/{task['id']}").json()["web_url"] != link
    ReferenceServer(srv.store.path, operators=[("ana", "a-new-token")])  # ana's token changes
    assert httpx.get(link).status_code == 403


def test_task_urls_come_from_the_public_url_not_the_host_header(tmp_path):
    with ReferenceServer(
        tmp_path / "s.sqlite3", leads=[("lee", "l")], public_url="https://queue.example.com/"
    ) as server:
        headers = {"Authorization": "Bearer l", "Host": "evil.example"}
        created = httpx.post(server.url + "/api/v1/tasks", json={"queue": "orders", "title": "x"}, headers=headers)
        task = created.json()
        assert created.headers["Location"] == task["url"] == f"https://queue.example.com/api/v1/tasks/{task['id']}"
        assert task["web_url"].startswith(f"https://queue.example.com/tasks/{task['id']}?as=lee&sig=")
        page = httpx.get(server.url + task["web_url"].removeprefix("https://queue.example.com"))
        assert page.status_code == 200 and "evil" not in page.text
    with pytest.raises(ValueError):
        ReferenceServer(tmp_path / "s.sqlite3", public_url="queue.example.com")
