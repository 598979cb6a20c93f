"""``e``: export every task of the list on screen to a file the person names, with progress.

The path is asked first (prefilled with ``~/backdesk-<place>-<date>.csv``; a path that cannot be
written is refused under the field, the typing kept), the format comes from its extension (or
is asked), then :class:`ExportDialog` pages through the backend with a progress bar until done
or cancelled. The paging and the file formats are :mod:`api_client.export`'s.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, ProgressBar, Static

from backdesk.api_client import Backend, BackendError, TaskQuery, models
from backdesk.api_client.export import ExportError, Format, check_writable, export_to_file, format_for
from backdesk.widgets.text import literal

from .confirm import ConfirmDialog
from .errors import report
from .marks import count
from .prompt import ChoiceDialog, PromptDialog

if TYPE_CHECKING:
    from .main_screen import MainScreen


def default_path(place: str, today: date) -> str:
    """Where an export of ``place`` (a queue or view name) goes unless the person says otherwise."""
    slug = re.sub(r"[^a-z0-9]+", "-", place.lower()).strip("-") or "tasks"
    return f"~/backdesk-{slug}-{today.isoformat()}.csv"


def path_problem(text: str) -> str | None:
    """Why a file cannot be written at ``text`` (``~`` expanded), or None when it can."""
    try:
        check_writable(Path(text).expanduser())
    except ExportError as err:
        return str(err)
    return None


def start_export(screen: MainScreen, typed: str | None = None) -> None:
    """Ask where to export the list ``screen`` shows, then run the export."""
    ws = screen.workspace
    query, place = ws.query(), ws.place_name()
    if ws.typed_filter and ws.view is None:  # a view's name already carries its typed filter
        place = f"{place} matching {ws.typed_filter}"
    app = screen.app

    def run(path: Path, fmt: Format) -> None:
        def ended(problem: str | None) -> None:
            if problem is not None:  # the file could not be written after all: ask again, typing kept
                screen.notify(problem, severity="error", timeout=10, markup=False)
                start_export(screen, str(path))

        app.push_screen(ExportDialog(screen.backend, query, path, fmt, place), ended)

    def confirmed(path: Path, fmt: Format) -> None:
        if not path.exists():
            run(path, fmt)
            return
        app.push_screen(
            ConfirmDialog(f"Replace {path}?", "It already exists; the export writes over it."),
            lambda yes: run(path, fmt) if yes else start_export(screen, str(path)),
        )

    def chosen(text: str | None) -> None:
        if text is None:
            return
        path = Path(text).expanduser()
        fmt = format_for(path)
        if fmt is not None:
            confirmed(path, fmt)
            return
        choices = [("csv", "CSV (spreadsheets)"), ("json", "JSON")]
        app.push_screen(
            ChoiceDialog(f"Export {path.name} as:", choices),
            lambda picked: confirmed(path, "json" if picked == "json" else "csv") if picked else None,
        )

    value = typed or default_path(place, models.utcnow().date())
    total = ws.total if ws.loaded else None
    tasks = f"the {count(total, 'task')}" if total is not None else "every task"
    question = f"Export {tasks} of {place} to (.csv or .json):"
    app.push_screen(PromptDialog(question, "~/tasks.csv", value, check=path_problem), chosen)


class ExportDialog(ModalScreen[str | None]):
    """Runs one export with a progress bar; ``esc`` cancels and leaves no file behind.

    Dismisses with a sentence when the file could not be written (so the path is asked again),
    else None.
    """

    KEY_SCOPE: ClassVar[str] = "export"
    BINDINGS = [Binding("escape", "cancel", "Cancel export", id="export.cancel")]

    def __init__(self, backend: Backend, query: TaskQuery, path: Path, fmt: Format, place: str) -> None:
        super().__init__()
        self.backend, self.task_query, self.path, self.fmt, self.place = backend, query, path, fmt, place

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(literal(f"Exporting {self.place} to {self.path}", style="bold"))
            yield ProgressBar(show_eta=False, id="export-progress")
            yield Static(literal("Asking for the first page…"), id="export-count")
            yield Static("[b]esc[/b] cancel (no file is left behind)", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.worker = self.run_worker(self._export(), exit_on_error=False)

    def _progress(self, done: int, total: int | None) -> None:
        self.query_one(ProgressBar).update(total=max(total, done) if total is not None else None, progress=done)
        of = f" of {total:,}" if total is not None else ""
        self.query_one("#export-count", Static).update(literal(f"{done:,}{of} tasks written"))

    async def _export(self) -> None:
        try:
            result = await export_to_file(self.backend, self.task_query, self.path, self.fmt, self._progress)
        except ExportError as err:
            self.dismiss(str(err))
            return
        except BackendError as err:
            report(self.app, err, "Export")
            self.dismiss(None)
            return
        noun = "task" if result.count == 1 else "tasks"
        self.app.notify(f"Exported {result.count:,} {noun} to {self.path}.", markup=False, timeout=10)
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.worker.cancel()
        self.app.notify("Export cancelled; no file was written.", markup=False)
        self.dismiss(None)
