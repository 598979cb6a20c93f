"""The real command in a real pty: how it ends."""

from __future__ import annotations

import logging
import os
import pty
import re
import select
import shutil
import signal
import socket
import stat
import sys
import time
from typing import Any

import httpx
import pytest

from backdesk.server import ReferenceServer
from backdesk.tui import debug_log

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pty")


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def plain(output: bytes) -> bytes:
    """What was written, without the escape sequences between the words."""
    return re.sub(rb"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]", b"", output)


def run_in_pty(
    url: str, token: str, *steps: Any, options: tuple[str, ...] = (), kill: bool = False
) -> tuple[int, bytes]:
    """Start ``backdesk --url URL``; then for each pair of ``steps``, wait until the first is on
    screen and type the second (or call it, when it is a function). The exit code and everything
    it wrote; with ``kill``, end it with SIGKILL after the last step instead of waiting."""
    backdesk = shutil.which("backdesk", path=os.path.dirname(sys.executable))
    assert backdesk, "the backdesk command is installed beside the test's Python"
    env = {**os.environ, "BACKDESK_TOKEN": token, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real command in a real terminal
        os.execve(backdesk, [backdesk, *options, "--url", url], env)
    seen, deadline, status = b"", time.monotonic() + 60, None

    def read() -> None:
        nonlocal seen
        if select.select([fd], [], [], 0.2)[0]:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                pass

    try:
        for wait_for, keys in zip(steps[::2], steps[1::2], strict=True):
            while wait_for not in plain(seen) and time.monotonic() < deadline:
                read()
            assert wait_for in plain(seen), f"{wait_for!r} on screen"
            keys() if callable(keys) else os.write(fd, keys)
        if kill:
            os.kill(pid, signal.SIGKILL)
        while status is None and time.monotonic() < deadline:
            done, code = os.waitpid(pid, os.WNOHANG)
            status = code if done else None
            read()
        assert status is not None, "backdesk quit"
    finally:
        if status is None:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), seen


def test_quitting_after_a_failed_sign_in_exits_non_zero(isolated_home):
    code, _ = run_in_pty(f"http://127.0.0.1:{closed_port()}", "x", b"Cannot reach", b"q")
    assert code == 1


@pytest.mark.parametrize("keys", [b"qn", b"qx", b"qC"])
def test_keys_typed_right_after_q_quit_cleanly(isolated_home, wq_server, keys):
    code, seen = run_in_pty(wq_server.url, "ana-token", b"signed in as", keys)
    assert code == 0 and b"Traceback" not in seen and b"NoMatches" not in seen


#: What a hostile server puts in every field the app shows, and the bytes that must then never
#: reach the terminal: OSC 52 (clipboard), OSC 0 (title), a CSI, a C1 CSI, a bidi override.
HOSTILE = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;pwned\x07\x1b[12345X\x9b31m\u202e"
FORBIDDEN = (b"cm0gLXJmIH4", b"pwned", b"\x1b[12345X", b"\xc2\x9b", b"\xe2\x80\xae")


def test_nothing_a_server_sends_reaches_the_terminal_as_a_control_sequence(isolated_home, wq_server):
    wq_server.store.upsert_person("mal", f"Mal {HOSTILE}", "operator", "mal-token")
    api = httpx.Client(base_url=f"{wq_server.url}/api/v1", headers={"Authorization": "Bearer mal-token"})
    with api:
        for title, priority in (("Held", "urgent"), ("Open", "normal")):
            made = api.post(
                "/tasks",
                json={
                    "queue": "returns",
                    "title": f"{title} {HOSTILE}",
                    "body": f"Body {HOSTILE}",
                    "priority": priority,
                },
            )
            made.raise_for_status()
        api.post(f"/tasks/{made.json()['id']}/claim", json={}).raise_for_status()
        held = api.get("/tasks", params={"q": "Held"}).json()["items"][0]["id"]
        api.post(f"/tasks/{held}/claim", json={}).raise_for_status()
    # c on the urgent task Mal holds: the 409 names its holder, the detail shows the body
    code, seen = run_in_pty(wq_server.url, "ana-token", b"signed in as", b"c", b"already claimed", b"q")
    assert code == 0
    for forbidden in FORBIDDEN:
        assert forbidden not in seen, forbidden
    assert "⟨U+202E⟩".encode() in seen  # shown visibly instead


def test_the_debug_log_has_the_causes_and_no_secret(isolated_home, tmp_path):
    log = tmp_path / "logs" / "backdesk.log"
    url = f"http://ana:url-password-42@127.0.0.1:{closed_port()}"
    code, seen = run_in_pty(url, "token-secret-42", b"Cannot reach", b"q", options=("--log-file", str(log)))
    assert code == 1 and b"url-password-42" not in seen
    text = log.read_text()
    assert "Signing in failed" in text and "ConnectError" in text  # the cause, with its traceback
    assert "token-secret-42" not in text and "url-password-42" not in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_the_log_formatter_blanks_every_secret():
    formatter = debug_log.RedactingFormatter(["s3cret", "s3cret-and-more", "ab"])
    record = logging.LogRecord("backdesk", logging.INFO, __file__, 1, "sent s3cret-and-more, s3cret, ab", (), None)
    assert formatter.format(record).endswith("sent ***, ***, ab")  # too short to be a secret: kept


def test_a_note_written_offline_survives_kill_9_and_is_sent_once_on_the_next_start(isolated_home, tmp_path):
    db, port = tmp_path / "kill.sqlite3", closed_port()
    people = {"operators": [("ana", "ana-token"), ("ben", "ben-token")], "operators_may_create": True}
    server = ReferenceServer(db, port=port, **people)
    server.start()
    with httpx.Client(base_url=f"{server.url}/api/v1", headers={"Authorization": "Bearer ben-token"}) as ben:
        task = ben.post("/tasks", json={"queue": "returns", "title": "Written offline"}).json()["id"]
    code, _ = run_in_pty(
        server.url,
        "ana-token",
        b"signed in as",
        server.stop,  # the link goes down
        b"signed in as",
        b"n",
        b"Internal note",
        b"Written offline\x13",  # ctrl+s: kept in the outbox
        b"unsent",
        b"",
        kill=True,
    )
    assert code == -signal.SIGKILL
    again = ReferenceServer(db, port=port, **people)
    again.start()  # the link is back; nothing is typed but q once the app says it sent the note
    try:
        code, _ = run_in_pty(again.url, "ana-token", b"Sent: note", b"q")
        assert code == 0
        with httpx.Client(base_url=f"{again.url}/api/v1", headers={"Authorization": "Bearer ben-token"}) as ben:
            events = ben.get(f"/tasks/{task}/events").json()["items"]
        assert [e["body"] for e in events if e["kind"] == "note"] == ["Written offline"]
    finally:
        again.stop()
