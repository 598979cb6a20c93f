"""Export every task a query matches to CSV or JSON, page by page.

One module for the app's ``e`` and for ``backdesk export``: the columns, the two formats and the
paging. It knows only the :class:`~api_client.protocol.Backend` protocol and the models, so it
works the same against every backend. A file is written beside its target and renamed into place
when the last page is in: a failed or cancelled export never leaves half a file behind.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Literal, TextIO

from .models import Task, TaskQuery
from .protocol import Backend

Format = Literal["csv", "json"]
FORMATS: tuple[Format, ...] = ("csv", "json")
#: Tasks asked for per request (Request Tracker caps a page at 100).
EXPORT_PAGE = 100
#: The exported fields, in this order (CSV header, JSON keys).
COLUMNS = (
    "id",
    "reference",
    "queue",
    "queue_name",
    "title",
    "status",
    "resolution",
    "priority",
    "owner",
    "owner_name",
    "due_at",
    "created_at",
    "updated_at",
    "tags",
    "url",
)

#: Told after each page: (tasks written so far, the total when the backend knows it).
Progress = Callable[[int, int | None], object]


class ExportError(Exception):
    """The file cannot be written; ``str()`` is a sentence for the person."""


def format_for(path: str | os.PathLike[str]) -> Format | None:
    """The format a file name asks for by its extension (``.csv``, ``.json``), or None."""
    suffix = Path(path).suffix.lower().lstrip(".")
    return next((fmt for fmt in FORMATS if fmt == suffix), None)


def _when(moment: datetime | None) -> str:
    return moment.isoformat().replace("+00:00", "Z") if moment else ""


def record(task: Task, queue_names: dict[str, str]) -> dict[str, str]:
    """One task as the exported fields, every value a string ("" when absent)."""
    return {
        "id": task.id,
        "reference": task.reference or "",
        "queue": task.queue,
        "queue_name": queue_names.get(task.queue, ""),
        "title": task.title,
        "status": task.status_label,
        "resolution": task.resolution or "",
        "priority": task.priority,
        "owner": task.owner.id if task.owner else "",
        "owner_name": task.owner.name if task.owner else "",
        "due_at": _when(task.due_at),
        "created_at": _when(task.created_at),
        "updated_at": _when(task.updated_at),
        "tags": ",".join(task.tags),
        "url": task.plain_url or "",  # never the signature: the file may travel
    }


#: A CSV cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """``value`` for a CSV cell: text a spreadsheet would run as a formula (a title such as
    ``=HYPERLINK(...)`` sent by a customer) gets a leading ``'``, so it shows as the text it is."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


class _Writer:
    """Writes records one at a time in ``fmt``: a CSV header then rows (formulas defused), or a
    JSON array (every value exactly as the backend sent it)."""

    def __init__(self, out: TextIO, fmt: Format) -> None:
        self.out, self.fmt, self.count = out, fmt, 0
        if fmt == "csv":
            self.csv = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
            self.csv.writeheader()
        else:
            out.write("[")

    def write(self, row: dict[str, str]) -> None:
        if self.fmt == "csv":
            self.csv.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
        else:
            self.out.write(("," if self.count else "") + "\n  " + json.dumps(row, ensure_ascii=False))
        self.count += 1

    def finish(self) -> None:
        if self.fmt == "json":
            self.out.write("\n]\n" if self.count else "]\n")


@dataclass(frozen=True, slots=True)
class ExportResult:
    count: int
    path: Path | None


async def write_tasks(
    backend: Backend, query: TaskQuery, out: TextIO, fmt: Format, progress: Progress | None = None
) -> int:
    """Write every task ``query`` matches to ``out``, asking for pages until the last one.

    A task seen twice (written between two pages) is written once. Returns how many were written.
    Backend errors propagate; the caller decides what to do with a partly written stream.
    """
    names = {q.id: q.name for q in await backend.queues()}
    writer = _Writer(out, fmt)
    seen: set[str] = set()
    query = replace(query, limit=EXPORT_PAGE)
    cursor: str | None = None
    total: int | None = None  # some backends count only on the first page
    while True:
        page = await backend.tasks(query, cursor)
        for task in page.items:
            if task.id not in seen:
                seen.add(task.id)
                writer.write(record(task, names))
        total = page.total if page.total is not None else total
        if progress is not None:
            progress(writer.count, total)
        cursor = page.next_cursor
        if cursor is None:
            break
    writer.finish()
    return writer.count


def open_beside(path: Path) -> tuple[TextIO, Path]:
    """A new private temporary file in ``path``'s folder, to be renamed onto ``path``.

    Raises :class:`ExportError` with a sentence when the folder is missing or not writable, or
    ``path`` is a folder.
    """
    if path.is_dir():
        raise ExportError(f"{path} is a folder; name a file in it, such as {path / 'tasks.csv'}.")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except FileNotFoundError as err:
        if not path.parent.is_dir():
            raise ExportError(f"Cannot write {path}: the folder {path.parent} does not exist.") from err
        raise ExportError(f"Cannot write {path}: files cannot be made in {path.parent}.") from err
    except OSError as err:
        raise ExportError(f"Cannot write {path}: {err.strerror or err}.") from err
    return os.fdopen(fd, "w", encoding="utf-8", newline=""), Path(temporary)


def check_writable(path: Path) -> None:
    """Raise :class:`ExportError` unless a file can be written at ``path`` (nothing is left behind)."""
    out, temporary = open_beside(path)
    out.close()
    temporary.unlink(missing_ok=True)


async def export_to_file(
    backend: Backend,
    query: TaskQuery,
    path: Path,
    fmt: Format,
    progress: Progress | None = None,
) -> ExportResult:
    """Export to ``path`` (replaced only once every page is written).

    Raises :class:`ExportError` when the file cannot be written, backend errors as they come;
    cancelling the awaiting task removes the partial file too.
    """
    out, temporary = open_beside(path)
    try:
        with out:
            count = await write_tasks(backend, query, out, fmt, progress)
        os.replace(temporary, path)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise ExportError(f"Cannot write {path}: {err.strerror or err}.") from err
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return ExportResult(count, path)
