"""backdesk's preferences: what the operator writes, what the app remembers, and secrets.

Two files live in :func:`config_dir` (``platformdirs.user_config_dir("backdesk")``):

``config.toml``
    Written by the person, by hand (``backdesk config --edit``). backdesk only ever reads it:
    tomli-w would drop the person's comments and layout, so the app never rewrites it.
``app-state.toml``
    Written by the app the moment the operator changes something inside it (theme, columns,
    sort and filter per queue, views saved in the app). Each save reads the file, updates
    only the app's own keys, keeps every other key as it was, and replaces the file atomically
    (temporary file in the same folder, then ``os.replace``) with mode 0600. A broken
    ``app-state.toml`` is reported and never overwritten: saves raise :class:`ConfigError`
    until the person fixes or deletes it.

Effective settings are the defaults, overlaid by ``config.toml``, overlaid by
``app-state.toml`` for the app-managed keys (``theme``, ``columns``, ``queues``). Views are
the ``config.toml`` views followed by the app's views; an app view with the same name as a
config view takes its place.

Loading never raises and never writes. A file that is not valid TOML is ignored as a whole;
a value of the wrong type falls back to its default. Each becomes a :class:`Problem` naming
the file, the line (for TOML syntax errors) or the key path.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

from backdesk.api_client.connect import BACKENDS, Credentials
from backdesk.api_client.filters import FilterError, parse_filter
from backdesk.api_client.models import SORT_FIELDS, Person, Sort, Task
from backdesk.widgets.task_table import COLUMNS, DEFAULT_COLUMNS

CONFIG_FILE = "config.toml"
STATE_FILE = "app-state.toml"
DEFAULT_THEME = "backdesk-dark"
DEFAULT_REFRESH = 30
TOKEN_COMMAND_TIMEOUT = 15
#: Keys whose values are secrets: never read from config.toml, always masked when shown.
SECRET_KEYS = ("token", "password", "secret")

USING_DEFAULTS = "Using defaults for everything in this file."
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_TOML_LINE = re.compile(r"at line (\d+)")


class ConfigError(Exception):
    """A preference cannot be used or saved; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in a settings file. ``str()`` gives the sentence to show."""

    file: Path
    message: str
    line: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass(frozen=True, slots=True)
class Profile:
    """A backend to connect to. Secrets come from ``token_env`` or ``token_command``."""

    name: str
    url: str
    backend: str = "workqueue"
    user: str | None = None
    token_env: str | None = None
    token_command: str | None = None
    verify: bool = True
    ca_bundle: str | None = None


@dataclass(frozen=True, slots=True)
class View:
    """A named filter, with an optional sort (``-priority`` style) and queue id."""

    name: str
    filter: str = ""
    sort: str | None = None
    queue: str | None = None


#: The views a new operator starts with, until config.toml names its own.
STARTER_VIEWS = (
    View("My open", "owner:me"),
    View("Unclaimed urgent", "owner:none priority:>=urgent"),
    View("Breaching in 1h", "due:<1h", "due_at"),
)


@dataclass(frozen=True, slots=True)
class QueuePrefs:
    """The sort (``-priority`` style) and filter last used on one queue."""

    sort: str = "-priority"
    filter: str = ""


@dataclass(slots=True)
class Settings:
    """Effective settings. :class:`StateStore` updates the app-managed fields in place."""

    config_path: Path
    state_path: Path
    theme: str = DEFAULT_THEME
    default_profile: str | None = None
    #: Seconds between automatic refreshes; 0 turns them off.
    refresh_interval: int = DEFAULT_REFRESH
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    column_widths: dict[str, int] = field(default_factory=dict)
    queues: dict[str, QueuePrefs] = field(default_factory=dict)
    #: Views from config.toml; :data:`STARTER_VIEWS` until it has ``[[views]]`` of its own.
    config_views: tuple[View, ...] = STARTER_VIEWS
    app_views: tuple[View, ...] = ()
    templates: dict[str, str] = field(default_factory=dict)
    #: Action id -> key string ("ctrl+k", "k,ctrl+k"); "" unbinds. See :mod:`tui.keymap`.
    keys: dict[str, str] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def views(self) -> tuple[View, ...]:
        """Config views in order, each replaced by an app view of the same name, then the rest."""
        app = {view.name: view for view in self.app_views}
        merged = [app.pop(view.name, view) for view in self.config_views]
        return (*merged, *app.values())

    def queue_prefs(self, queue_key: str) -> QueuePrefs:
        return self.queues.get(queue_key, QueuePrefs())


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir("backdesk"))


def load_settings(directory: Path | None = None) -> Settings:
    """Read both files from ``directory`` (default :func:`config_dir`). Never raises."""
    directory = config_dir() if directory is None else directory
    settings = Settings(directory / CONFIG_FILE, directory / STATE_FILE)
    config = _Reader(settings.config_path, settings.problems)
    state = _Reader(settings.state_path, settings.problems, " backdesk will not save preferences into it "
                    "until it is fixed or deleted.")
    config_doc, state_doc = config.read(), state.read()
    config.apply_config(config_doc, settings)
    config.apply_app_keys(config_doc, settings, app_views=False)
    state.apply_app_keys(state_doc, settings, app_views=True)
    return settings


class StateStore:
    """Saves what the operator changes in the app into ``app-state.toml`` at once.

    Every method first updates ``settings`` (so the change holds for this session), then
    writes; it raises :class:`ConfigError` when the file cannot be written or is broken.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def save_theme(self, name: str) -> None:
        self.settings.theme = name
        self._update(lambda doc: doc.__setitem__("theme", name))

    def save_columns(self, keys: Sequence[str], widths: Mapping[str, int]) -> None:
        self.settings.columns = tuple(keys)
        self.settings.column_widths = {**self.settings.column_widths, **widths}

        def change(doc: dict[str, Any]) -> None:
            columns = _subtable(doc, "columns", self.settings.state_path)
            columns["visible"] = list(keys)
            columns["widths"] = {**_subtable(columns, "widths", self.settings.state_path, "columns."), **widths}

        self._update(change)

    def save_queue_prefs(self, queue_key: str, sort: str, filter: str) -> None:
        _check_sort(sort)
        self.settings.queues[queue_key] = QueuePrefs(sort, filter)

        def change(doc: dict[str, Any]) -> None:
            queues = _subtable(doc, "queues", self.settings.state_path)
            queues[queue_key] = {"sort": sort, "filter": filter}

        self._update(change)

    def save_view(self, view: View) -> None:
        """Add an app view, or replace the view of the same name."""
        if view.sort is not None:
            _check_sort(view.sort)
        self.settings.app_views = (*(v for v in self.settings.app_views if v.name != view.name), view)
        self._update(lambda doc: self._replace_views(doc, view.name, view))

    def delete_view(self, name: str) -> None:
        """Forget an app view; a config.toml view of that name shows again."""
        if not any(v.name == name for v in self.settings.app_views):
            if any(v.name == name for v in self.settings.config_views):
                raise ConfigError(f"The view {name!r} is defined in {self.settings.config_path}; "
                                  "remove it there.")
            raise ConfigError(f"There is no view named {name!r}.")
        self.settings.app_views = tuple(v for v in self.settings.app_views if v.name != name)
        self._update(lambda doc: self._replace_views(doc, name, None))

    def _replace_views(self, doc: dict[str, Any], name: str, view: View | None) -> None:
        views = doc.setdefault("views", [])
        if not isinstance(views, list):
            raise ConfigError(f"{self.settings.state_path}: views must be a list of tables; "
                              "fix or delete the file so backdesk can save views again.")
        kept = [v for v in views if not (isinstance(v, dict) and v.get("name") == name)]
        if view is not None:
            kept.append({k: v for k, v in (("name", view.name), ("filter", view.filter),
                                           ("sort", view.sort), ("queue", view.queue)) if v is not None})
        doc["views"] = kept

    def _update(self, change: Callable[[dict[str, Any]], None]) -> None:
        path = self.settings.state_path
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise ConfigError(f"{path} is not valid TOML ({err}); backdesk will not overwrite it. "
                              "Fix or delete the file to save preferences again.") from None
        except OSError as err:
            raise ConfigError(f"Could not read {path}: {err.strerror or err}.") from None
        change(doc)
        try:
            write_private_file(path, tomli_w.dumps(doc).encode())
        except OSError as err:
            raise ConfigError(f"Could not save preferences to {path}: {err.strerror or err}.") from None


def write_private_file(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically with ``data``, readable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def resolve_credentials(profile: Profile, environ: Mapping[str, str] = os.environ) -> Credentials:
    """Credentials for ``profile``, running its ``token_command`` if it has one.

    Without ``token_env`` or ``token_command`` the secrets come from ``BACKDESK_TOKEN`` and
    ``BACKDESK_PASSWORD``, as on the command line. For ``rt`` a command's output is the password.
    """
    token, password = environ.get("BACKDESK_TOKEN"), environ.get("BACKDESK_PASSWORD")
    if profile.token_command:
        secret = run_token_command(profile)
        token, password = (None, secret) if profile.backend == "rt" else (secret, None)
    elif profile.token_env:
        token, password = environ.get(profile.token_env), None
        if not token:
            raise ConfigError(f"Profile {profile.name!r} reads its token from ${profile.token_env}, "
                              "which is not set.")
    verify: bool | str = profile.verify
    if profile.ca_bundle:
        verify = os.path.expanduser(profile.ca_bundle)
        if not os.path.isfile(verify):
            raise ConfigError(f"Profile {profile.name!r} has ca_bundle {profile.ca_bundle!r}, "
                              "which is not a file.")
    return Credentials(url=profile.url, user=profile.user, token=token, password=password, verify=verify)


def run_token_command(profile: Profile) -> str:
    """Run the profile's ``token_command`` (no shell) and return its stripped output."""
    what = f"The token_command of profile {profile.name!r}"
    try:
        argv = shlex.split(profile.token_command or "")
    except ValueError as err:
        raise ConfigError(f"{what} cannot be split into words: {err}.") from None
    if not argv:
        raise ConfigError(f"{what} is empty.")
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TOKEN_COMMAND_TIMEOUT,
                              stdin=subprocess.DEVNULL, check=False)
    except FileNotFoundError:
        raise ConfigError(f"{what} failed: program {argv[0]!r} was not found.") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"{what} did not finish within {TOKEN_COMMAND_TIMEOUT} seconds.") from None
    except OSError as err:
        raise ConfigError(f"{what} could not start: {err.strerror or err}.") from None
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()
        detail = f": {said[0][:200]}" if said else ""
        raise ConfigError(f"{what} failed with exit status {done.returncode}{detail}")
    secret = done.stdout.strip()
    if not secret:
        raise ConfigError(f"{what} printed nothing.")
    return secret


_PLACEHOLDER = re.compile(r"\{(task|me)\.([a-z_]+)\}")


def render_template(text: str, task: Task, me: Person | None) -> str:
    """Fill ``{task.id}``, ``{task.reference}``, ``{task.title}``, ``{task.queue}``,
    ``{me.name}`` and ``{me.id}``; anything else in braces stays as written."""
    values = {
        ("task", "id"): task.id,
        ("task", "reference"): task.reference or "",
        ("task", "title"): task.title,
        ("task", "queue"): task.queue,
        ("me", "name"): me.name if me else "",
        ("me", "id"): me.id if me else "",
    }
    return _PLACEHOLDER.sub(lambda m: values.get((m[1], m[2]), m[0]), text)


def key_path(*parts: str) -> str:
    """A TOML dotted key, quoting the parts that need it: ``queues."returns.eu".sort``."""
    return ".".join(p if _BARE_KEY.match(p) else '"' + p.replace('"', '\\"') + '"' for p in parts)


def _check_sort(sort: str) -> None:
    try:
        Sort.from_param(sort)
    except ValueError:
        raise ConfigError(f"Cannot sort by {sort!r}; use one of {', '.join(SORT_FIELDS)}, "
                          "with a leading - for descending.") from None


def _subtable(doc: dict[str, Any], key: str, file: Path, prefix: str = "") -> dict[str, Any]:
    table = doc.setdefault(key, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: {prefix}{key} must be a table; fix or delete the file so "
                          "backdesk can save it again.")
    return table


_KINDS: dict[type, str] = {
    str: "a string in quotes",
    bool: "true or false",
    int: "a whole number",
    list: "a list",
    dict: "a table",
}


class _Reader:
    """Reads one file and checks its values, adding a :class:`Problem` for each bad one."""

    def __init__(self, path: Path, problems: list[Problem], unreadable_note: str = "") -> None:
        self.path = path
        self.problems = problems
        self.unreadable_note = unreadable_note

    def problem(self, message: str, key: str | None = None, line: int | None = None) -> None:
        self.problems.append(Problem(self.path, message, line=line, key=key))

    def read(self) -> dict[str, Any]:
        try:
            return tomllib.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except tomllib.TOMLDecodeError as err:
            line = _TOML_LINE.search(str(err))
            self.problem(f"not valid TOML: {err}. {USING_DEFAULTS}{self.unreadable_note}",
                         line=int(line[1]) if line else None)
        except UnicodeDecodeError:
            self.problem(f"not valid UTF-8 text. {USING_DEFAULTS}{self.unreadable_note}")
        except OSError as err:
            self.problem(f"cannot be read: {err.strerror or err}. {USING_DEFAULTS}")
        return {}

    def get(self, table: Mapping[str, Any], key: str, kind: type, *path: str) -> Any:
        """``table[key]`` if present and of ``kind``; else None (with a problem if wrong)."""
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        name = key_path(*path, key)
        self.problem(f"{name} must be {_KINDS[kind]}.", key=name)
        return None

    def get_strings(self, table: Mapping[str, Any], key: str, *path: str) -> list[str] | None:
        value = self.get(table, key, list, *path)
        if value is not None and not all(isinstance(v, str) for v in value):
            name = key_path(*path, key)
            self.problem(f"{name} must be a list of strings in quotes.", key=name)
            return None
        return value

    def string_table(self, table: Mapping[str, Any], key: str) -> dict[str, str]:
        values = self.get(table, key, dict) or {}
        good = {}
        for name, value in values.items():
            if isinstance(value, str):
                good[name] = value
            else:
                self.problem(f"{key_path(key, name)} must be a string in quotes.", key=key_path(key, name))
        return good

    def apply_config(self, doc: dict[str, Any], settings: Settings) -> None:
        """The keys only config.toml may set."""
        interval = self.get(doc, "refresh_interval", int)
        if interval is not None:
            if interval < 0:
                self.problem("refresh_interval must be 0 (off) or a number of seconds.", key="refresh_interval")
            else:
                settings.refresh_interval = interval
        settings.templates = self.string_table(doc, "templates")
        settings.keys = self.string_table(doc, "keys")
        for name, table in (self.get(doc, "profiles", dict) or {}).items():
            if not isinstance(table, dict):
                self.problem(f"{key_path('profiles', name)} must be a table.", key=key_path("profiles", name))
            elif (profile := self.profile(name, table)) is not None:
                settings.profiles[name] = profile
        default = self.get(doc, "default_profile", str)
        if default is not None:
            if default in settings.profiles:
                settings.default_profile = default
            else:
                self.problem(f"default_profile {default!r} names no usable [profiles.{default}].",
                             key="default_profile")

    def profile(self, name: str, table: dict[str, Any]) -> Profile | None:
        path = ("profiles", name)
        before = len(self.problems)
        for secret in SECRET_KEYS:
            if secret in table:
                self.problem(f"{key_path(*path, secret)}: backdesk does not read secrets from this file; "
                             "use token_env or token_command.", key=key_path(*path, secret))
        url = self.get(table, "url", str, *path)
        backend = self.get(table, "backend", str, *path) or "workqueue"
        if backend not in BACKENDS:
            self.problem(f"{key_path(*path, 'backend')} must be one of {', '.join(BACKENDS)}.",
                         key=key_path(*path, "backend"))
        profile = Profile(
            name=name,
            url=url or "",
            backend=backend,
            user=self.get(table, "user", str, *path),
            token_env=self.get(table, "token_env", str, *path),
            token_command=self.get(table, "token_command", str, *path),
            verify=self.get(table, "verify", bool, *path) is not False,
            ca_bundle=self.get(table, "ca_bundle", str, *path),
        )
        if table.get("url", "") == "":
            self.problem(f"{key_path(*path)} needs a url.", key=key_path(*path, "url"))
        if profile.token_env and profile.token_command:
            self.problem(f"{key_path(*path)}: set token_env or token_command, not both.",
                         key=key_path(*path, "token_command"))
        if profile.token_command:
            try:
                shlex.split(profile.token_command)
            except ValueError as err:
                self.problem(f"{key_path(*path, 'token_command')} cannot be split into words: {err}.",
                             key=key_path(*path, "token_command"))
        if len(self.problems) > before:
            self.problem(f"Profile {name!r} is not usable until that is fixed.", key=key_path(*path))
            return None
        return profile

    def apply_app_keys(self, doc: dict[str, Any], settings: Settings, *, app_views: bool) -> None:
        """The keys both files may set; each file overrides what came before."""
        theme = self.get(doc, "theme", str)
        if theme is not None:
            if theme in _theme_names():
                settings.theme = theme
            else:
                self.problem(f"theme {theme!r} is unknown; use one of {', '.join(_theme_names())}.", key="theme")
        columns = self.get(doc, "columns", dict) or {}
        visible = self.get_strings(columns, "visible", "columns")
        if visible is not None:
            unknown = [c for c in visible if c not in COLUMNS]
            if unknown:
                self.problem(f"columns.visible: unknown column {unknown[0]!r}; use {', '.join(COLUMNS)}.",
                             key="columns.visible")
            elif not visible:
                self.problem("columns.visible needs at least one column.", key="columns.visible")
            else:
                settings.columns = tuple(visible)
        for name, width in (self.get(columns, "widths", dict, "columns") or {}).items():
            if isinstance(width, int) and not isinstance(width, bool) and width > 0:
                settings.column_widths[name] = width
            else:
                self.problem(f"{key_path('columns', 'widths', name)} must be a positive whole number.",
                             key=key_path("columns", "widths", name))
        for queue, table in (self.get(doc, "queues", dict) or {}).items():
            if (prefs := self.queue_prefs(queue, table, settings.queues.get(queue))) is not None:
                settings.queues[queue] = prefs
        views = self.views(self.get(doc, "views", list) or [])
        if app_views:
            settings.app_views = views
        elif "views" in doc:
            settings.config_views = views

    def queue_prefs(self, queue: str, table: Any, base: QueuePrefs | None) -> QueuePrefs | None:
        path = ("queues", queue)
        if not isinstance(table, dict):
            self.problem(f"{key_path(*path)} must be a table.", key=key_path(*path))
            return None
        base = base or QueuePrefs()
        sort = self.sort(table, *path)
        filt = self.filter(table, *path)
        return QueuePrefs(sort or base.sort, base.filter if filt is None else filt)

    def views(self, tables: list[Any]) -> tuple[View, ...]:
        views: dict[str, View] = {}
        for number, table in enumerate(tables, 1):
            where = f"views #{number}"
            name = table.get("name") if isinstance(table, dict) else None
            if not isinstance(name, str) or not name.strip():
                self.problem(f"{where} (a [[views]] table) needs a name in quotes.", key=where)
                continue
            path = ("views", name)
            before = len(self.problems)
            view = View(name, self.filter(table, *path) or "", self.sort(table, *path),
                        self.get(table, "queue", str, *path))
            if len(self.problems) == before:
                views[name] = view
        return tuple(views.values())

    def sort(self, table: Mapping[str, Any], *path: str) -> str | None:
        sort = self.get(table, "sort", str, *path)
        if sort is None:
            return None
        try:
            _check_sort(sort)
        except ConfigError as err:
            self.problem(f"{key_path(*path, 'sort')}: {err}", key=key_path(*path, "sort"))
            return None
        return sort

    def filter(self, table: Mapping[str, Any], *path: str) -> str | None:
        text = self.get(table, "filter", str, *path)
        if text is None:
            return None
        try:
            parse_filter(text)
        except FilterError as err:
            self.problem(f"{key_path(*path, 'filter')}: {err}.", key=key_path(*path, "filter"))
            return None
        return text


def _theme_names() -> list[str]:
    from textual.theme import BUILTIN_THEMES

    from backdesk.themes import THEME_NAMES

    return [*THEME_NAMES, *BUILTIN_THEMES]
