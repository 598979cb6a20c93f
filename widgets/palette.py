"""How task states look: symbols and words first, colours from the current theme."""

from __future__ import annotations

from dataclasses import dataclass

from textual.theme import Theme

#: Priority as a symbol plus a word, so it reads without colour; the value is a Palette role.
PRIORITY_LOOK = {
    "urgent": ("‼ urg", "urgent"),
    "high": ("↑ high", "high"),
    "normal": ("· norm", ""),
    "low": ("↓ low", "muted"),
}


@dataclass(frozen=True)
class Palette:
    """Rich styles for the states a cell can show, taken from the current theme."""

    urgent: str = "bold red"
    high: str = "yellow"
    late: str = "bold red"
    soon: str = "yellow"
    mine: str = "bold green"
    muted: str = "dim"

    @classmethod
    def from_theme(cls, theme: Theme) -> Palette:
        def colour(value: str | None, fallback: str) -> str:
            return (value or fallback).removeprefix("ansi_")

        error = colour(theme.error, "red")
        warning = colour(theme.warning, "yellow")
        return cls(
            urgent=f"bold {error}",
            high=warning,
            late=f"bold {error}",
            soon=warning,
            mine=f"bold {colour(theme.success, 'green')}",
        )

    def style(self, role: str) -> str:
        return getattr(self, role) if role else ""
