"""The main screen's keys for a lead's triage: ``H`` (the queue health dashboard), ``e``
(export), and marks and the keys that act on them (:mod:`tui.bulk_actions`), kept out of
:mod:`tui.main_screen`, which mixes them in."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from .health import Drill
    from .main_screen import MainScreen

#: What an operator pressing H is told.
LEADS_ONLY = "Only leads can open the queue health dashboard."


class LeadKeys:
    """Actions for the bindings ``lead.dashboard``, ``queue.export``, ``mark.*``, ``task.assign``,
    ``task.move`` and ``task.priority`` (see :mod:`tui.main_keys`).

    Export is open to operators too: it writes only what the server already shows them.
    """

    #: Where the lead left the dashboard's cursor (queue id, column), to open it there again.
    dashboard_place: tuple[str, str] | None = None
    #: The list a drill-down from the dashboard opened (queue id, filter): esc there goes back.
    drilled: tuple[str, str] | None = None

    def action_dashboard(self) -> None:
        from .dashboard import DashboardScreen

        screen = cast("MainScreen", self)
        me = screen.workspace.me
        if me is None:
            screen.notify("Not signed in yet; the dashboard opens once the server answers.", severity="warning")
            return
        if me.role != "lead":
            screen.notify(LEADS_ONLY, severity="warning")
            return

        dashboard = DashboardScreen(screen.session, self.dashboard_place)

        def drilled(drill: Drill | None) -> None:
            self.dashboard_place = dashboard.place or self.dashboard_place
            if drill is not None:
                screen.navigation.drill_down(drill.queue_id, drill.filter, drill.sort)
                self.drilled = (drill.queue_id, drill.filter)

        screen.app.push_screen(dashboard, drilled)

    def back_to_dashboard(self) -> bool:
        """esc on a drilled-down list (still as the dashboard opened it): open the dashboard again."""
        ws = cast("MainScreen", self).workspace
        if self.drilled is None or ws.view is not None or self.drilled != (ws.queue_id, ws.typed_filter):
            return False
        self.drilled = None
        self.action_dashboard()
        return True

    def action_export(self) -> None:
        from .export_dialog import start_export

        start_export(cast("MainScreen", self))

    def action_mark(self) -> None:
        cast("MainScreen", self).bulk.toggle()

    def action_extend_marks(self, step: int) -> None:
        cast("MainScreen", self).bulk.extend(step)

    def action_mark_all(self) -> None:
        cast("MainScreen", self).bulk.mark_all()

    def action_assign(self) -> None:
        cast("MainScreen", self).bulk.assign()

    def action_move(self) -> None:
        cast("MainScreen", self).bulk.move()

    def action_set_priority(self) -> None:
        cast("MainScreen", self).bulk.set_priority()
