"""``backdesk web`` as a command: its options, what it refuses, and who it answers."""

from __future__ import annotations

import shlex
import subprocess
import sys

import httpx
import pytest

from backdesk.tui import cli
from backdesk.tui.settings_loader import load_settings
from backdesk.tui.web import is_loopback, session_command


def test_without_the_extra_it_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "backdesk.tui.web_serve", raising=False)
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # what an environment without the extra raises
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    assert cli.main(["--url", "http://127.0.0.1:9", "web"]) == 2
    assert "pip install 'backdesk[web]'" in capsys.readouterr().err


def test_the_command_line_imports_neither_textual_nor_textual_serve():
    code = (
        "import sys; from backdesk.tui import cli; cli.build_parser().parse_args(['web', '--port', '0']); "
        "print(sorted(m for m in ('textual', 'textual_serve', 'aiohttp') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_session_command_is_quoted_word_by_word_and_carries_no_secret(tmp_path):
    args = cli.build_parser().parse_args(
        ["web", "--url", "https://ana:s3cret;x@queue.example.com/a b", "--backend", "rt", "--insecure"]
    )
    environ: dict[str, str] = {}
    command = session_command(args, load_settings(), environ)
    assert "s3cret" not in command
    assert environ == {"BACKDESK_PASSWORD": "s3cret;x"}
    assert shlex.split(command) == [
        sys.executable,
        "-m",
        "backdesk.tui.cli",
        "--url",
        "https://queue.example.com/a b",
        "--user",
        "ana",
        "--backend",
        "rt",
        "--insecure",
    ]


def test_nothing_to_connect_to_is_refused_before_serving(capsys):
    assert cli.main(["web", "--profile", "nowhere"]) == 2
    assert "No profile named 'nowhere'" in capsys.readouterr().err
    assert cli.main(["web"]) == 2
    assert "--url, --profile or a default_profile" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True), ("localhost", True)]
    + [("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("example.com", False)],
)
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback


def test_it_answers_only_its_own_address_and_its_own_page(start_web):
    url = start_web().url
    port = url.rsplit(":", 1)[1]
    page = httpx.get(url, timeout=30)
    assert page.status_code == 200 and f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page.text
    # No other site may frame it, and it loads nothing from elsewhere.
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    # Through a tunnel from another local port, the page points at the address the browser used.
    tunnel = "localhost:8123"  # fixed-port-ok: only a Host header naming the browser's end; nothing binds it
    tunnelled = httpx.get(url, headers={"Host": tunnel}, timeout=30)
    assert f'data-session-websocket-url="ws://{tunnel}/ws"' in tunnelled.text
    # A DNS rebinding page, and another site's script opening a session, are refused.
    assert httpx.get(url, headers={"Host": f"evil.example:{port}"}, timeout=30).status_code == 403
    upgrade = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13"}
    upgrade["Sec-WebSocket-Key"] = "dGhlIHNhbXBsZSBub25jZQ=="
    foreign = httpx.get(f"{url}/ws", headers={**upgrade, "Origin": "http://evil.example"}, timeout=30)
    assert foreign.status_code == 403  # (the browser test opens sessions from the page itself)


def test_listening_beyond_loopback_warns(start_web):
    web = start_web("--host", "0.0.0.0")
    assert "warning: listening on 0.0.0.0" in web.log.read_text()
