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
from textual.widgets import Footer, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from backdesk.api_client import Task
from backdesk.widgets.text import literal, one_line

from .bulk import BulkRun, Result
from .marks import count

#: Seconds between hand-overs of written tasks to the list underneath.
FLUSH_INTERVAL = 0.3
#: Characters of a task's title in its line of the report.
TITLE_ROOM = 40

LOOK = {
    "waiting": ("·", "waiting", "dim"),
    "running": ("…", "sending", "dim"),
    "done": ("✓", "", "bold"),
    "failed": ("✗", "", "bold"),
    "queued": ("⧗", "", "bold"),
    "skipped": ("–", "", "dim"),
}


class BulkScreen(ModalScreen[None]):
    """Runs ``run`` and reports it. ``written`` receives the tasks as the server holds them now,
    each with whether the change was this run's (True) or someone else's, met by a failure."""

    KEY_SCOPE: ClassVar[str] = "bulk report"
    BINDINGS = [
        Binding("escape", "stop", "Cancel / close", id="bulk.stop"),
        Binding("r", "retry", "Retry failed", id="bulk.retry"),
        Binding("j", "move(1)", "Down", show=False, id="bulk.down"),
        Binding("k", "move(-1)", "Up", show=False, id="bulk.up"),
    ]

    def __init__(self, run: BulkRun, written: Callable[[list[tuple[Task, bool]]], None]) -> None:
        super().__init__()
        self.bulk_run = run
        self._written = written
        self._pending: list[tuple[Task, bool]] = []
        self._dirty: set[str] = set()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog", id="bulk"):
            yield Static(literal(self.bulk_run.action.title(len(self.bulk_run.results)), style="bold"))
            yield ProgressBar(total=len(self.bulk_run.results), show_eta=False, id="bulk-progress")
            yield Static(id="bulk-counts")
            yield OptionList(id="bulk-results")
            yield Static(id="bulk-hint", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        results = self.query_one(OptionList)
        results.add_options(Option(self._prompt(r), id=r.task.id) for r in self.bulk_run.results.values())
        results.highlighted = 0
        results.focus()
        self.bulk_run.changed = self._changed
        self.set_interval(FLUSH_INTERVAL, self._flush)
        self.bulk_run.running = True  # from now: esc cancels, it does not close
        self._paint()
        self.go(retry=False)

    def _prompt(self, result: Result) -> Text:
        """ "✗ #19 Enter paper order form  held by someone else", then the server's reason."""
        mark, word, style = LOOK[result.state]
        text = Text(f"{mark} ", style=style)
        text.append(f"#{one_line(result.task.id)} ", style="dim")
        text.append_text(literal(one_line(result.task.title)[:TITLE_ROOM]))
        text.append(f"  {result.outcome or word}", style=style)
        if result.reason:  # the server's own words, never markup
            text.append("\n    ").append_text(literal(one_line(result.reason)))
        return text

    def _changed(self, result: Result) -> None:
        self._dirty.add(result.task.id)
        if result.state in ("done", "failed"):
            self._pending.append((result.task, result.state == "done"))

    def _flush(self) -> None:
        """Redraw the rows that changed and hand the written tasks to the list."""
        results = self.query_one(OptionList)
        for task_id in self._dirty:
            results.replace_option_prompt(task_id, self._prompt(self.bulk_run.results[task_id]))
        self._dirty.clear()
        if self._pending:
            tasks, self._pending = self._pending, []
            self._written(tasks)
        self._paint()

    def _paint(self) -> None:
        run = self.bulk_run
        self.query_one(ProgressBar).update(total=len(run.results), progress=run.answered)
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
        results = self.query_one(OptionList)
        results.action_cursor_down() if step > 0 else results.action_cursor_up()

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
