"""The key bar at the bottom of a screen: Textual's footer, rebuilt only when what it shows changes."""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """Textual's :class:`~textual.widgets.Footer` throws away and rebuilds all its keys (a styled
    widget each) whenever the screen's bindings may have changed: the focus moves, the screen is
    resized, a list arrives. Most of those changes leave the keys as they were; this footer keeps
    them then. At start-up that spared two or three rebuilds before the first rows were drawn.
    """

    #: What the keys on show were built from (see :meth:`_wanted`); None before the first build.
    _built_from: tuple[Any, ...] | None = None

    def _wanted(self) -> tuple[Any, ...]:
        """Everything the footer's :meth:`compose` reads, to tell whether a rebuild would differ."""
        bindings = tuple(
            (key, b.key, b.key_display, b.action, b.description, b.show, b.group, enabled, tooltip)
            for key, (_node, b, enabled, tooltip) in self.screen.active_bindings.items()
        )
        return (self._bindings_ready, bindings, self.show_command_palette, self.app.ENABLE_COMMAND_PALETTE)

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        wanted = self._wanted()
        if wanted == self._built_from:
            return
        self._built_from = wanted
        await super().recompose()
