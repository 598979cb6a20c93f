"""Redmine's HTTP side: auth, the ETag cache, retries, ``lock_version`` and error mapping.

:class:`RedmineHTTP` is the base of :class:`api_client.redmine.RedmineBackend`; it knows
Redmine's wire habits (empty 401/403/404 bodies, ``422 {"errors": []}`` for a stale
``lock_version``, weak ETags) but nothing of backdesk's model.
"""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict
from typing import Any

import httpx

from .errors import (
    AuthError,
    BackendError,
    BadResponseError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    StaleError,
    UnavailableError,
)
from .http import HTTPAdapter
from .redmine_query import to_params
from .sanitize import clean_line

PAGE = 100  # Redmine's largest limit
ETAG_CACHE = 256
_LOCK_INPUT = re.compile(r'<input[^>]*name="issue\[lock_version\]"[^>]*>')
_VALUE = re.compile(r'value="(\d+)"')


class RedmineHTTP(HTTPAdapter):
    """Requests to one Redmine as one user: an API key (``X-Redmine-API-Key``) or a login and password."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 15.0,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not api_key and not (user and password):
            raise AuthError("Redmine needs an API key (BACKDESK_TOKEN) or a login and password.")
        super().__init__(
            url,
            headers={"X-Redmine-API-Key": api_key} if api_key else None,
            auth=None if api_key else (user or "", password or ""),
            timeout=timeout,
            verify=verify,
            transport=transport,
        )
        self.label = f"Redmine at {self.root}"
        self.who = user or "this API key"
        self._etags: OrderedDict[str, tuple[str, Any]] = OrderedDict()
        self._limit = asyncio.Semaphore(4)

    async def _get(self, path: str, params: Any = None) -> Any:
        """A GET through the ETag cache, retrying a 500 (a busy SQLite) twice."""
        key = str(httpx.URL(path, params=params))
        cached = self._etags.get(key)
        headers = {"If-None-Match": cached[0]} if cached else {}
        for attempt in range(3):
            try:
                response = await self._send("GET", path, params=params, headers=headers)
                break
            except UnavailableError as exc:
                if exc.status != 500 or attempt == 2:
                    raise
                await asyncio.sleep(0.2 * 2**attempt)
        if response.status_code == 304 and cached:
            self._etags.move_to_end(key)
            return cached[1]
        data = self._json(response)
        if etag := response.headers.get("etag"):
            self._etags[key] = (etag, data)
            if len(self._etags) > ETAG_CACHE:
                self._etags.popitem(last=False)
        return data

    async def _put(self, task_id: str, change: dict) -> None:
        response = await self._send("PUT", f"/issues/{issue_number(task_id)}.json", json={"issue": change})
        if response.status_code not in (200, 204):
            raise BadResponseError(f"Redmine answered HTTP {response.status_code} to a change of #{task_id}.")

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async with self._limit:
            return await self._request(method, path, **kwargs)

    def _error(self, response: httpx.Response) -> BackendError:
        status = response.status_code
        if status >= 500:
            return UnavailableError(
                f"Redmine at {self.root} failed on its side (HTTP {status}; a busy database "
                "does this). Try again in a moment.",
                status=status,
            )
        try:
            payload = response.json()
        except ValueError:
            payload = None
        errors = payload.get("errors") if isinstance(payload, dict) else None
        detail = "; ".join(clean_line(e) for e in errors) if isinstance(errors, list) else None
        if status == 401:
            return AuthError(
                f"Redmine at {self.root} did not accept {self.who}'s credentials: check the API key "
                "(BACKDESK_TOKEN) or the login and password, and that the REST API is enabled "
                "(Administration > Settings > API).",
                status=status,
            )
        if status == 403:
            return ForbiddenError(
                "Redmine refused: your role there does not allow this. Ask a Redmine admin.", status=status
            )
        if status == 404:
            return NotFoundError(
                "That issue or project does not exist in Redmine, or you cannot see it.", status=status
            )
        if status == 422 and errors == []:
            return StaleError(
                "Someone else changed this issue since it was read. Press r to reload, then try again.", status=status
            )
        if status == 422:
            return InvalidRequestError(
                f"Redmine rejected the change: {detail or 'no reason given'}.", status=status, detail=detail
            )
        return InvalidRequestError(f"Redmine could not take the request (HTTP {status}).", status=status, detail=detail)

    async def _list(self, filters: dict, offset: int, limit: int, sort: str) -> dict:
        params = to_params(filters) + [("sort", sort), ("offset", str(offset)), ("limit", str(limit))]
        data = await self._get("/issues.json", params)
        if not isinstance(data, dict) or not isinstance(data.get("issues"), list):
            raise BadResponseError("Redmine's issue list has no 'issues' array.")
        return data

    async def _lock_version(self, issue: str) -> int:
        """The issue's lock_version, from its web page's edit form (the JSON never carries it)."""
        response = await self._send("GET", f"/issues/{issue}", headers={"Accept": "text/html"})
        self._client.cookies.clear()  # the page starts a session; the API needs none
        tag = _LOCK_INPUT.search(response.text) if response.status_code == 200 else None
        value = _VALUE.search(tag.group(0)) if tag else None
        if value is None:
            raise ForbiddenError(
                f"Redmine shows you no edit form for #{issue}: your role may not edit this issue. Ask a Redmine admin.",
                status=403,
            )
        return int(value.group(1))


# -- helpers ---------------------------------------------------------------------------------


def list_of(data: Any, key: str) -> list:
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise BadResponseError(f"Redmine's answer has no {key!r} list.")
    return data[key]


def issues_of(data: Any) -> list[dict]:
    return [i for i in list_of(data, "issues") if isinstance(i, dict)]


def issue_number(task_id: str) -> str:
    text = str(task_id).lstrip("#")
    if not text.isdigit():
        raise NotFoundError(f"{task_id!r} is not a Redmine issue number.", status=404)
    return text
