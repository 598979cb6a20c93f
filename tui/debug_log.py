"""``--log-file``: a debug log of what the app and its backend did, with secrets redacted.

Causes of errors (tracebacks included) go here, never to the screen. The adapters never log
headers; on top of that every secret the app was given is replaced by ``***`` wherever it
would appear, and the file is readable by its owner only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

REDACTED = "***"


class RedactingFormatter(logging.Formatter):
    """A formatter that blanks out known secrets in the whole formatted record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        # Longest first, so a secret that contains another is blanked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


def start(path: Path, secrets: Iterable[str | None]) -> None:
    """Send the ``backdesk`` loggers' records, debug and up, to ``path`` (created 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(RedactingFormatter(s for s in secrets if s))
    logger = logging.getLogger("backdesk")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
