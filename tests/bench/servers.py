"""The servers the benchmark measures against: the reference server in its own process, and the
apps it drives in a pty, each with a fresh config (benchmark helper)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from pty_app import PtyApp

BACKDESK = str(Path(sys.executable).parent / "backdesk")
TOKENS = {"ana": "bench-ana", "ben": "bench-ben", "lee": "bench-lee"}
#: The note template the scripted shift uses (``t`` then enter).
TEMPLATE = "Checked {task.reference}: refunded in full, customer told. {me.name}"


class Served:
    """``backdesk serve`` on a free loopback port, over ``db`` (seeded with ``demo`` tasks if new)."""

    def __init__(self, db: Path, demo: int = 0, timeout: float = 900) -> None:
        env = {**os.environ, "BACKDESK_SERVE_TOKENS": " ".join(f"{k}:{v}" for k, v in TOKENS.items())}
        argv = [BACKDESK, "serve", "--db", str(db), "--operator", "ana", "--operator", "ben", "--lead", "lee"]
        if demo and not db.exists():
            argv += ["--demo-data", str(demo)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # printed once seeded and listening
        match = re.search(r"http://([\d.]+):(\d+)", line)
        if not match:
            self.stop()
            raise RuntimeError(f"backdesk serve did not start: {line!r}")
        self.url = f"http://{match[1]}:{match[2]}"
        self.address = f"{match[1]}:{match[2]}"

    def api(self, who: str = "ana") -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.url}/api/v1", headers={"Authorization": f"Bearer {TOKENS[who]}"}, timeout=60
        )

    def default_list(self, limit: int = 100, pages: int = 1) -> list[dict]:
        """The app's first list (every queue, open and waiting, by priority), ``pages`` pages of it."""
        items: list[dict] = []
        params: dict[str, str | int] = {"status": "open,waiting", "sort": "-priority", "limit": limit}
        with self.api() as api:
            for _ in range(pages):
                page = api.get("/tasks", params=params).raise_for_status().json()
                items += page["items"]
                if not page.get("next_cursor"):
                    break
                params["cursor"] = page["next_cursor"]
        return items

    def last_task(self) -> dict:
        """The true last task of the app's first list (found by paging through its lowest priority)."""
        params: dict[str, str | int] = {"status": "open,waiting", "sort": "-priority", "limit": 500}
        last: dict = {}
        with self.api() as api:
            for lowest in ("low", "normal", "high", "urgent"):
                params["q"] = f"priority:<={lowest}"
                while True:
                    page = api.get("/tasks", params=params).raise_for_status().json()
                    last = page["items"][-1] if page["items"] else last
                    if not page.get("next_cursor"):
                        break
                    params["cursor"] = page["next_cursor"]
                if last:
                    return last
                params.pop("cursor", None)
        return last

    def create(self, title: str, queue: str = "returns", priority: str = "normal") -> str:
        with self.api("lee") as api:
            made = api.post("/tasks", json={"queue": queue, "title": title, "priority": priority})
            return made.raise_for_status().json()["id"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def app_env(secret: dict[str, str]) -> dict[str, str]:
    """A fresh home for one app run (config, data and state folders), with the shift's template."""
    home = Path(tempfile.mkdtemp(prefix="backdesk-bench-"))
    env = {**os.environ, **secret}
    for name in ("CONFIG", "DATA", "STATE"):
        env[f"XDG_{name}_HOME"] = str(home / name.lower())
    config = home / "config" / "backdesk"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(f'[templates]\nshift = "{TEMPLATE}"\n')
    return env


def backdesk(url: str, who: str = "ana", *, rt_password: str | None = None) -> PtyApp:
    """The real app in a pty, signed in to the reference server (or to RT with ``rt_password``)."""
    if rt_password is not None:
        argv = [BACKDESK, "--backend", "rt", "--url", url, "--user", who]
        return PtyApp(argv, app_env({"BACKDESK_PASSWORD": rt_password}))
    return PtyApp([BACKDESK, "--url", url], app_env({"BACKDESK_TOKEN": TOKENS[who]}))


def bare() -> PtyApp:
    """The bare Textual reference app in a pty, started the same way."""
    return PtyApp([sys.executable, str(Path(__file__).with_name("bare_app.py"))], app_env({}))
