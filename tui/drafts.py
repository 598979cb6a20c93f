"""Unsent note drafts, kept on disk so a crash or a closed terminal loses nothing.

One file per task under ``platformdirs.user_state_dir("backdesk")/drafts/``, named by a hash
of the draft key, written atomically with mode 0600.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
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


#: Seconds between a keystroke and the draft reaching the disk.
AUTOSAVE_DELAY = 0.4


class Draft:
    """One editor's draft: read when it opens, saved a moment after typing stops, deleted once
    its text is sent. A disk problem is handed to ``trouble`` as a sentence, never raised."""

    def __init__(self, store: DraftStore | None, key: str, trouble: Callable[[str], None]) -> None:
        self.store = store
        self.key = key
        self.trouble = trouble
        #: A save is scheduled and has not run yet.
        self.pending = False

    def load(self) -> str:
        try:
            return self.store.load(self.key) if self.store else ""
        except OSError:
            return ""

    def save(self, text: str) -> None:
        """Write ``text`` now (blank text deletes the draft)."""
        self.pending = False
        if self.store is None:
            return
        try:
            self.store.save(self.key, text)
        except OSError as err:
            self.trouble(f"Could not keep the draft on disk: {err.strerror or err}")

    def delete(self) -> None:
        self.save("")

    def typed(self, set_timer: Callable[[float, Callable[[], None]], object], text: Callable[[], str]) -> None:
        """The text changed: save it ``AUTOSAVE_DELAY`` after the first of a burst of keys."""
        if not self.pending:
            self.pending = True
            set_timer(AUTOSAVE_DELAY, lambda: self.save(text()) if self.pending else None)
