"""backdesk's filter language, shared by the TUI, the reference server and the adapters.

A filter is free text plus tokens, all of which must match::

    refund status:open,waiting owner:none priority:>=high queue:"Returns & Refunds"
    tag:vip due:<2h breached -owner:me "exact phrase"

``-`` before a token negates it. Each backend turns a parsed :class:`Filter` into its own
query (SQL for the reference server, TicketSQL for Request Tracker).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .errors import InvalidRequestError
from .models import PRIORITIES, STATUSES, Task

KEYS = ("status", "owner", "priority", "queue", "tag", "due")
FLAGS = ("breached",)
_COMPARISONS = (">=", "<=", ">", "<", "=")
_TOKEN = re.compile(r'(-?)(?:([A-Za-z_]+):)?("(?:[^"]*)"?|\S+)')
_DURATION = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
}


class FilterError(InvalidRequestError):
    """A filter token is wrong; ``token`` is the offending text as typed."""

    def __init__(self, token: str, reason: str) -> None:
        super().__init__(f"Filter token {token!r}: {reason}", status=400)
        self.token = token
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Term:
    """One condition. ``key`` is ``text``, ``breached`` or one of :data:`KEYS`.

    ``values`` are alternatives (``status:open,waiting``); ``op`` is a comparison for
    ``priority`` and ``due`` and ``=`` otherwise.
    """

    key: str
    values: tuple[str, ...] = ()
    op: str = "="
    negated: bool = False

    def to_text(self) -> str:
        sign = "-" if self.negated else ""
        if self.key == "breached":
            return f"{sign}breached"
        joined = ",".join(self.values)
        if self.key == "text":
            return f'{sign}"{joined}"' if " " in joined else f"{sign}{joined}"
        if " " in joined:
            joined = f'"{joined}"'
        op = "" if self.op == "=" else self.op
        return f"{sign}{self.key}:{op}{joined}"

    @property
    def duration(self) -> timedelta:
        """For ``due`` terms, the span the value names."""
        return parse_duration(self.values[0])


@dataclass(frozen=True, slots=True)
class Filter:
    terms: tuple[Term, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.terms)

    def to_text(self) -> str:
        return " ".join(term.to_text() for term in self.terms)

    def has(self, key: str) -> bool:
        return any(term.key == key for term in self.terms)


def split_duration(text: str) -> tuple[int, str]:
    """A duration such as ``2h`` as its amount and unit name: ``(2, "hours")``; ValueError
    when it is not one."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    return int(match[1]), _UNITS[match[2]]


def parse_duration(text: str) -> timedelta:
    """A duration such as ``2h`` as a timedelta; ValueError when it is not one."""
    amount, unit = split_duration(text)
    return timedelta(**{unit: amount})


def parse_filter(text: str) -> Filter:
    """Parse filter text, raising :class:`FilterError` that names the first bad token."""
    terms = []
    for match in _TOKEN.finditer(text):
        terms.append(_term(match[0], match[1] == "-", (match[2] or "").lower(), match[3]))
    return Filter(tuple(terms))


def _unquote(value: str) -> str:
    return value[1:].rstrip('"') if value.startswith('"') else value


def _term(token: str, negated: bool, key: str, raw: str) -> Term:
    if raw.startswith('"') and (len(raw) == 1 or not raw.endswith('"')):
        raise FilterError(token, 'the quote is not closed; end the phrase with "')
    if not key and raw.endswith(":") and raw[:-1].lower() in KEYS:
        raise FilterError(token, f"{raw[:-1].lower()}: needs a value")
    value = _unquote(raw)
    if not key:
        if raw.lower() in FLAGS and not raw.startswith('"'):
            return Term(raw.lower(), negated=negated)
        if not value:
            raise FilterError(token, "nothing to search for")
        return Term("text", (value,), negated=negated)
    if key not in KEYS:
        known = ", ".join(f"{k}:" for k in KEYS)
        raise FilterError(token, f"unknown filter {key}:; use {known} or breached")
    op = "="
    if key in ("priority", "due"):
        op = next((c for c in _COMPARISONS if value.startswith(c)), "=")
        value = value[len(op) :] if value.startswith(op) else value
    values = tuple(v.strip() for v in value.split(",") if v.strip()) if key != "queue" else (value.strip(),)
    if not values or not values[0]:
        raise FilterError(token, f"{key}: needs a value")
    if key == "status":
        _check(token, values, STATUSES, "status")
        values = tuple(v.lower() for v in values)
    elif key == "priority":
        values = tuple(v.lower() for v in values)
        _check(token, values, PRIORITIES, "priority")
        if op != "=" and len(values) > 1:
            raise FilterError(token, "compare with one priority, e.g. priority:>=high")
    elif key == "due":
        if op not in ("<", ">", "<=", ">="):
            raise FilterError(token, "say due:<2h (due within) or due:>1d (due later than)")
        try:
            parse_duration(values[0])
        except ValueError as exc:
            raise FilterError(token, "durations look like 30m, 2h, 1d or 1w") from exc
    elif key == "owner":
        values = tuple(v if v.lower() not in ("me", "none") else v.lower() for v in values)
    return Term(key, values, op, negated)


def _check(token: str, values: tuple[str, ...], allowed: tuple[str, ...], what: str) -> None:
    for value in values:
        if value.lower() not in allowed:
            raise FilterError(token, f"{value!r} is not a {what}; use {'|'.join(allowed)}")


def matches(flt: Filter, task: Task, *, me_id: str | None, queue_names: dict[str, str], now: datetime) -> bool | None:
    """Whether ``task`` matches every term of ``flt``, as the reference server decides it; None
    when a term cannot be judged here (free text: each backend searches text its own way).
    ``queue_names`` maps queue ids to names (``queue:`` takes either)."""
    verdicts = [_term_matches(term, task, me_id, queue_names, now) for term in flt.terms]
    if any(v is False for v in verdicts):
        return False
    return None if any(v is None for v in verdicts) else True


def _term_matches(term: Term, task: Task, me_id: str | None, queue_names: dict[str, str], now: datetime) -> bool | None:
    values, due = term.values, task.due_at
    if term.key == "text":
        return None
    if term.key == "breached":
        found = task.is_breached(now)
    elif term.key == "status":
        found = task.status in values
    elif term.key == "owner":
        owner = task.owner.id if task.owner else None
        found = any(
            owner is None if v == "none" else owner is not None and owner == (me_id if v == "me" else v) for v in values
        )
    elif term.key == "priority":
        rank, ranks = PRIORITIES.index(task.priority), [PRIORITIES.index(v) for v in values]
        found = rank in ranks if term.op == "=" else _COMPARE[term.op](rank, ranks[0])
    elif term.key == "queue":
        wanted = values[0].casefold()
        found = task.queue.casefold() == wanted or queue_names.get(task.queue, "").casefold() == wanted
    elif term.key == "tag":
        found = bool({t.lower() for t in task.tags} & {v.lower() for v in values})
    elif term.op in ("<", "<="):  # due within: not yet late, and before the span ends
        found = due is not None and now <= due and _COMPARE[term.op](due, now + term.duration)
    else:
        found = due is not None and _COMPARE[term.op](due, now + term.duration)
    return found != term.negated
