"""The queue health dashboard (H): leads only; every figure drills down to the list the server
holds for it."""

from __future__ import annotations

import pytest

from backdesk.tui.dashboard import DashboardScreen
from backdesk.tui.lead_keys import LEADS_ONLY
from backdesk.tui.main_screen import MainScreen

from .helpers import wait_for
from .test_operator_day import make, make_app, ready

pytestmark = pytest.mark.anyio


async def test_an_operator_cannot_open_the_dashboard(wq_server, ben):
    await make(ben, "Anything")
    app = make_app(wq_server, "ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await wait_for(lambda: app.screen.workspace.me is not None, "signing in")
        await pilot.press("H")
        await wait_for(lambda: any(n.message == LEADS_ONLY for n in app._notifications), "the refusal")
        assert isinstance(app.screen, MainScreen)
        assert not any(isinstance(s, DashboardScreen) for s in app.screen_stack)
