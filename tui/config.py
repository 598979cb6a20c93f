"""backdesk's settings model, and the one declaration of every setting.

Each setting is a dataclass field made with :func:`setting`: its annotation is its type, and
its :class:`Declared` metadata holds the help text, an example and any extra check. The
validator (:mod:`.settings_loader`), ``backdesk config``'s listing and the commented example
file (:mod:`.config_cli`) are all generated from these fields, so a new setting is one field.

Two files hold settings: ``config.toml`` (the person's, read only) and ``app-state.toml`` (what
the app saves, :mod:`.state_store`). :attr:`Declared.source` says which file may set a field.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import MISSING, Field, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from backdesk.api_client.connect import BACKENDS
from backdesk.api_client.filters import FilterError, parse_filter
from backdesk.api_client.models import SORT_FIELDS, Sort

CONFIG_FILE = "config.toml"
STATE_FILE = "app-state.toml"
DEFAULT_THEME = "backdesk-dark"
#: backdesk's themes, then Textual's built-in ones (textual 8.2); a test keeps both lists honest.
THEME_NAMES = (
    "backdesk-dark",
    "backdesk-light",
    "backdesk-high-contrast",
    "backdesk-16",
    "textual-dark",
    "textual-light",
    "nord",
    "gruvbox",
    "catppuccin-mocha",
    "dracula",
    "tokyo-night",
    "monokai",
    "flexoki",
    "catppuccin-latte",
    "catppuccin-frappe",
    "catppuccin-macchiato",
    "solarized-light",
    "solarized-dark",
    "rose-pine",
    "rose-pine-moon",
    "rose-pine-dawn",
    "atom-one-dark",
    "atom-one-light",
    "ansi-dark",
    "ansi-light",
)
#: The task table's columns, in the widget's order; a test keeps them equal to its keys.
COLUMN_NAMES = ("id", "priority", "title", "status", "owner", "due", "reference", "updated")
DEFAULT_COLUMNS = ("id", "priority", "title", "status", "owner", "due")

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")

#: Why a value cannot be used, as a sentence naming the key; None when it is fine.
Check = Callable[[Any, str], "str | None"]


class ConfigError(Exception):
    """A preference cannot be used or saved; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in a settings file. ``str()`` gives the sentence to show, with the line."""

    file: Path
    message: str
    line: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line and self.key else str(self.file)
        return f"{where}: {self.message}"


def key_path(*parts: str) -> str:
    """A TOML dotted key, quoting the parts that need it: ``queues."returns.eu".sort``."""
    return ".".join(p if _BARE_KEY.match(p) else '"' + p.replace('"', '\\"') + '"' for p in parts)


@dataclass(frozen=True, slots=True)
class Declared:
    """What one setting means, an example value, and where it may be set."""

    help: str
    example: Any = None
    #: The TOML key when it differs from the field name ("columns.visible").
    key: str | None = None
    #: "config": only config.toml; "both": either file, app-state.toml wins; "state": app only.
    source: Literal["config", "both", "state"] = "config"
    #: A check beyond the type, for the whole value.
    check: Check | None = None
    #: A check for each entry of a table setting.
    each: Check | None = None
    #: An entry of a table setting with a bad key keeps its good keys (else it is left out).
    partial: bool = False
    #: ``backdesk config`` lists this attribute of :class:`Settings` instead ("" lists nothing).
    shown: str | None = None


def setting(default: Any = MISSING, *, factory: Callable[[], Any] | None = None, **declared: Any) -> Any:
    """A dataclass field that is a setting; ``declared`` are :class:`Declared`'s fields."""
    metadata = {"setting": Declared(**declared)}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def declared_fields(cls: type) -> list[tuple[Field[Any], Declared]]:
    """The settings of ``cls``, in declaration order."""
    return [(f, f.metadata["setting"]) for f in fields(cls) if "setting" in f.metadata]


def toml_key(item: Field[Any], declared: Declared) -> str:
    return declared.key or item.name


def check_sort(sort: str) -> None:
    """Raise :class:`ConfigError` unless ``sort`` is a field name with an optional leading ``-``."""
    try:
        Sort.from_param(sort)
    except ValueError:
        raise ConfigError(
            f"Cannot sort by {sort!r}; use one of {', '.join(SORT_FIELDS)}, with a leading - for descending."
        ) from None


def _sort(value: str, name: str) -> str | None:
    try:
        check_sort(value)
    except ConfigError as err:
        return f"{name}: {err}"
    return None


def _filter(value: str, name: str) -> str | None:
    try:
        parse_filter(value)
    except FilterError as err:
        return f"{name}: {err}."
    return None


def _one_of(choices: tuple[str, ...] | dict[str, str]) -> Check:
    listed = ", ".join(choices)
    return lambda value, name: None if value in choices else f"{name} {value!r} is unknown; use one of {listed}."


def _columns(value: tuple[str, ...], name: str) -> str | None:
    unknown = [c for c in value if c not in COLUMN_NAMES]
    if unknown:
        return f"{name}: unknown column {unknown[0]!r}; use {', '.join(COLUMN_NAMES)}."
    return None if value else f"{name} needs at least one column."


def _words(value: str, name: str) -> str | None:
    try:
        shlex.split(value)
    except ValueError as err:
        return f"{name} cannot be split into words: {err}."
    return None


@dataclass(frozen=True, slots=True)
class Profile:
    """A backend to connect to. Secrets come from ``token_env`` or ``token_command``."""

    #: The NAME of ``[profiles.NAME]``.
    name: str
    url: str = setting(help="The backend's root URL.", example="http://127.0.0.1:8080")
    backend: str = setting(
        "workqueue", help=f"Which kind of backend: {', '.join(BACKENDS)}.", example="workqueue", check=_one_of(BACKENDS)
    )
    user: str | None = setting(None, help="Your login (Request Tracker).")
    token_env: str | None = setting(
        None, help="The environment variable that holds the token.", example="BACKDESK_TOKEN"
    )
    token_command: str | None = setting(
        None,
        help="Or a program (no shell, 15 s limit) whose output is the secret, e.g. a password manager.",
        check=_words,
    )
    verify: bool = setting(True, help="false skips TLS certificate checks.", example=True)
    ca_bundle: str | None = setting(None, help="Your own CA certificates, instead of the system's.")
    options: dict[str, str | int | bool | list[str]] = setting(
        factory=dict, help="Backend-specific options, passed to the adapter as they are."
    )


@dataclass(frozen=True, slots=True)
class View:
    """A named filter, with an optional sort (``-priority`` style) and queue id."""

    name: str = setting(help="Shown in the sidebar; 1…9 jump to the first nine views.")
    filter: str = setting("", help="The filter bar's language.", check=_filter)
    sort: str | None = setting(None, help="How the view sorts, like a queue's sort.", check=_sort)
    queue: str | None = setting(None, help="A queue id; without one the view spans every queue.")


#: The views a new operator starts with, until config.toml names its own.
STARTER_VIEWS = (
    View("My open", "owner:me"),
    View("Unclaimed urgent", "owner:none priority:>=urgent"),
    View("Breaching in 1h", "due:<1h", "due_at"),
)


@dataclass(frozen=True, slots=True)
class QueuePrefs:
    """The sort (``-priority`` style) and filter last used on one queue."""

    sort: str = setting(
        "-priority", example="due_at", check=_sort, help=f"{', '.join(SORT_FIELDS)}, with a leading - for descending."
    )
    filter: str = setting("", example="status:open,waiting", check=_filter, help="The filter bar's language.")


@dataclass(slots=True)
class Settings:
    """Effective settings. :class:`~.state_store.StateStore` updates the app-managed fields in place."""

    config_path: Path
    state_path: Path
    theme: str = setting(
        DEFAULT_THEME,
        source="both",
        check=_one_of(THEME_NAMES),
        example=DEFAULT_THEME,
        help="Colour theme: backdesk-dark, backdesk-light, backdesk-high-contrast, backdesk-16 "
        "(the terminal's 16 colours) or any Textual theme.",
    )
    refresh_interval: int = setting(
        30,
        example=30,
        help="Seconds between automatic refreshes of the task list; 0 turns them off.",
        check=lambda value, name: None if value >= 0 else f"{name} must be 0 (off) or a number of seconds.",
    )
    columns: tuple[str, ...] = setting(
        DEFAULT_COLUMNS,
        key="columns.visible",
        source="both",
        check=_columns,
        example=list(DEFAULT_COLUMNS),
        help=f"Task table columns, in order: {', '.join(COLUMN_NAMES)}.",
    )
    column_widths: dict[str, int] = setting(
        factory=dict,
        key="columns.widths",
        source="both",
        example={"owner": 16},
        help="Widths in characters; the title column takes the rest.",
        each=lambda value, name: None if value > 0 else f"{name} must be a positive whole number.",
    )
    queues: dict[str, QueuePrefs] = setting(
        factory=dict,
        source="both",
        partial=True,
        help="Sort and filter per queue id.",
        example={"returns": {"sort": "due_at", "filter": "status:open,waiting"}},
    )
    templates: dict[str, str] = setting(
        factory=dict,
        example={
            "refund": "Refund for {task.reference} approved by {me.name}.",
            "chase": "Chased the customer about #{task.id} ({task.title}).",
        },
        help="Note templates: name = text. {task.id}, {task.reference}, {task.title}, {task.queue}, "
        "{me.name} and {me.id} are filled in; anything else in braces stays as written.",
    )
    keys: dict[str, str] = setting(
        factory=dict,
        example={"task.claim": "c,ctrl+k", "app.quit": ""},
        help='Keys: action id (see ? in the app) = key list ("ctrl+k" or "k,ctrl+k"); "" unbinds. '
        "Unknown ids and keys two actions would share are reported.",
    )
    profiles: dict[str, Profile] = setting(
        factory=dict,
        example={
            "reference": {
                "backend": "workqueue",
                "url": "http://127.0.0.1:8080",
                "token_env": "BACKDESK_TOKEN",
                "verify": True,
            },
            "rt": {
                "backend": "rt",
                "url": "https://rt.example.com",
                "user": "ana",
                "token_command": "pass show work/rt",
                "ca_bundle": "~/certs/company-ca.pem",
            },
        },
        help="Profiles: how to reach a backend. Secrets never go in this file. Without token_env or "
        "token_command, backdesk reads BACKDESK_TOKEN / BACKDESK_PASSWORD; for rt the secret is "
        "your password.",
    )
    default_profile: str | None = setting(
        None, example="reference", help="The profile used when you run backdesk without --url."
    )
    #: Views from config.toml; :data:`STARTER_VIEWS` until it has ``[[views]]`` of its own.
    config_views: tuple[View, ...] = setting(
        STARTER_VIEWS,
        key="views",
        shown="views",
        example=[
            {"name": "My open", "filter": "owner:me"},
            {"name": "Unclaimed urgent", "filter": "owner:none priority:>=urgent", "sort": "due_at"},
            {"name": "Breaching in 1h", "filter": "due:<1h", "queue": "returns"},
        ],
        help="Views: named filters, with an optional sort and queue. Add as many [[views]] as you like.",
    )
    app_views: tuple[View, ...] = setting((), key="views", source="state", shown="", help="Views saved with V.")
    problems: list[Problem] = field(default_factory=list)

    @property
    def views(self) -> tuple[View, ...]:
        """Config views in order, each replaced by an app view of the same name, then the rest."""
        app = {view.name: view for view in self.app_views}
        merged = [app.pop(view.name, view) for view in self.config_views]
        return (*merged, *app.values())

    def queue_prefs(self, queue_key: str) -> QueuePrefs:
        return self.queues.get(queue_key, QueuePrefs())
