"""Processes for the browser-mode tests: ``backdesk web`` and headless Chromium.

Each starts in its own process group and is ended as a group, so no browser helper or app
session outlives a test. Waits poll for a condition, with timeouts long enough for a cold start
on a loaded 2-core machine.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

START_TIMEOUT = 90.0


def wait_for_file_match(path: Path, pattern: str, proc: subprocess.Popen[bytes], timeout: float) -> re.Match[str]:
    """Poll ``path`` (a process's output) until ``pattern`` matches; fail if ``proc`` ends first."""
    deadline = time.monotonic() + timeout
    while True:
        text = path.read_text(errors="replace") if path.exists() else ""
        if found := re.search(pattern, text):
            return found
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args[0]} ended (status {proc.returncode}) before {pattern!r}:\n{text}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {pattern!r} in {path}:\n{text}")
        time.sleep(0.1)


def start_group(argv: Sequence[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start ``argv`` in a process group of its own, stdout and stderr into ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


def end_group(proc: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """Ask the process group to stop, then kill whatever is left of it."""
    for signum, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, grace)):
        try:
            os.killpg(proc.pid, signum)
        except ProcessLookupError:
            pass
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue
        try:  # the leader is gone; its helpers may not be
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return


def group_alive(proc: subprocess.Popen[bytes]) -> bool:
    """Whether anything of ``proc``'s process group still runs (the leader reaped first)."""
    proc.poll()
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return False
    return True


def chromium_path() -> str | None:
    return shutil.which("chromium")


def start_chromium(profile: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Headless Chromium with a fresh profile; its process and the browser's DevTools websocket URL.

    Every host name but loopback fails to resolve, so the page's web font request never waits on
    the network."""
    binary = chromium_path()
    assert binary, "chromium is installed"
    proc = start_group(
        [
            binary,
            "--headless=new",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--window-size=1280,900",
            "about:blank",
        ],
        log,
    )
    try:
        found = wait_for_file_match(log, r"DevTools listening on (ws://\S+)", proc, START_TIMEOUT)
    except BaseException:
        end_group(proc)
        raise
    return proc, found.group(1)
