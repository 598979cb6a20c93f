"""A task's read-only web page, reached by a signed link (a browser cannot send a bearer token).

A link names the person it was made for and carries an HMAC of the task id under a key
derived from the server's secret and that person's stored token, so it works for as long
as their token stays the same and cannot be made for another task or person.
"""

from __future__ import annotations

import hashlib
import hmac
from html import escape
from typing import Any
from urllib.parse import quote

#: Headers for the page: nothing loads, nothing runs, the signed URL is never sent on.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def link_key(secret: bytes, person_id: str, stored_token: str) -> bytes:
    return hmac.new(secret, f"{person_id}\0{stored_token}".encode(), hashlib.sha256).digest()


def signature(key: bytes, task_id: str) -> str:
    return hmac.new(key, f"task:{task_id}".encode(), hashlib.sha256).hexdigest()[:32]


def web_url(public_url: str, person_id: str, key: bytes, task_id: str) -> str:
    return f"{public_url}/tasks/{task_id}?as={quote(person_id, safe='')}&sig={signature(key, task_id)}"


def valid(key: bytes | None, task_id: str, sig: str) -> bool:
    return key is not None and hmac.compare_digest(signature(key, task_id), sig)


def _row(label: str, value: str | None) -> str:
    return f"<tr><th>{escape(label)}</th><td>{escape(value or '—')}</td></tr>"


def render(task: dict[str, Any], events: list[dict[str, Any]]) -> bytes:
    """The page: every value escaped, no scripts, no links."""
    owner = task["owner"]["name"] if task["owner"] else "nobody"
    status = task["status"] + (f" ({task['resolution']})" if task["resolution"] else "")
    rows = "".join(
        _row(label, value)
        for label, value in (
            ("Queue", task["queue"]),
            ("Status", status),
            ("Owner", owner),
            ("Priority", task["priority"]),
            ("Due", task["due_at"]),
            ("Reference", task["reference"]),
            ("Tags", ", ".join(task["tags"])),
            ("Created", task["created_at"]),
            ("Updated", task["updated_at"]),
        )
    )
    history = "".join(
        f"<li><b>{escape(e['kind'])}</b> {escape(e['at'])} · {escape(e['actor']['name'] if e['actor'] else 'system')}"
        + (f"<pre>{escape(e['body'])}</pre>" if e["body"] else "")
        + "</li>"
        for e in events
    )
    title = escape(f"#{task['id']} {task['title']}")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{title}</title><style>body{{font:15px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;"
        "padding:0 1rem}th{text-align:left;padding-right:1rem}pre{white-space:pre-wrap;font:inherit}</style></head>"
        f"<body><h1>{title}</h1><table>{rows}</table><h2>Details</h2><pre>{escape(task['body'])}</pre>"
        f"<h2>History</h2><ol>{history}</ol><p><small>Read-only. Work on it in backdesk.</small></p></body></html>"
    ).encode()
