"""``backdesk export``: every task of a saved view or a filter, as CSV or JSON, for scripts.

No Textual here: the command connects like the app (profile or ``--url``), pages through the
tasks with :mod:`api_client.export` and writes to stdout or ``--output``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from backdesk.api_client import Backend, BackendError, FilterError, Sort, TaskQuery, parse_filter
from backdesk.api_client.export import ExportError, Format, export_to_file, format_for, write_tasks

from .config import Settings
from .workspace import query_for


def export_query(args: argparse.Namespace, settings: Settings) -> TaskQuery:
    """The query ``--view`` or ``--filter`` names; ValueError with a sentence when it cannot be made."""
    if args.view is not None:
        view = next((v for v in settings.views if v.name.lower() == args.view.lower()), None)
        if view is None:
            known = ", ".join(repr(v.name) for v in settings.views) or "none yet"
            raise ValueError(f"no view named {args.view!r} (views: {known})")
        return query_for(view.queue, view.filter, Sort.from_param(view.sort or "-priority"))
    parse_filter(args.filter)  # FilterError names the bad token
    return query_for(None, args.filter, Sort())


def export_command(backend: Backend | None, args: argparse.Namespace, settings: Settings) -> int:
    """Run ``backdesk export``: 0 when every task was written, 1 when it failed, 2 for bad usage."""
    try:
        query = export_query(args, settings)
    except (ValueError, FilterError) as err:
        print(f"backdesk export: {err}", file=sys.stderr)
        return 2
    if backend is None:
        print("backdesk export: say where to connect: --profile NAME or --url URL.", file=sys.stderr)
        return 2
    output: Path | None = args.output.expanduser() if args.output else None
    fmt: Format = args.format or (format_for(output) if output else None) or "csv"
    try:
        count = asyncio.run(_run(backend, query, output, fmt))
    except (BackendError, ExportError) as err:
        print(f"backdesk export: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("backdesk export: cancelled; no file was left behind.", file=sys.stderr)
        return 130
    if output is not None:
        print(f"backdesk: exported {count} task{'s' if count != 1 else ''} to {output}", file=sys.stderr)
    return 0


async def _run(backend: Backend, query: TaskQuery, output: Path | None, fmt: Format) -> int:
    try:
        if output is None:
            return await write_tasks(backend, query, sys.stdout, fmt)
        return (await export_to_file(backend, query, output, fmt)).count
    finally:
        await backend.aclose()
