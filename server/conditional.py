"""Conditional GETs: every JSON answer to a GET carries an ETag (the task's version where the
route gives one, else a digest of the body), and a request whose ``If-None-Match`` names it is
answered ``304 Not Modified`` with no body, so an idle refresh of an unchanged list moves almost
nothing."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def conditional(if_none_match: str | None, body: Any, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    """(status, body bytes, headers) for a 200 JSON answer to a GET: 304 and no body when the
    client already holds this answer."""
    data = json.dumps(body, ensure_ascii=False).encode()
    etag = headers.get("ETag") or f'W/"{hashlib.blake2b(data, digest_size=12).hexdigest()}"'
    headers = {**headers, "ETag": etag}
    held = {tag.strip().removeprefix("W/") for tag in (if_none_match or "").split(",")}
    if "*" in held or etag.removeprefix("W/") in held:
        return 304, b"", headers
    return 200, data, headers
