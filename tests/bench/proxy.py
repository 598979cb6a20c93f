"""A counting, optionally delaying HTTP proxy on loopback, between the app and a server (benchmark).

It keeps connections as the client opens them (keep-alive stays keep-alive) and counts requests,
connections and the bytes each way. With ``delay`` it holds every new connection and every request
for that long before passing it on: ``delay`` is the round trip a far-away link adds (one for the
TCP handshake, one per request). The Host header is rewritten to the server's own.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Traffic:
    """What went through the proxy since the last reset."""

    requests: int = 0
    connections: int = 0
    sent: int = 0  # bytes from the client to the server
    received: int = 0  # bytes from the server to the client
    busy: float = 0.0  # seconds with at least one request waiting for its answer
    paths: list[str] = field(default_factory=list)

    @property
    def kilobytes(self) -> float:
        return (self.sent + self.received) / 1000


class CountingProxy:
    """Forwards ``127.0.0.1:<port>`` to ``target`` (``host:port``), counting what passes."""

    def __init__(self, target: str, *, delay: float = 0.0) -> None:
        host, _, port = target.rpartition(":")
        self.target_host, self.target_port = host or "127.0.0.1", int(port)
        self.delay = delay
        self.traffic = Traffic()
        self.last_activity = time.monotonic()
        self._open_requests = 0
        self._busy_from = 0.0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.port = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> CountingProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the proxy did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._cancel_all(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _cancel_all(self) -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> Traffic:
        """The traffic so far; counting starts again from zero."""
        with self._lock:
            seen, self.traffic = self.traffic, Traffic()
        return seen

    def wait_idle(self, quiet: float = 1.0, timeout: float = 60.0) -> bool:
        """Wait until no request is open and nothing moved for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                idle = self._open_requests == 0 and time.monotonic() - self.last_activity >= quiet
            if idle:
                return True
            time.sleep(0.05)
        return False

    def _answered(self, count: int) -> None:
        """``count`` requests got their answer (or lost their connection); call with the lock held."""
        if count and self._open_requests == count:
            self.traffic.busy += time.monotonic() - self._busy_from
        self._open_requests -= count

    def _count(self, **amounts: int) -> None:
        with self._lock:
            for name, amount in amounts.items():
                setattr(self.traffic, name, getattr(self.traffic, name) + amount)
            self.last_activity = time.monotonic()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.set_exception_handler(lambda loop, context: None)  # a cut connection is no news here
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            await self._connection(client_r, client_w)
        except asyncio.CancelledError:  # the proxy is stopping
            client_w.close()

    async def _connection(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self._count(connections=1)
        if self.delay:
            await asyncio.sleep(self.delay)  # the handshake's round trip
        try:
            server_r, server_w = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_w.close()
            return
        pending = [0]  # this connection's requests still waiting for an answer
        back = asyncio.create_task(self._answers(server_r, client_w, pending))
        try:
            await self._requests(client_r, server_w, pending)
            await back
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            back.cancel()
        finally:
            for writer in (server_w, client_w):
                writer.close()
            with self._lock:
                self._answered(pending[0])

    async def _requests(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, pending: list[int]) -> None:
        """Pass the client's requests on, one by one, each after the delay."""
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                writer.write_eof() if writer.can_write_eof() else None
                return
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            body = b""
            if "content-length" in headers:
                body = await reader.readexactly(int(headers["content-length"]))
            elif "chunked" in headers.get("transfer-encoding", "").lower():
                body = await _chunked(reader)
            lines = [
                f"Host: {self.target_host}:{self.target_port}" if line.lower().startswith("host:") else line
                for line in lines
            ]
            with self._lock:
                if self._open_requests == 0:
                    self._busy_from = time.monotonic()
                self._open_requests += 1
                pending[0] += 1
                self.traffic.paths.append(" ".join(lines[0].split(" ")[:2]))
            self._count(requests=1, sent=len(head) + len(body))
            if self.delay:
                await asyncio.sleep(self.delay)  # the request's round trip
            writer.write("\r\n".join(lines).encode("latin-1") + body)
            await writer.drain()

    async def _answers(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, pending: list[int]) -> None:
        """Pass the server's bytes back as they come; a request counts as answered once its
        response head arrived and the link went quiet (good enough for idle detection)."""
        try:
            while chunk := await reader.read(65536):
                self._count(received=len(chunk))
                answered = min(chunk.count(b"HTTP/1."), pending[0])
                with self._lock:
                    pending[0] -= answered
                    self._answered(answered)
                writer.write(chunk)
                await writer.drain()
        finally:
            writer.close()


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    body = b""
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        body += size_line + await reader.readexactly(size + 2)
        if size == 0:
            return body
