"""Small modal questions: a line of text, or one choice from a list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from backdesk.widgets.text import literal, one_line


class PromptDialog(ModalScreen[str | None]):
    """Asks for one line of text; dismisses with it (stripped), or None on esc."""

    KEY_SCOPE: ClassVar[str] = "prompt"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(
        self, question: str, placeholder: str = "", value: str = "", check: Callable[[str], str | None] | None = None
    ) -> None:
        super().__init__()
        self.question = question
        self.placeholder = placeholder
        self.value = value
        #: Says what is wrong with an answer (shown under it, the typing kept), or None to accept it.
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(literal(self.question, style="bold"))
            yield Input(self.value, placeholder=self.placeholder)
            yield Static(id="prompt-error")
            yield Static("[b]enter[/b] ok   [b]esc[/b] cancel", classes="hint")
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self.query_one("#prompt-error", Static).update(
                literal("Type something, or esc to cancel.", style="bold red")
            )
            return
        if self.check is not None and (problem := self.check(event.value.strip())) is not None:
            self.query_one("#prompt-error", Static).update(literal(problem, style="bold red"))
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceDialog(ModalScreen[str | None]):
    """Picks one of ``choices`` (id, label); dismisses with its id, or None on esc."""

    KEY_SCOPE: ClassVar[str] = "choice list"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="choice.cancel"),
        Binding("j", "move(1)", "Down", show=False, id="choice.down"),
        Binding("k", "move(-1)", "Up", show=False, id="choice.up"),
    ]

    def __init__(self, title: str, choices: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(literal(self.title_text, style="bold"))
            yield OptionList(*(Option(literal(one_line(label)), id=key) for key, label in self.choices))
            yield Static("[b]enter[/b] pick   [b]esc[/b] cancel", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        options.action_cursor_down() if step > 0 else options.action_cursor_up()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
