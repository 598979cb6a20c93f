"""Loads the task list's pages: those the window around the cursor lacks, and fresh copies
of those it holds on a refresh. Every page lands in the workspace, which says whether the
screen changed (:mod:`tui.window` decides what to hold)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from backdesk.api_client import BackendError, TaskPage
from backdesk.widgets.task_table import TaskTable

from .window import PageRef

if TYPE_CHECKING:
    from .main_screen import MainScreen


class ListLoader:
    """Fetches pages for one main screen's workspace."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def fetch_window(self) -> None:
        """Ask for every page the window wants now (each at most once at a time)."""
        ws = self.screen.workspace
        if not ws.loaded:
            return
        ws.window.fit(self.screen.query_one(TaskTable).scrollable_content_region.height)
        for ref in ws.window.wants():
            ws.window.inflight.add(ref)
            self.screen.run_worker(self._fetch(ws.generation, ref), group="window", exit_on_error=False)

    async def _fetch(self, generation: int, ref: PageRef) -> None:
        ws = self.screen.workspace
        try:
            page = await self.screen.backend.tasks(ws.page_query(ref), ref.cursor)
        except BackendError as err:
            if generation == ws.generation:
                ws.window.inflight.discard(ref)
                self.screen.report(err, "Loading tasks")
            return
        if ws.window_arrived(generation, ref, page):
            self.screen.paint.task_list()
        if generation == ws.generation:
            self.fetch_window()

    async def refresh(self) -> bool:
        """Fetch the held pages again (and the count, when none of them is a first page);
        True when the list on screen was brought up to date."""
        ws = self.screen.workspace
        generation, refs = ws.generation, ws.window.refresh_refs()
        backend = self.screen.backend
        calls = [backend.tasks(ws.page_query(ref), ref.cursor) for ref in refs]
        counted = any(ref.number == 0 for ref in refs)
        if not counted:
            calls.append(backend.tasks(ws.count_query()))
        results = await asyncio.gather(*calls, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                if not isinstance(result, BackendError):
                    raise result
                self.screen.report(result, "Refreshing tasks")
                return False
        pages = [r for r in results if isinstance(r, TaskPage)]
        if not counted:
            ws.count_arrived(generation, pages.pop())
        if not ws.refresh_arrived(generation, list(zip(refs, pages, strict=True))):
            return False
        self.screen.paint.task_list()
        return True
