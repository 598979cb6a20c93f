"""Benchmark: memory while paging a big queue, and the time `G` takes. Not part of the suite.

    python tests/bench/window_memory.py [--url URL --token TOKEN] [--tasks 100000] [--rows 5000]

Runs the real app in a pty at 120x40 against a reference server (started here with
``--tasks`` demo tasks, or the one at ``--url``), and against a 100-task queue for the
baseline. It pages down until about ``--rows`` rows went by, then presses `G` and `g` a few
times. Prints the app's RSS (``/proc``) after the first rows, after paging and after the
jumps, and the p50/p95 time from writing `G` to the last byte the app writes for it (the
screen is quiet for 150 ms), and to the moment the last task's row is written. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import select
import statistics
import struct
import sys
import tempfile
import termios
import time
from dataclasses import replace
from pathlib import Path

from backdesk.api_client import Sort
from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.server import ReferenceServer
from backdesk.tui.workspace import query_for

QUIET = 0.15
COLS, LINES = 120, 40


class App:
    """backdesk in a pty, its output drained as it comes."""

    def __init__(self, url: str, token: str) -> None:
        scratch = tempfile.mkdtemp()
        env = dict(
            os.environ,
            BACKDESK_TOKEN=token,
            TERM="xterm-256color",
            COLUMNS=str(COLS),
            LINES=str(LINES),
            **{name: f"{scratch}/{name}" for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")},
        )
        exe = str(Path(sys.executable).with_name("backdesk"))
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(exe, [exe, "--url", url], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLS, 0, 0))
        self.seen = b""

    def drain(self, quiet: float = QUIET, limit: float = 30.0) -> float:
        """Read until the app is quiet for ``quiet`` seconds; the time of the last byte."""
        start = last = time.perf_counter()
        while time.perf_counter() - start < limit:
            ready, _, _ = select.select([self.fd], [], [], quiet)
            if not ready:
                break
            try:
                chunk = os.read(self.fd, 1 << 16)
            except OSError:  # the app exited
                break
            self.seen = (self.seen + chunk)[-(1 << 20) :]
            last = time.perf_counter()
        return last

    def wait_for(self, text: bytes, limit: float = 60.0) -> None:
        start = time.perf_counter()
        while text not in self.seen and time.perf_counter() - start < limit:
            self.drain(0.05, 1.0)
        if text not in self.seen:
            raise RuntimeError(f"{text!r} never showed")

    def press(self, key: bytes, shows: bytes = b"") -> tuple[float, float]:
        """Write one key; the seconds until ``shows`` is written (when given), and to the last
        byte of the key's answer."""
        start = time.perf_counter()
        self.seen = b""
        os.write(self.fd, key)
        shown = None
        while shows and shown is None and time.perf_counter() - start < 30:
            self.drain(0.005, 0.05)
            if shows in self.seen:
                shown = time.perf_counter() - start
        last = self.drain() - start
        return (shown if shown is not None else float("nan")), last

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def quit(self) -> None:
        os.write(self.fd, b"q")
        self.drain(0.3, 5)
        try:
            os.kill(self.pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)


async def ends(url: str, token: str) -> tuple[str, str]:
    """The ids of the first and the last task of the app's first list, as the server orders it."""
    backend = WorkQueueBackend(url, token)
    try:
        query = query_for(None, "", Sort(), limit=1)
        first = await backend.tasks(query)
        last = await backend.tasks(replace(query, reverse=True))
        return first.items[0].id, last.items[0].id
    finally:
        await backend.aclose()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def run(url: str, token: str, rows: int, jumps: int, watch: bool = True) -> dict[str, float]:
    """``watch``: time the last task's row too (its id must not show anywhere else, so not in a
    queue of 100 with short ids)."""
    first, last = asyncio.run(ends(url, token)) if watch else ("", "")
    app = App(url, token)
    try:
        app.wait_for(b"tasks \xc2\xb7")
        app.drain(0.5)
        figures = {"first rows MB": app.rss_mb()}
        presses = 0
        # Page down moves one screen; the table shows about 15 rows at 120x40.
        while presses * 15 < rows:
            app.press(b"\x1b[6~")
            presses += 1
        app.drain(0.5)
        figures["after paging MB"] = app.rss_mb()
        shown, quiet = [], []
        for _ in range(jumps):
            row, end = app.press(b"G", last.encode())
            row = row if watch else float("nan")
            shown.append(row * 1000)
            quiet.append(end * 1000)
            app.press(b"g", first.encode())
        figures["G row p50 ms"] = statistics.median(shown)
        figures["G row p95 ms"] = p95(shown)
        figures["G quiet p50 ms"] = statistics.median(quiet)
        figures["G quiet p95 ms"] = p95(quiet)
        figures["after jumps MB"] = app.rss_mb()
        return figures
    finally:
        app.quit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--token", default="bench")
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--jumps", type=int, default=20)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch:
        small = ReferenceServer(Path(scratch) / "small.sqlite3", operators=[("ana", "bench")], demo_data=100)
        with small:
            results["100 tasks"] = run(small.url, "bench", 100, args.jumps, watch=False)
        if args.url:
            results[f"{args.url}"] = run(args.url, args.token, args.rows, args.jumps)
        else:
            big = ReferenceServer(Path(scratch) / "big.sqlite3", operators=[("ana", "bench")], demo_data=args.tasks)
            with big:
                results[f"{args.tasks} tasks"] = run(big.url, "bench", args.rows, args.jumps)
    names = list(next(iter(results.values())))
    print(f"{'queue':>30} " + " ".join(f"{n:>16}" for n in names))
    for queue, figures in results.items():
        print(f"{queue:>30} " + " ".join(f"{figures[n]:>16.1f}" for n in names))


if __name__ == "__main__":
    main()
