"""A table of figures with a cell cursor: rows are keyed, columns are keyed, and a refresh keeps
the cursor on the same row and column wherever the row moved to."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class StatsTable(DataTable):
    """Shows rows of cells; ``enter`` posts DataTable.CellSelected for the cell under the cursor."""

    BINDINGS = [
        Binding("j", "cursor_down", "Move", key_display="j/k", id="stats.down", tooltip="Next row"),
        Binding("k", "cursor_up", "Up", show=False, id="stats.up", tooltip="Previous row"),
        # The footer's "h/l" stands for both directions, so it says neither "next" nor "previous".
        Binding("l,tab", "cursor_right", "Figure", key_display="h/l", id="stats.right", tooltip="Next figure"),
        Binding("h,shift+tab", "cursor_left", "Previous figure", show=False, id="stats.left"),
        Binding("enter", "select_cursor", "List tasks", id="stats.open", tooltip="List the tasks behind this figure"),
        Binding("g", "scroll_top", "Top", show=False, id="stats.top"),
        Binding("G", "scroll_bottom", "Bottom", show=False, id="stats.bottom"),
    ]

    def __init__(self, columns: Sequence[tuple[str, str, int]], **kwargs) -> None:
        """``columns``: key, header and width of each (fixed widths: a refresh never shifts them)."""
        # The first column names the row: it stays in view when a narrow terminal scrolls sideways.
        super().__init__(cursor_type="cell", zebra_stripes=True, fixed_columns=1, **kwargs)
        self._columns = list(columns)

    def on_mount(self) -> None:
        for key, label, width in self._columns:
            self.add_column(label, width=width, key=key)

    @property
    def column_key(self) -> str:
        """The key of the column under the cursor."""
        return self._columns[min(self.cursor_column, len(self._columns) - 1)][0]

    @property
    def row_key(self) -> str | None:
        """The key of the row under the cursor, None when empty."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def show(self, rows: Sequence[tuple[str, Sequence[Text]]]) -> None:
        """Show exactly ``rows`` (key, one cell per column), in this order, the cursor kept on the
        same row key and column. Rows already shown in the same order are updated in place."""
        keep, column = self.row_key, self.cursor_column
        keys = [key for key, _ in rows]
        if keys != [row.value for row in self.rows]:
            self.clear()
            for key, cells in rows:
                self.add_row(*cells, key=key)
        else:
            for key, cells in rows:
                for (column_key, _, _), cell in zip(self._columns, cells, strict=True):
                    self.update_cell(key, column_key, cell)
        if keep is not None and RowKey(keep) in self.rows:
            self.move_cursor(row=self.get_row_index(keep), column=column, animate=False)

    def move_to(self, row_key: str, column_key: str) -> None:
        """Put the cursor on a cell by its keys; nothing happens when either is not shown."""
        columns = [key for key, _, _ in self._columns]
        if RowKey(row_key) in self.rows and column_key in columns:
            self.move_cursor(row=self.get_row_index(row_key), column=columns.index(column_key), animate=False)
