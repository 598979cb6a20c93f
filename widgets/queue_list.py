"""The sidebar: queues with their live counts."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from api_client import Queue

from .text import one_line

#: The option id of the "every queue" entry.
ALL_QUEUES = "*"


class QueueList(OptionList):
    """Queues with open / unclaimed / mine / breached counts. Highlighting one selects it."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    class QueueChosen(Message):
        def __init__(self, queue_id: str | None) -> None:
            super().__init__()
            #: None means every queue.
            self.queue_id = queue_id

    def show_queues(self, queues: Sequence[Queue]) -> None:
        """Replace the entries, keeping the highlight on the same queue."""
        current = self.chosen_id
        total_open = sum(q.counts.open for q in queues)
        options = [Option(_prompt("All queues", total_open, ""), id=ALL_QUEUES)]
        options += [Option(_prompt(q.name, q.counts.open, _counts(q)), id=f"q:{q.id}") for q in queues]
        with self.prevent(OptionList.OptionHighlighted):
            self.set_options(options)
            ids = [o.id for o in options]
            wanted = ALL_QUEUES if current is None else f"q:{current}"
            self.highlighted = ids.index(wanted) if wanted in ids else 0

    @property
    def chosen_id(self) -> str | None:
        option = self.highlighted_option
        if option is None or option.id in (None, ALL_QUEUES):
            return None
        return option.id.removeprefix("q:")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.post_message(self.QueueChosen(self.chosen_id))


def _counts(queue: Queue) -> str:
    c = queue.counts
    text = f"{c.unclaimed} free · {c.mine} mine"
    return text + f" · ⚠{c.breached} late" if c.breached else text


def _prompt(name: str, open_count: int, counts: str) -> Table:
    """Name with the open count on the right; free, mine and late counts under it."""
    grid = Table.grid(expand=True)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(justify="right", no_wrap=True)
    grid.add_row(Text(one_line(name), style="bold"), Text(str(open_count), style="bold"))
    if counts:
        line = Text(counts, style="dim", no_wrap=True, overflow="ellipsis")
        line.highlight_regex(r"⚠\d+ late", "bold red")
        grid.add_row(line, "")
    return grid
