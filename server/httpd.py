"""The connection layer: one selector thread and a fixed pool of worker threads.

The selector thread accepts connections and watches the idle ones. A connection goes to a
worker only once a whole request head has arrived, so a silent or slow client never holds
a worker. Open connections are bounded (the one nearest its timeout is dropped to make
room for a new one), and idle connections and half-sent heads time out.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("backdesk.server")


@dataclass(frozen=True)
class Limits:
    """How much one server takes on at once, and how long it waits."""

    workers: int = 8
    max_connections: int = 512
    #: seconds a kept-alive connection may wait for its next request
    idle_timeout: float = 15.0
    #: seconds from connecting (or a request's first byte) to the end of the request head
    header_timeout: float = 5.0
    #: seconds to read a body, or to write an answer
    io_timeout: float = 10.0
    #: the largest request head, in bytes
    max_head: int = 64 * 1024


class Exchange(Protocol):
    """Answers requests on one connection."""

    def serve_one(self) -> bool:
        """Answer the request whose head is buffered; True to keep the connection open."""
        ...


class Connection:
    """One client connection and the bytes read from it but not yet used."""

    __slots__ = ("sock", "address", "buffer", "deadline", "seq", "waiting", "exchange")

    def __init__(self, sock: socket.socket, address: tuple[str, int]) -> None:
        self.sock = sock
        self.address = address
        self.buffer = bytearray()
        self.deadline = 0.0
        self.seq = 0
        self.waiting = False
        self.exchange: Exchange | None = None

    def head_complete(self, max_head: int) -> bool:
        return b"\r\n\r\n" in self.buffer or b"\n\n" in self.buffer or len(self.buffer) > max_head

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class Reader:
    """A connection's bytes as a file: the buffer first, then the socket before ``deadline``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _fill(self) -> bool:
        remaining = self.conn.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the client was too slow")
        self.conn.sock.settimeout(remaining)
        chunk = self.conn.sock.recv(65536)
        self.conn.buffer += chunk
        return bool(chunk)

    def _take(self, size: int) -> bytes:
        data = bytes(self.conn.buffer[:size])
        del self.conn.buffer[:size]
        return data

    def readline(self, limit: int = -1) -> bytes:
        while True:
            end = self.conn.buffer.find(b"\n") + 1
            if end and (limit < 0 or end <= limit):
                return self._take(end)
            if 0 <= limit <= len(self.conn.buffer):
                return self._take(limit)
            if not self._fill():
                return self._take(len(self.conn.buffer))

    def read(self, size: int) -> bytes:
        while len(self.conn.buffer) < size and self._fill():
            pass
        return self._take(size)


class Writer:
    """Writes go straight to the socket, each within ``timeout`` seconds."""

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self.sock = sock
        self.timeout = timeout

    def write(self, data: bytes) -> int:
        self.sock.settimeout(self.timeout)
        self.sock.sendall(data)
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered."""


class ConnectionServer:
    """Serves connections on ``address`` with ``make_exchange(connection)`` answering requests."""

    def __init__(
        self, address: tuple[str, int], make_exchange: Callable[[Connection], Exchange], limits: Limits
    ) -> None:
        self.limits = limits
        self._make_exchange = make_exchange
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self._listener = socket.create_server(address, family=family, backlog=4096)
        self._listener.setblocking(False)
        self.server_address: tuple[str, int] = self._listener.getsockname()[:2]
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, "accept")
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._jobs: queue.SimpleQueue[Connection | None] = queue.SimpleQueue()
        self._returns: deque[tuple[Connection, bool]] = deque()
        self._deadlines: list[tuple[float, int, Connection]] = []
        self._seq = itertools.count(1)
        self._open = 0
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start the selector thread and the workers; returns at once."""
        self._threads = [
            threading.Thread(target=self._work, name=f"backdesk-worker-{i}", daemon=True)
            for i in range(self.limits.workers)
        ]
        self._threads.append(threading.Thread(target=self._loop, name="backdesk-server", daemon=True))
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop accepting, close every connection and end the threads (a stuck worker is left behind)."""
        self._stopping.set()
        self._wake()
        for _ in range(self.limits.workers):
            self._jobs.put(None)
        deadline = time.monotonic() + self.limits.io_timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._listener.close()
        self._wake_r.close()
        self._wake_w.close()
        self._selector.close()

    # The selector thread

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass  # already awake (buffer full) or stopped

    def _loop(self) -> None:
        while not self._stopping.is_set():
            timeout = 0.5
            if self._deadlines:
                timeout = min(timeout, max(0.0, self._deadlines[0][0] - time.monotonic()))
            for key, _ in self._selector.select(timeout):
                if key.data == "accept":
                    self._accept()
                elif key.data == "wake":
                    self._drain_wake()
                else:
                    self._readable(key.data)
            self._take_back()
            self._expire()
        self._take_back()
        for key in list(self._selector.get_map().values()):
            if isinstance(key.data, Connection):
                key.data.close()

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass

    def _accept(self) -> None:
        for _ in range(1024):  # drain the kernel's queue: an overflowing one stalls new clients for seconds
            try:
                sock, address = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as err:  # e.g. out of file descriptors: shed load, keep serving
                log.warning("accept failed: %s", err)
                return
            if self._open >= self.limits.max_connections and not self._evict():
                sock.close()
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Connection(sock, address)
            self._open += 1
            self._wait(conn, self.limits.header_timeout)

    def _wait(self, conn: Connection, timeout: float) -> None:
        """Watch ``conn`` for its next bytes until ``timeout`` seconds from now."""
        conn.sock.setblocking(False)
        conn.waiting = True
        self._set_deadline(conn, timeout)
        self._selector.register(conn.sock, selectors.EVENT_READ, conn)

    def _set_deadline(self, conn: Connection, timeout: float) -> None:
        conn.deadline = time.monotonic() + timeout
        conn.seq = next(self._seq)
        heapq.heappush(self._deadlines, (conn.deadline, conn.seq, conn))

    def _drop(self, conn: Connection) -> None:
        if conn.waiting:
            self._selector.unregister(conn.sock)
            conn.waiting = False
        conn.close()
        self._open -= 1

    def _evict(self) -> bool:
        """Close the idle connection nearest its deadline; False if none is idle.

        A connection whose request has arrived but not been read yet is served, not dropped.
        """
        while self._deadlines:
            _, seq, conn = heapq.heappop(self._deadlines)
            if not (conn.waiting and conn.seq == seq):
                continue
            try:
                pending = conn.sock.recv(1, socket.MSG_PEEK)
            except (BlockingIOError, InterruptedError):
                self._drop(conn)
                return True
            except OSError:
                pending = b""
            if pending:
                self._readable(conn)
                continue
            self._drop(conn)  # the client hung up: that frees a slot too
            return True
        return False

    def _expire(self) -> None:
        now = time.monotonic()
        while self._deadlines and self._deadlines[0][0] <= now:
            _, seq, conn = heapq.heappop(self._deadlines)
            if conn.waiting and conn.seq == seq:
                self._drop(conn)

    def _readable(self, conn: Connection) -> None:
        try:
            chunk = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._drop(conn)
            return
        if not conn.buffer:  # a request's first byte: the head must follow soon
            self._set_deadline(conn, self.limits.header_timeout)
        conn.buffer += chunk
        if conn.head_complete(self.limits.max_head):
            self._selector.unregister(conn.sock)
            conn.waiting = False
            self._jobs.put(conn)

    def _take_back(self) -> None:
        while self._returns:
            conn, keep = self._returns.popleft()
            if not keep or self._stopping.is_set():
                conn.close()
                self._open -= 1
            elif conn.head_complete(self.limits.max_head):  # a pipelined request
                self._jobs.put(conn)
            else:
                self._wait(conn, self.limits.header_timeout if conn.buffer else self.limits.idle_timeout)

    # The workers

    def _work(self) -> None:
        while (conn := self._jobs.get()) is not None:
            keep = False
            try:
                if conn.exchange is None:
                    conn.exchange = self._make_exchange(conn)
                conn.deadline = time.monotonic() + self.limits.io_timeout
                keep = conn.exchange.serve_one()
            except OSError:
                pass  # the client hung up or stopped reading: normal, and the connection is closed
            except Exception:
                log.exception("request from %s failed", conn.address[0])
            self._returns.append((conn, keep))
            self._wake()
