"""Wire times: RFC 3339 UTC strings with a ``Z`` suffix, seconds precision, four-digit years."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from backdesk.api_client import models

_RFC3339 = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})", re.ASCII)


def now() -> datetime:
    """The current UTC time, truncated to seconds (from ``models.utcnow``, the one clock)."""
    return models.utcnow().replace(microsecond=0)


def iso(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"


def parse_iso(text: str) -> str:
    """Normalise an RFC 3339 time to the wire form; ``ValueError`` if it is not one or leaves years 1-9999."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not an RFC 3339 time")
    day, clock, fraction, offset = match.groups()
    fraction = f".{fraction[:6]}" if fraction else ""
    offset = "+00:00" if offset in ("Z", "z") else offset
    try:
        return iso(datetime.fromisoformat(f"{day}T{clock}{fraction}{offset}"))
    except OverflowError:
        raise ValueError(f"{text!r} is outside years 1-9999 in UTC") from None
