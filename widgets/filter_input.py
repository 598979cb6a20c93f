"""A one-line input that remembers what was entered: up and down walk through it."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class HistoryInput(Input):
    BINDINGS = [
        Binding("up", "older", "Older filter", show=False, id="filter.older"),
        Binding("down", "newer", "Newer filter", show=False, id="filter.newer"),
    ]

    def __init__(self, history: list[str] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.history = history if history is not None else []
        self._position = len(self.history)

    def remember(self, value: str) -> None:
        """Add ``value`` as the newest entry (moving it if it was there already)."""
        value = value.strip()
        if value:
            if value in self.history:
                self.history.remove(value)
            self.history.append(value)
        self._position = len(self.history)

    def action_older(self) -> None:
        if self._position > 0:
            self._position -= 1
            self._show()

    def action_newer(self) -> None:
        if self._position < len(self.history):
            self._position += 1
            self._show()

    def _show(self) -> None:
        self.value = self.history[self._position] if self._position < len(self.history) else ""
        self.cursor_position = len(self.value)
