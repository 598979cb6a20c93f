"""The command exits non-zero when it never managed to sign in (seen in a real pty)."""

from __future__ import annotations

import os
import pty
import select
import shutil
import socket
import sys
import time

import pytest


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pty")
def test_quitting_after_a_failed_sign_in_exits_non_zero(isolated_home):
    backdesk = shutil.which("backdesk", path=os.path.dirname(sys.executable))
    assert backdesk, "the backdesk command is installed beside the test's Python"
    env = {**os.environ, "BACKDESK_TOKEN": "x", "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real command in a real terminal
        os.execve(backdesk, [backdesk, "--url", f"http://127.0.0.1:{closed_port()}"], env)
    seen, deadline = b"", time.monotonic() + 60
    try:
        while b"sign in" not in seen and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.5)[0]:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
        assert b"sign in" in seen, "the app said it could not sign in"
        os.write(fd, b"q")
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if select.select([fd], [], [], 0.5)[0]:
                try:
                    os.read(fd, 65536)
                except OSError:
                    pass
        else:
            pytest.fail("backdesk did not quit on q")
    finally:
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 1
