"""The reference server's SQLite schema, created or brought up to date when a store opens."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3

#: The queues every server has: (id, name, description).
QUEUES: tuple[tuple[str, str, str], ...] = (
    ("orders", "Orders & Fulfilment", "Orders that are stuck, late, short-shipped or need a manual touch."),
    ("returns", "Returns & Refunds", "Return authorisations, inspections and refunds to issue or refuse."),
    ("complaints", "Complaints", "Customer complaints to investigate and answer within the SLA."),
    ("billing", "Billing & Collections", "Invoice disputes, failed payments, credit notes and overdue accounts."),
    ("data-entry", "Data Entry", "Forms, supplier price lists and master data to key in or correct."),
    ("hr-onboarding", "HR Onboarding", "New starters: contracts, payroll set-up, equipment and first-day plans."),
    ("it-access", "IT Access Requests", "Accounts, roles and permissions to grant, change or revoke."),
    ("compliance", "Compliance Review", "KYC checks, GDPR requests, sanctions hits and audit evidence."),
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS people (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS queues (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_id TEXT NOT NULL REFERENCES queues(id),
    title TEXT NOT NULL, body TEXT NOT NULL,
    status TEXT NOT NULL, resolution TEXT,
    owner_id TEXT REFERENCES people(id),
    priority INTEGER NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, due_at TEXT,
    reference TEXT, tags TEXT NOT NULL DEFAULT '[]',
    version INTEGER NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS tasks_queue_status ON tasks(queue_id, status);
CREATE INDEX IF NOT EXISTS tasks_priority_due ON tasks(priority DESC, COALESCE(due_at, '~'), id);
CREATE INDEX IF NOT EXISTS tasks_due ON tasks(due_at);
CREATE INDEX IF NOT EXISTS tasks_owner ON tasks(owner_id);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    kind TEXT NOT NULL, actor_id TEXT REFERENCES people(id),
    at TEXT NOT NULL, body TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS events_task ON events(task_id, id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (
    actor_id TEXT NOT NULL, key TEXT NOT NULL, task_id INTEGER NOT NULL, body TEXT NOT NULL,
    event_id INTEGER NOT NULL, PRIMARY KEY (actor_id, key));
"""


def _hash_old_tokens(con: sqlite3.Connection) -> None:
    """Databases from before tokens were hashed: hash them in place."""
    if "token" in [row[1] for row in con.execute("PRAGMA table_info(people)")]:
        con.create_function("sha256_hex", 1, lambda token: hashlib.sha256(token.encode()).hexdigest())
        con.execute("PRAGMA secure_delete = ON")  # the plain tokens' bytes are overwritten, not left behind
        con.execute("BEGIN IMMEDIATE")
        con.execute("ALTER TABLE people RENAME COLUMN token TO token_hash")
        con.execute("UPDATE people SET token_hash = sha256_hex(token_hash)")
        con.execute("COMMIT")


def prepare(con: sqlite3.Connection) -> bytes:
    """Create what is missing; returns the server's secret (for signed task links)."""
    _hash_old_tokens(con)
    con.executescript(SCHEMA)
    con.executemany(
        "INSERT OR IGNORE INTO queues (id, name, description, position) VALUES (?, ?, ?, ?)",
        [(qid, name, desc, i) for i, (qid, name, desc) in enumerate(QUEUES)],
    )
    con.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('link_secret', ?)", (secrets.token_hex(32),))
    return bytes.fromhex(con.execute("SELECT value FROM meta WHERE key = 'link_secret'").fetchone()[0])
