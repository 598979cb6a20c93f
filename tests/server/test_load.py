"""One client cannot stop the reference server: idle connections by the thousand, then SIGTERM.

Bounded in count and time, loopback only. Timing is asserted only with generous bounds.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

import httpx

from backdesk.server import ReferenceServer
from backdesk.server.httpd import Limits

IDLE = min(2000, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 200)
#: close with a reset, not a FIN: thousands of sockets left in TIME_WAIT would use up the ephemeral ports
ABORT = struct.pack("ii", 1, 0)


def _flood(port: int, count: int) -> list[socket.socket]:
    """``count`` connections to 127.0.0.1 that never send a byte (the ones the server refuses count too)."""
    opened = []
    for _ in range(count):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            continue
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, ABORT)
        opened.append(sock)
    return opened


def _drop(sockets: list[socket.socket]) -> None:
    for sock in sockets:
        sock.close()


def test_idle_connections_do_not_stop_a_working_client(tmp_path):
    limits = Limits(workers=4, max_connections=256)
    with ReferenceServer(tmp_path / "s.sqlite3", operators=[("ana", "tok-ana")], limits=limits) as server:
        port = int(server.url.rsplit(":", 1)[1])
        flooded: list[socket.socket] = []
        attacker = threading.Thread(target=lambda: flooded.extend(_flood(port, IDLE)))
        slowest = 0.0
        answers = 0
        threads_before = threading.active_count()
        with httpx.Client(base_url=server.url + "/api/v1", headers={"Authorization": "Bearer tok-ana"}) as ana:
            attacker.start()
            while attacker.is_alive() or answers < 20:
                started = time.monotonic()
                response = ana.get("/me", timeout=10)
                slowest = max(slowest, time.monotonic() - started)
                assert response.status_code == 200 and response.json()["id"] == "ana"
                answers += 1
            attacker.join()
            assert threading.active_count() <= threads_before + 1, "one thread per connection is back"
            assert len(flooded) >= IDLE // 2, "the flood should mostly connect"
            _drop(flooded)  # thousands closed at once
            for _ in range(20):
                started = time.monotonic()
                assert ana.get("/queues", timeout=10).status_code == 200
                slowest = max(slowest, time.monotonic() - started)
        assert slowest < 5, f"a request waited {slowest:.1f} s behind idle connections"


def test_a_silent_connection_is_closed_after_the_header_timeout(tmp_path):
    limits = Limits(header_timeout=0.3, idle_timeout=0.3)
    with ReferenceServer(tmp_path / "s.sqlite3", limits=limits) as server:
        port = int(server.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as silent:
            silent.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n")  # a head that never ends
            started = time.monotonic()
            assert silent.recv(100) == b""  # closed by the server, no answer
            assert time.monotonic() - started < 8


def test_sigterm_stops_the_server_under_a_flood(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "backdesk.server", "--port", "0", "--db", str(tmp_path / "s.sqlite3")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)", proc.stdout.readline())[1])
        flooded = _flood(port, IDLE)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        _drop(flooded)
        assert "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_client_that_hangs_up_mid_answer_is_no_error(demo_srv, caplog):
    port = int(demo_srv.url.rsplit(":", 1)[1])
    request = b"GET /api/v1/tasks?limit=500 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok-ana\r\n\r\n"
    for _ in range(20):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, ABORT)
            sock.sendall(request)
    headers = {"Authorization": "Bearer tok-ana"}
    assert httpx.get(demo_srv.url + "/api/v1/me", headers=headers, timeout=10).status_code == 200
    assert "failed" not in caplog.text and "Traceback" not in caplog.text
