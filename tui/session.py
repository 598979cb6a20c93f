"""Everything one connected session of the app works with, passed to screens as one object."""

from __future__ import annotations

from dataclasses import dataclass, field

from api_client import Backend

from .config import Settings, StateStore, load_settings
from .drafts import DraftStore


@dataclass
class Session:
    backend: Backend
    settings: Settings = field(default_factory=load_settings)
    drafts: DraftStore = field(default_factory=DraftStore)

    @property
    def store(self) -> StateStore:
        return StateStore(self.settings)
