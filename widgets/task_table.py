"""The task table: one row per task, kept on the same task across reloads."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from backdesk.api_client import Task, models

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
#: The title keeps at least this many cells; columns are dropped to make room for it.
TITLE_ROOM = 14
#: Which columns go first when the terminal is too narrow for all of them (the detail pane
#: still shows every field). Priority and the title always stay.
DROP_ORDER = ("reference", "updated", "status", "id", "owner", "due")
#: Row marks: new or changed since the last refresh; no longer in this list; a write not yet sent.
CHANGED, DEPARTED, PENDING = "●", "○", "⧗"
#: A lead's mark (the next bulk action's tasks), in a column of its own left of the marks above.
MARKED = "✓"
DEFAULT_COLUMNS = ("id", "priority", "title", "status", "owner", "due")


class TaskTable(DataTable):
    """Shows tasks; knows nothing about where they come from."""

    BINDINGS = [
        Binding("j", "cursor_down", "Move", key_display="j/k", id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g", "scroll_top", "Top", show=False, id="table.top"),
        Binding("G", "scroll_bottom", "Bottom", show=False, id="table.bottom"),
    ]

    class TaskHighlighted(Message):
        def __init__(self, task: Task | None) -> None:
            super().__init__()
            self.task = task

    class NearEnd(Message):
        """The cursor is close to the last loaded row: time to fetch the next page."""

    def __init__(
        self,
        *,
        columns: Sequence[str] = DEFAULT_COLUMNS,
        widths: Mapping[str, int] | None = None,
        **kwargs,
    ) -> None:
        self._column_keys = [key for key in columns if key in COLUMNS]
        if "title" not in self._column_keys:
            self._column_keys.insert(min(2, len(self._column_keys)), "title")
        self._widths = {key: COLUMNS[key].width or 0 for key in self._column_keys if key != "title"}
        self._widths.update({k: w for k, w in (widths or {}).items() if k in self._widths and w > 0})
        self._tasks: dict[str, Task] = {}
        self.me_id: str | None = None
        self.palette = Palette()
        #: Task id -> the mark in its row label: ● new or changed, ○ no longer in this list.
        self._marks: dict[str, str] = {}
        #: Marked tasks; while there are any, the label column is two cells wide.
        self._marked: frozenset[str] = frozenset()
        self._announced: Task | None = None
        #: The widest cell seen per column since the rows were last rebuilt.
        self._natural: dict[str, int] = {}
        #: Columns left out because the terminal is too narrow for them.
        self._dropped: tuple[str, ...] = ()
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)

    def on_mount(self) -> None:
        self._add_columns()

    @property
    def _shown_keys(self) -> list[str]:
        return [key for key in self._column_keys if key not in self._dropped]

    def _add_columns(self) -> None:
        self._natural = {key: len(COLUMNS[key].label) for key in self._column_keys}
        for key in self._shown_keys:
            self.add_column(COLUMNS[key].label, width=COLUMNS[key].width, key=key)

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(self._column_keys)

    def set_columns(self, keys: Sequence[str]) -> None:
        """Show these columns (the title always shows), keeping the rows and the cursor."""
        tasks, keep, marks = list(self._tasks.values()), self.current_task, dict(self._marks)
        self._column_keys = [key for key in keys if key in COLUMNS]
        if "title" not in self._column_keys:
            self._column_keys.insert(min(2, len(self._column_keys)), "title")
        self._widths = {k: self._widths.get(k, COLUMNS[k].width or 0) for k in self._column_keys if k != "title"}
        self._rebuild(tasks, keep, marks)

    def _rebuild(self, tasks: Sequence[Task], keep: Task | None, marks: dict[str, str]) -> None:
        self.clear(columns=True)
        self._tasks, self._marks = {}, {}
        self._add_columns()
        kind = {mark: {k for k, m in marks.items() if m == mark} for mark in (CHANGED, DEPARTED, PENDING)}
        self.show(
            tasks,
            cursor=keep.id if keep else None,
            changed=kind[CHANGED],
            departed=kind[DEPARTED],
            pending=kind[PENDING],
            marked=self._marked,
        )

    def on_resize(self) -> None:
        self._fit_title()

    def _fit_title(self) -> None:
        """Size each column to what it shows (up to its preferred width) and give the title
        the rest; when that leaves the title too little, drop columns in :data:`DROP_ORDER`."""
        pad = 2 * self.cell_padding
        # The vertical scrollbar takes its cells once the rows outgrow the height: count it
        # now, before it appears, or the columns overflow and a horizontal scrollbar shows.
        scrollbar = self.styles.scrollbar_size_vertical if len(self._tasks) + 1 > self.size.height else 0
        room = self.size.width - scrollbar - (self._label_width + pad)  # the ● (and ✓) label column
        widths = {k: min(self._widths[k], self._natural.get(k, 0)) for k in self._column_keys if k != "title"}
        shown = [k for k in self._column_keys if k != "title"]
        for key in DROP_ORDER:
            if room - sum(widths[k] + pad for k in shown) - pad >= TITLE_ROOM:
                break
            if key in shown:
                shown.remove(key)
        dropped = tuple(k for k in self._column_keys if k != "title" and k not in shown)
        if dropped != self._dropped and self.is_mounted:
            self._dropped = dropped
            self._rebuild(list(self._tasks.values()), self.current_task, dict(self._marks))
            return
        widths["title"] = max(8, room - sum(widths[k] + pad for k in shown) - pad)
        changed = False
        for key in self._shown_keys:
            column = self.columns.get(ColumnKey(key))
            if column is not None and column.width != widths[key]:
                column.width, column.auto_width = widths[key], False
                changed = True
        if changed:
            self._require_update_dimensions = True
            self.refresh()

    @property
    def current_task(self) -> Task | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return self._tasks.get(row_key.value or "")

    @property
    def tasks(self) -> list[Task]:
        return list(self._tasks.values())

    def has_task(self, task_id: str) -> bool:
        return task_id in self._tasks

    def move_to(self, task_id: str) -> None:
        if task_id in self._tasks:
            self.move_cursor(row=self.get_row_index(task_id), animate=False)

    def show(
        self,
        tasks: Sequence[Task],
        *,
        cursor: str | None,
        changed: Set[str] = frozenset(),
        departed: Set[str] = frozenset(),
        pending: Set[str] = frozenset(),
        marked: Set[str] = frozenset(),
    ) -> None:
        """Show exactly ``tasks``, the cursor on ``cursor``; ``changed`` are marked ● until
        visited, ``departed`` (no longer in the list, kept for the cursor) ○, and tasks with a
        write waiting to be sent ⧗; ``marked`` (a lead's marks) ✓ in a column of their own.

        Rows already shown in the same order are updated in place (only those whose task
        changed), so a refresh or a write does not rebuild the table.
        """
        ids = [t.id for t in tasks]
        shown = list(self._tasks)
        ctx = self._row_context()
        marks = {
            i: PENDING if i in pending else DEPARTED if i in departed else CHANGED
            for i in ids
            if i in pending or i in departed or i in changed
        }
        now_marked = frozenset(marked) & set(ids)
        if ids[: len(shown)] != shown or bool(now_marked) != bool(self._marked):  # the label column resizes
            self.clear()
            self._tasks, self._marks, self._marked = {}, {}, now_marked
        was_marked, self._marked = self._marked, now_marked
        for task in tasks:
            held = self._tasks.get(task.id)
            if held is None:
                self._tasks[task.id] = task
                self.add_row(*self._cells(task, ctx), key=task.id, label=self._label(task.id, marks.get(task.id), ctx))
            elif held is not task:
                self._tasks[task.id] = task
                self._fill_row(task, ctx)
        for task_id in (self._marks.keys() | marks.keys() | (was_marked ^ now_marked)) & self._tasks.keys():
            if self._marks.get(task_id) != marks.get(task_id) or (task_id in was_marked) != (task_id in now_marked):
                self.rows[RowKey(task_id)].label = self._label(task_id, marks.get(task_id), ctx)
                self._fill_row(self._tasks[task_id], ctx)  # updating its cells redraws the label too
        self._marks = marks
        self._fit_title()
        if cursor in self._tasks:
            self.move_cursor(row=self.get_row_index(cursor), animate=False)
        self._announce(self.current_task)

    def _announce(self, task: Task | None) -> None:
        """Tell the screen which task is under the cursor, once per distinct copy of it."""
        if task is not self._announced or task is None:
            self._announced = task
            self.post_message(self.TaskHighlighted(task))

    @property
    def _label_width(self) -> int:
        return 2 if self._marked else 1

    def _label(self, task_id: str, mark: str | None, ctx: RowContext) -> Text:
        label = Text(MARKED if task_id in self._marked else " ", style="bold") if self._marked else Text()
        if mark is None:
            return label.append(" ")
        return label.append(mark, style=ctx.palette.muted if mark == DEPARTED else ctx.palette.soon)

    def _fill_row(self, task: Task, ctx: RowContext) -> None:
        for key, cell in zip(self._shown_keys, self._cells(task, ctx), strict=True):
            self.update_cell(task.id, key, cell)

    def _row_context(self) -> RowContext:
        return RowContext(self.me_id, models.utcnow(), self.palette)

    def set_palette(self, palette: Palette) -> None:
        """Restyle every row for a new theme."""
        self.palette = palette
        ctx = self._row_context()
        for task in self._tasks.values():
            self._fill_row(task, ctx)

    def _cells(self, task: Task, ctx: RowContext) -> list[Text]:
        cells = [COLUMNS[key].render(task, ctx) for key in self._column_keys]
        for key, cell in zip(self._column_keys, cells, strict=True):
            self._natural[key] = max(self._natural.get(key, 0), cell.cell_len)
        return [cell for key, cell in zip(self._column_keys, cells, strict=True) if key not in self._dropped]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._announce(self._tasks.get(event.row_key.value or ""))
        if event.cursor_row >= self.row_count - 5:
            self.post_message(self.NearEnd())
