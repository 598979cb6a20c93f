"""What every HTTP adapter shares: one pooled client, one request door, error mapping.

All of an adapter's requests go through :meth:`HTTPAdapter._request`, so transport faults
become :mod:`api_client.errors` in one place (and a write-ahead outbox can wrap one method).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import httpx

from .errors import BackendError, BackendTimeout, BadResponseError, UnavailableError


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 (or RT-style ``YYYY-MM-DD HH:MM:SS``) string as an aware UTC datetime."""
    if not value:
        return None
    if not isinstance(value, str):
        raise BadResponseError(f"Expected a timestamp, got {value!r}.")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadResponseError(f"Could not read the timestamp {value!r}.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def format_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class HTTPAdapter:
    """Base of the HTTP backends: owns the ``httpx.AsyncClient`` and maps transport errors."""

    #: Path appended to the root URL the operator gives.
    api_prefix = ""

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
            verify=verify,
            transport=transport,
            limits=httpx.Limits(max_connections=10, max_keepalive_connections=5),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send one request; raise UnavailableError/BackendTimeout for transport faults."""
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise BackendTimeout(
                f"{self.root} did not answer in time. Check the connection and press r to retry."
            ) from None
        except httpx.HTTPError as exc:
            raise UnavailableError(
                f"Cannot reach {self.root} ({type(exc).__name__}). "
                "Check the URL and that the server is running, then press r to retry."
            ) from None
        if response.status_code >= 400:
            raise self._error(response)
        return response

    def _error(self, response: httpx.Response) -> BackendError:
        """Turn an HTTP error response into a BackendError; adapters refine this."""
        if response.status_code >= 500:
            return UnavailableError(
                f"{self.root} failed on its side (HTTP {response.status_code}). Try again shortly.",
                status=response.status_code,
            )
        return BackendError(f"The server refused the request (HTTP {response.status_code}).",
                            status=response.status_code)

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            kind = response.headers.get("content-type", "no content type").split(";")[0]
            raise BadResponseError(
                f"{self.root} answered with {kind}, not JSON (HTTP {response.status_code}): "
                "check that the URL is the backend's root and that the backend kind is right."
            ) from None
