"""The selected task: its fields, body and history as a timeline.

The pane keeps its size and is drawn line by line (Textual's line API): showing another task
repaints only the cells that differ from what is on screen, and never lays the screen out again.
It scrolls (its virtual height grows to the whole text) only once it has focus.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from backdesk.api_client import Event, Task, models

from .focus_look import FocusLook
from .palette import PRIORITY_LOOK, Palette
from .text import literal, one_line, relative

EVENT_LOOK = {
    "created": ("✚", "created the task"),
    "claimed": ("▶", "claimed"),
    "stolen": ("⇄", "took over"),
    "released": ("◁", "released"),
    "note": ("✎", "noted"),
    "closed": ("■", "closed"),
    "reopened": ("↺", "reopened"),
    "updated": ("•", "updated"),
    "assigned": ("➜", "assigned"),
    "moved": ("⇢", "moved"),
}
EMPTY = Text("")
#: Cells between a field's label and its value.
GAP = 2
#: The narrowest the labels' column is (as wide as "Reference"), so that moving between tasks
#: with and without a reference does not move every value.
LABELS = 9


class TaskDetail(FocusLook, ScrollView, can_focus=True):
    """Scrollable view of one task. Focus it (enter in the table) to scroll with j/k."""

    BINDINGS = [
        Binding("j", "scroll_down", "Scroll down", show=False, id="detail.down"),
        Binding("k", "scroll_up", "Scroll up", show=False, id="detail.up"),
    ]

    palette = Palette()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        #: What the pane shows, in parts: the title and fields, the body, the history.
        self._parts: dict[str, RenderableType] = {"header": EMPTY, "body": EMPTY, "history": EMPTY}
        #: The events the history part was made from (the same list again is not drawn again).
        self._events: Sequence[Event] | None = None
        #: Each part as last drawn: (the part, the width, its lines).
        self._drawn: dict[str, tuple[RenderableType, int, list[Strip]]] = {}
        #: The parts drawn at the pane's width, one strip per line.
        self._strips: list[Strip] = []

    @property
    def text(self) -> str:
        """Everything the pane holds, as plain text (also what is scrolled out of sight)."""
        return "\n".join(strip.text.rstrip() for strip in self._strips)

    # -- what to show ---------------------------------------------------------------------

    def show_empty(self, message: str) -> None:
        self._parts = {"header": Text(message, style="dim"), "body": EMPTY, "history": EMPTY}
        self._events = None
        self._redraw()

    def show_task(
        self,
        task: Task,
        events: Sequence[Event] | None = None,
        *,
        queue_name: str = "",
        me_id: str | None = None,
    ) -> None:
        """The task's fields, body and history (None: on its way), drawn in one go."""
        now = models.utcnow()
        title = Text(f"#{one_line(task.id)}  ", style="dim")
        title.append(one_line(task.title), style="bold")
        fields: list[tuple[str, Text]] = []
        pri_label, pri_role = PRIORITY_LOOK.get(task.priority, (one_line(task.priority), ""))
        status = one_line(task.status_label) + (f" ({task.resolution})" if task.resolution else "")
        if task.owner is not None:
            owner = one_line(task.owner.name)
        else:
            owner = "nobody" if task.is_closed else "nobody — press c to claim"
        if task.owner and task.owner.id == me_id:
            owner += " (you)"
        fields.append(("Status", Text(status)))
        fields.append(("Priority", Text(pri_label, style=self.palette.style(pri_role))))
        fields.append(("Owner", Text(owner)))
        if task.due_at:
            late = task.is_breached(now)
            due = Text(
                f"{task.due_at:%Y-%m-%d %H:%M} UTC ({relative(task.due_at, now)})",
                style=self.palette.late if late else "",
            )
            if late:
                due.append("  ⚠ SLA breached")
            fields.append(("SLA due", due))
        if queue_name:
            fields.append(("Queue", literal(one_line(queue_name))))
        if task.reference:
            fields.append(("Reference", literal(one_line(task.reference))))
        if task.tags:
            fields.append(("Tags", literal(", ".join(one_line(t) for t in task.tags))))
        for label, value in task.fields:
            fields.append((one_line(label), literal(value)))
        fields.append(("Created", Text(f"{task.created_at:%Y-%m-%d %H:%M} UTC ({relative(task.created_at, now)})")))
        if task.url:
            fields.append(("URL", literal(f"{task.plain_url} (o opens it)")))
        self._parts["header"] = Group(title, Fields(fields))
        self._parts["body"] = literal(task.body or "(no description)")
        self._set_history(events)
        self._redraw()

    def show_history(self, events: Sequence[Event] | None) -> None:
        """The task's history; None while it is on its way."""
        self._set_history(events)
        self._redraw()

    def _set_history(self, events: Sequence[Event] | None) -> None:
        if events is not None and events is self._events:
            return  # drawn already
        self._events = events
        if events is None:
            self._parts["history"] = Text("Loading history…", style="dim")
            return
        now = models.utcnow()
        lines = Text("History\n", style="bold")
        for event in events:
            symbol, verb = EVENT_LOOK.get(event.kind, ("•", one_line(event.kind)))
            who = one_line(event.actor.name) if event.actor else "system"
            lines.append(f"{symbol} ", style="bold")
            lines.append(who, style="bold")
            lines.append(f" {verb} · {event.at:%Y-%m-%d %H:%M} ({relative(event.at, now)})\n", style="dim")
            if event.body:
                for line in literal(event.body).split():
                    lines.append("   ")
                    lines.append_text(line)
                    lines.append("\n")
        self._parts["history"] = lines

    # -- drawing --------------------------------------------------------------------------

    def _draw_strips(self, width: int) -> list[Strip]:
        """The parts' lines at ``width``; a part unchanged since it was last drawn is not drawn again."""
        strips: list[Strip] = []
        blank = [Strip.blank(width)]
        for name, part in self._parts.items():
            if part is EMPTY:
                continue
            drawn = self._drawn.get(name)
            if drawn is None or drawn[0] is not part or drawn[1] != width:
                drawn = self._drawn[name] = (part, width, self._draw_part(part, width))
            if name == "body":
                strips += blank + drawn[2] + blank
            else:
                strips += drawn[2]
        return strips

    def _draw_part(self, part: RenderableType, width: int) -> list[Strip]:
        console = self.app.console
        options = console.options.update_width(width)
        lines = Segment.split_and_crop_lines(console.render(part, options), width, pad=True, include_new_lines=False)
        return [Strip(line, width).simplify() for line in lines]

    def _redraw(self) -> None:
        """Draw the parts afresh and repaint only the cells that changed."""
        if not self.is_mounted or not (width := self.scrollable_content_region.width):
            return
        before, self._strips = self._strips, self._draw_strips(width)
        self._fit()
        top, height = round(self.scroll_y), self.scrollable_content_region.height
        blank = Strip.blank(width)
        for y in range(height):
            old = before[top + y] if top + y < len(before) else blank
            new = self._strips[top + y] if top + y < len(self._strips) else blank
            if old != new and (span := _changed_span(old, new)) is not None:
                self.refresh(Region(span[0], y, span[1] - span[0], 1))

    def _fit(self, focused: bool | None = None) -> None:
        """Scrollable only while focused (or scrolled): otherwise its virtual size is its own,
        so a new task never changes the layout. ``focused`` overrides :attr:`has_focus`, which
        Textual sets only after the focus and blur handlers have run."""
        region = self.scrollable_content_region
        tall = (self.has_focus if focused is None else focused) or self.scroll_y > 0
        height = max(len(self._strips), region.height) if tall else region.height
        self.virtual_size = Size(region.width, height)

    def on_resize(self) -> None:
        self._drawn = {}
        self._strips = self._draw_strips(self.scrollable_content_region.width) if self.is_mounted else []
        self._fit()
        self.refresh()

    def on_focus(self) -> None:
        self._fit(focused=True)

    def on_blur(self) -> None:
        self._fit(focused=False)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new == 0:
            self._fit()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        index = scroll_y + y
        strip = self._strips[index] if index < len(self._strips) else Strip.blank(width)
        return strip.crop_extend(scroll_x, scroll_x + width, None).apply_style(self.rich_style)


class Fields:
    """Labelled values, the labels dim in a column as wide as the widest (as a two-column
    ``Table.grid`` would draw them, without its cost)."""

    def __init__(self, rows: Sequence[tuple[str, Text]]) -> None:
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(LABELS, *(cell_len(label) for label, _ in self.rows))
        room = max(1, options.max_width - width - GAP)
        for label, value in self.rows:
            for number, line in enumerate(value.wrap(console, room)):
                head = label if number == 0 else ""
                out = Text(head + " " * (width + GAP - cell_len(head)))
                out.stylize("dim")
                out.append_text(line)
                yield out


def _cells(strip: Strip) -> list[tuple[str, Style | None]]:
    """One (character, style) per cell; a wide character's second cell is empty."""
    cells: list[tuple[str, Style | None]] = []
    for text, style, _ in strip:
        for char in text:
            cells.append((char, style))
            if Segment(char).cell_length == 2:
                cells.append(("", style))
    return cells


def _changed_span(old: Strip, new: Strip) -> tuple[int, int] | None:
    """The first and past-the-last cell where two lines differ, or None when they are alike."""
    a, b = _cells(old), _cells(new)
    if a == b:
        return None
    end = max(len(a), len(b))
    start = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    stop = end
    while stop > start and len(a) == len(b) and a[stop - 1] == b[stop - 1]:
        stop -= 1
    return start, stop
