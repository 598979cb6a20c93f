"""Loading config.toml and app-state.toml, and saving what the app changes."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from backdesk.tui.config import (
    DEFAULT_COLUMNS,
    STARTER_VIEWS,
    ConfigError,
    Profile,
    QueuePrefs,
    View,
)
from backdesk.tui.settings_loader import config_dir, load_settings
from backdesk.tui.state_store import StateStore

CONFIG = """\
# my comment stays
theme = "backdesk-16"
default_profile = "prod"
refresh_interval = 0
future_setting = "kept"

[columns]
visible = ["id", "title"]
widths = { title = 50, id = 5 }

[queues."returns.eu"]
sort = "due_at"
filter = "owner:me"

[templates]
refund = "Refund for {task.reference}"

[keys]
"task.claim" = "ctrl+k"
"app.quit" = ""

[profiles.prod]
backend = "rt"
url = "https://rt.example.com"
user = "ana"
token_command = "pass show rt"
ca_bundle = "~/ca.pem"
verify = false
shoe_size = 44

[[views]]
name = "My open"
filter = "owner:me"

[[views]]
name = "Unclaimed urgent"
filter = "owner:none priority:>=urgent"
sort = "-due_at"
queue = "returns"
"""


@pytest.fixture
def home() -> Path:
    return config_dir()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_config_dir_follows_xdg(isolated_home):
    assert config_dir() == isolated_home / "xdg_config_home" / "backdesk"


def test_defaults_without_files(home):
    settings = load_settings()
    assert settings.problems == []
    assert settings.theme == "backdesk-dark"
    assert settings.refresh_interval == 30
    assert settings.columns == DEFAULT_COLUMNS == ("id", "priority", "title", "status", "owner", "due")
    assert settings.views == STARTER_VIEWS and settings.profiles == {} and settings.keys == {}
    assert settings.queue_prefs("any") == QueuePrefs("-priority", "")
    assert not home.exists()


def test_reads_every_setting(home):
    write(home / "config.toml", CONFIG)
    settings = load_settings()
    assert settings.problems == []
    assert settings.theme == "backdesk-16"
    assert settings.default_profile == "prod"
    assert settings.refresh_interval == 0
    assert settings.columns == ("id", "title")
    assert settings.column_widths == {"title": 50, "id": 5}
    assert settings.queue_prefs("returns.eu") == QueuePrefs("due_at", "owner:me")
    assert settings.templates == {"refund": "Refund for {task.reference}"}
    assert settings.keys == {"task.claim": "ctrl+k", "app.quit": ""}
    assert settings.profiles["prod"] == Profile(
        name="prod",
        backend="rt",
        url="https://rt.example.com",
        user="ana",
        token_command="pass show rt",
        ca_bundle="~/ca.pem",
        verify=False,
    )
    assert settings.views == (
        View("My open", "owner:me"),
        View("Unclaimed urgent", "owner:none priority:>=urgent", "-due_at", "returns"),
    )


def test_every_saved_preference_survives_a_fresh_load(home):
    store = StateStore(load_settings())
    store.save_theme("backdesk-16")
    store.save_columns(["title", "owner", "reference"], {"owner": 20})
    store.save_queue_prefs("returns", "-due_at", "status:open tag:vip")
    store.save_view(View("Mine", "owner:me", "created_at", "returns"))
    store.save_view(View("Late", "breached"))
    store.save_view(View("Mine", "owner:me status:waiting"))
    store.delete_view("Late")

    fresh = load_settings()
    assert fresh.problems == []
    for settings in (store.settings, fresh):
        assert settings.theme == "backdesk-16"
        assert settings.columns == ("title", "owner", "reference")
        assert settings.column_widths == {"owner": 20}
        assert settings.queue_prefs("returns") == QueuePrefs("-due_at", "status:open tag:vip")
        assert settings.views == (*STARTER_VIEWS, View("Mine", "owner:me status:waiting"))


def test_app_state_overrides_config_and_app_views_follow_config_views(home):
    write(home / "config.toml", CONFIG)
    store = StateStore(load_settings())
    store.save_theme("backdesk-dark")
    store.save_queue_prefs("returns.eu", "priority", "")
    store.save_view(View("Team", "owner:ben"))
    store.save_view(View("My open", "owner:me status:waiting"))

    settings = load_settings()
    assert settings.theme == "backdesk-dark"
    assert settings.queue_prefs("returns.eu") == QueuePrefs("priority", "")
    assert [v.name for v in settings.views] == ["My open", "Unclaimed urgent", "Team"]
    assert settings.views[0].filter == "owner:me status:waiting"

    StateStore(settings).delete_view("My open")
    assert load_settings().views[0] == View("My open", "owner:me")


def test_views_from_config_toml_cannot_be_deleted_in_the_app(home):
    write(home / "config.toml", CONFIG)
    with pytest.raises(ConfigError, match="config.toml; remove it there"):
        StateStore(load_settings()).delete_view("My open")
    with pytest.raises(ConfigError, match="no view named"):
        StateStore(load_settings()).delete_view("Nope")


def test_config_toml_is_never_written(home):
    config = write(home / "config.toml", CONFIG)
    before = config.read_bytes()
    store = StateStore(load_settings())
    store.save_theme("backdesk-dark")
    store.save_columns(["id"], {"id": 4})
    store.save_queue_prefs("returns", "priority", "")
    store.save_view(View("x", "breached"))
    store.delete_view("x")
    assert config.read_bytes() == before


def test_unknown_keys_survive_in_app_state(home):
    state = write(
        home / "app-state.toml",
        """\
theme = "backdesk-16"
window = { x = 3 }
[columns]
visible = ["id"]
zoom = 2
[queues.returns]
sort = "priority"
pinned = true
[[views]]
name = "Old"
filter = "breached"
colour = "red"
""",
    )
    store = StateStore(load_settings())
    store.save_theme("backdesk-dark")
    store.save_columns(["id", "title"], {"title": 30})
    store.save_queue_prefs("billing", "-due_at", "owner:me")
    store.save_view(View("New", "owner:none"))

    doc = tomllib.loads(state.read_text())
    assert doc["window"] == {"x": 3}
    assert doc["columns"]["zoom"] == 2
    assert doc["queues"]["returns"] == {"sort": "priority", "pinned": True}
    assert doc["views"][0] == {"name": "Old", "filter": "breached", "colour": "red"}
    assert doc["theme"] == "backdesk-dark"


def test_app_state_is_private_and_written_atomically(home):
    store = StateStore(load_settings())
    store.save_theme("backdesk-16")
    store.save_view(View("Mine", "owner:me"))
    state = home / "app-state.toml"
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert sorted(p.name for p in home.iterdir()) == ["app-state.toml"]


def test_broken_toml_names_file_and_line_and_uses_defaults(home):
    config = write(home / "config.toml", 'theme = "backdesk-16"\nrefresh_interval = = 3\n')
    settings = load_settings()
    assert settings.theme == "backdesk-dark" and settings.refresh_interval == 30
    [problem] = settings.problems
    assert problem.file == config and problem.line == 2
    assert str(problem).startswith(f"{config}: not valid TOML")
    assert "line 2" in str(problem)
    assert config.read_text() == 'theme = "backdesk-16"\nrefresh_interval = = 3\n'


def test_wrong_types_name_the_key_and_fall_back(home):
    write(
        home / "config.toml",
        """\
theme = 7
refresh_interval = "often"
[columns]
visible = ["id", "colour"]
widths = { title = -1 }
[keys]
"task.claim" = 1
[profiles.prod]
url = "https://q.example.com"
verify = "yes"
token = "hunter2"
[profiles.ok]
url = "https://ok.example.com"
[queues.returns]
sort = "colour"
filter = "priority:>=bogus"
[[views]]
filter = "owner:me"
[[views]]
name = "Bad"
filter = "owner:me"
queue = 3
""",
    )
    settings = load_settings()
    messages = [p.message for p in settings.problems]
    for expected in (
        "theme must be a string in quotes.",
        "refresh_interval must be a whole number.",
        "columns.visible: unknown column 'colour'",
        "columns.widths.title must be a positive whole number.",
        'keys."task.claim" must be a string in quotes.',
        "profiles.prod.verify must be true or false.",
        "profiles.prod.token: backdesk does not read secrets from this file",
        "queues.returns.sort: Cannot sort by 'colour'",
        "queues.returns.filter: Filter token 'priority:>=bogus'",
        "views #1 (a [[views]] table) needs a name",
        "views.Bad.queue must be a string in quotes.",
    ):
        assert any(m.startswith(expected) for m in messages), (expected, messages)
    assert all("hunter2" not in m for m in messages)
    assert {p.key for p in settings.problems} >= {"theme", "profiles.prod.verify", "columns.visible"}
    assert settings.theme == "backdesk-dark" and settings.refresh_interval == 30
    assert settings.columns == DEFAULT_COLUMNS and settings.column_widths == {}
    assert list(settings.profiles) == ["ok"]
    assert settings.views == () and settings.keys == {}
    assert settings.queue_prefs("returns") == QueuePrefs()


def test_unknown_default_profile_and_theme_are_reported(home):
    write(home / "config.toml", 'default_profile = "nope"\ntheme = "neon"\n')
    settings = load_settings()
    assert [p.key for p in settings.problems] == ["default_profile", "theme"]
    assert settings.default_profile is None and settings.theme == "backdesk-dark"


def test_broken_app_state_is_reported_and_never_overwritten(home):
    write(home / "config.toml", 'theme = "backdesk-16"\n')
    state = write(home / "app-state.toml", "theme = \n")
    settings = load_settings()
    assert settings.theme == "backdesk-16"
    [problem] = settings.problems
    assert problem.file == state and problem.line == 1
    assert "will not save preferences into it until it is fixed or deleted" in str(problem)
    with pytest.raises(ConfigError, match="will not overwrite it"):
        StateStore(settings).save_theme("backdesk-dark")
    assert settings.theme == "backdesk-dark"
    assert state.read_text() == "theme = \n"

    state.write_text("views = 3\n")
    store = StateStore(load_settings())
    with pytest.raises(ConfigError, match="views must be a list"):
        store.save_view(View("x"))
    assert state.read_text() == "views = 3\n"

    state.unlink()
    store.save_view(View("x"))
    assert load_settings().views == (*STARTER_VIEWS, View("x"))


def test_bad_sort_is_refused_before_saving(home):
    with pytest.raises(ConfigError, match="Cannot sort by 'colour'"):
        StateStore(load_settings()).save_queue_prefs("returns", "colour", "")
    assert not (home / "app-state.toml").exists()


def test_profile_options_are_a_table_of_simple_values(home):
    write(
        home / "config.toml",
        """\
[profiles.redmine]
url = "https://rm.example.com"
[profiles.redmine.options]
project = "ops"
page_size = 50
closed_as_rejected = true
trackers = ["bug", "task"]

[profiles.bad]
url = "https://rm.example.com"
options = { nested = { no = 1 }, mixed = [1, "a"] }

[profiles.worse]
url = "https://rm.example.com"
options = "project=ops"
""",
    )
    settings = load_settings()
    assert settings.profiles["redmine"].options == {
        "project": "ops",
        "page_size": 50,
        "closed_as_rejected": True,
        "trackers": ["bug", "task"],
    }
    assert list(settings.profiles) == ["redmine"]
    messages = [str(p) for p in settings.problems]
    kinds = "must be a string in quotes, a whole number, true or false, or a list of strings in quotes."
    assert any(m.endswith(f"profiles.bad.options.nested {kinds}") for m in messages), messages
    assert any(m.endswith(f"profiles.bad.options.mixed {kinds}") for m in messages), messages
    assert any(m.endswith("profiles.worse.options must be a table.") for m in messages), messages


def test_wrong_types_name_file_line_and_key(home):
    config = write(
        home / "config.toml",
        """\
theme = "backdesk-16"
refresh_interval = "often"

[columns]
widths = { owner = 16, title = -1 }

[keys]
"task.claim" = 1

[profiles.prod]
url = "https://q.example.com"
verify = "yes"

[profiles.nourl]
user = "ana"

[[views]]
name = "Fine"

[[views]]
name = "Bad"
queue = 3

[[views]]
filter = "owner:me"
""",
    )
    lines = {p.key: p.line for p in load_settings().problems}
    assert lines["refresh_interval"] == 2
    assert lines["columns.widths.title"] == 5
    assert lines['keys."task.claim"'] == 8
    assert lines["profiles.prod.verify"] == 12
    assert lines["profiles.nourl.url"] == 14  # missing: the table's header
    assert lines["views.Bad.queue"] == 22
    assert lines["views #3"] == 24
    problem = next(p for p in load_settings().problems if p.key == "refresh_interval")
    assert str(problem) == f"{config}, line 2: refresh_interval must be a whole number."
