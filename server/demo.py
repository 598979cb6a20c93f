"""Deterministic demo data: believable back-office work over the eight standard queues.

The same ``count`` always yields the same tasks (``random.Random(count)``); only the times
move, since they are relative to the moment of seeding.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from backdesk.api_client.models import PRIORITIES

from . import schema
from .demo_templates import TEMPLATES
from .store import Store
from .times import iso
from .times import now as utc_now

#: (id, display name, role) of the demo people.
DEMO_PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("ana", "Ana Ruiz", "operator"),
    ("ben", "Ben Okafor", "operator"),
    ("chen", "Chen Wei", "operator"),
    ("dev", "Devi Rao", "operator"),
    ("lee", "Lee Park", "lead"),
)
OPERATORS = tuple(pid for pid, _, role in DEMO_PEOPLE if role == "operator")
#: How much of the held work each operator has, so that loads differ and a lead has someone to
#: rebalance from (ben) and to (dev).
LOAD_WEIGHTS = {"ana": 3, "ben": 6, "chen": 4, "dev": 1}


QUEUE_WEIGHTS = {
    "orders": 24,
    "returns": 16,
    "complaints": 10,
    "billing": 14,
    "data-entry": 12,
    "hr-onboarding": 7,
    "it-access": 10,
    "compliance": 7,
}
COMMON_TAGS = ("vip", "gdpr", "chargeback", "escalated", "repeat-customer")


def _words() -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath("words.json").read_text(encoding="utf-8"))


class _Generator:
    def __init__(self, count: int, now: datetime) -> None:
        self.rng = random.Random(count)
        self.now = now
        self.words = _words()
        self.queues = list(QUEUE_WEIGHTS)
        self.weights = list(QUEUE_WEIGHTS.values())

    def person(self) -> str:
        return f"{self.rng.choice(self.words['first_names'])} {self.rng.choice(self.words['last_names'])}"

    def values(self) -> dict[str, Any]:
        r, w = self.rng, self.words
        customer = self.person()
        sku, product = r.choice(w["products"])
        qty = r.randint(1, 12)
        amount = r.randint(800, 250000) / 100
        when = self.now + timedelta(days=r.randint(-40, 30))
        late = r.randint(31, 90)
        return {
            "customer": customer,
            "email": customer.lower().replace(" ", ".").replace("'", "") + "@example.com",
            "company": r.choice(w["companies"]),
            "supplier": r.choice(w["suppliers"]),
            "order": f"ORD-{r.randint(10000, 99999)}",
            "rma": f"RMA-{r.randint(10000, 99999)}",
            "invoice": f"INV-{self.now.year}-{r.randint(10000, 99999)}",
            "complaint": f"CMP-{r.randint(1000, 9999)}",
            "account": f"ACC-{r.randint(100000, 999999)}",
            "tracking": f"{r.randint(10**11, 10**12 - 1)}",
            "sku": sku,
            "product": product,
            "qty": qty,
            "short": max(0, qty - 1),
            "amount": f"{amount:,.2f}",
            "partial": f"{amount * 0.3:,.2f}",
            "carrier": r.choice(w["carriers"]),
            "city": r.choice(w["cities"]),
            "country": r.choice(w["countries"]),
            "street": r.choice(("Mill Lane", "Kingsway", "Hauptstraße", "Calle Mayor", "Rue Centrale")),
            "house": r.randint(1, 180),
            "system": r.choice(w["systems"]),
            "role": r.choice(w["access_roles"]),
            "department": r.choice(w["departments"]),
            "job": r.choice(w["job_titles"]),
            "employee": self.person(),
            "manager": self.person(),
            "reason": r.choice(w["complaint_reasons"]),
            "date": when.strftime("%d %b %Y"),
            "late": late,
            "bought": (self.now - timedelta(days=late)).strftime("%d %b %Y"),
            "payroll": r.choice(("Workday", "SAP SuccessFactors", "ADP")),
            "days": r.randint(2, 21),
            "years": r.randint(2, 15),
            "months": r.randint(3, 12),
            "quarter": r.randint(1, 4),
            "code": r.randint(1, 9),
            "n4": r.randint(1000, 9999),
            "n5": r.randint(10000, 99999),
        }

    def task(self, task_id: int) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
        """One task row and its events, for :data:`store` inserts."""
        r = self.rng
        queue = r.choices(self.queues, self.weights)[0]
        template = r.choice(TEMPLATES[queue])
        values = self.values()
        priority = r.choices(range(len(PRIORITIES)), (20, 55, 20, 5))[0]
        created = self.now - timedelta(minutes=r.randint(30, 30 * 24 * 60))
        roll = r.random()
        if roll < 0.06:
            due = None
        elif roll < 0.18:
            due = self.now - timedelta(minutes=r.randint(5, 72 * 60))
            created = min(created, due - timedelta(hours=r.randint(4, 48)))
        elif roll < 0.26:
            due = self.now + timedelta(minutes=r.randint(5, 60))
        else:
            due = self.now + timedelta(minutes=r.randint(61, 14 * 24 * 60))
        tags = [t for t in template.tags if r.random() < 0.3]
        if r.random() < 0.05:
            tags.append(r.choice(COMMON_TAGS))
        roll = r.random()
        status = "open" if roll < 0.75 else "waiting" if roll < 0.87 else "closed"
        owner = None
        if r.random() < {"open": 0.25, "waiting": 0.7, "closed": 0.95}[status]:
            owner = r.choices(OPERATORS, [LOAD_WEIGHTS[op] for op in OPERATORS])[0]
        events = self.history(created, status, owner)
        resolution = events[-1][3] if status == "closed" else None
        reference = None if r.random() < 0.05 else template.reference.format(**values)
        row = (
            task_id,
            queue,
            template.title.format(**values),
            template.body.format(**values),
            status,
            resolution,
            owner,
            priority,
            iso(created),
            events[-1][2],
            iso(due) if due else None,
            reference,
            json.dumps(list(dict.fromkeys(tags))),
            len(events),
        )
        return row, [(task_id, *event) for event in events]

    def history(self, created: datetime, status: str, owner: str | None) -> list[tuple[Any, ...]]:
        """(kind, actor, at, body) events from creation to now, oldest first."""
        r, w = self.rng, self.words
        span = (self.now - created).total_seconds()
        stamps = sorted(created + timedelta(seconds=r.uniform(60, span)) for _ in range(4))
        events: list[tuple[Any, ...]] = [("created", r.choice((None, None, "lee")), iso(created), "")]
        if owner:
            if r.random() < 0.15:
                first = r.choice([op for op in OPERATORS if op != owner])
                events.append(("claimed", first, iso(stamps[0]), ""))
                name = next(n for pid, n, _ in DEMO_PEOPLE if pid == first)
                events.append(("stolen", owner, iso(stamps[1]), f"Took over from {name}"))
            else:
                events.append(("claimed", owner, iso(stamps[1]), ""))
            if r.random() < 0.5:
                events.append(("note", owner, iso(stamps[2]), r.choice(w["progress_notes"])))
        if status == "waiting":
            events.append(("note", owner or r.choice(OPERATORS), iso(stamps[3]), r.choice(w["waiting_notes"])))
        if status == "closed":
            actor = owner or r.choice(OPERATORS)
            events.append(("note", actor, iso(stamps[3]), r.choice(w["closing_notes"])))
            events.append(
                ("closed", actor, iso(stamps[3]), r.choices(("done", "rejected", "duplicate"), (80, 12, 8))[0])
            )
        return events


def batches(
    count: int, now: datetime, size: int = 10_000
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Task rows (ids 1..count) and their event rows, ``size`` tasks at a time."""
    gen = _Generator(count, now)
    for start in range(1, count + 1, size):
        tasks: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        for task_id in range(start, min(start + size, count + 1)):
            row, history = gen.task(task_id)
            tasks.append(row)
            events.extend(history)
        yield tasks, events


def generate(count: int, now: datetime) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Task rows (ids 1..count) and event rows for a demo of ``count`` tasks."""
    tasks: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    for more_tasks, more_events in batches(count, now):
        tasks += more_tasks
        events += more_events
    return tasks, events


def seed(store: Store, count: int, *, now: datetime | None = None) -> int:
    """Fill an empty store with ``count`` demo tasks, one transaction per batch; returns how many were added."""
    with store.read() as con:
        if con.execute("SELECT 1 FROM tasks LIMIT 1").fetchone():
            return 0
    with store.bulk() as con:
        # Building each index once at the end is many times faster than growing it row by row.
        indexes = con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks' AND sql NOT NULL"
        )
        for (name,) in indexes.fetchall():
            con.execute(f"DROP INDEX {name}")
        for tasks, events in batches(count, now or utc_now()):
            con.execute("BEGIN IMMEDIATE")
            con.executemany(
                "INSERT INTO tasks (id, queue_id, title, body, status, resolution, owner_id, priority, created_at,"
                " updated_at, due_at, reference, tags, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                tasks,
            )
            con.executemany("INSERT INTO events (task_id, kind, actor_id, at, body) VALUES (?, ?, ?, ?, ?)", events)
            con.execute("COMMIT")
        con.executescript(schema.SCHEMA)  # the indexes again
        con.execute("ANALYZE")  # table statistics, so the planner picks the sort indexes
        con.execute("DELETE FROM queue_hours")  # the seeded past differs from the empty one recorded
    store.forget_history()
    return count
