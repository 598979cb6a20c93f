"""Benchmark: how fast backdesk shows a queue and pages through it. Not part of the suite.

    python tests/bench/queue_speed.py [TASKS ...]      # default: 1000 20000

Prints, per queue size: seeding time, the median Work Queue API first-page and next-page
latencies over loopback, and the app's time from start to the first rows on screen.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from backdesk.api_client import TaskQuery
from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.server import ReferenceServer
from backdesk.tui.app import BackdeskApp
from backdesk.tui.settings_loader import load_settings
from backdesk.widgets.task_table import TaskTable

ROUNDS = 15


async def api_latency(url: str) -> tuple[float, float]:
    backend = WorkQueueBackend(url, "bench")
    first, following = [], []
    try:
        for _ in range(ROUNDS):
            start = time.perf_counter()
            page = await backend.tasks(TaskQuery(status=("open", "waiting")))
            first.append(time.perf_counter() - start)
            start = time.perf_counter()
            await backend.tasks(TaskQuery(status=("open", "waiting")), page.next_cursor)
            following.append(time.perf_counter() - start)
    finally:
        await backend.aclose()
    return statistics.median(first), statistics.median(following)


async def first_rows(url: str) -> float:
    start = time.perf_counter()
    app = BackdeskApp(WorkQueueBackend(url, "bench"), settings=load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        while not (app.screen.query(TaskTable) and app.screen.query_one(TaskTable).row_count):
            await pilot.pause(0.01)
        return time.perf_counter() - start


def main(sizes: list[int]) -> None:
    print(f"{'tasks':>8} {'seed s':>8} {'page 1 ms':>10} {'page 2 ms':>10} {'first rows ms':>14}")
    for size in sizes:
        with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch:
            start = time.perf_counter()
            server = ReferenceServer(Path(scratch) / "bench.sqlite3", operators=[("ana", "bench")], demo_data=size)
            with server:
                seeded = time.perf_counter() - start
                page1, page2 = asyncio.run(api_latency(server.url))
                shown = asyncio.run(first_rows(server.url))
        print(f"{size:>8} {seeded:>8.2f} {page1 * 1000:>10.1f} {page2 * 1000:>10.1f} {shown * 1000:>14.0f}")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1000, 20000])
