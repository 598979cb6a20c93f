"""The help screen: every key as it is bound right now."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, NamedTuple

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

INTRO = (
    "backdesk: browse a queue, claim a task, note what you did, close it.\n"
    "The filter (/) takes free text plus tokens: status:open,waiting owner:me|none|ID "
    "priority:>=high queue:NAME tag:T due:<2h breached; -token negates.\n"
)
MOVING = (
    "\nMoving: ↑/↓ or j/k move · g/G top/bottom · tab next pane · enter opens the task "
    "(j/k then scroll it) · esc back · ctrl+p command palette\n"
    "Note editor: ctrl+s save · esc cancel · ctrl+t template · ctrl+e $EDITOR. "
    "Close dialog: enter closes with the highlighted resolution · tab to a note · esc cancel"
)


class KeyRow(NamedTuple):
    """One line of the key table: the keys as bound now, what they do, the id for [keys]."""

    keys: str
    description: str
    id: str = ""


class HelpScreen(ModalScreen[None]):
    KEY_SCOPE: ClassVar[str] = "help"
    BINDINGS = [
        Binding("escape,q,question_mark", "app.pop_screen", "Close help", id="help.close"),
        Binding("j,down", "scroll('down')", "Scroll down", show=False, id="help.down"),
        Binding("k,up", "scroll('up')", "Scroll up", show=False, id="help.up"),
        Binding("g,home", "scroll('home')", "Top", show=False, id="help.top"),
        Binding("G,end", "scroll('end')", "Bottom", show=False, id="help.bottom"),
    ]

    def __init__(self, rows: Sequence[KeyRow], intro: str = INTRO, moving: str = MOVING) -> None:
        """``intro`` and ``moving``: the text above and below the keys (the main screen's by default)."""
        super().__init__()
        self.rows = rows
        self.intro, self.moving = intro, moving

    def action_scroll(self, where: str) -> None:
        pane = self.query_one(VerticalScroll)
        {"down": pane.scroll_down, "up": pane.scroll_up, "home": pane.scroll_home, "end": pane.scroll_end}[where]()

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 2), show_header=True, header_style="bold", expand=True)
        table.add_column("Key", no_wrap=True)
        table.add_column("Action", ratio=3)
        table.add_column(Text("Id for [keys]"), style="dim", no_wrap=True, ratio=1)
        numbered = [row for row in self.rows if row.id.startswith("view.") and row.id[5:].isdigit()]
        for row in self.rows:
            if row in numbered[1:]:
                continue
            if numbered and row is numbered[0]:
                row = KeyRow(
                    f"{numbered[0].keys}…{numbered[-1].keys}",
                    "Jump to a saved view by its number",
                    f"{numbered[0].id} … {numbered[-1].id}",
                )
            table.add_row(row.keys, Text(row.description), row.id)
        with VerticalScroll(classes="dialog wide-dialog"):
            yield Static(Text("Keys", style="bold"))
            yield Static(Text(self.intro))
            yield Static(table, id="help-keys")
            yield Static(Text(self.moving))
            yield Static("[b]esc[/b] close", classes="hint")
        yield Footer()
