"""What every HTTP adapter shares: one pooled client, one request door, error mapping, and the
small wire helpers both adapters need (times, list answers, If-Match).

All of an adapter's requests go through :meth:`HTTPAdapter._request`, so transport faults
become :mod:`api_client.errors` in one place (and a write-ahead outbox can wrap one method).
Every error raised here chains its cause (``raise ... from exc``) and is written to the
``backdesk.api_client`` debug logger; request headers (Authorization) are never logged.
"""

from __future__ import annotations

import json
import logging
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from .errors import BackendError, BackendTimeout, BadResponseError, UnavailableError
from .models import Link, Task, TaskPage, UnreadableTask
from .sanitize import clean_line

log = logging.getLogger("backdesk.api_client")

#: How much of an error response's body the debug log keeps.
_LOGGED_BODY = 500


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 (or RT-style ``YYYY-MM-DD HH:MM:SS``) string as an aware UTC datetime."""
    if not value:
        return None
    if not isinstance(value, str):
        raise BadResponseError(f"Expected a timestamp, got {value!r}.")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        log.debug("unreadable timestamp %r", value, exc_info=exc)
        raise BadResponseError(f"Could not read the timestamp {value!r}.") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_time(value: datetime) -> str:
    """``value`` as RFC 3339 UTC with a ``Z`` suffix, to the second."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def json_items(data: Any, server: str) -> list[Any]:
    """The ``items`` array of a list answer; ``server`` names the sender in the error."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise BadResponseError(f"{server}'s list response has no 'items' array.")
    return data["items"]


def task_page(
    records: list[Any], decode: Callable[[Any], Task], *, total: int | None, next_cursor: str | None
) -> TaskPage:
    """A page of tasks decoded one record at a time: a record that does not decode is
    logged and listed in ``unreadable`` instead of failing the page."""
    items: list[Task] = []
    unreadable: list[UnreadableTask] = []
    for record in records:
        try:
            items.append(decode(record))
        except BadResponseError as exc:
            record_id = record.get("id") if isinstance(record, dict) else None
            log.debug("unreadable task record %r", record, exc_info=exc)
            unreadable.append(
                UnreadableTask(clean_line(record_id) if isinstance(record_id, (str, int)) else None, str(exc))
            )
    return TaskPage(items=tuple(items), total=total, next_cursor=next_cursor, unreadable=tuple(unreadable))


def retry_after(response: httpx.Response) -> float | None:
    """The seconds a ``Retry-After`` header asks for (a number; dates are not used here)."""
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


def segment(value: str) -> str:
    """``value`` as one URL path segment: ``/``, ``?``, ``#`` and ``%`` escaped, and a bare ``.``
    or ``..`` too, so an id from a server can never change which path is requested."""
    quoted = quote(value, safe="")
    return quoted.replace(".", "%2E") if quoted in (".", "..") else quoted


def if_match(version: str | None) -> dict[str, str]:
    """The ``If-Match`` header for a version or ETag (none without one)."""
    return {"If-Match": f'"{version}"'} if version else {}


def redacted(url: httpx.URL) -> str:
    """``url`` without user name and password, for logs."""
    return str(url.copy_with(username=None, password=None)) if url.userinfo else str(url)


#: Seconds after which an answer counts as slow: the link shows as degraded.
SLOW_ANSWER = 2.0


def _no_tls_needed() -> ssl.SSLContext:
    """The TLS settings for a plain-HTTP backend, whose requests (relative to its root, never
    following redirects) never use TLS: a context that trusts no certificate, so TLS would fail
    rather than go unverified. httpx's default loads the whole certificate store up front, about
    20 ms of every start-up here, for nothing."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies certificates and host names


class HTTPAdapter:
    """Base of the HTTP backends: owns the ``httpx.AsyncClient`` and maps transport errors."""

    #: Path appended to the root URL the operator gives.
    api_prefix = ""
    #: See :attr:`Backend.read_ahead`.
    read_ahead = True

    def __init__(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        timeout: float = 10.0,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.root = url.rstrip("/")
        if self.api_prefix and self.root.endswith(self.api_prefix):
            self.root = self.root[: -len(self.api_prefix)]
        self._client = httpx.AsyncClient(
            base_url=self.root + self.api_prefix,
            headers={"Accept": "application/json", "User-Agent": "backdesk", **(headers or {})},
            auth=auth,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            verify=_no_tls_needed() if verify is True and self.root.startswith("http://") else verify,
            transport=transport,
            limits=httpx.Limits(max_connections=10, max_keepalive_connections=5),
        )

        #: How the link to the backend looks from the last answer (see :data:`models.Link`).
        self.link: Link = "online"

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send one request; raise UnavailableError/BackendTimeout for transport faults and
        the adapter's :meth:`_error` for an HTTP error status."""
        began = time.monotonic()
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            self.link = "offline"
            log.debug("%s %s timed out", method, path, exc_info=exc)
            raise BackendTimeout(
                f"{self.root} did not answer in time. Check the connection and press r to retry."
            ) from exc
        except httpx.HTTPError as exc:
            self.link = "offline"
            log.debug("%s %s failed", method, path, exc_info=exc)
            raise UnavailableError(
                f"Cannot reach {self.root} ({type(exc).__name__}). "
                "Check the URL and that the server is running, then press r to retry."
            ) from exc
        slow = time.monotonic() - began > SLOW_ANSWER
        self.link = "degraded" if response.status_code >= 500 or slow else "online"
        if response.status_code >= 400:
            error = self._error(response)
            log.debug(
                "%s %s answered HTTP %d (%s): %r",
                method,
                redacted(response.request.url),
                response.status_code,
                type(error).__name__,
                response.text[:_LOGGED_BODY],
            )
            raise error
        return response

    def _error(self, response: httpx.Response) -> BackendError:
        """Turn an HTTP error response into a BackendError; adapters refine this."""
        if response.status_code >= 500 or response.status_code == 429:
            return UnavailableError(
                f"{self.root} failed on its side (HTTP {response.status_code}). Try again shortly.",
                status=response.status_code,
                retry_after=retry_after(response),
            )
        return BackendError(
            f"The server refused the request (HTTP {response.status_code}).", status=response.status_code
        )

    def _json(self, response: httpx.Response) -> Any:
        """The response body as JSON; BadResponseError (naming the content type) otherwise."""
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            kind = clean_line(response.headers.get("content-type", "no content type").split(";")[0])
            log.debug(
                "%s %s answered %s, not JSON: %r",
                response.request.method,
                redacted(response.request.url),
                kind,
                response.text[:_LOGGED_BODY],
                exc_info=exc,
            )
            raise BadResponseError(
                f"{self.root} answered with {kind}, not JSON (HTTP {response.status_code}): "
                "check that the URL is the backend's root and that the backend kind is right."
            ) from exc
