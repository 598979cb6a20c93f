"""The real command in a real pty: how it ends."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import socket
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pty")


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def plain(output: bytes) -> bytes:
    """What was written, without the escape sequences between the words."""
    return re.sub(rb"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]", b"", output)


def run_in_pty(url: str, token: str, wait_for: bytes, keys: bytes) -> tuple[int, bytes]:
    """Start ``backdesk --url URL``, wait until ``wait_for`` is on screen, type ``keys``;
    the exit code and everything it wrote."""
    backdesk = shutil.which("backdesk", path=os.path.dirname(sys.executable))
    assert backdesk, "the backdesk command is installed beside the test's Python"
    env = {**os.environ, "BACKDESK_TOKEN": token, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real command in a real terminal
        os.execve(backdesk, [backdesk, "--url", url], env)
    seen, deadline, status = b"", time.monotonic() + 60, None

    def read() -> None:
        nonlocal seen
        if select.select([fd], [], [], 0.2)[0]:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                pass

    try:
        while wait_for not in plain(seen) and time.monotonic() < deadline:
            read()
        assert wait_for in plain(seen), f"{wait_for!r} on screen"
        os.write(fd, keys)
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
