"""The reference for the benchmark: a bare Textual app with a 100-row DataTable, nothing else.

python tests/bench/bare_app.py
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable

ROWS = 100


class BareApp(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("#", "Pri", "Title", "Status", "Owner", "Due")
        for n in range(ROWS):
            table.add_row(str(1000 + n), "normal", f"Bare task {n:03} title", "open", "—", "in 2h")
        table.focus()


if __name__ == "__main__":
    BareApp().run()
