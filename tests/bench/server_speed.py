"""Benchmark: the reference server at scale, under concurrent clients. Not part of the suite.

    python tests/bench/server_speed.py [TASKS] [--db FILE]     # default: 100000 tasks, a scratch file

Seeds TASKS demo tasks (or reuses --db if it exists), serves them from a separate process
(``backdesk serve``) on loopback, and prints p50/p95 latency and throughput for a filtered
sorted page, the first and the 300th page of the default list, and ``/queues``, with 1, 8
and 32 concurrent clients. Each client is a thread with its own keep-alive connection.
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
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from backdesk.server import ReferenceServer

TOKEN = "bench-token"
CLIENTS = (1, 8, 32)
REQUESTS = 320  # per workload and concurrency, shared among the clients
LIST = {"status": "open,waiting", "sort": "-priority", "limit": 50}
FILTERED = {"queue": "returns", "status": "open,waiting", "q": "priority:>=high", "sort": "due_at", "limit": 50}


def get(conn: http.client.HTTPConnection, path: str) -> dict:
    conn.request("GET", path, headers={"Authorization": f"Bearer {TOKEN}"})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}: {body[:200]!r}")
    return json.loads(body)


def page_300(host: str, port: int) -> str:
    """The path of the default list's 300th page, found by following cursors."""
    conn = http.client.HTTPConnection(host, port)
    params = dict(LIST)
    for _ in range(299):
        params["cursor"] = get(conn, "/api/v1/tasks?" + urlencode(params))["next_cursor"]
    conn.close()
    return "/api/v1/tasks?" + urlencode(params)


def measure(host: str, port: int, path: str, clients: int) -> tuple[float, float, float]:
    """(p50 ms, p95 ms, requests per second) for ``REQUESTS`` requests from ``clients`` threads."""
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client() -> None:
        conn = http.client.HTTPConnection(host, port)
        get(conn, path)  # connect and warm up
        mine = []
        barrier.wait()
        for _ in range(REQUESTS // clients):
            start = time.perf_counter()
            get(conn, path)
            mine.append(time.perf_counter() - start)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=20)
    return statistics.median(latencies) * 1000, cuts[18] * 1000, len(latencies) / elapsed


def serve(db: Path) -> tuple[subprocess.Popen[str], str, int]:
    env = {**os.environ, "BACKDESK_SERVE_TOKENS": f"ana:{TOKEN}", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "backdesk.server", "--db", str(db), "--port", "0", "--operator", "ana"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    match = re.search(r"http://([\d.]+):(\d+)", proc.stdout.readline())
    assert match, "the server did not start"
    return proc, match[1], int(match[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tasks", type=int, nargs="?", default=100_000)
    parser.add_argument("--db", type=Path, help="reuse (or create) this database instead of a scratch one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch:
        db = args.db or Path(scratch) / "bench.sqlite3"
        if not db.exists():
            started = time.perf_counter()
            ReferenceServer(db, demo_data=args.tasks)
            print(f"seeded {args.tasks:,} tasks in {time.perf_counter() - started:.1f} s")
        proc, host, port = serve(db)
        try:
            workloads = {
                "filtered sorted page": "/api/v1/tasks?" + urlencode(FILTERED),
                "page 1": "/api/v1/tasks?" + urlencode(LIST),
                "page 300": page_300(host, port),
                "/queues": "/api/v1/queues",
            }
            print(f"{'workload':<22} {'clients':>7} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8}")
            for name, path in workloads.items():
                for clients in CLIENTS:
                    p50, p95, rate = measure(host, port, path, clients)
                    print(f"{name:<22} {clients:>7} {p50:>8.1f} {p95:>8.1f} {rate:>8.0f}", flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
