"""backdesk's filter language as Redmine issue-list filters, checked before anything is sent.

Redmine ANDs one condition per field and answers ``200`` with no issues for values it
cannot use, so every token is checked and folded here: several tokens on one field become
one condition (their intersection), and what Redmine cannot express (``-due:``,
``-breached``, ``owner:none,ana``) is refused with a sentence that says so. Free text is
resolved by the adapter (see :class:`Plan`), since it also matches the reference field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from .errors import InvalidRequestError
from .filters import Term, parse_duration, parse_filter
from .models import PRIORITIES, STATUSES, TaskQuery
from .redmine_decode import Catalog, last_day_before

SORT_COLUMNS = {"priority": "priority", "due_at": "due_date", "created_at": "created_on", "updated_at": "updated_on"}
#: Redmine's search tokenizer keeps at most this many words and drops one-letter words.
MAX_WORDS = 5


@dataclass
class Plan:
    """Conditions for one list: ``filters`` maps a Redmine field to (operator, values)."""

    filters: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    #: Free-text words to match (title or reference) and to exclude.
    words: list[str] = field(default_factory=list)
    not_words: list[str] = field(default_factory=list)
    #: True when the conditions can match nothing (no request is needed).
    empty: bool = False


def refuse(token: str, why: str) -> InvalidRequestError:
    return InvalidRequestError(f"Redmine cannot filter by {token!r}: {why}", status=400)


def plan(
    query: TaskQuery,
    catalog: Catalog,
    *,
    projects: Callable[[str], int],
    people: Callable[[str], str],
    allowed_projects: list[int] | None,
    tracker: int | None,
    now: datetime,
) -> Plan:
    """The conditions for ``query``. ``projects`` and ``people`` resolve names to Redmine ids
    (``people`` gives ``me`` back as is) and raise InvalidRequestError for unknown ones."""
    terms = parse_filter(query.q).terms
    result = Plan()
    statuses = set(query.status or STATUSES)
    levels = set(PRIORITIES)
    wanted_projects = {projects(query.queue)} if query.queue else None
    excluded_projects: set[int] = set()
    owners = _Owners()
    if query.owner:
        owners.add(Term("owner", (query.owner,)), people)
    latest: date | None = None
    earliest: date | None = None
    tags: tuple[str, list[str]] | None = None
    for term in terms:
        text = term.to_text()
        if term.key == "text":
            word = term.values[0].strip()
            if len(word) < 2 or '"' in word:
                raise refuse(text, "Redmine searches words of two or more letters, without quotes inside.")
            (result.not_words if term.negated else result.words).append(word)
        elif term.key == "status":
            chosen = set(term.values)
            statuses &= set(STATUSES) - chosen if term.negated else chosen
        elif term.key == "priority":
            chosen = _levels(term)
            levels &= set(PRIORITIES) - chosen if term.negated else chosen
        elif term.key == "queue":
            project = projects(term.values[0])
            if term.negated:
                excluded_projects.add(project)
            else:
                wanted_projects = {project} & wanted_projects if wanted_projects is not None else {project}
        elif term.key == "owner":
            owners.add(term, people)
        elif term.key == "tag":
            if tags is not None:
                raise refuse(text, "Redmine takes one tag condition per list; use tag:a,b for either tag.")
            tags = ("!" if term.negated else "=", list(term.values))
        elif term.key in ("due", "breached"):
            if term.negated:
                raise refuse(text, "Redmine cannot include tasks without a due date here; use due:> or due:< instead.")
            if term.key == "breached":
                statuses &= {"open", "waiting"}
                latest = _min(latest, last_day_before(now))
            elif term.op in ("<", "<="):  # due within the span and not yet late
                latest = _min(latest, last_day_before(now + parse_duration(term.values[0])))
                earliest = _max(earliest, now.date())
            else:
                earliest = _max(earliest, (now + parse_duration(term.values[0])).date())
    if len(result.words) > MAX_WORDS or len(result.not_words) > MAX_WORDS:
        raise InvalidRequestError(f"Redmine matches at most {MAX_WORDS} words at a time; leave some out.", status=400)

    filters = result.filters
    if statuses != set(STATUSES):
        filters["status_id"] = ("=", [str(i) for i in catalog.status_ids(statuses)])
    else:
        filters["status_id"] = ("*", [""])
    if levels != set(PRIORITIES):
        filters["priority_id"] = ("=", [str(i) for i in catalog.level_ids(levels)])
    base = set(allowed_projects) if allowed_projects is not None else None
    if wanted_projects is not None:
        base = wanted_projects & base if base is not None else wanted_projects
    if base is not None:
        filters["project_id"] = ("=", [str(i) for i in sorted(base - excluded_projects)])
    elif excluded_projects:
        filters["project_id"] = ("!", [str(i) for i in sorted(excluded_projects)])
    if tracker is not None:
        filters["tracker_id"] = ("=", [str(tracker)])
    owner = owners.condition()
    if owner:
        filters["assigned_to_id"] = owner
    if tags:
        tags_id = catalog.field_id(catalog.options.tags_field)
        if tags_id is None:
            raise InvalidRequestError("This Redmine profile has no tags: set tags_field in its options.", status=400)
        filters[f"cf_{tags_id}"] = tags
    if earliest and latest:
        filters["due_date"] = ("><", [earliest.isoformat(), latest.isoformat()])
        result.empty = earliest > latest
    elif latest or earliest:
        filters["due_date"] = ("<=" if latest else ">=", [(latest or earliest).isoformat()])  # type: ignore[union-attr]
    result.empty = (
        result.empty
        or owners.empty
        or any(op in ("=", "><") and not [v for v in values if v] for op, values in filters.values())
    )
    return result


def to_params(filters: dict[str, tuple[str, list[str]]]) -> list[tuple[str, str]]:
    """Redmine's long filter form (``f[]``, ``op[field]``, ``v[field][]``), never its short one,
    whose operator prefixes would read a title starting with ``!`` or ``~`` as an operator."""
    params: list[tuple[str, str]] = [("set_filter", "1")]
    for name, (op, values) in filters.items():
        params += [("f[]", name), (f"op[{name}]", op)] + [(f"v[{name}][]", v) for v in values]
    return params


def words(items: list[str]) -> str:
    """Words for Redmine's contains operators: each quoted (so a phrase stays whole), two spaces apart."""
    return "  ".join(f'"{w}"' for w in items)


def sort_param(query: TaskQuery) -> str:
    """Redmine's sort (three keys at most): the field, a tie-break, then the id, so the order
    is total; a reversed query flips every key, which is its exact reverse (SQL orders NULL
    the same way from both ends)."""

    def key(column: str, descending: bool) -> str:
        return f"{column}:desc" if descending != query.reverse else column

    column = SORT_COLUMNS[query.sort.field]
    tie = key("priority", True) if column == "due_date" else key("due_date", False)
    return f"{key(column, query.sort.descending)},{tie},{key('id', False)}"


def _levels(term: Term) -> set[str]:
    ranks: dict[str, int] = {level: i for i, level in enumerate(PRIORITIES)}
    if term.op == "=":
        return set(term.values)
    pivot = ranks[term.values[0]]
    test = {">=": pivot.__le__, ">": pivot.__lt__, "<=": pivot.__ge__, "<": pivot.__gt__}[term.op]
    return {level for level, rank in ranks.items() if test(rank)}


def _min(current: date | None, day: date) -> date:
    return day if current is None else min(current, day)


def _max(current: date | None, day: date) -> date:
    return day if current is None else max(current, day)


class _Owners:
    """Owner tokens folded into one ``assigned_to_id`` condition."""

    def __init__(self) -> None:
        self.allowed: set[str] | None = None
        self.excluded: set[str] = set()
        self.text = ""

    def add(self, term: Term, people: Callable[[str], str]) -> None:
        values = {v if v in ("me", "none") else people(v) for v in term.values}
        self.text = self.text or term.to_text()
        if term.negated:
            self.excluded |= values
        else:
            self.allowed = values if self.allowed is None else self.allowed & values

    @property
    def empty(self) -> bool:
        return self.allowed is not None and not (self.allowed - self.excluded)

    def condition(self) -> tuple[str, list[str]] | None:
        if self.allowed is None:
            if not self.excluded:
                return None
            if self.excluded == {"none"}:
                return "*", [""]
            if "none" in self.excluded:
                raise refuse(self.text, "Redmine cannot exclude unowned tasks and someone's at once.")
            return "!", sorted(self.excluded)
        allowed = self.allowed - self.excluded
        if allowed == {"none"}:
            return "!*", [""]
        if "none" in allowed:
            raise refuse(
                self.text,
                "Redmine cannot list unowned tasks together with someone's; filter by owner:none or by the operators.",
            )
        return ("=", sorted(allowed)) if allowed else None
