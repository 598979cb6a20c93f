"""Unsent note drafts, kept on disk so a crash or a closed terminal loses nothing.

One file per task under ``platformdirs.user_state_dir("backdesk")/drafts/``, named by a hash
of the draft key, written atomically with mode 0600.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import platformdirs

from .private_files import write_private_file


def draft_key(scope: str, task_id: str) -> str:
    """The key of a task's draft. ``scope`` names the backend stably (a profile, "demo", or the
    backend's label), so drafts of different servers never mix and survive a new demo port."""
    return f"{scope}\n{task_id}"


class DraftStore:
    """``load``/``save``/``delete`` by key; saving blank text deletes the draft. OSError propagates."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or Path(platformdirs.user_state_dir("backdesk")) / "drafts"

    def path(self, key: str) -> Path:
        return self.directory / f"{hashlib.sha256(key.encode()).hexdigest()}.txt"

    def load(self, key: str) -> str:
        try:
            return self.path(key).read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def save(self, key: str, text: str) -> None:
        if not text.strip():
            self.delete(key)
            return
        write_private_file(self.path(key), text.encode())

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)
