"""Signing in: the first answers the main screen asks for, and trying again by itself (saying
so) while the backend cannot be reached."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, TypeVar

from backdesk.api_client import UnavailableError
from backdesk.widgets.task_detail import TaskDetail

if TYPE_CHECKING:
    from .main_screen import MainScreen

#: The longest pause between sign-in attempts while the backend cannot be reached.
MAX_RETRY = 30

T = TypeVar("T")


async def _settled(call: Awaitable[T]) -> T | Exception:
    """What ``call`` returns, or the exception it raises (as ``gather(..., return_exceptions=True)``)."""
    try:
        return await call
    except Exception as err:
        return err


class SignIn:
    """Retries for one main screen: 1 s, 2 s, … 30 s apart; wrong credentials wait for ``r``."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        #: Seconds before the next attempt while the backend is unreachable (0: not waiting).
        self.retry_in = 0

    async def start(self) -> bool:
        """Ask who we are, for the first page and for the queues at once, and show each answer as
        it comes: the page as soon as it is there (before the sign-in's answer if it is first),
        then the queues. Only once signed in are the other answers' errors told (a wrong token
        fails all three). True when signed in."""
        screen, ws = self.screen, self.screen.workspace
        generation = ws.generation
        asked = me_asked, page_asked, queues_asked = [
            asyncio.ensure_future(_settled(call))
            for call in (screen.backend.me(), screen.backend.tasks(ws.query()), screen.backend.queues())
        ]
        try:
            await asyncio.wait([me_asked, page_asked], return_when=asyncio.FIRST_COMPLETED)
            shown = page_asked.done() and not isinstance(page_asked.result(), BaseException)
            if shown:
                screen.show_first_page(generation, page_asked.result())
            me = await me_asked
            if isinstance(me, BaseException):
                self.failed(me)
                return False
            self.retry_in = 0
            ws.signed_in(me)
            screen.session.signed_in = True
            screen.paint.topbar()
            if shown:
                screen.paint.task_list()  # now the tasks held by me show as mine
            else:
                screen.show_first_page(generation, await page_asked)
            queues = await queues_asked
            if isinstance(queues, BaseException):
                screen.report(queues, "Loading queues")
            else:
                ws.queues_arrived(queues)
                screen.paint.sidebar()
            return True
        finally:
            for answer in asked:
                answer.cancel()  # only if a newer load took over, or the screen went away

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
