"""Demo data and ``backdesk serve`` on the command line."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx

from backdesk.server import ReferenceServer
from backdesk.server.demo import generate

from .test_contract import events

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


def test_demo_seed_of_10000_is_batched(tmp_path):
    """About 1.5 s here; the bound only catches a return to row-by-row inserts on a busy machine."""
    started = time.perf_counter()
    server = ReferenceServer(tmp_path / "big.sqlite3", demo_data=10_000)
    assert server.store.task_count() == 10_000
    assert time.perf_counter() - started < 30


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
