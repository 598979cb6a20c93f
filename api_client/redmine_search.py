"""Listing issues: backdesk's filters as Redmine queries (:mod:`api_client.redmine_query`),
free text over titles and the reference field, and the queues' counts.
"""

from __future__ import annotations

import asyncio

from .errors import InvalidRequestError
from .filters import parse_filter
from .models import QueueCounts, TaskQuery, utcnow
from .redmine_decode import last_day_before, number
from .redmine_http import PAGE, issues_of
from .redmine_query import Plan, plan, words
from .redmine_session import RedmineSession


class RedmineSearch(RedmineSession):
    """The list side of the Redmine adapter."""

    async def _plan(self, query: TaskQuery) -> Plan:
        projects = await self._visible_projects()
        allowed = [number(p.get("id")) for p in projects] if self.options.projects else None
        if self.options.tags_field and self.catalog.field_id(self.options.tags_field) is None and "tag:" in query.q:
            await self._fields(0, tags=True)
        owners = {v for t in parse_filter(query.q).terms if t.key == "owner" for v in t.values}
        owners |= {query.owner} if query.owner else set()
        known = {p.id for p in self._people.values()}
        if any(not (o in ("me", "none") or o.isdigit() or o in known) for o in owners):
            await self._know_members()
        found = plan(
            query,
            self.catalog,
            projects=self._project_id,
            people=self._login_number,
            allowed_projects=allowed,
            tracker=self._tracker,
            now=utcnow(),
        )
        if not found.empty and (found.words or found.not_words):
            await self._text(found)
        return found

    async def _text(self, found: Plan) -> None:
        """Free text matches the title or the reference field (or ``#N``, the issue number).

        Redmine cannot OR two fields, so a word that also occurs in references becomes a list
        of issue ids (its matches in both, up to 100 each); otherwise it is a title condition.
        Words to exclude are excluded from titles, and issues whose reference has them are
        taken out of that list (Redmine's "doesn't contain" skips issues with no reference).
        """
        reference = self.catalog.field_id(self.options.reference_field) if self.options.reference_field else None
        if self.options.reference_field and reference is None:
            await self._fields(0, reference=True)
            reference = self.catalog.field_id(self.options.reference_field)
        filters = found.filters
        ids: set[int] | None = None
        titles: list[str] = []
        for word in found.words:
            matches = {int(word[1:])} if word.startswith("#") and word[1:].isdigit() else set()
            if reference is not None:
                matches |= await self._ids(filters, f"cf_{reference}", word)
            if not matches and not found.not_words:
                titles.append(word)
                continue
            matches |= await self._ids(filters, "subject", word)
            ids = matches if ids is None else ids & matches
        if titles:
            filters["subject"] = ("~", [words(titles)])
        for word in found.not_words if reference is not None else []:
            excluded = await self._ids(filters, f"cf_{reference}", word)
            if excluded and ids is None:
                raise InvalidRequestError(
                    f"Redmine cannot leave out {word!r} here, as references contain it; add a word to search for.",
                    status=400,
                )
            ids = ids - excluded if ids is not None else None
        if found.not_words:
            filters["subject"] = ("!~", [words(found.not_words)])
        if ids is not None:
            filters["issue_id"] = ("=", [",".join(str(i) for i in sorted(ids))])
            found.empty = not ids

    async def _ids(self, filters: dict, name: str, word: str) -> set[int]:
        data = await self._list({**filters, name: ("~", [words([word])])}, 0, PAGE, "id")
        if int(data.get("total_count") or 0) > PAGE:
            raise InvalidRequestError(
                f"{word!r} matches more than {PAGE} tasks and references too; "
                "add a word or a filter to narrow it down.",
                status=400,
            )
        return {number(i.get("id")) for i in issues_of(data)}

    def _login_number(self, login: str) -> str:
        if login.isdigit():
            return login
        for user_id, person in self._people.items():
            if person.id == login:
                return str(user_id)
        raise InvalidRequestError(
            f"No member of these Redmine projects has the login {login!r}; use a login, a user number or me.",
            status=400,
        )

    async def _counts(self, project: int) -> QueueCounts:
        base = {"project_id": ("=", [str(project)]), "status_id": ("o", [""])}
        if self._tracker is not None:
            base["tracker_id"] = ("=", [str(self._tracker)])
        yesterday = last_day_before(utcnow())
        variants = [
            {},
            {"assigned_to_id": ("!*", [""])},
            {"assigned_to_id": ("=", ["me"])},
            {"due_date": ("<=", [yesterday.isoformat()])},
        ]
        totals = await asyncio.gather(*(self._list(base | v, 0, 1, "id") for v in variants))
        open_, unclaimed, mine, breached = (int(t.get("total_count") or 0) for t in totals)
        return QueueCounts(open=open_, unclaimed=unclaimed, mine=mine, breached=breached)


def read_cursor(cursor: str | None, split: bool, first: str = "d") -> tuple[str, int]:
    text = cursor or (f"{first}0" if split else "0")
    phase = text[0] if split and text[:1] in ("d", "u") else ""
    rest = text[len(phase) :]
    if not rest.isdigit() or (split and not phase):
        raise InvalidRequestError("That page cursor is not from this Redmine list; reload the list.", status=400)
    return phase, int(rest)
