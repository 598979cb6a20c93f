"""Secrets at rest: an owner-only database, hashed tokens, tokens from a file or the environment."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys

import httpx

from backdesk.server import ReferenceServer


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _me(url: str, token: str) -> httpx.Response:
    return httpx.get(url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_database_is_owner_only_and_holds_no_token(tmp_path):
    db = tmp_path / "s.sqlite3"
    token = "a-very-secret-token-1234"
    with ReferenceServer(db, operators=[("ana", token)], leads=[("lee", "lead-secret-5678")]) as server:
        assert _me(server.url, token).json()["id"] == "ana"
        with sqlite3.connect(db) as con:
            stored = dict(con.execute("SELECT id, token_hash FROM people").fetchall())
        assert stored["ana"] == hashlib.sha256(token.encode()).hexdigest()
        live = [path for path in tmp_path.iterdir() if path.name.startswith("s.sqlite3")]
        assert len(live) == 3 and all(_mode(path) == 0o600 for path in live), "the -wal and -shm files too"
    files = [path for path in tmp_path.iterdir() if path.name.startswith("s.sqlite3")]
    assert files and all(_mode(path) == 0o600 for path in files), {p.name: oct(_mode(p)) for p in files}
    raw = b"".join(path.read_bytes() for path in files)
    assert token.encode() not in raw and b"lead-secret-5678" not in raw


def test_tokens_stored_in_plain_text_by_an_older_server_are_hashed(tmp_path):
    db = tmp_path / "old.sqlite3"
    with sqlite3.connect(db) as con:
        con.execute(
            "CREATE TABLE people"
            " (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, token TEXT NOT NULL UNIQUE)"
        )
        con.execute("INSERT INTO people VALUES ('ana', 'Ana Ruiz', 'operator', 'old-plain-token')")
    server = ReferenceServer(db)
    assert server.tokens == {} and server.generated == set()
    with server:
        assert _me(server.url, "old-plain-token").json() == {"id": "ana", "name": "Ana Ruiz", "role": "operator"}
    [(stored,)] = sqlite3.connect(db).execute("SELECT token_hash FROM people").fetchall()
    assert stored == hashlib.sha256(b"old-plain-token").hexdigest()


def test_a_named_person_keeps_their_token_or_gets_a_new_one(tmp_path):
    db = tmp_path / "s.sqlite3"
    first = ReferenceServer(db, operators=[("ana", None)], leads=[("lee", "given")])
    assert first.generated == {"ana"} and first.tokens["lee"] == "given"
    again = ReferenceServer(db, operators=[("ana", None)], leads=[("lee", None)])
    assert again.tokens == {} and again.generated == set()
    with again:
        assert _me(again.url, first.tokens["ana"]).json()["id"] == "ana"
        assert _me(again.url, "given").json()["role"] == "lead"


def test_cli_takes_tokens_from_a_file_and_the_environment_and_prints_only_new_ones(tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text("# people\nana:file-token-ana\nlee:file-token-lee  # the lead\n")
    tokens.chmod(0o644)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "BACKDESK_SERVE_TOKENS": "ben:env-token-ben, lee:env-loses"}
    command = [sys.executable, "-m", "backdesk.server", "--port", "0", "--db", str(tmp_path / "s.sqlite3")]
    people = [
        "--operator",
        "ana",
        "--operator",
        "ben",
        "--operator",
        "chen",
        "--lead",
        "lee",
        "--tokens-file",
        str(tokens),
    ]
    proc = subprocess.Popen(command + people, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines = [proc.stdout.readline()]
        while not lines[-1].startswith("Try:"):
            lines.append(proc.stdout.readline())
        url = re.search(r"(http://\S+)/api/v1", lines[0])[1]
        [chen] = [m[1] for line in lines if (m := re.match(r"\s+chen\s+operator\s+(\S+)", line))]
        printed = "".join(lines)
        assert "file-token" not in printed and "env-token" not in printed and "ana " not in printed
        assert _me(url, "file-token-ana").json()["id"] == "ana"
        assert _me(url, "env-token-ben").json()["id"] == "ben"
        assert _me(url, "file-token-lee").json()["role"] == "lead"
        assert _me(url, "env-loses").status_code == 401
        assert _me(url, chen).json()["id"] == "chen"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        errors = proc.stderr.read()
        assert "can be read by others" in errors and "Traceback" not in errors
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
