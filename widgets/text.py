"""Showing server text safely: literally, with no markup and no terminal escapes."""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from rich.text import Text

from backdesk.api_client import models
from backdesk.api_client.sanitize import clean


def literal(value: object, style: str = "") -> Text:
    """A Rich Text that shows ``value`` exactly as written (square brackets included)."""
    return Text(clean(value), style=style)


def one_line(value: object) -> str:
    """``value`` cleaned and folded onto one line, for table cells and titles."""
    return " ".join(clean(value).split())


def relative(when: datetime, now: datetime | None = None) -> str:
    """A short relative time: ``in 45m``, ``3h ago``, ``2d ago``."""
    now = now or models.utcnow()
    seconds = int((when - now).total_seconds())
    span = abs(seconds)
    if span < 60:
        return "now"
    unit, size = next((u, s) for u, s in (("d", 86400), ("h", 3600), ("m", 60)) if span >= s)
    amount = f"{span // size}{unit}"
    return f"in {amount}" if seconds > 0 else f"{amount} ago"


def changed_span(old: str, new: str) -> tuple[int, int] | None:
    """The cells where one line of text changed: from the first that differs to past the last
    (to the end of the longer when the length changed, since the rest moved); None if alike."""
    if old == new:
        return None
    start = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new)))
    if len(old) != len(new):
        return cell_len(new[:start]), max(cell_len(old), cell_len(new))
    back = next(i for i, (a, b) in enumerate(zip(old[::-1], new[::-1], strict=True)) if a != b)
    return cell_len(new[:start]), cell_len(new[: len(new) - back])
