"""Everything one connected session of the app works with, passed to screens as one object."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from backdesk.api_client import Backend
from backdesk.api_client.outbox import Outbox, OutboxBackend

from .config import Settings
from .drafts import DraftStore
from .settings_loader import load_settings
from .state_store import StateStore


@dataclass
class Session:
    #: The backend, connected; from here on every write goes through :attr:`outbox` first.
    backend: Backend
    settings: Settings = field(default_factory=load_settings)
    drafts: DraftStore = field(default_factory=DraftStore)
    #: Whose queues these are (a profile name, "demo", or the backend's label), so sort and
    #: filter remembered for one backend's queue never leak into another's.
    scope: str = ""
    #: Whether the backend has answered who we are: the command exits non-zero if it never did.
    signed_in: bool = False
    #: Writes no server has answered yet, kept on disk per scope (see :mod:`api_client.outbox`).
    outbox: Outbox = field(init=False)
    #: :attr:`backend` seen as what it is from here on: the outbox in front of the adapter.
    sender: OutboxBackend = field(init=False)

    def __post_init__(self) -> None:
        self.scope = self.scope or self.backend.label
        self.outbox = Outbox(Path(platformdirs.user_state_dir("backdesk")) / "outbox.sqlite3", self.scope)
        self.sender = OutboxBackend(self.backend, self.outbox)
        self.backend = self.sender

    @property
    def store(self) -> StateStore:
        return StateStore(self.settings)
