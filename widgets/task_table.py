"""The task table: a window of a long list, drawn line by line (Textual's line API).

It scrolls over every row of the list (the scrollbar spans the server's total) but holds only
the rows it is given (:meth:`TaskTable.show`), the window around the cursor; rows on their way
are drawn as ``…``. Moving the cursor posts :class:`TaskTable.Moved` (the screen fetches what
the window lacks) and :class:`TaskTable.TaskHighlighted`, straight to the screen before the rows
are repainted, so the title and the detail pane join the rows' frame (not a frame later)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from typing import ClassVar, Self

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from backdesk.api_client import Task, models

from .focus_look import FocusLook
from .palette import Palette
from .task_columns import (
    COLUMNS,
    DEFAULT_COLUMNS,
    PAD,
    TABLE_CSS,
    RowContext,
    cursor_colours,
    fit_cell,
    fit_columns,
    strip_of,
    with_title,
)
from .text import changed_span

#: Row marks: new or changed since the last refresh; no longer in this list; a write not yet sent.
CHANGED, DEPARTED, PENDING = "●", "○", "⧗"
#: Cells before the border title's text (a corner, a line, a space).
TITLE_AT = 3
#: A lead's mark (the next bulk action's tasks), in a column of its own left of the marks above.
MARKED = "✓"


class TaskTable(FocusLook, ScrollView, can_focus=True):
    """Shows tasks; knows nothing about where they come from."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "datatable--header",
        "datatable--cursor",
        "datatable--even-row",
        "datatable--odd-row",
        "datatable--header-cursor",
    }
    DEFAULT_CSS = TABLE_CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Move", key_display="j/k", id="table.down", tooltip="Next task"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up", tooltip="Previous task"),
        Binding("g", "scroll_top", "Top", show=False, id="table.top"),
        Binding("G", "scroll_bottom", "Bottom", show=False, id="table.bottom"),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("home,ctrl+home", "scroll_top", "Top", show=False),
        Binding("end,ctrl+end", "scroll_bottom", "Bottom", show=False),
        Binding("enter", "select_cursor", "Open", show=False),
    ]

    class TaskHighlighted(Message):
        def __init__(self, task: Task | None) -> None:
            super().__init__()
            self.task = task

    class Moved(Message):
        """The cursor moved to ``position`` (rows from the top of the whole list)."""

        def __init__(self, position: int) -> None:
            super().__init__()
            self.position = position

    class RowSelected(Message):
        """enter on a task."""

        def __init__(self, task: Task) -> None:
            super().__init__()
            self.task = task

    def __init__(
        self,
        *,
        columns: Sequence[str] = DEFAULT_COLUMNS,
        widths: Mapping[str, int] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self._column_keys = with_title(columns)
        self._widths = {key: COLUMNS[key].width or 0 for key in self._column_keys if key != "title"}
        self._widths.update({k: w for k, w in (widths or {}).items() if k in self._widths and w > 0})
        self.me_id: str | None = None
        self.palette = Palette()
        #: The rows held, the position of the first, and how many rows the list has.
        self._rows: list[Task] = []
        self._offset = 0
        self._extent = 0
        self._index: dict[str, int] = {}
        self.cursor_row = 0
        #: Task id -> the mark in its row label: ● new or changed, ○ no longer in this list, ⧗ unsent.
        self._marks: dict[str, str] = {}
        #: Marked tasks (held or not); while there are any, the label column is two cells wide.
        self._marked: frozenset[str] = frozenset()
        self._announced: Task | None = None
        #: The widest cell seen per column since the columns were last set.
        self._natural: dict[str, int] = {key: len(COLUMNS[key].label) for key in self._column_keys}
        #: (key, width) of each column shown, the title's width fitted to the table.
        self._layout: list[tuple[str, int]] = []
        self._cells: dict[str, list[Text]] = {}
        #: While the title changes: Textual would repaint every row for it.
        self._title_only = False

    def set_title(self, title: Text) -> None:
        """The border title ("12 of 340"), repainting only the cells of the top border that change."""
        old = str(self.border_title or "")
        self._title_only = True
        try:
            self.border_title = title
        finally:
            self._title_only = False
        if span := changed_span(old, title.plain):  # a title that grew or shrank moved the border after it
            gutter = self.styles.gutter
            self.refresh(Region(span[0] - gutter.left, -gutter.top, TITLE_AT + span[1] + 2 - span[0], 1))

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        if self._title_only:
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    # -- what it holds -----------------------------------------------------------------------

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(self._column_keys)

    @property
    def layout(self) -> list[tuple[str, int]]:
        """(key, width) of each column shown, left to right."""
        return list(self._layout)

    @property
    def row_count(self) -> int:
        """Rows held (not the list's length: that is the scroll extent)."""
        return len(self._rows)

    @property
    def tasks(self) -> list[Task]:
        return list(self._rows)

    @property
    def current_task(self) -> Task | None:
        return self._task_at(self.cursor_row)

    def has_task(self, task_id: str) -> bool:
        return task_id in self._index

    def mark(self, task_id: str) -> str:
        """A held task's row label: ✓ while marks are shown, then ●, ○, ⧗ or a space."""
        return self._label(self._rows[self._index[task_id]]).plain

    def cells(self, task_id: str) -> list[Text]:
        """The cells a held task's row shows, left to right."""
        return list(self._row_cells(self._rows[self._index[task_id]]))

    def _task_at(self, position: int) -> Task | None:
        index = position - self._offset
        return self._rows[index] if 0 <= index < len(self._rows) else None

    def show(
        self,
        tasks: Sequence[Task],
        *,
        cursor: str | None,
        offset: int = 0,
        extent: int | None = None,
        position: int | None = None,
        changed: Set[str] = frozenset(),
        departed: Set[str] = frozenset(),
        pending: Set[str] = frozenset(),
        marked: Set[str] = frozenset(),
    ) -> None:
        """Show ``tasks`` as the rows from ``offset`` of a list ``extent`` rows long, the cursor at
        ``position`` (else on ``cursor``, a task id); ``changed`` are marked ● until visited,
        ``departed`` (no longer in the list, kept for the cursor) ○, tasks with a write waiting to
        be sent ⧗; ``marked`` (a lead's marks) ✓ in a column of their own. Only changed lines redraw."""
        before = {t.id: t for t in self._rows}
        old_offset, old_marks, old_marked = self._offset, self._marks, self._marked
        self._marked = frozenset(marked)
        self._rows, self._offset = list(tasks), offset
        self._index = {t.id: i for i, t in enumerate(self._rows)}
        self._marks = {
            i: PENDING if i in pending else DEPARTED if i in departed else CHANGED
            for i in self._index
            if i in pending or i in departed or i in changed
        }
        extent = max(extent or 0, offset + len(self._rows))
        for task in self._rows:
            if before.get(task.id) is not task:
                self._cells.pop(task.id, None)
                self._measure(task)
        self._cells = {k: v for k, v in self._cells.items() if k in self._index}
        old_cursor = self.cursor_row
        if position is not None:
            self.cursor_row = position
        elif cursor in self._index:
            self.cursor_row = offset + self._index[cursor]
        self.cursor_row = max(0, min(self.cursor_row, extent - 1))
        if extent != self._extent or bool(old_marked) != bool(self._marked):  # the label column resizes
            self._extent = extent
            self._fit_columns()
        moved = [
            t
            for t in self._rows
            if before.get(t.id) is not t
            or old_marks.get(t.id) != self._marks.get(t.id)
            or (t.id in old_marked) != (t.id in self._marked)
        ]
        if offset != old_offset or len(moved) > 8:
            self.refresh()
        else:
            for task in moved:
                self.refresh(*self.focus_lines(offset + self._index[task.id]))
            if self.cursor_row != old_cursor:
                self.refresh(*self.focus_lines(old_cursor), *self.focus_lines())
        self._follow_cursor()
        self._announce(self.current_task)

    # -- moving ----------------------------------------------------------------------------

    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _move(self, position: int, scroll_by: int = 0) -> None:
        position = max(0, min(position, self._extent - 1))
        if position == self.cursor_row and not scroll_by:
            return
        old, self.cursor_row = self.cursor_row, position
        self.screen.post_message(self.Moved(position))
        self._announce(self.current_task)
        if scroll_by:
            self.scroll_to(y=self.scroll_y + scroll_by, animate=False, immediate=True)
        self.refresh(*self.focus_lines(old), *self.focus_lines())
        self._follow_cursor()

    def action_cursor_down(self) -> None:
        self._move(self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self._move(self.cursor_row - 1)

    def action_page_down(self) -> None:
        self._move(self.cursor_row + self._page, self._page)

    def action_page_up(self) -> None:
        self._move(self.cursor_row - self._page, -self._page)

    def action_scroll_top(self) -> None:
        self._move(0)

    def action_scroll_bottom(self) -> None:
        self._move(self._extent - 1)

    def action_select_cursor(self) -> None:
        if (task := self.current_task) is not None:
            self.post_message(self.RowSelected(task))

    def on_click(self, event: events.Click) -> None:
        """A click on a row puts the cursor there (the keyboard stays the way to work)."""
        if event.y >= 1:
            self._move(round(self.scroll_y) + event.y - 1)

    def move_to(self, task_id: str) -> None:
        if task_id in self._index:
            self._move(self._offset + self._index[task_id])

    def _follow_cursor(self) -> None:
        """Scroll just enough to show the cursor's row."""
        rows = self._page
        if self.cursor_row < self.scroll_y:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= self.scroll_y + rows:
            self.scroll_to(y=self.cursor_row - rows + 1, animate=False, immediate=True)

    def _announce(self, task: Task | None) -> None:
        """Tell the screen which task is under the cursor, once per distinct copy of it."""
        if task is not self._announced or task is None:
            self._announced = task
            self.screen.post_message(self.TaskHighlighted(task))

    def focus_lines(self, position: int | None = None) -> list[Region]:
        """The cursor's row (or the row at ``position``): its cells, not the scrollbar beside them."""
        y = (self.cursor_row if position is None else position) + 1 - round(self.scroll_y)
        return [Region(0, y, self.scrollable_content_region.width, 1)]

    # -- columns -----------------------------------------------------------------------------

    def set_columns(self, keys: Sequence[str]) -> None:
        """Show these columns (the title always shows), keeping the rows and the cursor."""
        self._column_keys = with_title(keys)
        self._widths = {k: self._widths.get(k, COLUMNS[k].width or 0) for k in self._column_keys if k != "title"}
        self._natural = {key: len(COLUMNS[key].label) for key in self._column_keys}
        self._cells = {}
        for task in self._rows:
            self._measure(task)
        self._fit_columns()

    def on_resize(self) -> None:
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Lay the columns out for the width (see :func:`fit_columns`) and the rows."""
        scrollbar = self.styles.scrollbar_size_vertical if self._extent + 1 > self.size.height else 0
        widths = {k: min(self._widths[k], self._natural.get(k, 0)) for k in self._column_keys if k != "title"}
        layout = fit_columns(self._column_keys, widths, self.size.width - scrollbar - self._label_width)
        self.virtual_size = Size(self.size.width - scrollbar, self._extent + 1)
        if layout != self._layout:
            self._layout = layout
            self._cells = {}
            self.refresh()

    def _measure(self, task: Task) -> None:
        """Widen the columns' natural widths for ``task``'s cells."""
        ctx = self._row_context()
        grew = False
        for key in self._column_keys:
            width = COLUMNS[key].render(task, ctx).cell_len
            if width > self._natural.get(key, 0):
                self._natural[key], grew = width, True
        if grew and self._layout:
            self._fit_columns()

    # -- drawing -----------------------------------------------------------------------------

    def _row_context(self) -> RowContext:
        return RowContext(self.me_id, models.utcnow(), self.palette)

    def restyle(self, palette: Palette, me_id: str | None) -> None:
        """Draw every row again for a new theme, or for whose tasks read ``● me``."""
        self.palette, self.me_id = palette, me_id
        self._cells = {}
        self.refresh()

    def _row_cells(self, task: Task) -> list[Text]:
        cells = self._cells.get(task.id)
        if cells is None:
            ctx = self._row_context()
            cells = self._cells[task.id] = [COLUMNS[key].render(task, ctx) for key, _ in self._layout]
        return cells

    @property
    def _label_width(self) -> int:
        return (2 if self._marked else 1) + 2 * PAD

    def _label(self, task: Task | None) -> Text:
        marked = task is not None and task.id in self._marked
        label = Text(MARKED if marked else " ", style="bold") if self._marked else Text()
        mark = self._marks.get(task.id) if task else None
        if mark is None:
            return label.append(" ")
        return label.append(mark, style=self.palette.muted if mark == DEPARTED else self.palette.soon)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        header = self.get_component_styles("datatable--header").rich_style
        if y == 0:
            line = Text(" " * self._label_width, style=header)
            for key, size in self._layout:
                line.append_text(fit_cell(Text(COLUMNS[key].label), size))
            return strip_of([(line, Style())], self.app.console, self.rich_style, width, header)
        position = round(self.scroll_y) + y - 1
        if position >= self._extent:
            return Strip.blank(width, self.rich_style)
        task = self._task_at(position)
        row = self.get_component_styles("datatable--odd-row" if position % 2 else "datatable--even-row").rich_style
        on_top = on_label = Style()
        if position == self.cursor_row:
            on_top = self.get_component_rich_style("datatable--cursor")
            on_label = on_top + self.get_component_rich_style("datatable--header-cursor")
        label = Text(style=header + on_label)
        label.append_text(fit_cell(self._label(task), self._label_width - 2 * PAD))
        body = Text(style=row + on_top)
        cells = self._row_cells(task) if task else [Text("…" if k == "title" else "") for k, _ in self._layout]
        for (_, size), cell in zip(self._layout, cells, strict=True):
            body.append_text(fit_cell(cell, size))
        parts = [(label, cursor_colours(on_label)), (body, cursor_colours(on_top))]
        return strip_of(parts, self.app.console, self.rich_style, width, row + on_top)
