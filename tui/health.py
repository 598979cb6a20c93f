"""The queue health dashboard as plain data: figures per queue, their order, and drill-downs.

No Textual here (the screen is :mod:`tui.dashboard`): what a cell says, which queue comes first
and which filtered list a cell opens are derived from the backend's :class:`QueueStats` and
unit-tested without a terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from backdesk.api_client import Queue, Sort
from backdesk.api_client.models import QueueStats

#: Cells of the "Held by" column: it names as many of the top holders as fit.
HOLDERS_WIDTH = 16
#: The dashboard's columns: key, header, width (fixed, so a refresh never shifts them).
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("queue", "Queue", 21),
    ("backlog", "Backlog", 7),
    ("unclaimed", "Unclaimed", 9),
    ("oldest", "Oldest", 7),
    ("breached", "Breached", 8),
    ("at_risk", "At risk", 7),
    ("load", "Held by", HOLDERS_WIDTH),
    ("backlog_24h", "Backlog 24h", 12),
    ("breached_24h", "Breached 24h", 12),
)
COLUMN_KEYS = tuple(key for key, _, _ in COLUMNS)
#: Cells a table sparkline takes: 24 hourly points, every other hour up to now.
SPARK_WIDTH = 12
#: Sparkline glyphs from lowest to highest; a blank never stands for a figure.
BARS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class Drill:
    """A filtered list on the main screen: a queue, a filter in the app's filter language, a sort."""

    queue_id: str
    filter: str
    sort: Sort
    #: What the list is, for the notice: "Unclaimed in Returns & Refunds".
    label: str


def age(since: datetime | None, now: datetime) -> str:
    """How long ago ``since`` was, in its two largest units: ``3d 4h``, ``2h 5m``, ``7m``; "—" for None."""
    if since is None:
        return "—"
    minutes = max(0, int((now - since).total_seconds()) // 60)
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {mins}m" if mins else f"{hours}h"
    return f"{mins}m"


def spark(values: Sequence[int], floor: int | None = None) -> str:
    """``values`` as bar glyphs, one per value, from ``floor`` (default: their minimum, to show a
    trend) up to their maximum; "" when there are none.

    The floor is the lowest bar and any figure above it at least the second, so with a floor of 0
    "none" and "a few" differ without colour. A flat line sits mid-height.
    """
    if not values:
        return ""
    low, top = min(values) if floor is None else floor, max(values)
    last = len(BARS) - 1
    if top <= low:
        return BARS[0 if top <= 0 else last // 2] * len(values)
    return "".join(BARS[0] if v <= low else BARS[max(1, round((v - low) / (top - low) * last))] for v in values)


def series(stats: QueueStats, key: str) -> list[int]:
    """``key`` ("backlog" or "breached") over the last 24 h, the current hour last. That hour's
    point is the figure at its first look; it stands for now, so it becomes the figure now."""
    values = [getattr(point, key) for point in stats.history]
    return [*values[:-1], getattr(stats, key)] if values else []


def squeeze(values: Sequence[int], width: int) -> list[int]:
    """At most ``width`` of ``values``, evenly spaced and counted back from the last, so the bar
    at the end is always the figure now (24 hourly points in 12: every other hour)."""
    if len(values) <= width:
        return list(values)
    step = -(-len(values) // width)
    return list(values[::-1][::step][::-1])


@dataclass(frozen=True, slots=True)
class QueueHealth:
    """One queue's row: its figures, or None while they have never arrived."""

    queue: Queue
    stats: QueueStats | None = None

    @property
    def name(self) -> str:
        return self.queue.name

    def rank(self) -> tuple[int, int, int, int, str]:
        """Sort key: figures first, then most breached, most at risk, largest backlog, then name."""
        s = self.stats
        if s is None:
            return (1, 0, 0, 0, self.name.lower())
        return (0, -s.breached, -s.at_risk, -s.backlog, self.name.lower())

    def cells(self, now: datetime) -> dict[str, str]:
        """What each column shows, as plain text."""
        s = self.stats
        if s is None:
            return {key: "…" for key in COLUMN_KEYS} | {"queue": self.name}
        return {
            "queue": self.name,
            "backlog": f"{s.backlog:,}",
            "unclaimed": f"{s.unclaimed:,}",
            "oldest": age(s.oldest_unclaimed_at, now),
            "breached": f"⚠ {s.breached:,}" if s.breached else "0",
            "at_risk": f"◷ {s.at_risk:,}" if s.at_risk else "0",
            "load": holders(s),
            "backlog_24h": spark(squeeze(series(s, "backlog"), SPARK_WIDTH)) or "—",
            "breached_24h": spark(squeeze(series(s, "breached"), SPARK_WIDTH), floor=0) or "—",
        }


def holders(stats: QueueStats, width: int = HOLDERS_WIDTH) -> str:
    """As many of the queue's top holders as fit in ``width`` cells, with the open tasks each holds
    here, and how many more: ``Ana 5, Ben 3 +2``."""
    if not stats.load:
        return "—"
    parts = [
        f"{load.person.name.split()[0] if load.person.name.strip() else load.person.id} {load.held}"
        for load in stats.load
    ]
    best = f"{parts[0]} +{len(parts) - 1}" if len(parts) > 1 else parts[0]
    for count in range(2, len(parts) + 1):
        more = len(parts) - count
        text = ", ".join(parts[:count]) + (f" +{more}" if more else "")
        if len(text) > width:
            break
        best = text
    return best


def ordered(rows: Iterable[QueueHealth]) -> list[QueueHealth]:
    """The queue breaching most on top (then most at risk, then the largest backlog)."""
    return sorted(rows, key=QueueHealth.rank)


def drill_down(row: QueueHealth, column: str, owner_id: str | None = None) -> Drill | None:
    """The list behind a cell: backlog → the queue's open tasks; unclaimed and oldest → ``owner:none``
    (oldest first); breached → ``breached``; at risk → ``due:<1h``; held by → ``owner:ID`` (the
    holder the lead picked). None for a cell with nothing behind it."""
    queue, name = row.queue.id, row.name
    match column:
        case "queue" | "backlog" | "backlog_24h":
            return Drill(queue, "", Sort("priority", True), f"Open tasks in {name}")
        case "unclaimed":
            return Drill(queue, "owner:none", Sort("priority", True), f"Unclaimed in {name}")
        case "oldest":
            return Drill(queue, "owner:none", Sort("created_at", False), f"Unclaimed in {name}, oldest first")
        case "breached" | "breached_24h":
            return Drill(queue, "breached", Sort("due_at", False), f"Breached in {name}")
        case "at_risk":
            return Drill(queue, "due:<1h", Sort("due_at", False), f"Due within the hour in {name}")
        case "load" if owner_id is not None and row.stats is not None:
            person = next((load.person for load in row.stats.load if load.person.id == owner_id), None)
            who = person.name if person else owner_id
            return Drill(queue, f"owner:{owner_id}", Sort("priority", True), f"Held by {who} in {name}")
    return None


@dataclass
class Dashboard:
    """The dashboard's state: the rows, and how the last refresh went."""

    rows: dict[str, QueueHealth] = field(default_factory=dict)
    #: When figures last arrived for every queue; None before the first full refresh.
    refreshed_at: datetime | None = None
    #: Why the last refresh failed for some queue (the figures shown are older), else "".
    problem: str = ""

    def queues_arrived(self, queues: Iterable[Queue]) -> None:
        """The queues the lead can see now; figures already known are kept."""
        self.rows = {q.id: QueueHealth(q, self.rows[q.id].stats if q.id in self.rows else None) for q in queues}

    def stats_arrived(self, results: Mapping[str, QueueStats | BaseException], now: datetime) -> None:
        """One refresh's answers per queue id: figures replace the old ones; a failure keeps them."""
        failed = [(qid, err) for qid, err in results.items() if isinstance(err, BaseException)]
        for qid, stats in results.items():
            if qid in self.rows and isinstance(stats, QueueStats):
                self.rows[qid] = QueueHealth(self.rows[qid].queue, stats)
        if failed:
            qid, err = failed[0]
            name = self.rows[qid].name if qid in self.rows else qid
            others = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
            self.problem = f"{name}{others}: {err}"
        else:
            self.problem, self.refreshed_at = "", now

    def first_figures(self, queue_id: str, stats: QueueStats) -> bool:
        """A queue's figures before the refresh has them all: taken (and True) only when the queue
        had none yet, so a slow first load fills in row by row."""
        row = self.rows.get(queue_id)
        if row is None or row.stats is not None:
            return False
        self.rows[queue_id] = QueueHealth(row.queue, stats)
        return True

    def refresh_failed(self, err: BaseException) -> None:
        """Nothing could be fetched (the queues did not come): every figure stays as it was."""
        self.problem = str(err)

    def ordered(self) -> list[QueueHealth]:
        return ordered(self.rows.values())

    def status(self, now: datetime) -> str:
        """The line under the table: when the figures are from, and any failure."""
        ago = age(self.refreshed_at, now)
        when = ("updated just now" if ago == "0m" else f"updated {ago} ago") if self.refreshed_at else "loading…"
        if self.problem:
            kept = f"showing figures {when}" if self.refreshed_at else "no figures yet"
            return f"Refresh failed, {kept}. {self.problem}"
        return when.capitalize()
