"""The sidebar: queues with their live counts."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from api_client import Queue

from .text import one_line

#: The option id of the "every queue" entry.
ALL_QUEUES = "*"


class QueueList(OptionList):
    """Queues with open / unclaimed / mine / breached counts. Highlighting one selects it."""

    class QueueChosen(Message):
        def __init__(self, queue_id: str | None) -> None:
            super().__init__()
            #: None means every queue.
            self.queue_id = queue_id

    def show_queues(self, queues: Sequence[Queue]) -> None:
        """Replace the entries, keeping the highlight on the same queue."""
        current = self.chosen_id
        total_open = sum(q.counts.open for q in queues)
        options = [Option(_prompt("All queues", f"{total_open} open"), id=ALL_QUEUES)]
        options += [Option(_prompt(q.name, _counts(q)), id=f"q:{q.id}") for q in queues]
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
    parts = [f"{c.open} open", f"{c.unclaimed} free", f"{c.mine} mine"]
    if c.breached:
        parts.append(f"⚠ {c.breached} late")
    return " · ".join(parts)


def _prompt(name: str, counts: str) -> Text:
    text = Text(one_line(name), style="bold")
    text.append("\n")
    text.append(counts, style="dim")
    if "late" in counts:
        text.highlight_regex(r"⚠ \d+ late", "bold red")
    return text
