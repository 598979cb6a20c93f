"""The help screen: every key as it is bound right now."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

INTRO = (
    "backdesk: browse a queue, claim a task, note what you did, close it.\n"
    "The filter (/) takes free text plus tokens: status:open,waiting owner:me|none|ID "
    "priority:>=high queue:NAME tag:T due:<2h breached; -token negates."
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close help", id="help.close")]

    def __init__(self, bindings: dict[str, ActiveBinding]) -> None:
        super().__init__()
        self.key_bindings = bindings

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 2), show_header=True, header_style="bold")
        table.add_column("Key", no_wrap=True)
        table.add_column("Action")
        table.add_column("Id", style="dim")
        seen = set()
        for key, active in self.key_bindings.items():
            binding = active.binding
            name = binding.description or binding.action
            if (binding.id, name) in seen or binding.action.startswith("app.pop"):
                continue
            seen.add((binding.id, name))
            table.add_row(self.app.get_key_display(binding), Text(name), binding.id or "")
        with VerticalScroll(classes="dialog wide-dialog"):
            yield Static(Text("Keys", style="bold"))
            yield Static(Text(INTRO))
            yield Static(table)
            yield Static("[b]esc[/b] close", classes="hint")
