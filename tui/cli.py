"""The ``backdesk`` command line."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from backdesk.api_client import Backend, BackendError
from backdesk.api_client.connect import BACKENDS, Credentials, connect, without_userinfo

from .config import ConfigError, Settings
from .secrets import resolve_credentials
from .settings_loader import load_settings
from .web import add_web_parser, web_command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backdesk",
        description="A keyboard-first terminal app for back-office work queues.",
        epilog="Secrets come from BACKDESK_TOKEN or BACKDESK_PASSWORD, or a profile's token_env / token_command.",
    )
    connection_options(parser)
    parser.add_argument("--log-file", type=Path, help="write a debug log here (secrets redacted)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser("demo", help="start a reference server with demo data and open the app on it")
    demo.add_argument("--tasks", type=int, default=400, help="how many demo tasks to seed (default: 400)")
    demo.add_argument(
        "--db",
        type=Path,
        help="keep the demo database in this file (default: demo.sqlite3 in the data folder, kept between runs)",
    )
    demo.add_argument("--fresh", action="store_true", help="start from new demo data in a temporary database")
    demo.add_argument(
        "--as",
        dest="person",
        default="ana",
        metavar="NAME",
        help="sign in as this demo person: operators ana, ben, chen, dev, or lee, the lead (default: ana)",
    )
    commands.add_parser(
        "serve", help="run the Work Queue API reference server (see backdesk serve --help)", add_help=False
    )
    export = commands.add_parser(
        "export",
        help="write every task of a view or filter as CSV or JSON (stdout by default); see backdesk export --help",
        description="Write every task a saved view or a filter matches, as CSV or JSON. Connects like the app.",
    )
    what = export.add_mutually_exclusive_group(required=True)
    what.add_argument("--view", metavar="NAME", help="a saved view (config.toml [[views]] or one saved with V)")
    what.add_argument("--filter", metavar="TEXT", help='a filter, as typed after / in the app (e.g. "owner:none")')
    export.add_argument("--format", choices=("csv", "json"), help="default: from --output's extension, else csv")
    export.add_argument("--output", "-o", type=Path, metavar="PATH", help="write here instead of to stdout")
    connection_options(export, argparse.SUPPRESS)  # also after the command: backdesk export --profile rt ...
    connection_options(add_web_parser(commands), argparse.SUPPRESS)  # also after: backdesk web --profile rt
    config = commands.add_parser("config", help="show the config path and effective settings (secrets masked)")
    config.add_argument("--edit", action="store_true", help="open config.toml in $EDITOR")
    return parser


def connection_options(parser: argparse.ArgumentParser, default: object = None) -> None:
    """Where to connect; a subcommand repeats them with ``argparse.SUPPRESS`` so the values given
    before the command are kept."""
    parser.add_argument("--profile", default=default, help="connect with [profiles.NAME] from config.toml")
    parser.add_argument("--url", default=default, help="the backend's root URL (instead of a profile)")
    parser.add_argument(
        "--backend",
        choices=sorted(BACKENDS),
        default=default,
        help="which kind of backend --url points at (default: workqueue)",
    )
    parser.add_argument("--user", default=default, help="user name (Request Tracker)")
    parser.add_argument(
        "--insecure",
        action="store_true",
        default=default if default is not None else False,
        help="do not verify TLS certificates",
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        from backdesk.server import main as serve

        return serve(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "config":
        from .config_cli import config_command

        return _stop_quietly_on_broken_pipe(lambda: config_command(args.edit))
    if args.command == "demo":
        return run_demo(args.tasks, args.db, args.fresh, args.person)
    settings = load_settings()
    if args.command == "web":
        return web_command(args, settings)
    try:
        with importing():  # the adapter's HTTP client
            backend, profile, creds = backend_from(args, settings)
    except (BackendError, ConfigError) as err:
        print(f"backdesk: {err}", file=sys.stderr)
        return 2
    if args.log_file:
        from . import debug_log

        given = [os.environ.get("BACKDESK_TOKEN"), os.environ.get("BACKDESK_PASSWORD")]
        debug_log.start(args.log_file, [*given, *((creds.token, creds.password) if creds else ())])
    if args.command == "export":
        from .export_cli import export_command

        return _stop_quietly_on_broken_pipe(lambda: export_command(backend, args, settings))
    if backend is None:
        from .welcome import WelcomeApp

        WelcomeApp(settings).run()
        return 0
    return run_app(backend, settings, profile)


@contextmanager
def importing() -> Iterator[None]:
    """Around the big imports of start-up (Textual, httpx, the app): no garbage collection while
    they run, then what they made is frozen (:func:`gc.freeze`). Imports make many objects that
    live as long as the program and hardly any garbage, so collecting then only costs time: one
    full collection in the middle of them walked every module's objects, 22 ms of start-up here,
    and each later full collection would walk them again."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _stop_quietly_on_broken_pipe(command: Callable[[], int]) -> int:
    """Run a command that prints; a reader that stops early (``| head -1``) ends it with status 1,
    without a traceback."""
    try:
        status = command()
        sys.stdout.flush()
    except BrokenPipeError:
        # Python flushes stdout again at exit; point it at /dev/null so that flush cannot fail too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return status


def backend_from(args: argparse.Namespace, settings: Settings) -> tuple[Backend | None, str | None, Credentials | None]:
    """The backend the command line asks for (--url wins, then --profile, then the default
    profile), the profile's name, and the credentials it was made with."""
    if args.url:
        creds = without_userinfo(
            Credentials(
                url=args.url,
                user=args.user,
                token=os.environ.get("BACKDESK_TOKEN"),
                password=os.environ.get("BACKDESK_PASSWORD"),
                verify=not args.insecure,
            )
        )
        return connect(args.backend or "workqueue", creds), None, creds
    name = args.profile or settings.default_profile
    if not name:
        return None, None, None
    if name not in settings.profiles:
        known = ", ".join(settings.profiles) or "none yet"
        raise ConfigError(f"No profile named {name!r} in {settings.config_path} (profiles: {known}).")
    profile = settings.profiles[name]
    creds = resolve_credentials(profile)
    return connect(profile.backend, creds), name, creds


def run_app(backend: Backend, settings: Settings | None = None, profile: str | None = None, scope: str = "") -> int:
    with importing():
        from .app import BackdeskApp

    app = BackdeskApp(backend, settings=settings, profile=profile, scope=scope)
    app.run()
    if not app.session.signed_in:
        print(
            f"backdesk: never signed in to {backend.label}; check the URL, the backend kind and the "
            "credentials (backdesk config shows the settings).",
            file=sys.stderr,
        )
        return 1
    return 0


def run_demo(tasks: int, db: Path | None, fresh: bool, person: str = "ana") -> int:
    """Serve demo data on a free loopback port for as long as the app runs, signed in as ``person``.

    The database is kept in the data folder (so drafts and work carry over between runs) unless
    ``fresh`` asks for a new one; ``db`` names another file.
    """
    from backdesk.server import ReferenceServer

    from .settings_loader import load_settings
    from .templates import DEMO_TEMPLATES

    settings = load_settings()
    if not settings.templates:
        settings.templates = dict(DEMO_TEMPLATES)
    with tempfile.TemporaryDirectory(prefix="backdesk-demo-", ignore_cleanup_errors=True) as scratch:
        path = Path(scratch) / "demo.sqlite3" if fresh else db or demo_database()
        path.parent.mkdir(parents=True, exist_ok=True)
        with ReferenceServer(path, demo_data=tasks) as server:
            if person not in server.tokens:
                known = ", ".join(sorted(server.tokens)) or "nobody (seed some tasks)"
                print(f"backdesk demo: no demo person {person!r}; the demo has {known}.", file=sys.stderr)
                return 2
            backend = connect("workqueue", Credentials(server.url, token=server.tokens[person]))
            return run_app(backend, settings, scope="demo")


def demo_database() -> Path:
    """Where ``backdesk demo`` keeps its data between runs."""
    import platformdirs

    return Path(platformdirs.user_data_dir("backdesk")) / "demo.sqlite3"


if __name__ == "__main__":
    raise SystemExit(main())
