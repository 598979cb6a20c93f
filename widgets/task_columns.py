"""The task table's columns: what each shows, how wide it likes to be, which go first, and
how a line of cells is drawn."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from backdesk.api_client import Task

from .palette import PRIORITY_LOOK, Palette
from .text import one_line, relative


@dataclass(frozen=True)
class Column:
    label: str
    #: Preferred width; None for the title, which takes what the others leave.
    width: int | None
    render: Callable[[Task, RowContext], Text]


@dataclass(frozen=True)
class RowContext:
    me_id: str | None
    now: datetime
    palette: Palette


def priority_cell(task: Task, ctx: RowContext) -> Text:
    label, role = PRIORITY_LOOK.get(task.priority, (one_line(task.priority), ""))
    return Text(label, style=ctx.palette.style(role))


def due_cell(task: Task, ctx: RowContext) -> Text:
    if task.due_at is None or task.is_closed:
        return Text("—", style=ctx.palette.muted)
    if task.is_breached(ctx.now):
        return Text(f"⚠ {relative(task.due_at, ctx.now).removesuffix(' ago')} late", style=ctx.palette.late)
    style = ctx.palette.soon if task.due_at - ctx.now < timedelta(hours=1) else ""
    return Text(relative(task.due_at, ctx.now), style=style)


def owner_cell(task: Task, ctx: RowContext) -> Text:
    if task.owner is None:
        return Text("—", style=ctx.palette.muted)
    if task.owner.id == ctx.me_id:
        return Text("● me", style=ctx.palette.mine)
    return Text(one_line(task.owner.name))


COLUMNS: dict[str, Column] = {
    "id": Column("#", 6, lambda t, _: Text(one_line(t.id), style="dim")),
    "priority": Column("Pri", 6, priority_cell),
    "title": Column("Title", None, lambda t, _: Text(one_line(t.title))),
    "status": Column("Status", 8, lambda t, _: Text(one_line(t.status_label), style="dim" if t.is_closed else "")),
    "owner": Column("Owner", 14, owner_cell),
    "due": Column("SLA due", 11, due_cell),
    "reference": Column("Ref", 12, lambda t, _: Text(one_line(t.reference or ""))),
    "updated": Column("Updated", 9, lambda t, ctx: Text(relative(t.updated_at, ctx.now), style="dim")),
}
#: The table's styles: the component classes of Textual's DataTable, so themes and the
#: NO_COLOR rules style both alike.
TABLE_CSS = """
TaskTable {
    background: $surface;
    color: $foreground;
    height: auto;
    max-height: 100%;
    &:focus {
        /* Focus changes the border and the cursor row only (see widgets.focus_look). */
        & > .datatable--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    &:dark > .datatable--even-row {
        background: $surface-darken-1 40%;
    }
    & > .datatable--header {
        text-style: bold;
        background: $panel;
        color: $foreground;
    }
    &:ansi > .datatable--header {
        background: ansi_bright_blue;
        color: ansi_default;
    }
    & > .datatable--even-row {
        background: $surface-lighten-1 50%;
    }
    & > .datatable--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
        text-style: $block-cursor-blurred-text-style;
    }
    & > .datatable--header-cursor {
        background: $accent-darken-1;
        color: $foreground;
    }
}
"""
#: Cells either side of every cell.
PAD = 1
#: The title keeps at least this many cells; columns are dropped to make room for it.
TITLE_ROOM = 14
#: Which columns go first when the terminal is too narrow for all of them (the detail pane
#: still shows every field). Priority and the title always stay.
DROP_ORDER = ("reference", "updated", "status", "id", "owner", "due")
DEFAULT_COLUMNS = ("id", "priority", "title", "status", "owner", "due")


def with_title(keys: Sequence[str]) -> list[str]:
    """The known columns of ``keys``, the title among them (third, unless placed)."""
    shown = [key for key in keys if key in COLUMNS]
    if "title" not in shown:
        shown.insert(min(2, len(shown)), "title")
    return shown


def fit_columns(keys: Sequence[str], widths: Mapping[str, int], room: int) -> list[tuple[str, int]]:
    """(key, width) of the columns shown in ``room`` cells: each at ``widths`` (what it shows,
    up to its preferred width), the title the rest; when that leaves the title less than
    :data:`TITLE_ROOM`, columns are dropped in :data:`DROP_ORDER`."""
    shown = [k for k in keys if k != "title"]
    for key in DROP_ORDER:
        if room - sum(widths[k] + 2 * PAD for k in shown) - 2 * PAD >= TITLE_ROOM:
            break
        if key in shown:
            shown.remove(key)
    title = max(8, room - sum(widths[k] + 2 * PAD for k in shown) - 2 * PAD)
    return [(k, title if k == "title" else widths[k]) for k in keys if k == "title" or k in shown]


def fit_cell(cell: Text, width: int) -> Text:
    """A cell cropped or padded to ``width``, with the padding either side."""
    cell = cell.copy()
    cell.truncate(width, overflow="crop", pad=True)
    return Text(" " * PAD) + cell + Text(" " * PAD)


def cursor_colours(style: Style) -> Style:
    """The cursor's colours, which win over a cell's own (as in Textual's DataTable)."""
    return Style.from_color(style.color, style.bgcolor) if style else Style()


def strip_of(parts: list[tuple[Text, Style]], console: Console, base: Style, width: int, fill: Style) -> Strip:
    """Parts of a table line (each with the colours the cursor forces on it) as a strip
    ``width`` cells wide on ``base``, the rest filled in ``fill``."""
    segments: list[Segment] = []
    for text, post in parts:
        # Text.render leaves out the text's own style when it has no spans: put it under.
        own = text.style if isinstance(text.style, Style) else Style.parse(text.style)
        segments += Segment.apply_style(text.render(console), style=own, post_style=post or None)
    return Strip(Segment.apply_style(segments, style=base)).adjust_cell_length(width, base + fill)
