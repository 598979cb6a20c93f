"""Signing in when the backend cannot be reached yet: try again by itself, and say so."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backdesk.api_client import UnavailableError
from backdesk.widgets.task_detail import TaskDetail

if TYPE_CHECKING:
    from .main_screen import MainScreen

#: The longest pause between sign-in attempts while the backend cannot be reached.
MAX_RETRY = 30


class SignIn:
    """Retries for one main screen: 1 s, 2 s, … 30 s apart; wrong credentials wait for ``r``."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        #: Seconds before the next attempt while the backend is unreachable (0: not waiting).
        self.retry_in = 0

    def succeeded(self) -> None:
        self.retry_in = 0

    def failed(self, err: BaseException) -> None:
        screen = self.screen
        detail, label = screen.query_one(TaskDetail), screen.backend.label
        if not isinstance(err, UnavailableError):
            screen.report(err, "Signing in")
            detail.show_empty(f"Could not sign in to {label}. Press r to retry, q to quit.")
            return
        if not self.retry_in:
            screen.report(err, "Signing in")  # once; the pane keeps counting after that
        self.retry_in = min(MAX_RETRY, self.retry_in * 2 or 1)
        detail.show_empty(f"Cannot reach {label}. Trying again in {self.retry_in} s; r tries now, q quits.")
        screen.set_timer(self.retry_in, self._again, name="sign-in retry")

    def _again(self) -> None:
        if self.screen.workspace.me is None:
            self.screen.load_everything()
