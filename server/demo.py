"""Deterministic demo data: believable back-office work over the eight standard queues.

The same ``count`` always yields the same tasks (``random.Random(count)``); only the times
move, since they are relative to the moment of seeding.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from backdesk.api_client.models import PRIORITIES

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


@dataclass(frozen=True)
class Template:
    title: str
    body: str
    reference: str
    tags: tuple[str, ...]


T = Template
TEMPLATES: dict[str, tuple[Template, ...]] = {
    "orders": (
        T(
            "Order {order} stuck in picking for {days} days",
            "Customer: {customer} <{email}>\nOrder: {order} ({qty} × {product}, {sku})\nWarehouse: {city}\n\n"
            'The order has shown "picking" since {date}. The customer has asked twice where it is.\n'
            "Check stock for {sku} and either re-pick or offer a substitute.",
            "{order}",
            ("priority-shipping", "vip"),
        ),
        T(
            "Short shipment on {order}: {sku} missing",
            "Customer: {customer}\nOrder: {order}\nCarrier: {carrier}, tracking {tracking}\n\n"
            "Parcel arrived without {product} ({sku}). Packing slip lists {qty} items, customer received {short}.\n"
            "Decide: re-ship the missing item or refund €{amount}.",
            "{order}",
            ("partial", "b2b"),
        ),
        T(
            "Address change requested for {order}",
            "{customer} moved and needs {order} sent to:\n  {street} {house}\n  {city}, {country}\n\n"
            "The order has not left the warehouse yet. Update the address in the WMS and confirm.",
            "{order}",
            ("address",),
        ),
        T(
            "{carrier} lost parcel for {order}",
            "Tracking {tracking} has not moved for {days} days.\nCustomer: {customer}\nValue: €{amount}\n\n"
            "Open a claim with {carrier} and send a replacement if stock allows.",
            "{order}",
            ("carrier-claim", "vip"),
        ),
    ),
    "returns": (
        T(
            "Return {rma}: {product} arrived damaged",
            "Customer: {customer}\nOriginal order: {order}\nItem: {product} ({sku})\nRefund due: €{amount}\n\n"
            "Warehouse inspection notes: box crushed, item scratched on one side.\n"
            "Approve the refund or offer a partial refund of €{partial}.",
            "{rma}",
            ("inspection", "vip"),
        ),
        T(
            "Refund not received for {order}",
            "{customer} returned {product} on {date} and says the €{amount} refund has not arrived.\n"
            "Return {rma} was scanned in at {city}.\n\nCheck the payment provider and re-issue if it failed.",
            "{rma}",
            ("chargeback",),
        ),
        T(
            "Return outside window: {order}",
            "Customer: {customer}\nBought: {bought} ({late} days ago)\nItem: {product}\n\n"
            "Policy allows 30 days. Customer says it is faulty, not unwanted.\n"
            "Decide whether to accept it as a warranty return.",
            "{order}",
            ("policy-exception",),
        ),
    ),
    "complaints": (
        T(
            "Complaint from {customer} about {reason}",
            'Received by email from {email}.\n\n"I am writing about {reason}. This is not the service I expect '
            'after being a customer for {years} years."\n\nRelated order: {order}.\n'
            "Reply within the SLA with an apology and a remedy.",
            "{complaint}",
            ("vip", "escalated", "repeat-customer"),
        ),
        T(
            "Social media complaint: {reason}",
            "Posted publicly by {customer}; the social team forwarded it.\nOrder: {order}\n\n"
            "Move the conversation to a private channel, then investigate {reason}.",
            "{complaint}",
            ("social", "escalated"),
        ),
        T(
            "Ombudsman letter about {customer}",
            "The ombudsman asks for our account of {reason} (case {complaint}).\nDeadline in the letter: {date}.\n\n"
            "Collect the order history for {order} and the call notes, then draft a response for legal.",
            "{complaint}",
            ("legal",),
        ),
    ),
    "billing": (
        T(
            "Invoice {invoice} disputed by {company}",
            "Customer: {company} (account {account})\nInvoice: {invoice}, €{amount}, due {date}\n\n"
            "They say line 3 ({product}) was never delivered. Check the delivery note and issue a credit note "
            "if they are right.",
            "{invoice}",
            ("b2b", "dispute"),
        ),
        T(
            "Failed direct debit for {company}",
            "Account {account}\nAmount: €{amount}\nBank reason code: MD{code} (refer to payer)\n\n"
            "Second failure this quarter. Contact the finance contact, {customer},\n"
            "and set up a payment plan if needed.",
            "{invoice}",
            ("collections",),
        ),
        T(
            "Chargeback on {order}: €{amount}",
            "Card issuer opened a chargeback for {order} ({customer}).\nReason: goods not received.\n\n"
            "Upload proof of delivery from {carrier} (tracking {tracking}) before the deadline.",
            "{order}",
            ("chargeback", "fraud-check"),
        ),
        T(
            "Credit note request for {invoice}",
            "{company} returned {qty} units of {sku}. Raise a credit note for €{amount} against {invoice}.",
            "{invoice}",
            ("b2b",),
        ),
    ),
    "data-entry": (
        T(
            "Key in price list from {supplier}",
            "New price list from {supplier}, valid from {date}.\n{qty} lines, attached as PDF.\n\n"
            "Update the purchase prices in {system}; flag anything that rose more than 10%.",
            "SUP-{n4}",
            ("supplier",),
        ),
        T(
            "Correct customer record for {customer}",
            "Duplicate records found for {customer} ({email}).\nAccounts {account} and CUST-{n5}.\n\n"
            "Merge them, keeping the newer address in {city}.",
            "CUST-{n5}",
            ("master-data", "gdpr"),
        ),
        T(
            "Enter paper order form from {company}",
            "Faxed order from {company}:\n  {qty} × {product} ({sku})\n  Delivery to {city}\n\n"
            "Create the sales order and send the confirmation.",
            "DE-{n5}",
            ("manual-entry",),
        ),
    ),
    "hr-onboarding": (
        T(
            "New starter: {employee}, {job} ({department})",
            "Start date: {date}\nManager: {manager}\nLocation: {city}\n\n"
            "- Contract signed and filed\n- Payroll set up in {payroll}\n- Laptop ordered\n- First-week plan sent",
            "EMP-{n4}",
            ("new-starter",),
        ),
        T(
            "Right-to-work check for {employee}",
            "{employee} starts as {job} on {date}. Passport copy received; verify it and record the check.",
            "EMP-{n4}",
            ("compliance", "new-starter"),
        ),
        T(
            "Contractor onboarding: {employee}",
            "Agency contractor for {department}, {months} months.\nManager: {manager}\n\n"
            "Needs a purchase order, building pass and access to {system}.",
            "EMP-{n4}",
            ("contractor",),
        ),
    ),
    "it-access": (
        T(
            "Grant {role} in {system} to {employee}",
            "Requested by {manager} for {employee} ({department}).\nSystem: {system}\nRole: {role}\n\n"
            "Needs line-manager approval before granting.",
            "REQ-{n5}",
            ("approval-needed", "sso"),
        ),
        T(
            "Revoke access for leaver {employee}",
            "{employee} leaves {department} on {date}.\nRemove access to {system} and the shared drives; "
            "transfer mailbox ownership to {manager}.",
            "REQ-{n5}",
            ("leaver", "urgent-revoke"),
        ),
        T(
            "Password reset locked out: {employee}",
            "{employee} is locked out of {system} after MFA device change. Verify identity by phone before resetting.",
            "REQ-{n5}",
            ("sso",),
        ),
    ),
    "compliance": (
        T(
            "GDPR access request from {customer}",
            "Data subject access request received {date} from {email}.\n\n"
            "Collect records from {system}, the order history ({order}) and call recordings. One-month deadline.",
            "DSR-{n4}",
            ("gdpr", "legal"),
        ),
        T(
            "KYC review: {company}",
            "Periodic KYC refresh for {company} (account {account}).\nCountry: {country}\n\n"
            "Ultimate beneficial owner documents have expired. Request new ones.",
            "KYC-{n5}",
            ("kyc",),
        ),
        T(
            "Sanctions screening hit: {customer}",
            "Screening flagged {customer} ({country}) as a possible match.\nOrder {order}, €{amount}, is on hold.\n\n"
            "Compare date of birth and address; clear or escalate to the MLRO.",
            "KYC-{n5}",
            ("sanctions", "vip"),
        ),
        T(
            "Audit evidence for {system} access review",
            "Auditors want the Q{quarter} user access review for {system}:\n"
            "list of users, roles and sign-off by {manager}.",
            "AUD-{n4}",
            ("audit",),
        ),
    ),
}
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
            owner = r.choice(OPERATORS)
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
        for tasks, events in batches(count, now or utc_now()):
            con.execute("BEGIN IMMEDIATE")
            con.executemany(
                "INSERT INTO tasks (id, queue_id, title, body, status, resolution, owner_id, priority, created_at,"
                " updated_at, due_at, reference, tags, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                tasks,
            )
            con.executemany("INSERT INTO events (task_id, kind, actor_id, at, body) VALUES (?, ?, ?, ?, ?)", events)
            con.execute("COMMIT")
        con.execute("ANALYZE")  # table statistics, so the planner picks the sort indexes
    return count
