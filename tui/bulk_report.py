"""A bulk action running, then its report: a progress bar, and every task's outcome.

While it runs, esc cancels (tasks not started are not sent; those in flight finish). Once it is
done, each failure shows the server's reason as it said it, ``r`` retries the failed and unsent
ones, and esc goes back to the list. Nothing that succeeded is undone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, ProgressBar, Static

from backdesk.api_client import Task
from backdesk.widgets.text import literal, one_line

from .bulk import BulkRun, Result
from .marks import count

#: Seconds between hand-overs of written tasks to the list underneath.
FLUSH_INTERVAL = 0.3

LOOK = {
    "waiting": ("·", "waiting", "dim"),
    "running": ("…", "sending", "dim"),
    "done": ("✓", "", "bold"),
    "failed": ("✗", "", "bold"),
    "queued": ("⧗", "", "bold"),
    "skipped": ("–", "", "dim"),
}


class BulkScreen(ModalScreen[None]):
    """Runs ``run`` and reports it; ``written`` receives the tasks as the server holds them now."""

    KEY_SCOPE: ClassVar[str] = "bulk report"
    BINDINGS = [
        Binding("escape", "stop", "Cancel / close", id="bulk.stop"),
        Binding("r", "retry", "Retry failed", id="bulk.retry"),
        Binding("j", "move(1)", "Down", show=False, id="bulk.down"),
        Binding("k", "move(-1)", "Up", show=False, id="bulk.up"),
    ]

    def __init__(self, run: BulkRun, written: Callable[[list[Task]], None]) -> None:
        super().__init__()
        self.bulk_run = run
        self._written = written
        self._pending: list[Task] = []
        self._dirty: set[str] = set()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog", id="bulk"):
            yield Static(literal(self.bulk_run.action.title(len(self.bulk_run.results)), style="bold"))
            yield ProgressBar(total=len(self.bulk_run.results), show_eta=False, id="bulk-progress")
            yield Static(id="bulk-counts")
            yield DataTable(id="bulk-results", cursor_type="row", zebra_stripes=True)
            yield Static(id="bulk-hint", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("#", key="id")
        table.add_column("Task", key="title", width=28)
        table.add_column("Outcome", key="outcome")
        table.add_column("Server's reason", key="reason")
        for result in self.bulk_run.results.values():
            table.add_row(*self._cells(result), key=result.task.id)
        self.bulk_run.changed = self._changed
        self.set_interval(FLUSH_INTERVAL, self._flush)
        self.bulk_run.running = True  # from now: esc cancels, it does not close
        self._paint()
        self.go(retry=False)

    def _cells(self, result: Result) -> list[Text]:
        mark, word, style = LOOK[result.state]
        return [
            Text(one_line(result.task.id), style="dim"),
            literal(one_line(result.task.title)),
            Text(f"{mark} {result.outcome or word}", style=style),
            literal(one_line(result.reason)),  # the server's own words, never markup
        ]

    def _changed(self, result: Result) -> None:
        self._dirty.add(result.task.id)
        if result.state == "done":
            self._pending.append(result.task)

    def _flush(self) -> None:
        """Redraw the rows that changed and hand the written tasks to the list."""
        table = self.query_one(DataTable)
        for task_id in self._dirty:
            for key, cell in zip(
                ("id", "title", "outcome", "reason"), self._cells(self.bulk_run.results[task_id]), strict=True
            ):
                table.update_cell(task_id, key, cell)
        self._dirty.clear()
        if self._pending:
            tasks, self._pending = self._pending, []
            self._written(tasks)
        self._paint()

    def _paint(self) -> None:
        run = self.bulk_run
        self.query_one(ProgressBar).update(total=len(run.results), progress=run.finished)
        parts = [
            f"{count(run.count('done'), 'task')} done",
            f"{run.count('failed'):,} failed",
        ]
        if run.count("queued"):
            parts.append(f"{run.count('queued'):,} saved here, sent when the server answers")
        if run.count("skipped"):
            parts.append(f"{run.count('skipped'):,} not sent")
        if run.running:
            parts.append("cancelling: writes already sent finish" if run.cancelled else "running")
        self.query_one("#bulk-counts", Static).update(Text(" · ".join(parts)))
        again = run.count("failed", "skipped")
        if run.running:
            hint = "[b]esc[/b] cancel (tasks not started are not sent)"
        elif again:
            hint = f"[b]r[/b] retry the {again:,} failed or not sent   [b]esc[/b] back to the list"
        else:
            hint = "[b]esc[/b] back to the list"
        self.query_one("#bulk-hint", Static).update(hint)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return not self.bulk_run.running and self.bulk_run.count("failed", "skipped") > 0
        return True

    @work(exclusive=True, group="bulk", exit_on_error=False)
    async def go(self, retry: bool) -> None:
        try:
            await (self.bulk_run.retry() if retry else self.bulk_run.run())
        finally:
            self._flush()

    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.action_cursor_down() if step > 0 else table.action_cursor_up()

    def action_retry(self) -> None:
        if self.check_action("retry", ()):
            self.bulk_run.running = True
            self.go(retry=True)

    def action_stop(self) -> None:
        if self.bulk_run.running:
            self.bulk_run.cancel()
            self._paint()
        else:
            self.dismiss(None)
