"""Reading ``config.toml`` and ``app-state.toml`` into :class:`~.config.Settings`, checked.

Both files live in :func:`config_dir` (``platformdirs.user_config_dir("backdesk")``). Effective
settings are the defaults, overlaid by ``config.toml``, overlaid by ``app-state.toml`` for the
settings whose :attr:`~.config.Declared.source` allows it. Views are the ``config.toml`` views
followed by the app's views; an app view with the same name as a config view takes its place.

The checks come from the declarations in :mod:`.config`: each value must fit its field's type
and pass the field's checks. Loading never raises and never writes. A file that is not valid
TOML is ignored as a whole; a bad value falls back to what came before. Each becomes a
:class:`~.config.Problem` naming the file, the line and the key path.
"""

from __future__ import annotations

import re
import tomllib
import types
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, fields, is_dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

import platformdirs

from .config import (
    CONFIG_FILE,
    STATE_FILE,
    Declared,
    Problem,
    Profile,
    Settings,
    declared_fields,
    key_path,
    toml_key,
)
from .secrets import SECRET_KEYS

USING_DEFAULTS = "Using defaults for everything in this file."
_TOML_LINE = re.compile(r"at line (\d+)")
_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED = rf"({_PART}(?:\s*\.\s*{_PART})*)\s*"
_HEADER = re.compile(rf"\[\[\s*{_DOTTED}\]\]|\[\s*{_DOTTED}\]")
_ASSIGN = re.compile(rf"{_DOTTED}=\s*(.*)")
_INLINE_KEY = re.compile(rf"[{{,]\s*{_DOTTED}=")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'')
_PHRASES: dict[Any, str] = {str: "a string in quotes", bool: "true or false", int: "a whole number"}
_BAD = object()


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir("backdesk"))


def load_settings(directory: Path | None = None) -> Settings:
    """Read both files from ``directory`` (default :func:`config_dir`). Never raises."""
    directory = config_dir() if directory is None else directory
    settings = Settings(directory / CONFIG_FILE, directory / STATE_FILE)
    config = _Reader(settings.config_path, settings.problems)
    state = _Reader(
        settings.state_path,
        settings.problems,
        " backdesk will not save preferences into it until it is fixed or deleted.",
    )
    config_doc, state_doc = config.read(), state.read()
    config.apply(config_doc, settings, "config")
    default = settings.default_profile
    if default is not None and default not in settings.profiles:
        config.problem(f"default_profile {default!r} names no usable [profiles.{default}].", ("default_profile",))
        settings.default_profile = None
    config.apply(config_doc, settings, "both")
    state.apply(state_doc, settings, "both", "state")
    return settings


def locate(problems: Iterable[Problem]) -> list[Problem]:
    """``problems`` with the line of each one's key filled in, where the file shows it."""
    lines: dict[Path, TomlLines] = {}
    located = []
    for problem in problems:
        if problem.line is None and problem.key:
            if problem.file not in lines:
                try:
                    lines[problem.file] = TomlLines(problem.file.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError):
                    lines[problem.file] = TomlLines("")
            problem = replace(problem, line=lines[problem.file].find(split_key(problem.key)))
        located.append(problem)
    return located


def split_key(key: str) -> tuple[str, ...]:
    """The parts of a dotted key as :func:`~.config.key_path` writes it; ``views #2`` is the 2nd view."""
    key, _, number = key.partition(" #")
    parts = tuple(_unquote(m[0]) for m in re.finditer(_PART, key))
    return (*parts, f"#{number}") if number else parts


class TomlLines:
    """Where each key of a TOML text is written: the line of its first mention.

    Entries of an array of tables are ``#1``, ``#2``…, and also their ``name`` when they have one.
    A key not written itself (a missing ``url``) is found at the nearest table that is.
    """

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple[str, ...], int] = {}
        self.aliases: dict[tuple[str, ...], tuple[str, ...]] = {}
        table: tuple[str, ...] = ()
        counts: dict[tuple[str, ...], int] = {}
        open_string = None
        for number, line in enumerate(text.splitlines(), 1):
            stripped = line.strip()
            if open_string:
                open_string = None if open_string in stripped else open_string
            elif header := _HEADER.match(stripped):
                table = split_key(header[1] or header[2])
                if header[1]:
                    self.lines.setdefault(table, number)
                    counts[table] = counts.get(table, 0) + 1
                    table = (*table, f"#{counts[table]}")
                self.lines.setdefault(table, number)
            elif assign := _ASSIGN.match(stripped):
                keys, rest = split_key(assign[1]), assign[2]
                self.lines.setdefault((*table, *keys), number)
                for inner in _INLINE_KEY.finditer(rest):
                    self.lines.setdefault((*table, *keys, *split_key(inner[1])), number)
                if keys == ("name",) and table[-1:] and table[-1].startswith("#") and (name := _STRING.match(rest)):
                    self.aliases.setdefault((*table[:-1], _unquote(name[0])), table)
                open_string = next((q for q in ('"""', "'''") if rest.count(q) % 2), None)

    def find(self, parts: tuple[str, ...]) -> int | None:
        for alias, real in self.aliases.items():
            if parts[: len(alias)] == alias:
                parts = (*real, *parts[len(alias) :])
                break
        while parts:
            if parts in self.lines:
                return self.lines[parts]
            parts = parts[:-1]
        return None


def _unquote(part: str) -> str:
    if part.startswith('"'):
        return re.sub(r"\\(.)", r"\1", part[1:-1])
    return part[1:-1] if part.startswith("'") else part


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _fits(value: Any, kind: Any) -> bool:
    origin, args = get_origin(kind), get_args(kind)
    if origin in (Union, types.UnionType):
        return any(_fits(value, arg) for arg in args if arg is not type(None))
    if origin in (list, tuple):
        return isinstance(value, list) and all(_fits(item, args[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict) and all(_fits(item, args[1]) for item in value.values())
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _describe(kind: Any) -> str:
    origin, args = get_origin(kind), get_args(kind)
    if origin in (Union, types.UnionType):
        names = [_describe(arg) for arg in args if arg is not type(None)]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])}, or {names[-1]}"
    if origin in (list, tuple):
        return "a list of strings in quotes" if args[0] is str else "a list of tables"
    return _PHRASES.get(kind, "a table")


class _Reader:
    """Reads one file and checks its values, adding a :class:`Problem` for each bad one."""

    def __init__(self, path: Path, problems: list[Problem], unreadable_note: str = "") -> None:
        self.path = path
        self.problems = problems
        self.unreadable_note = unreadable_note
        self.lines = TomlLines("")

    def problem(self, message: str, parts: tuple[str, ...], key: str | None = None) -> None:
        """Report ``message`` about the key ``parts`` (shown as ``key`` when given)."""
        found = Problem(self.path, message, line=self.lines.find(parts), key=key or key_path(*parts))
        if found not in self.problems:
            self.problems.append(found)

    def read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
            doc = tomllib.loads(text)
        except FileNotFoundError:
            return {}
        except tomllib.TOMLDecodeError as err:
            line = _TOML_LINE.search(str(err))
            self.problems.append(
                Problem(
                    self.path,
                    f"not valid TOML: {err}. {USING_DEFAULTS}{self.unreadable_note}",
                    line=int(line[1]) if line else None,
                )
            )
        except UnicodeDecodeError:
            self.problems.append(Problem(self.path, f"not valid UTF-8 text. {USING_DEFAULTS}{self.unreadable_note}"))
        except OSError as err:
            self.problems.append(Problem(self.path, f"cannot be read: {err.strerror or err}. {USING_DEFAULTS}"))
        else:
            self.lines = TomlLines(text)
            return doc
        return {}

    def apply(self, doc: Mapping[str, Any], settings: Settings, *sources: str) -> None:
        """Set each setting of ``sources`` that ``doc`` holds and that passes its checks."""
        for item, declared in declared_fields(Settings):
            if declared.source not in sources:
                continue
            *outer, last = toml_key(item, declared).split(".")
            table: Any = doc
            for depth, part in enumerate(outer, 1):
                table = table.get(part, {})
                if not isinstance(table, dict):
                    self.problem(f"{key_path(*outer[:depth])} must be a table.", tuple(outer[:depth]))
                    break
            else:
                if last in table:
                    value = self.value(
                        table[last], _hints(Settings)[item.name], declared, (*outer, last), getattr(settings, item.name)
                    )
                    if value is not _BAD:
                        setattr(settings, item.name, value)

    def value(self, value: Any, kind: Any, declared: Declared, parts: tuple[str, ...], current: Any) -> Any:
        """``value`` as ``kind`` if it passes; else :data:`_BAD`, with a problem."""
        origin, args = get_origin(kind), get_args(kind)
        entry = args[0 if origin is tuple else -1] if args else None
        name = key_path(*parts)
        if origin is dict and isinstance(value, dict):
            result = dict(current or {})
            for sub, item in value.items():
                good = self.entry(entry, item, (*parts, sub), result.get(sub), declared)
                if good is not _BAD:
                    result[sub] = good
            return result
        if origin is tuple and is_dataclass(entry) and isinstance(value, list):
            read = [
                self.entry(entry, item, (*parts, f"#{number}"), None, declared, numbered=True)
                for number, item in enumerate(value, 1)
            ]
            return tuple({good.name: good for good in read if good is not _BAD}.values())
        if not _fits(value, kind):
            self.problem(f"{name} must be {_describe(kind)}.", parts)
            return _BAD
        value = tuple(value) if origin is tuple else value
        if declared.check and (reason := declared.check(value, name)):
            self.problem(reason, parts)
            return _BAD
        return value

    def entry(
        self, kind: Any, value: Any, parts: tuple[str, ...], base: Any, declared: Declared, *, numbered: bool = False
    ) -> Any:
        """One entry of a table setting: a plain value, or a table read as the dataclass ``kind``.

        A ``numbered`` entry (``views #2``, of an array of tables) is named by its ``name`` key.
        """
        if not is_dataclass(kind):
            return self.value(value, kind, replace(declared, check=declared.each), parts, None)
        if numbered:
            name = value.get("name") if isinstance(value, dict) else None
            if not isinstance(name, str) or not name.strip():
                self.problem(
                    f"{parts[0]} {parts[-1]} (a [[{parts[0]}]] table) needs a name in quotes.",
                    parts,
                    key=f"{parts[0]} {parts[-1]}",
                )
                return _BAD
            parts = (*parts[:-1], name)
        elif not isinstance(value, dict):
            self.problem(f"{key_path(*parts)} must be a table.", parts)
            return _BAD
        before = len(self.problems)
        if kind is Profile:
            self.profile_rules(value, parts)
        values = self.dataclass_values(kind, value, parts)
        if declared.partial:
            return replace(base or kind(), **values)
        if len(self.problems) > before:
            if kind is Profile:
                self.problem(f"Profile {parts[-1]!r} is not usable until that is fixed.", parts)
            return _BAD
        return kind(**values)

    def dataclass_values(self, kind: type, table: Mapping[str, Any], parts: tuple[str, ...]) -> dict[str, Any]:
        """The good values of ``table`` for the settings of ``kind``; ``name`` is the table's key."""
        settings = declared_fields(kind)
        values: dict[str, Any] = {}
        if any(f.name == "name" for f in fields(kind)) and all(f.name != "name" for f, _ in settings):
            values["name"] = parts[-1]
        for item, declared in settings:
            key = toml_key(item, declared)
            if table.get(key, "") == "" and item.default is MISSING and item.default_factory is MISSING:
                self.problem(f"{key_path(*parts)} needs a {key}.", (*parts, key))
            elif key in table:
                value = self.value(table[key], _hints(kind)[item.name], declared, (*parts, key), None)
                if value is not _BAD:
                    values[item.name] = value
        return values

    def profile_rules(self, table: Mapping[str, Any], parts: tuple[str, ...]) -> None:
        """A profile takes no secrets, and one way of getting them."""
        if table.get("token_env") and table.get("token_command"):
            self.problem(f"{key_path(*parts)}: set token_env or token_command, not both.", (*parts, "token_command"))
        for secret in SECRET_KEYS:
            if secret in table:
                self.problem(
                    f"{key_path(*parts, secret)}: backdesk does not read secrets from this file; "
                    "use token_env or token_command.",
                    (*parts, secret),
                )
