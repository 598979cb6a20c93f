"""Everything one connected session of the app works with, passed to screens as one object."""

from __future__ import annotations

from dataclasses import dataclass, field

from backdesk.api_client import Backend

from .config import Settings
from .drafts import DraftStore
from .settings_loader import load_settings
from .state_store import StateStore


@dataclass
class Session:
    backend: Backend
    settings: Settings = field(default_factory=load_settings)
    drafts: DraftStore = field(default_factory=DraftStore)
    #: Whose queues these are (a profile name, "demo", or the backend's label), so sort and
    #: filter remembered for one backend's queue never leak into another's.
    scope: str = ""
    #: Whether the backend has answered who we are: the command exits non-zero if it never did.
    signed_in: bool = False

    def __post_init__(self) -> None:
        self.scope = self.scope or self.backend.label

    @property
    def store(self) -> StateStore:
        return StateStore(self.settings)
