"""``backdesk web``: the same app in a browser, one ``backdesk`` process per browser session.

textual-serve (the ``web`` extra) starts each session's process through a shell, so the command
is built from the parsed options and quoted word by word; secrets never go on it (they would
show in ``ps``) but reach the sessions through the environment they inherit.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import sys
from collections.abc import MutableMapping
from pathlib import Path

from backdesk.api_client.connect import Credentials, without_userinfo

from .config import ConfigError, Settings

INSTALL_HINT = "backdesk web needs the web extra: pip install 'backdesk[web]'"
#: What the web extra installs that backdesk web imports.
WEB_EXTRA = ("textual_serve", "aiohttp", "aiohttp_jinja2")
LOOPBACK_NAMES = ("localhost",)


def add_web_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """The ``web`` command's options (the connection options are added by the caller)."""
    web = commands.add_parser(
        "web",
        help="serve the app to a browser (needs the web extra: pip install 'backdesk[web]')",
        description="Serve the app to a browser; each browser tab runs its own session. It carries your "
        "credentials and has no password of its own: keep it on loopback and reach it through an SSH tunnel.",
    )
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, loopback only)")
    web.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000; 0 picks a free one)")
    return web


def web_command(args: argparse.Namespace, settings: Settings) -> int:
    """Check the options, then serve until interrupted. 2 when the extra is missing or the
    options cannot work."""
    try:
        from .web_serve import serve
    except ModuleNotFoundError as err:
        if (err.name or "").partition(".")[0] not in WEB_EXTRA:
            raise
        print(f"backdesk: {INSTALL_HINT}", file=sys.stderr)
        return 2
    try:
        command = session_command(args, settings, os.environ)
    except ConfigError as err:
        print(f"backdesk: {err}", file=sys.stderr)
        return 2
    if not is_loopback(args.host):
        print(
            f"backdesk web: warning: listening on {args.host}, beyond this machine. Whoever reaches it works "
            "as you, with your credentials, and nothing asks for a password. Prefer the default 127.0.0.1 "
            "and an SSH tunnel (see the README).",
            file=sys.stderr,
        )
    return serve(command, args.host, args.port)


def session_command(args: argparse.Namespace, settings: Settings, environ: MutableMapping[str, str]) -> str:
    """The shell command for one browser session: this Python running ``backdesk`` with the
    connection options given, every word quoted. A password written into ``--url`` moves into
    ``environ`` (``BACKDESK_PASSWORD``), which the sessions inherit."""
    words = [sys.executable, "-m", "backdesk.tui.cli"]
    if args.url:
        creds = without_userinfo(Credentials(args.url, user=args.user, password=environ.get("BACKDESK_PASSWORD")))
        if creds.password:
            environ["BACKDESK_PASSWORD"] = creds.password
        words += ["--url", creds.url]
        if creds.user:
            words += ["--user", creds.user]
        if args.backend:
            words += ["--backend", args.backend]
    else:
        name = args.profile or settings.default_profile
        if not name:
            raise ConfigError("backdesk web needs something to connect to: --url, --profile or a default_profile.")
        if name not in settings.profiles:
            known = ", ".join(settings.profiles) or "none yet"
            raise ConfigError(f"No profile named {name!r} in {settings.config_path} (profiles: {known}).")
        words += ["--profile", name]
    if args.insecure:
        words.append("--insecure")
    if args.log_file:
        words += ["--log-file", str(Path(args.log_file).absolute())]
    return shlex.join(words)


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
