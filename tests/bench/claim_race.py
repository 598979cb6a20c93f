"""Throughput and latency of many operators claiming from one queue (not part of the suite).

python tests/bench/claim_race.py [OPERATORS] [TASKS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from load_sim import work_queue  # noqa: E402  (tests/load_sim.py)

from backdesk.server import ReferenceServer  # noqa: E402


def main(operators: int = 50, tasks: int = 500) -> None:
    tokens = {f"op{i:03}": f"tok-{i:03}" for i in range(operators)}
    with (
        tempfile.TemporaryDirectory() as scratch,
        ReferenceServer(
            Path(scratch) / "race.sqlite3", operators=list(tokens.items()), leads=[("lee", "tok-lee")]
        ) as server,
    ):
        with httpx.Client(base_url=f"{server.url}/api/v1", headers={"Authorization": "Bearer tok-lee"}) as lead:
            for n in range(tasks):
                lead.post("/tasks", json={"queue": "orders", "title": f"Race {n}"}).raise_for_status()
        shift = work_queue(server.url, tokens, "orders", deadline=300)
    ms = sorted(t * 1000 for t in shift.latencies)
    doubled = sum(1 for count in shift.per_task().values() if count > 1)
    print(
        f"{operators} operators, {tasks} tasks: {len(shift.claims)} claimed in {shift.seconds:.1f} s "
        f"({len(shift.claims) / shift.seconds:.0f} claims/s), {shift.conflicts} lost races, {doubled} doubled"
    )
    print(f"claim latency: p50 {statistics.median(ms):.1f} ms, p95 {ms[int(len(ms) * 0.95) - 1]:.1f} ms")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
