"""``backdesk serve``: run the reference Work Queue API server until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from .demo import DEMO_PEOPLE
from .reference import ReferenceServer


def _person(text: str) -> tuple[str, str]:
    name, sep, token = text.partition(":")
    if not sep or not name.strip() or not token.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME:TOKEN")
    return name.strip(), token.strip()


def _default_db() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("backdesk")) / "server.sqlite3"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="backdesk serve", description="Run the reference Work Queue API server.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    p.add_argument("--db", type=Path, help="SQLite file (default: the user data dir's server.sqlite3)")
    p.add_argument(
        "--operator",
        type=_person,
        action="append",
        default=[],
        metavar="NAME:TOKEN",
        help="an operator and their token (repeatable)",
    )
    p.add_argument(
        "--lead",
        type=_person,
        action="append",
        default=[],
        metavar="NAME:TOKEN",
        help="a lead and their token (repeatable)",
    )
    p.add_argument(
        "--integration",
        type=_person,
        action="append",
        default=[],
        metavar="NAME:TOKEN",
        help="a system that files tasks, and its token (repeatable)",
    )
    p.add_argument(
        "--operators-may-create",
        action="store_true",
        help="let operators create tasks too (by default only leads and integrations may)",
    )
    p.add_argument(
        "--public-url",
        metavar="URL",
        help="the URL clients reach this server at, for task links (default: the bound address)",
    )
    p.add_argument(
        "--demo-data",
        type=int,
        default=0,
        metavar="N",
        help="seed N demo tasks into an empty database, with demo operators",
    )
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return p


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted; returns the exit status."""
    args = parser().parse_args(argv)
    if args.demo_data < 0:
        print("backdesk serve: --demo-data must be 0 or more", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(message)s")
    db = args.db or _default_db()
    db.parent.mkdir(parents=True, exist_ok=True)
    try:
        server = ReferenceServer(
            db,
            host=args.host,
            port=args.port,
            operators=args.operator,
            leads=args.lead,
            integrations=args.integration,
            demo_data=args.demo_data,
            public_url=args.public_url,
            operators_may_create=args.operators_may_create,
            verbose=args.verbose,
        )
        server.start()
    except (OSError, ValueError) as err:
        print(f"backdesk serve: {err}", file=sys.stderr)
        return 1
    print(f"backdesk reference server on {server.url}/api/v1 (database {db})", flush=True)
    shown = [(name, "operator") for name, _ in args.operator] + [(name, "lead") for name, _ in args.lead]
    if not shown and args.demo_data:
        shown = [(pid, role) for pid, _, role in DEMO_PEOPLE]
    if shown:
        print("\n".join(f"  {pid:<10} {role:<9} {server.tokens[pid]}" for pid, role in shown))
        print(f"\nTry: BACKDESK_TOKEN={server.tokens[shown[0][0]]} backdesk --url {server.url}", flush=True)
    stopped = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop)
    try:
        stopped.wait()
    finally:
        server.stop()
    print("stopped", flush=True)
    return 0
