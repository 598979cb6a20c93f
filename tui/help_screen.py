"""The help screen: every key as it is bound right now."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
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


class HelpScreen(ModalScreen[None]):
    KEY_SCOPE: ClassVar[str] = "help"
    BINDINGS = [
        Binding("escape,q,question_mark", "app.pop_screen", "Close help", id="help.close"),
        Binding("j,down", "scroll('down')", "Scroll down", show=False, id="help.down"),
        Binding("k,up", "scroll('up')", "Scroll up", show=False, id="help.up"),
        Binding("g,home", "scroll('home')", "Top", show=False, id="help.top"),
        Binding("G,end", "scroll('end')", "Bottom", show=False, id="help.bottom"),
    ]

    def __init__(self, bindings: dict[str, ActiveBinding]) -> None:
        super().__init__()
        self.key_bindings = bindings

    def action_scroll(self, where: str) -> None:
        pane = self.query_one(VerticalScroll)
        {"down": pane.scroll_down, "up": pane.scroll_up, "home": pane.scroll_home, "end": pane.scroll_end}[where]()

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 2), show_header=True, header_style="bold")
        table.add_column("Key", no_wrap=True)
        table.add_column("Action")
        table.add_column(Text("Id (for [keys] in config.toml)"), style="dim")
        keys: dict[str, list[str]] = {}
        names: dict[str, str] = {}
        for key, active in self.key_bindings.items():
            binding = active.binding
            if binding.id and binding.id != "help.close":
                keys.setdefault(binding.id, []).append(self.app.get_key_display(binding))
                names[binding.id] = binding.description or binding.action
        numbered = sorted(k for k in keys if k.startswith("view.") and k[5:].isdigit())
        for action_id in sorted(set(keys) - set(numbered[1:])):
            if numbered and action_id == numbered[0]:
                table.add_row("1…9", Text("Jump to view 1 to 9"), f"{numbered[0]} … {numbered[-1]}")
                continue
            table.add_row(" ".join(dict.fromkeys(keys[action_id])), Text(names[action_id]), action_id)
        with VerticalScroll(classes="dialog wide-dialog"):
            yield Static(Text("Keys", style="bold"))
            yield Static(Text(INTRO))
            yield Static(table)
            yield Static(Text(MOVING))
            yield Static("[b]esc[/b] close", classes="hint")
        yield Footer()
