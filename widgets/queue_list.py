"""The sidebar: saved views and queues, with live counts, searchable with ``/``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from backdesk.api_client import Queue, QueueCounts

from .text import one_line

#: The option id of the "every queue" entry.
ALL_QUEUES = "*"


@dataclass(frozen=True)
class ViewEntry:
    """A saved view as the sidebar shows it; ``count`` is None while unknown."""

    name: str
    count: int | None = None


class Choice(OptionList):
    """The list inside the sidebar; j/k move like everywhere else."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="sidebar.down"),
        Binding("k", "cursor_up", "Up", show=False, id="sidebar.up"),
        Binding("g", "first", "First", show=False, id="sidebar.first"),
        Binding("G", "last", "Last", show=False, id="sidebar.last"),
    ]


class QueueList(Vertical):
    """Views (numbered 1–9) then queues. Highlighting an entry chooses it."""

    BINDINGS = [Binding("slash", "search", "Search list", key_display="/", id="sidebar.search")]

    class Chosen(Message):
        """``kind`` is "all", "queue" or "view"; ``key`` the queue id or view index; ``opened``
        when the operator pressed enter on it (rather than moving onto it)."""

        def __init__(self, kind: str, key: str | int | None, opened: bool = False) -> None:
            super().__init__()
            self.kind = kind
            self.key = key
            self.opened = opened

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._queues: list[Queue] = []
        self._views: list[ViewEntry] = []
        #: The entries on show: (option id, the texts of its prompt).
        self._shown: list[tuple[str, tuple[str, str, str, str]]] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search views and queues", id="sidebar-search")
        yield Choice(id="sidebar-list")

    @property
    def choice(self) -> Choice:
        return self.query_one(Choice)

    def focus(self, scroll_visible: bool = True) -> QueueList:
        self.choice.focus(scroll_visible)
        return self

    def show(self, queues: Sequence[Queue], views: Sequence[ViewEntry]) -> None:
        """Replace the entries, keeping the highlight on the same one."""
        self._queues, self._views = list(queues), list(views)
        self._rebuild()

    def select(self, option_id: str) -> None:
        """Highlight an entry (``*``, ``q:ID`` or ``v:N``) without announcing it."""
        choice = self.choice
        try:
            index = choice.get_option_index(option_id)
        except Exception:  # OptionDoesNotExist: the entry is filtered out or gone
            return
        with choice.prevent(OptionList.OptionHighlighted):
            choice.highlighted = index

    def _rebuild(self) -> None:
        choice = self.choice
        current = choice.highlighted_option.id if choice.highlighted_option else None
        needle = self.query_one("#sidebar-search", Input).value.strip().lower()
        entries: list[tuple[str, tuple[str, str, str, str]]] = []  # (option id, (name, count, detail, mark))
        for index, view in enumerate(self._views):
            if needle in view.name.lower():
                number = f"{index + 1} " if index < 9 else "  "
                count = "…" if view.count is None else f"{view.count:,}"
                entries.append((f"v:{index}", (f"{number}{one_line(view.name)}", count, "", "★ ")))
        total_open = sum(q.counts.open for q in self._queues)
        if needle in "all queues":
            bound = "≥ " if any("open" in q.counts.at_least for q in self._queues) else ""
            entries.append((ALL_QUEUES, ("All queues", f"{bound}{total_open:,}", "", "")))
        for queue in self._queues:
            if needle in queue.name.lower() or needle in queue.id.lower():
                entries.append((f"q:{queue.id}", (queue.name, _number(queue.counts, "open"), _counts(queue), "")))
        if [i for i, _ in entries] == [i for i, _ in self._shown]:
            # The same entries (counts moved): new prompts for those that changed, no relayout.
            for index, ((_, texts), (_, before)) in enumerate(zip(entries, self._shown, strict=True)):
                if texts != before:
                    choice.replace_option_prompt_at_index(index, _prompt(*texts))
            self._shown = entries
            return
        self._shown = entries
        with choice.prevent(OptionList.OptionHighlighted):
            choice.set_options([Option(_prompt(*texts), id=option_id) for option_id, texts in entries])
            ids = [option_id for option_id, _ in entries]
            if current in ids:
                choice.highlighted = ids.index(current)
            elif entries:
                choice.highlighted = 0

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._choose(event.option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """enter: open the entry."""
        event.stop()
        self._choose(event.option.id, opened=True)

    def _choose(self, option_id: str | None, *, opened: bool = False) -> None:
        option_id = option_id or ALL_QUEUES
        if option_id.startswith("v:"):
            self.post_message(self.Chosen("view", int(option_id[2:]), opened))
        elif option_id.startswith("q:"):
            self.post_message(self.Chosen("queue", option_id[2:], opened))
        else:
            self.post_message(self.Chosen("all", None, opened))

    def action_search(self) -> None:
        search = self.query_one("#sidebar-search", Input)
        search.add_class("visible")
        search.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._rebuild()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """enter in the search: open the entry it found, and put the whole list back."""
        event.stop()
        choice = self.choice
        found = choice.highlighted_option.id if choice.highlighted_option else None
        self._end_search()
        if found:
            self.select(found)
            self._choose(found, opened=True)

    def _end_search(self) -> None:
        search = self.query_one("#sidebar-search", Input)
        search.value = ""
        search.remove_class("visible")
        self._rebuild()
        self.choice.focus()

    def on_key(self, event) -> None:
        search = self.query_one("#sidebar-search", Input)
        if event.key == "escape" and search.has_focus:
            event.stop()
            self._end_search()
        elif event.key == "down" and search.has_focus:
            event.stop()
            self.choice.focus()


def _number(counts: QueueCounts, name: str) -> str:
    """One count; "≥ 1,000" when the backend stopped counting there."""
    value: int = getattr(counts, name)
    return f"≥ {value:,}" if name in counts.at_least else f"{value:,}"


def _counts(queue: Queue) -> str:
    """Late first: on a narrow sidebar the end of the line is what gets cut."""
    c = queue.counts
    text = f"{_number(c, 'unclaimed')} free · {_number(c, 'mine')} mine"
    return f"⚠{_number(c, 'breached')} late · {text}" if c.breached else text


def _prompt(name: str, count: str, detail: str, mark: str = "") -> Table:
    """Name with a count on the right; free, mine and late counts under it."""
    grid = Table.grid(expand=True, padding=(0, 0, 0, 1))
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(justify="right", no_wrap=True)
    title = Text(mark, style="dim")
    title.append(one_line(name), style="bold")
    grid.add_row(title, Text(count, style="bold"))
    if detail:
        line = Text(detail, style="dim", no_wrap=True, overflow="ellipsis")
        line.highlight_regex(r"⚠[≥\d, ]+ late", "bold red")
        grid.add_row(line, "")
    return grid
