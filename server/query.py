"""Task listing as SQL: the filter language, sort orders with nulls last, keyset cursors.

Every value reaches SQLite as a bound parameter; only fixed column expressions are
spliced into the statement text.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from backdesk.api_client.filters import Filter, Term
from backdesk.api_client.models import PRIORITIES, SORT_FIELDS

from .problems import Problem
from .times import iso

#: Sort field -> its key column ascending, and descending. The descending ones, due_key and
#: due_desc are generated columns (see ``schema``) that put nulls last either way.
SORT_KEYS = {
    "priority": ("priority", "prio_desc"),
    "due_at": ("due_key", "due_desc"),
    "created_at": ("created_at", "created_desc"),
    "updated_at": ("updated_at", "updated_desc"),
}
_COMPARE = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "=": "="}
#: A filter's limits: more would make SQLite's expression tree too large.
MAX_TERMS = 32
MAX_VALUES = 128


@dataclass
class Where:
    """A conjunction of SQL conditions with their parameters."""

    clauses: list[str] = field(default_factory=list)
    args: list[Any] = field(default_factory=list)

    def add(self, clause: str, *args: Any) -> None:
        self.clauses.append(clause)
        self.args.extend(args)

    def sql(self) -> str:
        return " AND ".join(f"({c})" for c in self.clauses) or "1"


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _placeholders(values: tuple[Any, ...] | list[Any]) -> str:
    return ",".join("?" * len(values))


def owner_condition(values: tuple[str, ...], caller: str) -> tuple[str, list[Any]]:
    """``owner`` values are ``me``, ``none`` or operator ids; any of them matches."""
    parts: list[str] = []
    args: list[Any] = []
    for value in values:
        if value == "none":
            parts.append("t.owner_id IS NULL")
        else:
            parts.append("t.owner_id = ?")
            args.append(caller if value == "me" else value)
    return " OR ".join(parts), args


def term_condition(term: Term, caller: str, now: datetime) -> tuple[str, list[Any]]:
    """One filter term as a SQL condition that is never NULL."""
    values = term.values
    if term.key == "text":
        pattern = _like(values[0])
        return (
            "t.title LIKE ? ESCAPE '\\' OR t.body LIKE ? ESCAPE '\\' OR COALESCE(t.reference, '') LIKE ? ESCAPE '\\'",
            [pattern, pattern, pattern],
        )
    if term.key == "breached":
        return "t.status != 'closed' AND t.due_at IS NOT NULL AND t.due_at < ?", [iso(now)]
    if term.key == "status":
        return f"t.status IN ({_placeholders(values)})", list(values)
    if term.key == "owner":
        return owner_condition(values, caller)
    if term.key == "priority":
        ranks = [PRIORITIES.index(v) for v in values]
        if term.op == "=":
            return f"t.priority IN ({_placeholders(ranks)})", ranks
        return f"t.priority {_COMPARE[term.op]} ?", ranks
    if term.key == "queue":
        return (
            "t.queue_id = ? COLLATE NOCASE OR t.queue_id IN (SELECT id FROM queues WHERE name = ? COLLATE NOCASE)",
            [values[0], values[0]],
        )
    if term.key == "tag":
        lowered = [v.lower() for v in values]
        return (
            f"EXISTS (SELECT 1 FROM json_each(t.tags) WHERE lower(json_each.value) IN ({_placeholders(lowered)}))",
            lowered,
        )
    if term.key == "due" and term.op in ("<", "<="):  # due within: not yet late, and before the span ends
        return f"t.due_at >= ? AND t.due_at {_COMPARE[term.op]} ?", [iso(now), iso(now + term.duration)]
    if term.key == "due":
        return f"t.due_at IS NOT NULL AND t.due_at {_COMPARE[term.op]} ?", [iso(now + term.duration)]
    raise Problem("invalid-filter", f"Filter token {term.to_text()!r} is not supported.", token=term.to_text())


def filter_where(where: Where, flt: Filter, caller: str, now: datetime) -> None:
    for term in flt.terms:
        clause, args = term_condition(term, caller, now)
        where.add(f"NOT COALESCE(({clause}), 0)" if term.negated else clause, *args)


def sort_columns(param: str) -> list[str]:
    """The columns a sort (``priority``, ``-due_at``...) orders by: its key, then due_key (ties), then id."""
    name = param.lstrip("-")
    first = SORT_KEYS[name][param.startswith("-")]
    return [first, *(["due_key"] if name != "due_at" else []), "id"]


@dataclass(frozen=True)
class Order:
    """A sort order: the requested field, then due_at ascending, then id, nulls always last.

    Every key is ascending (descending fields use negated generated columns), so a keyset
    cursor is one row-value comparison that an index on the same columns can seek to.
    ``reverse`` reads the same order from its end: every key descending (the index read
    backwards), the exact reverse because the id ends every order.
    """

    param: str
    reverse: bool = False

    @classmethod
    def parse(cls, param: str, reverse: bool = False) -> Order:
        if param.lstrip("-") not in SORT_FIELDS or param.count("-") > 1:
            raise Problem(
                "invalid-request",
                f"Cannot sort by {param!r}; use one of {', '.join(SORT_FIELDS)}, with '-' for descending.",
            )
        return cls(param, reverse)

    def keys(self) -> list[str]:
        """The sort key columns, all ascending and never NULL, as an index on them has them."""
        return [f"t.{column}" for column in sort_columns(self.param)]

    def order_by(self) -> str:
        return ", ".join(f"{key} DESC" if self.reverse else key for key in self.keys())

    def select_keys(self) -> str:
        return ", ".join(f"{key} AS k{i}" for i, key in enumerate(self.keys()))

    def after(self, where: Where, values: list[Any]) -> None:
        """Restrict ``where`` to rows after the row whose sort keys are ``values`` (a row value SQLite seeks on)."""
        keys = self.keys()
        if len(values) != len(keys):
            raise Problem("invalid-request", "The cursor does not fit this sort order; start from the first page.")
        where.add(f"({', '.join(keys)}) {'<' if self.reverse else '>'} ({', '.join('?' * len(keys))})", *values)

    def encode_cursor(self, values: list[Any]) -> str:
        data = {"s": self.param, "k": values} | ({"r": 1} if self.reverse else {})
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode_cursor(self, cursor: str) -> list[Any]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            data = json.loads(raw)
            sort, values, reverse = data["s"], data["k"], data.get("r") == 1
        except (ValueError, binascii.Error, KeyError, TypeError, AttributeError):
            raise Problem(
                "invalid-request", "The cursor is not one this server made; start from the first page."
            ) from None
        fits = (sort, reverse) == (self.param, self.reverse) and isinstance(values, list)
        if not fits or not all(map(_sort_key, values)):
            raise Problem("invalid-request", "The cursor belongs to another sort order; start from the first page.")
        return values


def _sort_key(value: Any) -> bool:
    """Whether a cursor value is one a sort key can hold: text, a 64-bit integer or a finite number."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and len(value) <= 64
