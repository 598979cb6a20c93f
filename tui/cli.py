"""The ``backdesk`` command line."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from api_client import BackendError
from api_client.connect import BACKENDS, Credentials, connect

NO_CONNECTION = """\
backdesk needs a backend to talk to.

  Try it now with demo data:      backdesk demo
  Your own Work Queue API server: BACKDESK_TOKEN=... backdesk --url https://queue.example.com
  Request Tracker 5:              BACKDESK_PASSWORD=... backdesk --backend rt --url https://rt.example.com --user NAME
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backdesk",
        description="A keyboard-first terminal app for back-office work queues.",
    )
    parser.add_argument("--url", help="the backend's root URL")
    parser.add_argument("--backend", choices=sorted(BACKENDS), default="workqueue",
                        help="which kind of backend --url points at (default: workqueue)")
    parser.add_argument("--user", help="user name (Request Tracker)")
    parser.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser("demo", help="start a reference server with demo data and open the app on it")
    demo.add_argument("--tasks", type=int, default=400, help="how many demo tasks to seed (default: 400)")
    demo.add_argument("--db", type=Path, help="keep the demo database in this file (default: a fresh temporary one)")
    commands.add_parser("serve", help="run the Work Queue API reference server (see backdesk serve --help)",
                        add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        from api_client.server import main as serve

        return serve(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        return run_demo(args.tasks, args.db)
    if not args.url:
        print(NO_CONNECTION, file=sys.stderr)
        return 2
    creds = Credentials(
        url=args.url,
        user=args.user,
        token=os.environ.get("BACKDESK_TOKEN"),
        password=os.environ.get("BACKDESK_PASSWORD"),
        verify=not args.insecure,
    )
    try:
        backend = connect(args.backend, creds)
    except BackendError as err:
        print(f"backdesk: {err}", file=sys.stderr)
        return 2
    return run_app(backend)


def run_app(backend) -> int:
    from .app import BackdeskApp

    BackdeskApp(backend).run()
    return 0


def run_demo(tasks: int, db: Path | None) -> int:
    """Serve demo data on a free loopback port for as long as the app runs."""
    from api_client.server import ReferenceServer
    from api_client.workqueue import WorkQueueBackend

    with tempfile.TemporaryDirectory(prefix="backdesk-demo-") as scratch:
        server = ReferenceServer(db or Path(scratch) / "demo.sqlite3", demo_data=tasks)
        with server:
            user = "ana" if "ana" in server.tokens else next(iter(server.tokens))
            return run_app(WorkQueueBackend(server.url, server.tokens[user]))


if __name__ == "__main__":
    raise SystemExit(main())
