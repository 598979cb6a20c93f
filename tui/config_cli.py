"""``backdesk config``: where the settings live and what they add up to; ``--edit`` opens them."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import tomli_w

from .config import CONFIG_FILE, SECRET_KEYS, Settings, config_dir, load_settings, write_private_file

MASK = "********"

EXAMPLE = """\
# backdesk configuration. backdesk reads this file and never writes it, so your comments
# stay. What you change inside the app (theme, columns, sort and filter per queue, views
# saved in the app) goes to app-state.toml next to this file and wins over this file.
# Lines starting with "#" followed directly by a setting are examples: remove the "#" to use.
# `backdesk config` shows the effective settings and any problem in this file.

# Colour theme: backdesk-dark, backdesk-16 (terminal's 16 colours) or any Textual theme.
#theme = "backdesk-dark"

# Profile used when you run backdesk without --url (see [profiles.*] below).
#default_profile = "reference"

# Seconds between automatic refreshes of the task list; 0 turns them off.
#refresh_interval = 30

# Task table columns, in order: id, priority, title, status, owner, due, reference, updated.
# widths are in characters; the title column takes the rest of the width.
#[columns]
#visible = ["id", "priority", "title", "status", "owner", "due"]
#widths = { owner = 16 }

# Sort and filter per queue id. sort is priority, due_at, created_at or updated_at, with a
# leading "-" for descending. filter uses the filter bar's language.
#[queues.returns]
#sort = "due_at"
#filter = "status:open,waiting"

# Note templates: name = text. {task.id}, {task.reference}, {task.title}, {task.queue},
# {me.name} and {me.id} are filled in; anything else in braces stays as written.
#[templates]
#refund = "Refund for {task.reference} approved by {me.name}."
#chase = "Chased the customer about #{task.id} ({task.title})."

# Keys: action id = key list ("ctrl+k" or "k,ctrl+k"); "" unbinds the action. Ids look like
# task.claim, task.release, task.note, task.close, queue.filter, app.refresh, app.help,
# app.quit, table.down, note.save; backdesk reports ids it does not know, and keys that two
# actions on one screen would share, when it starts.
#[keys]
#"task.claim" = "c,ctrl+k"
#"app.quit" = ""

# Profiles: how to reach a backend. Secrets never go in this file: token_env names an
# environment variable that holds the token, or token_command runs a program (no shell,
# 15 s limit) whose output is the secret, e.g. a password manager. Without either, backdesk
# reads BACKDESK_TOKEN / BACKDESK_PASSWORD. verify = false skips TLS checks; ca_bundle
# points at your own CA certificates instead.
#[profiles.reference]
#backend = "workqueue"
#url = "http://127.0.0.1:8080"
#token_env = "BACKDESK_TOKEN"
#verify = true

# Request Tracker 5: user is your RT login; token_command's output is your password.
#[profiles.rt]
#backend = "rt"
#url = "https://rt.example.com"
#user = "ana"
#token_command = "pass show work/rt"
#ca_bundle = "~/certs/company-ca.pem"

# Views: named filters, with an optional sort and queue. Add as many [[views]] as you like.
#[[views]]
#name = "My open"
#filter = "owner:me"

#[[views]]
#name = "Unclaimed urgent"
#filter = "owner:none priority:>=urgent"
#sort = "due_at"

#[[views]]
#name = "Breaching in 1h"
#filter = "due:<1h"
#queue = "returns"
"""


def config_command(edit: bool) -> int:
    """Show the settings (0, or 1 when a file has problems); with ``edit``, open config.toml."""
    if edit:
        return edit_config()
    settings = load_settings()
    state = settings.state_path
    print(f"Config file: {settings.config_path}" + ("" if settings.config_path.exists() else
                                                     " (missing; `backdesk config --edit` creates it)"))
    print(f"App state:   {state}" + ("" if state.exists() else " (missing; made when you change something)"))
    for problem in settings.problems:
        print(f"Problem: {problem}", file=sys.stderr)
    print("\n# Effective settings\n")
    print(tomli_w.dumps(mask(effective(settings))), end="")
    return 1 if settings.problems else 0


def effective(settings: Settings) -> dict[str, Any]:
    """The settings as a TOML document, leaving out what is unset."""
    doc: dict[str, Any] = {
        "theme": settings.theme,
        "refresh_interval": settings.refresh_interval,
        "columns": {"visible": list(settings.columns), "widths": settings.column_widths},
        "queues": {name: asdict(prefs) for name, prefs in settings.queues.items()},
        "templates": settings.templates,
        "keys": settings.keys,
        "profiles": {name: _unset_dropped(asdict(p), "name") for name, p in settings.profiles.items()},
        "views": [_unset_dropped(asdict(view)) for view in settings.views],
    }
    if settings.default_profile:
        doc["default_profile"] = settings.default_profile
    return doc


def mask(value: Any) -> Any:
    """A copy with secret values hidden: keys named token, password or secret, and URL passwords."""
    if isinstance(value, dict):
        return {k: MASK if k.lower() in SECRET_KEYS else mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, str) and "://" in value:
        return _mask_url(value)
    return value


def _mask_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{MASK}@{host}"))


def _unset_dropped(values: dict[str, Any], *drop: str) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None and k not in drop}


def edit_config() -> int:
    """Open config.toml in $VISUAL, $EDITOR or vi, creating it from :data:`EXAMPLE` first."""
    path = config_dir() / CONFIG_FILE
    if not path.exists():
        write_private_file(path, EXAMPLE.encode())
        print(f"Created {path} with a commented example.")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        done = subprocess.run([*shlex.split(editor), str(path)], check=False)
    except (OSError, ValueError) as err:
        print(f"backdesk: could not start the editor {editor!r} ({err}); set $VISUAL or $EDITOR, "
              f"or edit {path} yourself.", file=sys.stderr)
        return 1
    problems = load_settings().problems
    for problem in problems:
        print(f"Problem: {problem}", file=sys.stderr)
    return done.returncode or (1 if problems else 0)
