"""Fixtures for the browser-mode suites: ``backdesk web`` as a real process, and what it needs."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .processes import START_TIMEOUT, chromium_path, end_group, start_group, wait_for_file_match


def require(missing: list[str]) -> None:
    """Skip naming what is missing, except under CI=true, where that fails."""
    if missing:
        reason = "; ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def web_extra() -> None:
    installed = importlib.util.find_spec("textual_serve") is not None
    require([] if installed else ["the web extra is not installed (pip install -e '.[test,web]')"])


@pytest.fixture
def chromium() -> str:
    path = chromium_path()
    require([] if path else ["chromium is not installed (apt-get install --no-install-recommends chromium)"])
    assert path
    return path


@dataclass
class WebProcess:
    """A running ``backdesk web``: the address it printed, its output, its process."""

    url: str
    log: Path
    proc: subprocess.Popen[bytes]


@pytest.fixture
def start_web(web_extra, wq_server, tmp_path) -> Iterator[Callable[..., WebProcess]]:
    """Start ``backdesk --url <the reference server> web --port 0 [options]`` for ana. Each is
    ended, with its sessions, after the test."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*options: str) -> WebProcess:
        log = tmp_path / f"web-{len(started)}.log"
        argv = [sys.executable, "-m", "backdesk.tui.cli", "--url", wq_server.url, "web", "--port", "0", *options]
        # The XDG_* folders are the test's own fresh ones (the isolated_home fixture).
        proc = start_group(argv, log, env={**os.environ, "BACKDESK_TOKEN": "ana-token"})
        started.append(proc)
        found = wait_for_file_match(log, r"serving on (http://\S+:\d+)", proc, START_TIMEOUT)
        return WebProcess(found.group(1), log, proc)

    try:
        yield start
    finally:
        for proc in started:
            end_group(proc)
