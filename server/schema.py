"""The reference server's SQLite schema, created or brought up to date when a store opens."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3

from .query import SORT_KEYS, sort_columns

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

#: Generated sort keys: every sort is ascending over them, nulls last (see ``query.SORT_KEYS``).
SORT_COLUMNS = {
    "prio_desc": "INTEGER GENERATED ALWAYS AS (-priority) VIRTUAL",
    "due_key": "TEXT GENERATED ALWAYS AS (COALESCE(due_at, '~')) VIRTUAL",
    "due_desc": "REAL GENERATED ALWAYS AS (-COALESCE(julianday(due_at), -1e9)) VIRTUAL",
    "created_desc": "REAL GENERATED ALWAYS AS (-julianday(created_at)) VIRTUAL",
    "updated_desc": "REAL GENERATED ALWAYS AS (-julianday(updated_at)) VIRTUAL",
}

SCHEMA = (
    """
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
    version INTEGER NOT NULL DEFAULT 1"""
    + "".join(f",\n    {name} {kind}" for name, kind in SORT_COLUMNS.items())
    + """);
CREATE INDEX IF NOT EXISTS tasks_counting ON tasks(queue_id, status, priority, owner_id, due_at);
CREATE INDEX IF NOT EXISTS tasks_open_due_owner ON tasks(queue_id, due_at, owner_id, status) WHERE status != 'closed';
CREATE INDEX IF NOT EXISTS tasks_unclaimed ON tasks(queue_id, created_at) WHERE status != 'closed' AND owner_id IS NULL;
"""
    + "".join(
        f"CREATE INDEX IF NOT EXISTS tasks_{prefix}by_{sort.replace('-', 'desc_')}"
        f" ON tasks({prefix and 'queue_id, '}{', '.join(sort_columns(sort))});\n"
        for sort in (f"{sign}{name}" for name in SORT_KEYS for sign in ("", "-"))
        for prefix in ("", "queue_")
    )
    + """
CREATE TABLE IF NOT EXISTS task_counts (
    queue_id TEXT NOT NULL, status TEXT NOT NULL, owner_id TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (queue_id, status, owner_id)) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS task_counts_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO task_counts VALUES (NEW.queue_id, NEW.status, COALESCE(NEW.owner_id, ''), 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS task_counts_update AFTER UPDATE OF queue_id, status, owner_id ON tasks BEGIN
    UPDATE task_counts SET n = n - 1
        WHERE queue_id = OLD.queue_id AND status = OLD.status AND owner_id = COALESCE(OLD.owner_id, '');
    INSERT INTO task_counts VALUES (NEW.queue_id, NEW.status, COALESCE(NEW.owner_id, ''), 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS task_counts_delete AFTER DELETE ON tasks BEGIN
    UPDATE task_counts SET n = n - 1
        WHERE queue_id = OLD.queue_id AND status = OLD.status AND owner_id = COALESCE(OLD.owner_id, '');
END;
CREATE TABLE IF NOT EXISTS owner_load (owner_id TEXT PRIMARY KEY, held INTEGER NOT NULL) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS owner_load_insert AFTER INSERT ON tasks
    WHEN NEW.owner_id IS NOT NULL AND NEW.status != 'closed' BEGIN
    INSERT INTO owner_load VALUES (NEW.owner_id, 1) ON CONFLICT DO UPDATE SET held = held + 1;
END;
CREATE TRIGGER IF NOT EXISTS owner_load_update AFTER UPDATE OF status, owner_id ON tasks BEGIN
    UPDATE owner_load SET held = held - 1
        WHERE owner_id = OLD.owner_id AND OLD.status != 'closed';
    INSERT INTO owner_load SELECT NEW.owner_id, 1 WHERE NEW.owner_id IS NOT NULL AND NEW.status != 'closed'
        ON CONFLICT DO UPDATE SET held = held + 1;
END;
CREATE TRIGGER IF NOT EXISTS owner_load_delete AFTER DELETE ON tasks WHEN OLD.status != 'closed' BEGIN
    UPDATE owner_load SET held = held - 1 WHERE owner_id = OLD.owner_id;
END;
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
CREATE TABLE IF NOT EXISTS queue_hours (
    queue_id TEXT NOT NULL, hour TEXT NOT NULL, at TEXT NOT NULL, backlog INTEGER NOT NULL, breached INTEGER NOT NULL,
    PRIMARY KEY (queue_id, hour)) WITHOUT ROWID;
"""
)
#: Indexes of older versions that the sort and counting indexes replace.
OLD_INDEXES = (
    "tasks_queue_status",
    "tasks_priority_due",
    "tasks_due",
    "tasks_owner",
    "tasks_open_due",
    "tasks_open_owner_due",
)


def _table_exists(con: sqlite3.Connection, name: str) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _add_sort_columns(con: sqlite3.Connection) -> None:
    """Databases from before the generated sort keys: add them (virtual columns cost no rewrite)."""
    if _table_exists(con, "tasks"):
        present = {row[1] for row in con.execute("PRAGMA table_xinfo(tasks)")}
        for name, kind in SORT_COLUMNS.items():
            if name not in present:
                con.execute(f"ALTER TABLE tasks ADD COLUMN {name} {kind}")


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
    _add_sort_columns(con)
    counted = _table_exists(con, "task_counts")
    loaded = _table_exists(con, "owner_load")
    con.executescript(SCHEMA)
    if not counted:  # a new database, or one from before the counters
        con.execute(
            "INSERT INTO task_counts"
            " SELECT queue_id, status, COALESCE(owner_id, ''), COUNT(*) FROM tasks GROUP BY 1, 2, 3"
        )
    if not loaded:
        con.execute(
            "INSERT INTO owner_load SELECT owner_id, COUNT(*) FROM tasks"
            " WHERE owner_id IS NOT NULL AND status != 'closed' GROUP BY owner_id"
        )
    for name in OLD_INDEXES:
        con.execute(f"DROP INDEX IF EXISTS {name}")
    con.executemany(
        "INSERT OR IGNORE INTO queues (id, name, description, position) VALUES (?, ?, ?, ?)",
        [(qid, name, desc, i) for i, (qid, name, desc) in enumerate(QUEUES)],
    )
    con.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('link_secret', ?)", (secrets.token_hex(32),))
    return bytes.fromhex(con.execute("SELECT value FROM meta WHERE key = 'link_secret'").fetchone()[0])
