"""backdesk's task queries compiled to Request Tracker's TicketSQL.

Pure: no I/O and no adapter state, so every filter token can be tested without an RT. The
mapping (see :mod:`api_client.rt` for the whole picture):

* ``queue:`` is RT's queue id or name; ``owner:me`` is ``__CurrentUser__``, ``owner:none``
  RT's ``Nobody``, any other value a user name.
* ``status:`` open = active but not ``stalled``, waiting = ``stalled``, closed = inactive
  (``__Active__``/``__Inactive__`` also cover custom lifecycles).
* ``priority:`` levels are ranges of RT's number (:data:`PRIORITY_FLOOR`); a comparison
  becomes the union of the ranges it selects.
* ``due:<2h`` and ``breached`` use RT's relative dates (``'+2 hours'``, ``'now'``), so the RT
  user's time zone never skews them; RT compares an unset Due as NULL.
* ``tag:`` and free text use the ticket custom fields the profile names; free text also
  matches the subject (and the content with ``search_content``).
* A leading ``-`` negates a token, including the NULLs a plain ``!=`` would leave out.

Every string literal is quoted by :func:`quote`, so filter text cannot change the query.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidRequestError
from .filters import Term, parse_filter, split_duration
from .models import PRIORITIES, TaskQuery

#: Lowest RT priority number of each level.
PRIORITY_FLOOR = {"low": 0, "normal": 25, "high": 50, "urgent": 75}
DUE_SET = "Due IS NOT NULL"  # RT compares an unset date as NULL
DUE_UNSET = "Due IS NULL"
#: A clause no ticket matches.
NOTHING = "id < 0"

_STATUS_SQL = {
    "open": "Status = '__Active__' AND Status != 'stalled'",
    "waiting": "Status = 'stalled'",
    "closed": "Status = '__Inactive__'",
}


@dataclass(frozen=True, slots=True)
class TicketSQL:
    """The compiler for one RT profile: which ticket custom fields hold tags and references
    (None: not kept), and whether free text also searches ticket content (slow without
    RT's full-text index)."""

    tags_field: str | None = "Tags"
    reference_field: str | None = "Reference"
    search_content: bool = False

    def compile(self, query: TaskQuery) -> str:
        """The TicketSQL for ``query``, its filter text included; FilterError for bad text."""
        clauses: list[str] = []
        if query.queue:
            clauses.append(queue_clause(query.queue))
        if query.status:
            clauses.append(_status_clause(set(query.status), False))
        if query.owner:
            clauses.append(_owner_clause(query.owner, False))
        for term in parse_filter(query.q).terms:
            clauses.append(self.term(term))
        clauses = [c for c in clauses if c]
        return " AND ".join(f"({c})" for c in clauses) if clauses else "id > 0"

    def term(self, term: Term) -> str:
        """One filter term as a clause ("" when it selects everything)."""
        neg = term.negated
        if term.key == "text":
            return self._text_clause(term.values[0], neg)
        if term.key == "status":
            return _status_clause(set(term.values), neg)
        if term.key == "owner":
            return _join([_owner_clause(v, neg) for v in term.values], "AND" if neg else "OR")
        if term.key == "queue":
            return queue_clause(term.values[0], neg)
        if term.key == "priority":
            return _priority_clause(term, neg)
        if term.key == "tag":
            field = _quote_cf(self.require_tags_field())
            op = "!=" if neg else "="
            return _join([f"{field} {op} {quote(v)}" for v in term.values], "AND" if neg else "OR")
        if term.key == "due":
            return _due_clause(term, neg)
        if term.key == "breached":
            if neg:
                return f"Due > 'now' OR {DUE_UNSET} OR Status = '__Inactive__'"
            return f"Due < 'now' AND {DUE_SET} AND Status = '__Active__'"
        raise InvalidRequestError(f"Request Tracker cannot filter by {term.key}.", status=400)

    def require_tags_field(self) -> str:
        """The tags custom field; InvalidRequestError when this profile keeps no tags."""
        if not self.tags_field:
            raise InvalidRequestError(
                "Request Tracker has no tags here: this profile sets no tags custom field.", status=400
            )
        return self.tags_field

    def _text_clause(self, text: str, neg: bool) -> str:
        columns = ["Subject"]
        if self.reference_field:
            columns.append(_quote_cf(self.reference_field))
        if self.search_content:
            columns.append("Content")
        if neg:
            return _join(
                [f"{c} NOT LIKE {quote(text)}" + (f" OR {c} IS NULL" if c.startswith("CF.") else "") for c in columns],
                "AND",
            )
        return _join([f"{c} LIKE {quote(text)}" for c in columns], "OR")


def quote(value: str) -> str:
    """A TicketSQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def queue_clause(queue: str, neg: bool = False) -> str:
    """Tickets in (or, negated, outside) a queue given by id or name."""
    op = "!=" if neg else "="
    return f"Queue {op} {int(queue)}" if queue.isdigit() else f"Queue {op} {quote(queue)}"


def _quote_cf(name: str) -> str:
    return "CF.{" + name.replace("}", "") + "}"


def _join(clauses: list[str], op: str) -> str:
    return f" {op} ".join(f"({c})" for c in clauses if c)


def _owner_clause(owner: str, neg: bool) -> str:
    op = "!=" if neg else "="
    name = {"me": "__CurrentUser__", "none": "Nobody"}.get(owner, owner)
    return f"Owner {op} {quote(name)}"


def _status_clause(statuses: set[str], neg: bool) -> str:
    wanted = set(_STATUS_SQL) - statuses if neg else statuses & set(_STATUS_SQL)
    if not wanted:
        return NOTHING
    if wanted == set(_STATUS_SQL):
        return ""
    return _join([_STATUS_SQL[s] for s in _STATUS_SQL if s in wanted], "OR")


def _priority_clause(term: Term, neg: bool) -> str:
    ranks: dict[str, int] = {level: i for i, level in enumerate(PRIORITIES)}
    value = ranks[term.values[0]]
    chosen = {
        ">=": {r for r in ranks.values() if r >= value},
        ">": {r for r in ranks.values() if r > value},
        "<=": {r for r in ranks.values() if r <= value},
        "<": {r for r in ranks.values() if r < value},
        "=": {ranks[v] for v in term.values},
    }[term.op]
    if neg:
        chosen = set(ranks.values()) - chosen
    if not chosen:
        return NOTHING
    runs: list[str] = []
    start = None
    for rank in range(len(PRIORITIES) + 1):
        if rank in chosen and start is None:
            start = rank
        elif rank not in chosen and start is not None:
            low = f"Priority >= {PRIORITY_FLOOR[PRIORITIES[start]]}" if start > 0 else ""
            high = f"Priority < {PRIORITY_FLOOR[PRIORITIES[rank]]}" if rank < len(PRIORITIES) else ""
            runs.append(" AND ".join(p for p in (low, high) if p))
            start = None
    return "" if runs == [""] else _join(runs, "OR")


def _due_clause(term: Term, neg: bool) -> str:
    amount, unit = split_duration(term.values[0])
    when = f"'+{amount} {unit}'"
    if term.op in ("<", "<="):  # due within the span from now: not yet late
        return f"Due > {when} OR Due < 'now' OR {DUE_UNSET}" if neg else f"Due < {when} AND Due > 'now' AND {DUE_SET}"
    return f"Due < {when}" if neg else f"Due > {when}"
