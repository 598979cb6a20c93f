"""Profiles become Credentials; secrets come from the environment or a command."""

from __future__ import annotations

import shlex
import sys
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from backdesk.api_client import Person, Task
from backdesk.tui.config import ConfigError, Profile
from backdesk.tui.secrets import resolve_credentials
from backdesk.tui.templates import render_template

PYTHON = shlex.quote(sys.executable)


def command(code: str) -> str:
    return f"{PYTHON} -c {shlex.quote(code)}"


def test_token_env_reads_the_named_variable():
    profile = Profile("prod", "https://q.example.com", token_env="PROD_TOKEN")
    creds = resolve_credentials(profile, {"PROD_TOKEN": "abc", "BACKDESK_TOKEN": "other"})
    assert (creds.url, creds.token, creds.password, creds.verify) == ("https://q.example.com", "abc", None, True)


def test_missing_token_env_is_a_clear_error():
    with pytest.raises(ConfigError, match=r"\$PROD_TOKEN, which is not set"):
        resolve_credentials(Profile("prod", "https://q", token_env="PROD_TOKEN"), {})


def test_without_token_settings_the_cli_variables_are_used():
    creds = resolve_credentials(
        Profile("rt", "https://rt", backend="rt", user="ana"), {"BACKDESK_TOKEN": "t", "BACKDESK_PASSWORD": "p"}
    )
    assert (creds.user, creds.token, creds.password) == ("ana", "t", "p")


def test_token_command_output_is_the_token():
    profile = Profile("prod", "https://q", token_command=command("print('  s3cret  ')"))
    creds = resolve_credentials(profile, {"BACKDESK_PASSWORD": "ignored"})
    assert (creds.token, creds.password) == ("s3cret", None)


def test_token_command_output_is_the_password_for_rt():
    profile = Profile("rt", "https://rt", backend="rt", user="ana", token_command=command("print('s3cret')"))
    creds = resolve_credentials(profile, {"BACKDESK_TOKEN": "ignored"})
    assert (creds.token, creds.password) == (None, "s3cret")


def test_token_command_runs_without_a_shell(tmp_path):
    marker = tmp_path / "ran"
    profile = Profile("p", "https://q", token_command=f"{command('print(1)')} ; touch {marker}")
    assert resolve_credentials(profile, {}).token == "1"
    assert not marker.exists()


@pytest.mark.parametrize(
    ("token_command", "message"),
    [
        (
            command("import sys; sys.stderr.write('vault is locked\\n'); sys.exit(3)"),
            "failed with exit status 3: vault is locked",
        ),
        (command("pass"), "printed nothing"),
        ("no-such-program-for-backdesk --flag", "program 'no-such-program-for-backdesk' was not found"),
        ("pass 'unclosed", "cannot be split into words"),
    ],
)
def test_failing_token_command_is_a_clear_error(token_command, message):
    with pytest.raises(ConfigError, match="The token_command of profile 'prod'") as caught:
        resolve_credentials(Profile("prod", "https://q", token_command=token_command), {})
    assert message in str(caught.value)


def test_slow_token_command_times_out(monkeypatch):
    monkeypatch.setattr("backdesk.tui.secrets.TOKEN_COMMAND_TIMEOUT", 0.2)
    profile = Profile("prod", "https://q", token_command=command("import time; time.sleep(5)"))
    with pytest.raises(ConfigError, match="did not finish within"):
        resolve_credentials(profile, {})


def test_ca_bundle_becomes_verify(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("cert")
    creds = resolve_credentials(Profile("p", "https://q", ca_bundle=str(bundle), verify=False), {})
    assert creds.verify == str(bundle)
    assert resolve_credentials(Profile("p", "https://q", verify=False), {}).verify is False
    with pytest.raises(ConfigError, match="ca_bundle '/nope.pem', which is not a file"):
        resolve_credentials(Profile("p", "https://q", ca_bundle="/nope.pem"), {})


TASK = Task(
    id="42",
    queue="returns",
    title="Refund {odd}",
    body="",
    status="open",
    priority="high",
    created_at=datetime(2024, 1, 1, tzinfo=UTC),
    updated_at=datetime(2024, 1, 1, tzinfo=UTC),
    version="1",
    reference="ORD-7",
)


def test_render_template_fills_known_placeholders():
    text = "#{task.id} {task.reference} {task.title} in {task.queue} by {me.name} ({me.id})"
    assert render_template(text, TASK, Person("u1", "Ana")) == "#42 ORD-7 Refund {odd} in returns by Ana (u1)"


@pytest.mark.parametrize("text", ["{task.body} {me.role} {other} {", "}{", "{task.id", "{0} {} {{task.id}}"])
def test_render_template_leaves_everything_else_literally(text):
    expected = text.replace("{task.id}", "42")
    assert render_template(text, TASK, None) == expected


def test_render_template_without_reference_or_me():
    task = replace(TASK, reference=None)
    assert render_template("[{task.reference}] {me.name}", task, None) == "[] "


def test_profile_options_pass_through_to_the_credentials():
    options = {"project": "ops", "page_size": 50, "closed_as_rejected": True, "trackers": ["bug", "task"]}
    creds = resolve_credentials(Profile("redmine", "https://rm", options=options), {"BACKDESK_TOKEN": "t"})
    assert creds.options == options
    assert resolve_credentials(Profile("plain", "https://q"), {}).options == {}
