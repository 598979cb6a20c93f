"""Request field checks: each returns the clean value or raises a 400 ``invalid-request`` problem."""

from __future__ import annotations

from typing import Any

from .problems import Problem
from .times import parse_iso

#: The longest value each text field takes, in characters.
MAX_LENGTH = {"q": 200, "title": 500, "reference": 200, "queue": 64, "body": 100_000, "note": 100_000, "tag": 64}
MAX_TAGS = 50
#: What JSON Schema's (ECMA-262's) ``\s`` matches: the spec's "not blank" (pattern ``\S``) means the same here.
WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def trim(value: str) -> str:
    return value.strip(WHITESPACE)


def string(
    data: dict[str, Any], name: str, *, required: bool = False, empty: bool = True, nullable: bool = False
) -> str | None:
    """A string field (None when absent, or null where ``nullable``); ``empty=False`` refuses blank text."""
    if name not in data:
        if required:
            raise Problem("invalid-request", f"'{name}' is required.")
        return None
    value = data[name]
    if value is None and nullable and not required:
        return None
    if not isinstance(value, str):
        raise Problem("invalid-request", f"'{name}' must be a string.")
    text(value, name)
    if not empty and not trim(value):
        raise Problem("invalid-request", f"'{name}' must not be empty.")
    return value


def text(value: str, name: str) -> str:
    """Refuse text that is too long or cannot be stored (lone surrogates)."""
    limit = MAX_LENGTH.get(name, 100_000)
    if len(value) > limit:
        raise Problem("invalid-request", f"'{name}' is longer than {limit} characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Problem("invalid-request", f"'{name}' is not valid Unicode text.") from None
    return value


def choice(data: dict[str, Any], name: str, allowed: tuple[str, ...], *, required: bool = False) -> str | None:
    value = string(data, name, required=required)
    if value is not None and value not in allowed:
        raise Problem("invalid-request", f"'{name}' must be one of {', '.join(allowed)}, not {value!r}.")
    return value


def moment(data: dict[str, Any], name: str) -> str | None:
    """An RFC 3339 time (or null), normalised to UTC with a Z suffix."""
    value = string(data, name, nullable=True)
    if value is None:
        return None
    try:
        return parse_iso(value)
    except ValueError:
        raise Problem(
            "invalid-request",
            f"'{name}' must be an RFC 3339 time from year 0001 to 9999, such as 2026-11-26T10:00:00Z.",
        ) from None


def tags(data: dict[str, Any]) -> list[str]:
    if "tags" not in data:
        return []
    value = data["tags"]
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise Problem("invalid-request", "'tags' must be a list of strings.")
    if len(value) > MAX_TAGS:
        raise Problem("invalid-request", f"A task takes at most {MAX_TAGS} tags.")
    return list(dict.fromkeys(trim(text(tag, "tag")) for tag in value if trim(tag)))


def flag(data: dict[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise Problem("invalid-request", f"'{name}' must be true or false.")
    return value


def unknown(data: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise Problem("invalid-request", f"Unknown field(s): {', '.join(extra)}.")


def whole_number(value: str, what: str, low: int, high: int) -> int:
    """A decimal ``value`` from ``low`` to ``high``."""
    if not (value.isascii() and value.isdigit() and len(value) <= len(str(high)) and low <= int(value) <= high):
        raise Problem("invalid-request", f"{what} must be a whole number from {low} to {high}, not {value!r}.")
    return int(value)
