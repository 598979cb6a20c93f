"""``backdesk config``: where the settings live and what they add up to; ``--edit`` opens them.

The listing and the commented example file are generated from the declarations in
:mod:`.config`, so every setting shows up in both.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import textwrap
from dataclasses import is_dataclass
from typing import Any, get_args, get_origin, get_type_hints

import tomli_w

from .config import CONFIG_FILE, Problem, Settings, declared_fields, key_path, toml_key
from .drafts import DraftStore
from .private_files import write_private_file
from .secrets import mask
from .settings_loader import config_dir, load_settings

HEADER = """\
# backdesk configuration. backdesk reads this file and never writes it, so your comments
# stay. What you change inside the app (theme, columns, sort and filter per queue, views
# saved in the app) goes to app-state.toml next to this file and wins over this file.
# Lines starting with "#" followed directly by a setting are examples: remove the "#" to use.
# `backdesk config` shows the effective settings and any problem in this file.
"""


def config_command(edit: bool) -> int:
    """Show the settings (0, or 1 when a file has problems); with ``edit``, open config.toml."""
    if edit:
        return edit_config()
    settings = load_settings()
    state = settings.state_path
    print(
        f"Config file: {settings.config_path}"
        + ("" if settings.config_path.exists() else " (missing; `backdesk config --edit` creates it)")
    )
    print(f"App state:   {state}" + ("" if state.exists() else " (missing; made when you change something)"))
    print(f"Drafts:      {DraftStore().directory} (unsent notes, one file per task)")
    problems = startup_problems(settings)
    for problem in problems:
        print(f"Problem: {problem}", file=sys.stderr)
    print("\n# Effective settings\n")
    print(tomli_w.dumps(mask(effective(settings))), end="")
    return 1 if problems else 0


def startup_problems(settings: Settings) -> list[Problem]:
    """What the app reports when it starts: the files' problems, then the ``[keys]`` table's.

    Checking ``[keys]`` needs the app's bindings, so Textual is imported only when there are keys.
    """
    if not settings.keys:
        return list(settings.problems)
    from .app import key_scopes
    from .keymap import build_keymap

    return [*settings.problems, *build_keymap(settings.keys, key_scopes(), settings.config_path).problems]


def effective(settings: Settings) -> dict[str, Any]:
    """The settings as a TOML document, leaving out what is unset."""
    doc: dict[str, Any] = {}
    for item, declared in declared_fields(Settings):
        value = _plain(getattr(settings, declared.shown or item.name)) if declared.shown != "" else None
        if value is not None:
            *outer, last = toml_key(item, declared).split(".")
            table = doc
            for part in outer:
                table = table.setdefault(part, {})
            table[last] = value
    return doc


def _plain(value: Any) -> Any:
    """``value`` as TOML data: a settings dataclass becomes a table of its settings that are set."""
    if is_dataclass(value):
        return {
            toml_key(item, declared): _plain(got)
            for item, declared in declared_fields(type(value))
            if (got := getattr(value, item.name)) is not None and got != {}
        }
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def example() -> str:
    """The commented example config.toml: every setting with its help, and example values."""
    hints = get_type_hints(Settings)
    top, tables = [HEADER.rstrip("\n")], []
    columns: dict[str, list[str]] = {}
    for item, declared in declared_fields(Settings):
        if declared.source == "state":
            continue
        key, kind = toml_key(item, declared), hints[item.name]
        origin, args = get_origin(kind), get_args(kind)
        entry = args[0 if origin is tuple else -1] if args else None
        if "." in key:
            table, _, key = key.partition(".")
            columns.setdefault(table, []).extend([*_help(declared.help), f"#{key} = {_toml(declared.example)}"])
        elif is_dataclass(entry):
            headers = (
                [f"#[{key_path(key, name)}]" for name in declared.example]
                if origin is dict
                else [f"#[[{key}]]"] * len(declared.example)
            )
            instances = declared.example.values() if origin is dict else declared.example
            tables.append(
                _help(declared.help)
                + [
                    line
                    for number, (header, values) in enumerate(zip(headers, instances, strict=True))
                    for line in ["" if number else None, header, *_instance(entry, values, number == 0)]
                    if line is not None
                ]
            )
        elif origin is dict:
            tables.append(
                [
                    *_help(declared.help),
                    f"#[{key}]",
                    *(f"#{key_path(name)} = {_toml(v)}" for name, v in declared.example.items()),
                ]
            )
        else:
            top.append("\n".join([*_help(declared.help), f"#{key} = {_toml(declared.example)}"]))
    sections = [[f"#[{table}]", *lines] for table, lines in columns.items()]
    return "\n\n".join([*top, *("\n".join(lines) for lines in [*sections, *tables])]) + "\n"


def _instance(kind: Any, values: dict[str, Any], documented: bool) -> list[str]:
    """The example lines of one table; the first also documents the settings it leaves out."""
    lines = []
    for item, declared in declared_fields(kind):
        key = toml_key(item, declared)
        if key in values:
            lines.extend([*(_help(declared.help) if documented else []), f"#{key} = {_toml(values[key])}"])
        elif documented:
            lines.extend(_help(f"{key}: {declared.help}"))
    return lines


def _help(text: str) -> list[str]:
    return textwrap.wrap(text, 94, initial_indent="# ", subsequent_indent="# ")


def _toml(value: Any) -> str:
    """``value`` written on one line, tables inline."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key_path(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return tomli_w.dumps({"v": value})[4:].rstrip("\n")


def edit_config() -> int:
    """Open config.toml in $VISUAL, $EDITOR or vi, creating it from :func:`example` first."""
    path = config_dir() / CONFIG_FILE
    if not path.exists():
        write_private_file(path, example().encode())
        print(f"Created {path} with a commented example.")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        done = subprocess.run([*shlex.split(editor), str(path)], check=False)
    except (OSError, ValueError) as err:
        print(
            f"backdesk: could not start the editor {editor!r} ({err}); set $VISUAL or $EDITOR, "
            f"or edit {path} yourself.",
            file=sys.stderr,
        )
        return 1
    problems = startup_problems(load_settings())
    for problem in problems:
        print(f"Problem: {problem}", file=sys.stderr)
    return done.returncode or (1 if problems else 0)
