"""``backdesk serve``: run the reference Work Queue API server until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import stat
import sys
import threading
from pathlib import Path
from types import FrameType

from .demo import DEMO_PEOPLE
from .httpd import Limits
from .reference import ReferenceServer

TOKENS_ENV = "BACKDESK_SERVE_TOKENS"
ROLES = ("operator", "lead", "integration")


def _person(text: str) -> tuple[str, str | None]:
    name, sep, token = text.partition(":")
    if not name.strip() or (sep and not token.strip()):
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME or NAME:TOKEN")
    return name.strip(), token.strip() or None


def _pairs(text: str, where: str) -> dict[str, str]:
    """``NAME:TOKEN`` pairs separated by whitespace or commas; ``#`` starts a comment."""
    pairs = {}
    for word in re.split(r"[\s,]+", re.sub(r"#.*", "", text)):
        if word:
            name, sep, token = word.partition(":")
            if not (name and sep and token):
                raise ValueError(f"{where}: {word.split(':')[0]!r} is not NAME:TOKEN")
            pairs[name] = token
    return pairs


def _secret_tokens(path: Path | None) -> dict[str, str]:
    """Tokens from ``--tokens-file`` and the environment (the file wins); neither shows in ``ps``."""
    tokens = _pairs(os.environ.get(TOKENS_ENV, ""), TOKENS_ENV)
    if path is not None:
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            print(f"backdesk serve: warning: {path} can be read by others; chmod 600 it", file=sys.stderr)
        tokens |= _pairs(path.read_text(encoding="utf-8"), str(path))
    return tokens


def _default_db() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("backdesk")) / "server.sqlite3"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="backdesk serve",
        description="Run the reference Work Queue API server.",
        epilog=f"A person given as NAME alone takes their token from --tokens-file or ${TOKENS_ENV} "
        "(NAME:TOKEN pairs), keeps the one already stored, or gets a new random one, which is printed. "
        "Tokens are stored hashed; only generated tokens are ever printed.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    p.add_argument("--db", type=Path, help="SQLite file (default: the user data dir's server.sqlite3)")
    for role, what in (("operator", "an operator"), ("lead", "a lead"), ("integration", "a system that files tasks")):
        p.add_argument(
            f"--{role}",
            type=_person,
            action="append",
            default=[],
            metavar="NAME[:TOKEN]",
            help=f"{what} (repeatable); a token on the command line shows in ps, prefer --tokens-file",
        )
    p.add_argument("--tokens-file", type=Path, metavar="FILE", help="NAME:TOKEN lines for the people named")
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
    p.add_argument("--workers", type=int, default=Limits.workers, help=f"worker threads (default {Limits.workers})")
    p.add_argument(
        "--max-connections",
        type=int,
        default=Limits.max_connections,
        help=f"open connections at most (default {Limits.max_connections})",
    )
    p.add_argument(
        "--demo-data",
        type=int,
        default=0,
        metavar="N",
        help="seed N demo tasks into an empty database, with demo people",
    )
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return p


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted; returns the exit status."""
    args = parser().parse_args(argv)
    if args.demo_data < 0 or args.workers < 1 or args.max_connections < 1:
        print(
            "backdesk serve: --demo-data must be 0 or more, --workers and --max-connections 1 or more", file=sys.stderr
        )
        return 2
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(message)s")
    db = args.db or _default_db()
    db.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        secret = _secret_tokens(args.tokens_file)
        people = {role: [(name, token or secret.get(name)) for name, token in getattr(args, role)] for role in ROLES}
        named = {name for pairs in people.values() for name, _ in pairs}
        for name in sorted(set(secret) - named):
            print(f"backdesk serve: warning: a token for {name!r}, who is not named by a role option", file=sys.stderr)
        server = ReferenceServer(
            db,
            host=args.host,
            port=args.port,
            operators=people["operator"],
            leads=people["lead"],
            integrations=people["integration"],
            demo_data=args.demo_data,
            public_url=args.public_url,
            operators_may_create=args.operators_may_create,
            limits=Limits(workers=args.workers, max_connections=args.max_connections),
            verbose=args.verbose,
        )
        server.start()
    except (OSError, ValueError) as err:
        print(f"backdesk serve: {err}", file=sys.stderr)
        return 1
    print(f"backdesk reference server on {server.url}/api/v1 (database {db})", flush=True)
    if server.generated:
        roles = {pid: role for pid, _, role in DEMO_PEOPLE} | {
            n: role for role, pairs in people.items() for n, _ in pairs
        }
        generated = sorted(server.generated)
        print("New tokens (stored hashed; shown only now):")
        print("\n".join(f"  {pid:<10} {roles[pid]:<11} {server.tokens[pid]}" for pid in generated))
        first = next((pid for pid in generated if roles[pid] != "integration"), generated[0])
        print(f"\nTry: BACKDESK_TOKEN={server.tokens[first]} backdesk --url {server.url}", flush=True)
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
