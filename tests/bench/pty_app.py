"""A program in a real pseudo-terminal, as the benchmark sees it: the bytes it writes, when it
writes them, its CPU time and memory (benchmark helper; Linux only)."""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import termios
import time
from collections.abc import Sequence
from dataclasses import dataclass

ESCAPES = re.compile(rb"\x1b(\[[0-9;?<>=$]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78DEHMc])")
KEYS = {
    "enter": b"\r",
    "escape": b"\x1b",
    "pagedown": b"\x1b[6~",
    "down": b"\x1b[B",
    "pageup": b"\x1b[5~",
    "ctrl+s": b"\x13",
    "space": b" ",
}
TICK = os.sysconf("SC_CLK_TCK")
#: A pause in the output longer than this ends a burst (one frame may take several writes).
BURST_GAP = 0.030


def plain(output: bytes) -> str:
    """The text written, without escape sequences."""
    return ESCAPES.sub(b"", output).decode("utf-8", "replace")


@dataclass
class KeyCost:
    """What one key press cost: bytes written; seconds to the first byte, to the end of the first
    burst of output (the first frame: no gap over ``BURST_GAP``) and to the last byte; CPU seconds."""

    written: int
    first: float
    frame: float
    last: float
    cpu: float


class PtyApp:
    """``argv`` started in a fresh pty of ``size`` (columns, lines)."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], size: tuple[int, int] = (120, 40)) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        env = {**env, "TERM": "xterm-256color", "COLUMNS": str(size[0]), "LINES": str(size[1])}
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            list(argv), stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True
        )
        os.close(slave)
        self.fd = master
        self.output = bytearray()
        self._seen_upto = 0  # where wait_for looks from

    def read(self, timeout: float) -> int:
        """Read what is there within ``timeout``; the number of bytes read (0 on timeout or EOF)."""
        if not select.select([self.fd], [], [], max(timeout, 0))[0]:
            return 0
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError:
            return 0
        self.output += chunk
        return len(chunk)

    def wait_for(self, *texts: str, timeout: float = 60.0) -> float:
        """Seconds since start when one of ``texts`` was written (after the last wait); raises on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            shown = plain(bytes(self.output[self._seen_upto :]))
            if any(text in shown for text in texts):
                self._seen_upto = len(self.output)
                return time.perf_counter() - self.started
            if time.monotonic() > deadline or self.proc.poll() is not None:
                tail = " ".join(shown.split())[-300:]
                raise TimeoutError(f"{texts[0]!r} never appeared (screen tail: {tail!r})")
            self.read(0.05)

    def text_since(self, mark: int) -> str:
        return plain(bytes(self.output[mark:]))

    def drain(self, quiet: float = 0.3, limit: float = 10.0) -> None:
        """Read until nothing comes for ``quiet`` seconds."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and self.read(quiet):
            pass
        self._seen_upto = len(self.output)

    def type(self, keys: str | bytes) -> None:
        os.write(self.fd, KEYS.get(keys, keys.encode() if isinstance(keys, str) else keys))

    def press(self, key: str, quiet: float = 0.5, limit: float = 5.0) -> KeyCost:
        """Press ``key`` and measure its output until ``quiet`` seconds pass without a byte."""
        self.drain(0.05)
        cpu = self.cpu()
        mark = len(self.output)
        pressed = time.perf_counter()
        self.type(key)
        first = frame = last = 0.0
        while time.perf_counter() - pressed < limit:
            if not self.read(quiet):
                break
            now = time.perf_counter() - pressed
            if frame == last and (not first or now - last <= BURST_GAP):
                frame = now  # still the first burst
            first, last = first or now, now
        self._seen_upto = len(self.output)
        return KeyCost(len(self.output) - mark, first, frame, last, self.cpu() - cpu)

    def cpu(self) -> float:
        """CPU seconds (user + system) the program used so far."""
        with open(f"/proc/{self.proc.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def rss_mb(self) -> float:
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(5)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        os.close(self.fd)

    def __enter__(self) -> PtyApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
