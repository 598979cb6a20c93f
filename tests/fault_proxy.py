"""A misbehaving link on loopback, between a client and a real server, for the fault tests.

Each request, by a seeded draw, passes, or meets one fault: the connection dropped before it is
forwarded; the answer lost after the server applied it; a delay; a 503 or an HTML 500 from the
"proxy"; or a body cut short. Every connection carries one request (``Connection: close``).
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter

FAULTS = ("drop", "lose", "delay", "503", "html", "truncate")


class FaultProxy:
    """Forwards to ``127.0.0.1:target_port``; ``fault_rate`` of requests meet a fault."""

    def __init__(self, target_port: int, *, seed: int, fault_rate: float = 0.3) -> None:
        self.target_port = target_port
        self.fault_rate = fault_rate
        self.faults: Counter[str] = Counter()
        #: When set, every request meets this fault (or passes, for "pass") instead of a draw.
        self.always: str | None = None
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.port = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()
        pending = asyncio.all_tasks(self._loop)  # connections still being served: end them here,
        for task in pending:  # not when the garbage collector finds them mid-sleep
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    def _draw(self) -> str:
        with self._lock:
            if self.always is not None:
                fault = self.always
            else:
                fault = self._random.choice(FAULTS) if self._random.random() < self.fault_rate else "pass"
            self.faults[fault] += 1
            return fault

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await _read_message(reader)
            if request is None:
                return
            fault = self._draw()
            if fault == "drop":
                return
            if fault in ("503", "html"):
                status = "503 Service Unavailable\r\nRetry-After: 0" if fault == "503" else "500 Oops"
                body = b"<html><body>The proxy is having a bad day</body></html>"
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: text/html\r\n".encode()
                    + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
                return
            answer = await self._forward(request)
            if fault == "lose":
                return  # the server applied it; the client never hears
            if fault == "delay":
                await asyncio.sleep(0.2)
            writer.write(answer[: len(answer) // 2] if fault == "truncate" else answer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _forward(self, request: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        try:
            writer.write(request)
            await writer.drain()
            return await _read_message(reader) or b""
        finally:
            writer.close()


async def _read_message(reader: asyncio.StreamReader) -> bytes | None:
    """One HTTP/1.1 message (head and a Content-Length body), with ``Connection: close`` set."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    length = next((int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")), 0)
    body = await reader.readexactly(length) if length else b""
    kept = [line for line in lines if line and not line.lower().startswith("connection:")]
    return ("\r\n".join([*kept, "Connection: close", "", ""])).encode("latin-1") + body
