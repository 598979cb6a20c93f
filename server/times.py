"""Wire times: RFC 3339 UTC strings with a ``Z`` suffix, seconds precision."""

from __future__ import annotations

from datetime import datetime, timezone

from backdesk.api_client import models

FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def now() -> datetime:
    """The current UTC time, truncated to seconds (from ``models.utcnow``, the one clock)."""
    return models.utcnow().replace(microsecond=0)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(FORMAT)


def parse_iso(text: str) -> str:
    """Normalise an RFC 3339 time to the wire form; ``ValueError`` if it is not one."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no timezone")
    return iso(moment)
