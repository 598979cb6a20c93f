"""`backdesk config` shows settings with secrets masked; `--edit` opens config.toml."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib

from backdesk.tui.config_cli import config_command, example
from backdesk.tui.settings_loader import config_dir, load_settings


def test_shows_paths_and_effective_settings_with_secrets_masked(capsys, tmp_path):
    ran = tmp_path / "ran"
    home = config_dir()
    home.mkdir(parents=True)
    (home / "config.toml").write_text(f"""\
theme = "backdesk-16"
[templates]
password = "hunter2-template"
[profiles.prod]
url = "https://ana:hunter2-url@q.example.com/api"
token_command = "touch {ran}"
[profiles.bad]
url = "https://q.example.com"
token = "hunter2-token"
""")
    assert config_command(edit=False) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == f"Config file: {home / 'config.toml'}"
    assert lines[1].startswith(f"App state:   {home / 'app-state.toml'} (missing")
    assert "hunter2" not in out + err
    assert f'token_command = "touch {ran}"' in out
    assert "https://ana:********@q.example.com/api" in out
    assert 'password = "********"' in out
    assert "profiles.bad.token: backdesk does not read secrets" in err
    assert not ran.exists()
    settings = tomllib.loads(out.split("# Effective settings")[1])
    assert settings["theme"] == "backdesk-16" and list(settings["profiles"]) == ["prod"]


def test_without_files_shows_defaults(capsys):
    assert config_command(edit=False) == 0
    out = capsys.readouterr().out
    assert "(missing; `backdesk config --edit` creates it)" in out
    settings = tomllib.loads(out.split("# Effective settings")[1])
    assert settings["refresh_interval"] == 30
    assert settings["columns"]["visible"] == ["id", "priority", "title", "status", "owner", "due"]


def test_edit_creates_the_example_and_opens_the_editor(monkeypatch, tmp_path):
    seen = tmp_path / "seen"
    editor = f"{shlex.quote(sys.executable)} -c " + shlex.quote(
        f"import sys, shutil; shutil.copy(sys.argv[1], {str(seen)!r})"
    )
    monkeypatch.setenv("EDITOR", editor)
    assert config_command(edit=True) == 0
    assert seen.read_text() == example() == (config_dir() / "config.toml").read_text()
    assert (config_dir() / "config.toml").stat().st_mode & 0o077 == 0


def test_visual_wins_and_a_missing_editor_is_reported(monkeypatch, capsys):
    monkeypatch.setenv("EDITOR", shlex.quote(sys.executable) + " -c pass")
    monkeypatch.setenv("VISUAL", "no-such-editor-for-backdesk")
    assert config_command(edit=True) == 1
    assert "could not start the editor 'no-such-editor-for-backdesk'" in capsys.readouterr().err


def test_the_example_is_valid_both_commented_and_uncommented(tmp_path):
    (config_dir()).mkdir(parents=True)
    (config_dir() / "config.toml").write_text(example())
    assert load_settings().problems == []

    uncommented = re.sub(r"^#(?=[^#\s])", "", example(), flags=re.MULTILINE)
    (tmp_path / "config.toml").write_text(uncommented)
    settings = load_settings(tmp_path)
    assert settings.problems == []
    assert set(settings.profiles) == {"reference", "rt"}
    assert settings.profiles["rt"].backend == "rt"
    assert [v.name for v in settings.views] == ["My open", "Unclaimed urgent", "Breaching in 1h"]
    assert settings.keys == {"task.claim": "c,ctrl+k", "app.quit": ""}
    assert settings.default_profile == "reference"


def test_config_reports_the_keys_problems_the_app_reports_at_start(capsys):
    config_dir().mkdir(parents=True)
    (config_dir() / "config.toml").write_text('[keys]\n"task.clam" = "k"\n')
    assert config_command(edit=False) == 1
    err = capsys.readouterr().err
    assert (
        f'Problem: {config_dir() / "config.toml"}, line 2: keys."task.clam": no action has the id '
        "'task.clam'; did you mean 'task.claim'?"
    ) in err


NO_TEXTUAL = """\
import sys
from backdesk.tui.cli import main
for argv in (["config"], ["serve", "--help"]):
    try:
        main(argv)
    except SystemExit:
        pass
print("textual modules:", sorted(m for m in sys.modules if m.partition(".")[0] in ("textual", "rich")))
"""


def test_config_and_serve_do_not_import_textual():
    done = subprocess.run([sys.executable, "-c", NO_TEXTUAL], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "textual modules: []" in done.stdout


def test_config_piped_into_head_stops_quietly():
    config_dir().mkdir(parents=True)
    templates = "".join(f't{n} = "Template number {n} for {{task.reference}}."\n' for n in range(4000))
    (config_dir() / "config.toml").write_text(f"[templates]\n{templates}")  # more than a pipe holds
    command = f"{shlex.quote(sys.executable)} -m backdesk.tui.cli config | head -1"
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=60)
    assert done.stdout == f"Config file: {config_dir() / 'config.toml'}\n"
    assert done.stderr == ""

    reader = subprocess.Popen(
        [sys.executable, "-m", "backdesk.tui.cli", "config"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert reader.stdout.readline().startswith("Config file:")
    reader.stdout.close()
    assert reader.wait(timeout=60) == 1
    assert reader.stderr.read() == ""
