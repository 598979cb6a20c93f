"""A yes/no question asked once before anything destructive or surprising."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from backdesk.widgets.text import literal


class ConfirmDialog(ModalScreen[bool]):
    """Answers True on ``y``, False on ``n`` or ``esc``."""

    KEY_SCOPE: ClassVar[str] = "confirmation"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(literal(self.question, style="bold"))
            if self.detail:
                yield Static(literal(self.detail))
            yield Static("[b]y[/b] yes   [b]n[/b] / [b]esc[/b] no", classes="hint")
        yield Footer()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
