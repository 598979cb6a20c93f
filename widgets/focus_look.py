"""Panes whose look changes with focus only in their top and bottom borders (and a few lines
they name).

Textual restyles a widget for a focus change by repainting it whole (and laying the screen out
again): for the task table and the detail pane that is every row, twice, for a border colour.
While Textual restyles them for focus (the screen's restyle, the focus and blur handlers), their
refreshes are dropped (:attr:`FocusLook.focus_restyle`), and :meth:`FocusLook.repaint_focus_look`
repaints those borders and :meth:`FocusLook.focus_lines` instead. The focus styles must therefore
change nothing else (no background tint, not the sides: a side's cell costs its whole line, as
Textual writes a line from the widget's left edge): see ``TABLE_CSS`` and ``themes/backdesk.tcss``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Self

from textual import events
from textual.geometry import Region
from textual.widget import Widget

if TYPE_CHECKING:
    _Widget = Widget
else:  # a mixin, not a Widget: Textual takes a widget's CSS types from its first DOMNode base
    _Widget = object


class FocusLook(_Widget):
    """A widget whose focus styles change its top and bottom borders and :meth:`focus_lines` only;
    put it before the widget class among the bases."""

    #: Set by the screen while Textual applies focus styles to this widget.
    focus_restyle = False

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        if self.focus_restyle:
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def focus(self, scroll_visible: bool = True) -> Self:
        """(Textual's, which repaints the widget whole first.)"""
        with self.restyling(repaint=False):
            return super().focus(scroll_visible)

    def _on_focus(self, event: events.Focus) -> None:
        """(Textual's handler, which repaints the widget whole, twice; it runs here instead.)"""
        event.prevent_default()
        with self.restyling():
            super()._on_focus(event)

    def _on_blur(self, event: events.Blur) -> None:
        event.prevent_default()
        with self.restyling():
            super()._on_blur(event)

    @contextmanager
    def restyling(self, repaint: bool = True) -> Iterator[None]:
        """Drop the refreshes meanwhile; then (``repaint``) repaint what focus changes."""
        self.focus_restyle = True
        try:
            yield
        finally:
            self.focus_restyle = False
        if repaint:
            self.repaint_focus_look()

    def focus_lines(self) -> list[Region]:
        """Regions (content coordinates) that look different with focus, besides the border."""
        return []

    def repaint_focus_look(self) -> None:
        """Repaint the top and bottom borders and :meth:`focus_lines`."""
        gutter, (width, height) = self.styles.gutter, self.outer_size
        left, top = -gutter.left, -gutter.top
        self.refresh(Region(left, top, width, 1), Region(left, top + height - 1, width, 1), *self.focus_lines())
