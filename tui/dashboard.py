"""The queue health dashboard (``H``, leads): every queue's figures, refreshed live.

What the cells say, their order and what each drills down to live in :mod:`tui.health`; this
screen fetches the figures (every queue at once, a few requests at a time), paints them and
answers keys. ``enter`` on a figure dismisses the screen with the :class:`~tui.health.Drill` the
main screen then lists.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Sparkline, Static
from textual.worker import Worker, WorkerState

from backdesk.api_client import BackendError, models
from backdesk.api_client.models import QueueStats
from backdesk.widgets.palette import Palette
from backdesk.widgets.stats_table import StatsTable
from backdesk.widgets.text import literal

from .errors import report
from .health import COLUMNS, Dashboard, Drill, QueueHealth, drill_down, series
from .help_screen import HelpScreen
from .main_keys import DASHBOARD_KEYS
from .prompt import ChoiceDialog
from .session import Session

#: Seconds between refreshes of the figures.
REFRESH_INTERVAL = 15
#: Stats requests in flight at once.
CONCURRENCY = 4
HELP_INTRO = (
    "Queue health: every queue's open tasks (backlog), unclaimed, the oldest unclaimed task's age, "
    "breached (⚠, past due), at risk (◷, due within the hour), who holds its tasks, and 24 h sparklines "
    "(every other hour up to now). The queue breaching most is on top; the figures refresh by themselves.\n"
)
HELP_MOVING = (
    "\nenter on a figure lists its tasks on the main screen: backlog → the queue, unclaimed and oldest → "
    "owner:none, breached → breached, at risk → due:<1h, held by → pick whose (owner:ID). There you can mark "
    "and act; H comes back here, on the same figure."
)
#: Columns whose figures read right-aligned.
NUMBERS = ("backlog", "unclaimed", "oldest", "breached", "at_risk")


class DashboardScreen(Screen[Drill | None]):
    KEY_SCOPE: ClassVar[str] = "queue health dashboard"
    KEY_WIDGETS: ClassVar[tuple[type, ...]] = (StatsTable,)
    BINDINGS = DASHBOARD_KEYS

    def __init__(
        self, session: Session, place: tuple[str, str] | None = None, refresh_interval: float = REFRESH_INTERVAL
    ) -> None:
        """``place``: the (queue id, column) to put the cursor on once the figures arrive, such as
        where the lead left it last time."""
        super().__init__()
        self.backend = session.backend
        self.start_place = place
        #: Where the cursor is: (queue id, column); None before the figures arrive.
        self.place: tuple[str, str] | None = None
        self.model = Dashboard()
        self.refresh_interval = refresh_interval
        self._fetching = False
        self._again = False

    def compose(self) -> ComposeResult:
        title = Text.assemble(
            ("Queue health", "bold"), f"  most breached first · refreshed every {self.refresh_interval:g} s"
        )
        yield Static(title, id="dash-title")
        yield StatsTable(COLUMNS, id="dash-table")
        with Vertical(id="dash-detail"):
            yield Static(id="dash-queue")
            with Horizontal(classes="dash-spark"):
                yield Static(id="dash-backlog-label", classes="dash-spark-label")
                yield Sparkline([], id="dash-backlog")
            with Horizontal(classes="dash-spark"):
                yield Static(id="dash-breached-label", classes="dash-spark-label")
                yield Sparkline([], id="dash-breached")
            yield Static(id="dash-holders")
        yield Static(id="dash-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StatsTable).focus()
        self.paint()
        self.refresh_figures()
        self.set_interval(self.refresh_interval, lambda: self.refresh_figures(queue=False))

    # -- fetching ------------------------------------------------------------------------

    def refresh_figures(self, queue: bool = True) -> None:
        """Fetch every queue's figures. While a fetch runs, ``r`` (``queue``) asks for one more after
        it; the timer's tick is dropped, so a slow backend is never asked back to back."""
        if self._fetching:
            self._again = self._again or queue
            return
        self._fetching = True
        self.run_worker(self._fetch(), group="stats", exit_on_error=False)

    async def _fetch(self) -> None:
        try:
            self._again = True
            while self._again:
                self._again = False
                await self._fetch_once()
        finally:
            self._fetching = False

    async def _fetch_once(self) -> None:
        try:
            queues = await self.backend.queues()
        except BackendError as err:
            self.model.refresh_failed(err)
            self.paint()
            return
        self.model.queues_arrived(queues)
        self.paint()
        gate = asyncio.Semaphore(CONCURRENCY)

        async def stats(queue_id: str) -> QueueStats | BackendError:
            async with gate:
                try:
                    answer = await self.backend.queue_stats(queue_id)
                except BackendError as err:
                    return err
            if self.model.first_figures(queue_id, answer):  # the first time: shown as it comes
                self.paint()
            return answer

        answers = await asyncio.gather(*(stats(q.id) for q in queues))
        self.model.stats_arrived(dict(zip((q.id for q in queues), answers, strict=True)), models.utcnow())
        self.paint()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and self.is_attached and event.worker.error is not None:
            report(self, event.worker.error, "Refreshing the dashboard")

    # -- painting --------------------------------------------------------------------------

    def paint(self) -> None:
        now = models.utcnow()
        palette = Palette.from_theme(self.app.current_theme)
        rows = [(row.queue.id, self._cells(row, now, palette)) for row in self.model.ordered()]
        table = self.query_one(StatsTable)
        table.show(rows)
        if self.start_place is not None and rows:
            table.move_to(*self.start_place)
            if self.model.refreshed_at is not None:
                self.start_place = None
        elif self.model.refreshed_at is None and rows:  # while the first figures come in: the top row
            table.move_cursor(row=0, animate=False)
        self.query_one("#dash-status", Static).update(literal(self.model.status(now), style="dim"))
        self.paint_detail()

    def _cells(self, row: QueueHealth, now: datetime, palette: Palette) -> list[Text]:
        texts = row.cells(now)
        stats = row.stats
        styles = {
            "queue": "bold",
            "breached": palette.late if stats and stats.breached else "",
            "at_risk": palette.soon if stats and stats.at_risk else "",
        }
        return [
            Text(texts[key], style=styles.get(key, ""), justify="right" if key in NUMBERS else "left")
            for key, _, _ in COLUMNS
        ]

    def current_row(self) -> QueueHealth | None:
        key = self.query_one(StatsTable).row_key
        return self.model.rows.get(key) if key else None

    def paint_detail(self) -> None:
        """The queue under the cursor: its 24 h sparklines at full width, and everyone holding its tasks."""
        row = self.current_row()
        stats = row.stats if row else None
        self.query_one("#dash-queue", Static).update(literal(row.name if row else "", style="bold"))
        for key, label in (("backlog", "Backlog"), ("breached", "Breached")):
            values = series(stats, key) if stats else []
            summary = f"{label} 24h  {min(values):,}–{max(values):,}, now {values[-1]:,}" if values else "no history"
            self.query_one(f"#dash-{key}-label", Static).update(literal(summary if values else f"{label}: {summary}"))
            line = self.query_one(f"#dash-{key}", Sparkline)
            line.data, line.display = values, bool(values)
        holders = (
            "Held by: " + " · ".join(f"{load.person.name} {load.held} ({load.breached} ⚠)" for load in stats.load)
            if stats and stats.load
            else "Held by: nobody"
        )
        self.query_one("#dash-holders", Static).update(literal(holders if stats else ""))

    @on(DataTable.CellHighlighted)
    def _highlighted(self) -> None:
        table = self.query_one(StatsTable)
        if table.row_key is not None:
            self.place = (table.row_key, table.column_key)
        self.paint_detail()

    # -- keys ------------------------------------------------------------------------------

    @on(DataTable.CellSelected)
    def _selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        row, column = self.current_row(), self.query_one(StatsTable).column_key
        if row is None:
            return
        if column != "load":
            self.dismiss(drill_down(row, column))
            return
        load = row.stats.load if row.stats else ()
        if not load:
            self.notify(f"Nobody holds tasks in {row.name}.", markup=False)
        elif len(load) == 1:
            self.dismiss(drill_down(row, column, load[0].person.id))
        else:
            choices = [(o.person.id, f"{o.person.name}: {o.held} held, {o.breached} breached") for o in load]

            def picked(owner_id: str | None) -> None:
                if owner_id is not None:
                    self.dismiss(drill_down(row, column, owner_id))

            self.app.push_screen(ChoiceDialog(f"Whose tasks in {row.name}?", choices), picked)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_refresh(self) -> None:
        self.refresh_figures()

    def action_help(self) -> None:
        rows = [row for row in self.app.key_rows(self) if row.id]  # type: ignore[attr-defined]
        self.app.push_screen(HelpScreen(rows, HELP_INTRO, HELP_MOVING))
