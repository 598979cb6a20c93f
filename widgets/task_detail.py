"""The selected task: its fields, body and history as a timeline."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from backdesk.api_client import Event, Task, models

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


class TaskDetail(VerticalScroll, can_focus=True):
    """Scrollable view of one task. Focus it (enter in the table) to scroll with j/k."""

    BINDINGS = [
        Binding("j", "scroll_down", "Scroll down", show=False, id="detail.down"),
        Binding("k", "scroll_up", "Scroll up", show=False, id="detail.up"),
    ]

    def compose(self):
        yield Static(id="detail-header")
        yield Static(id="detail-body")
        yield Static(id="detail-history")

    def show_empty(self, message: str) -> None:
        self.query_one("#detail-header", Static).update(Text(message, style="dim"))
        self.query_one("#detail-body", Static).update("")
        self.query_one("#detail-history", Static).update("")

    palette = Palette()

    def show_task(self, task: Task, *, queue_name: str = "", me_id: str | None = None) -> None:
        now = models.utcnow()
        title = Text(f"#{one_line(task.id)}  ", style="dim")
        title.append(one_line(task.title), style="bold")
        meta = Table.grid(padding=(0, 2))
        meta.add_column(style="dim", no_wrap=True)
        meta.add_column()
        pri_label, pri_role = PRIORITY_LOOK.get(task.priority, (one_line(task.priority), ""))
        status = one_line(task.status_label) + (f" ({task.resolution})" if task.resolution else "")
        owner = "nobody — press c to claim" if task.owner is None else one_line(task.owner.name)
        if task.owner and task.owner.id == me_id:
            owner += " (you)"
        meta.add_row("Status", Text(status))
        meta.add_row("Priority", Text(pri_label, style=self.palette.style(pri_role)))
        meta.add_row("Owner", Text(owner))
        if task.due_at:
            late = task.is_breached(now)
            due = Text(
                f"{task.due_at:%Y-%m-%d %H:%M} UTC ({relative(task.due_at, now)})",
                style=self.palette.late if late else "",
            )
            if late:
                due.append("  ⚠ SLA breached")
            meta.add_row("SLA due", due)
        if queue_name:
            meta.add_row("Queue", literal(one_line(queue_name)))
        if task.reference:
            meta.add_row("Reference", literal(one_line(task.reference)))
        if task.tags:
            meta.add_row("Tags", literal(", ".join(one_line(t) for t in task.tags)))
        for label, value in task.fields:
            meta.add_row(literal(one_line(label)), literal(value))
        meta.add_row("Created", Text(f"{task.created_at:%Y-%m-%d %H:%M} UTC ({relative(task.created_at, now)})"))
        if task.url:  # without its query: a signed link is a secret, not something to show
            page, _, query = task.url.partition("?")
            meta.add_row("URL", literal(page + (" (o opens it)" if query else "")))
        self.query_one("#detail-header", Static).update(Group(title, meta))
        self.query_one("#detail-body", Static).update(literal(task.body or "(no description)"))

    def show_history(self, events: Sequence[Event] | None) -> None:
        history = self.query_one("#detail-history", Static)
        if events is None:
            history.update(Text("Loading history…", style="dim"))
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
        history.update(lines)
