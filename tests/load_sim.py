"""Many operators working one queue of the reference server at once, as real HTTP clients.

Shared by ``tests/server/test_claim_race.py`` (which asserts only correctness) and
``tests/bench/claim_race.py`` (which prints throughput and latency).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx


@dataclass
class Shift:
    """What the operators did: who claimed which task, and how long each claim took."""

    claims: list[tuple[str, str]] = field(default_factory=list)
    conflicts: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def per_task(self) -> Counter[str]:
        return Counter(task_id for _, task_id in self.claims)


def work_queue(url: str, tokens: dict[str, str], queue: str, *, deadline: float = 60.0) -> Shift:
    """Every operator claims unclaimed tasks of ``queue`` until none is left (or the deadline)."""
    shift, lock = Shift(), threading.Lock()
    start = time.monotonic()
    barrier = threading.Barrier(len(tokens))

    def operator(who: str, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"{url}/api/v1", headers=headers, timeout=30) as client:
            barrier.wait()
            while time.monotonic() - start < deadline:
                page = client.get("/tasks", params={"queue": queue, "q": "owner:none", "limit": 5})
                page.raise_for_status()
                free = [item["id"] for item in page.json()["items"]]
                if not free:
                    return
                for task_id in free:
                    began = time.monotonic()
                    answer = client.post(f"/tasks/{task_id}/claim", json={})
                    took = time.monotonic() - began
                    with lock:
                        shift.latencies.append(took)
                        if answer.status_code == 200:
                            shift.claims.append((who, task_id))
                        elif answer.status_code == 409:
                            shift.conflicts += 1
                        else:
                            answer.raise_for_status()
                    if answer.status_code == 200:
                        break  # one at a time, like a person

    threads = [threading.Thread(target=operator, args=pair) for pair in tokens.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=deadline + 30)
    shift.seconds = time.monotonic() - start
    return shift
