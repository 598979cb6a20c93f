"""Writes arrive exactly once, even when the link drops or the answer is lost after the server
applied them, and even across a restart: they wait in the outbox and are sent by themselves.

The lost answer is the one fault here a real server cannot produce on demand, so it is injected
around the real call: the note reaches the reference server, then the client sees a timeout.
"""

from __future__ import annotations

import pytest

from backdesk.api_client import BackendTimeout, UnavailableError
from backdesk.tui.note_editor import NoteEditor

from .helpers import wait_for
from .test_operator_day import focus_on, make, make_app, ready

pytestmark = pytest.mark.anyio


def lose_the_first_answer(app) -> None:
    """The first note reaches the server, but its answer never reaches the app."""
    adapter = app.session.sender.backend
    real = adapter.add_note
    lost = []

    async def add_note(task_id, body, *, idempotency_key):
        event = await real(task_id, body, idempotency_key=idempotency_key)
        if not lost:
            lost.append(body)
            raise BackendTimeout("The server did not answer in time.")
        return event

    adapter.add_note = add_note


def link_down(app) -> list[bool]:
    """Every write fails to reach the server until the returned switch is set."""
    adapter, up = app.session.sender.backend, [False]
    real_claim, real_close = adapter.claim, adapter.close

    async def claim(task_id, **kw):
        if not up[0]:
            raise UnavailableError("Cannot reach the server.")
        return await real_claim(task_id, **kw)

    async def close(task_id, resolution, **kw):
        if not up[0]:
            raise UnavailableError("Cannot reach the server.")
        return await real_close(task_id, resolution, **kw)

    adapter.claim, adapter.close = claim, close
    return up


async def notes(ben, task_id) -> list[str]:
    return [e.body for e in await ben.events(task_id) if e.kind == "note"]


async def write_a_note(app, pilot, task, text: str) -> None:
    table = await ready(app, pilot)
    await focus_on(pilot, table, task.id)
    await pilot.press("n")
    await wait_for(lambda: isinstance(app.screen, NoteEditor), "the note editor")
    await pilot.press(*text, "ctrl+s")
    await wait_for(lambda: not isinstance(app.screen, NoteEditor), "the editor to close")


async def test_a_note_whose_answer_was_lost_is_sent_again_once_by_itself(wq_server, ben):
    task = await make(ben, "Lost answer")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        lose_the_first_answer(app)
        await write_a_note(app, pilot, task, "Refund sent")
        assert any("Saved here" in n.message for n in app._notifications)
        await wait_for(lambda: not app.session.outbox.entries(), "the outbox to empty by itself", timeout=20)
    assert await notes(ben, task.id) == ["Refund sent"]


async def test_a_pending_note_is_delivered_once_on_the_next_start(wq_server, ben):
    task = await make(ben, "Restarted")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        lose_the_first_answer(app)
        await write_a_note(app, pilot, task, "Called the courier")
    again = make_app(wq_server)  # nothing typed: the outbox sends what the last run left
    async with again.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: not again.session.outbox.entries(), "the outbox to empty", timeout=20)
    assert await notes(ben, task.id) == ["Called the courier"]


async def test_writes_made_while_offline_are_marked_and_sent_in_order_when_it_is_back(wq_server, ben):
    task = await make(ben, "Offline shift")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        up = link_down(app)
        table = await ready(app, pilot)
        await focus_on(pilot, table, task.id)
        await pilot.press("c")
        await wait_for(lambda: task.id in app.screen.workspace.pending, "the claim waiting")
        assert "⧗ 1 unsent" in str(app.screen.query_one("#topbar").render())
        await pilot.pause()
        assert app.export_screenshot().count("⧗") == 2  # in the header, and drawn on the row
        await pilot.press("x", "ctrl+s")  # the close waits behind the claim
        await wait_for(lambda: len(app.session.outbox.entries()) == 2, "the close waiting too")
        assert (await ben.task(task.id)).owner is None  # nothing reached the server yet
        up[0] = True
        await wait_for(lambda: not app.session.outbox.entries(), "both sent", timeout=20)
        await wait_for(lambda: not app.screen.workspace.pending, "the marks to go")
    kinds = [e.kind for e in await ben.events(task.id)]
    assert kinds == ["created", "claimed", "closed"]
