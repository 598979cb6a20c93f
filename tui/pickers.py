"""The operator picker: search as you type, least loaded first (operators before leads).

It searches on the server (``Backend.operators``), so it stays quick with thousands of people:
typing waits :data:`DEBOUNCE` seconds before it asks, and every answer is kept for the life of
the picker, so deleting a letter shows the earlier list at once. When the server finds nobody
for what was typed, the people of the first list that match it loosely (the letters in order,
"lpk" finds Lee Park) are shown instead.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from backdesk.api_client import BackendError
from backdesk.api_client.models import OperatorLoad
from backdesk.widgets.text import literal, one_line

#: Seconds of quiet typing before the server is asked.
DEBOUNCE = 0.25
#: Searches remembered while the picker is open.
CACHE_SIZE = 32

#: Operators matching a search (server side), least loaded first.
Search = Callable[[str], Awaitable[list[OperatorLoad]]]


def loosely(typed: str, name: str) -> bool:
    """Whether the letters of ``typed`` appear in ``name`` in order (case and spaces ignored)."""
    rest = iter(name.lower())
    return all(letter in rest for letter in typed.lower() if not letter.isspace())


def row(load: OperatorLoad) -> Text:
    text = literal(one_line(load.person.name), style="bold")
    if load.person.role == "lead":
        text.append(" (lead)", style="dim")
    text.append(f"  {load.held} held", style="")
    text.append(f" · {load.breached} breached", style="bold" if load.breached else "dim")
    return text


class OperatorPicker(ModalScreen[OperatorLoad | None]):
    """Dismisses with the operator chosen, or None on esc. enter takes the highlighted row; typed
    ahead of the server's answer, it takes the first of that answer when it comes."""

    KEY_SCOPE: ClassVar[str] = "operator picker"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "move(1)", "Down", show=False, id="picker.down"),
        Binding("up", "move(-1)", "Up", show=False, id="picker.up"),
    ]

    def __init__(self, title: str, search: Search, scope: str = "") -> None:
        """``scope`` names the queue the loads are counted in ("" when they span every queue)."""
        super().__init__()
        self.title_text = title
        self.scope = scope
        self._search = search
        self._cache: OrderedDict[str, list[OperatorLoad]] = OrderedDict()
        self._shown: dict[str, OperatorLoad] = {}
        #: What the list shows the answer for; enter before the answer for the typed text picks
        #: the first of that answer once it comes.
        self._shown_for: str | None = None
        self._pick_first = False
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(literal(self.title_text, style="bold"))
            yield Input(placeholder="type a name to search", id="picker-search")
            yield OptionList(id="picker-list")
            yield Static(id="picker-status")
            yield Static("[b]enter[/b] assign   [b]↑[/b]/[b]↓[/b] move   [b]esc[/b] cancel", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.look_up("")

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        text = event.value.strip()
        if text in self._cache:
            self._show(text, self._cache[text])
        else:
            self._timer = self.set_timer(DEBOUNCE, lambda: self.look_up(text))

    @work(exclusive=True, group="operators", exit_on_error=False)
    async def look_up(self, text: str) -> None:
        status = self.query_one("#picker-status", Static)
        status.update(Text("Searching…", style="dim"))
        try:
            found = await self._search(text)
        except BackendError as err:
            status.update(literal(f"Cannot list operators: {err}", style="bold red"))
            return
        self._cache[text] = found
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        if self.query_one(Input).value.strip() == text:
            self._show(text, found)

    def _show(self, text: str, found: Sequence[OperatorLoad]) -> None:
        status = self.query_one("#picker-status", Static)
        if not found and text and "" in self._cache:
            found = [load for load in self._cache[""] if loosely(text, load.person.name)]
        # Operators first, leads after them (each in the server's order): a lead holding nothing
        # is not who "least loaded first" should offer for work to rebalance.
        found = sorted(found, key=lambda load: load.person.role == "lead")
        options = self.query_one(OptionList)
        self._shown, self._shown_for = {load.person.id: load for load in found}, text
        if self._pick_first and found:
            self.dismiss(found[0])
            return
        self._pick_first = False
        options.clear_options()
        options.add_options([Option(row(load), id=load.person.id) for load in found])
        if found:
            options.highlighted = 0
            held = f"open tasks held in {self.scope}" if self.scope else "open tasks held in every queue"
            status.update(literal(f"least loaded first, by {held}", style="dim"))
        else:
            status.update(literal(f"Nobody matches {text!r}.", style="bold"))

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        options.action_cursor_down() if step > 0 else options.action_cursor_up()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip() != self._shown_for:  # typed faster than the server answered
            if self._timer is not None:
                self._timer.stop()
            self._pick_first = True
            self.look_up(event.value.strip())
            return
        option = self.query_one(OptionList).highlighted_option
        if option is not None and option.id in self._shown:
            self.dismiss(self._shown[option.id])

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id in self._shown:
            self.dismiss(self._shown[event.option.id])

    def action_cancel(self) -> None:
        self.dismiss(None)
