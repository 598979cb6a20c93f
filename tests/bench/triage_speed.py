"""Benchmark: a lead's triage reads at scale, /operators and /queues/{id}/stats. Not part of the suite.

    python tests/bench/triage_speed.py [TASKS] [--people N] [--db FILE]

Seeds TASKS demo tasks (default 100,000), adds N more operators (default 3,000) and spreads
the held tasks over everyone, then prints how long deriving a day of history from the tasks
takes (once per database), and p50/p95 latency of sequential requests to a server in its own
process (``backdesk serve``) over one keep-alive connection.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from backdesk.server import ReferenceServer
from backdesk.server.store import Store

TOKEN = "bench-token"
REQUESTS = 200


def get(conn: http.client.HTTPConnection, path: str) -> dict:
    conn.request("GET", path, headers={"Authorization": f"Bearer {TOKEN}"})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}: {body[:200]!r}")
    return json.loads(body)


def prepare(db: Path, tasks: int, people: int) -> None:
    """Seed, add ``people`` operators and hand every held task to a random one of everyone."""
    started = time.perf_counter()
    ReferenceServer(db, demo_data=tasks)
    store = Store(db)
    with store.write() as con:
        con.executemany(
            "INSERT INTO people (id, name, role, token_hash) VALUES (?, ?, 'operator', ?)",
            [(f"op{i:05d}", f"Operator {i:05d}", f"unusable-{i}") for i in range(people)],
        )
        everyone = [row[0] for row in con.execute("SELECT id FROM people WHERE role != 'integration'")]
        con.create_function("someone", 1, lambda n: everyone[n % len(everyone)])
        con.execute("UPDATE tasks SET owner_id = someone(abs(random())) WHERE owner_id IS NOT NULL")
    print(f"seeded {tasks:,} tasks and {people:,} more operators in {time.perf_counter() - started:.1f} s")


def derive_time(db: Path) -> float:
    """Seconds to record the current hour and derive the 23 before it, from an empty history."""
    store = Store(db)
    with store.write() as con:
        con.execute("DELETE FROM queue_hours")
    started = time.perf_counter()
    store.record_history()
    return time.perf_counter() - started


def serve(db: Path) -> tuple[subprocess.Popen[str], str, int]:
    env = {**os.environ, "BACKDESK_SERVE_TOKENS": f"ana:{TOKEN}", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "backdesk.server", "--db", str(db), "--port", "0", "--operator", "ana"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    match = re.search(r"http://([\d.]+):(\d+)", proc.stdout.readline())
    assert match, "the server did not start"
    return proc, match[1], int(match[2])


def measure(conn: http.client.HTTPConnection, path: str) -> tuple[float, float, int]:
    """(p50 ms, p95 ms, items in the answer) over ``REQUESTS`` sequential requests."""
    answer = get(conn, path)
    latencies = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        get(conn, path)
        latencies.append(time.perf_counter() - started)
    items = len(answer.get("items", answer.get("load", [])))
    return statistics.median(latencies) * 1000, statistics.quantiles(latencies, n=20)[18] * 1000, items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tasks", type=int, nargs="?", default=100_000)
    parser.add_argument("--people", type=int, default=3000, help="operators to add (default 3000)")
    parser.add_argument("--db", type=Path, help="reuse (or create) this database instead of a scratch one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch:
        db = args.db or Path(scratch) / "triage.sqlite3"
        if not db.exists():
            prepare(db, args.tasks, args.people)
        print(f"history: a day derived from the tasks in {derive_time(db) * 1000:.0f} ms (once per database)")
        proc, host, port = serve(db)
        conn = http.client.HTTPConnection(host, port)
        try:
            workloads = {
                "/operators": {},
                "/operators?q=": {"q": "operator 01"},
                "/operators?queue=": {"queue": "returns"},
                "/operators?limit=200": {"limit": 200},
            }
            print(f"{'request':<34} {'p50 ms':>8} {'p95 ms':>8} {'items':>6}")
            for name, params in workloads.items():
                p50, p95, items = measure(conn, "/api/v1/operators?" + urlencode(params))
                print(f"{name:<34} {p50:>8.1f} {p95:>8.1f} {items:>6}", flush=True)
            for queue in ("orders", "compliance"):
                p50, p95, items = measure(conn, f"/api/v1/queues/{queue}/stats")
                print(f"{f'/queues/{queue}/stats':<34} {p50:>8.1f} {p95:>8.1f} {items:>6}", flush=True)
        finally:
            conn.close()
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
