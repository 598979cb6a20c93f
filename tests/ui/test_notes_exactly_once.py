"""A note arrives exactly once, even when a save's answer is lost after the server applied it.

The lost answer is the one fault here a real server cannot produce on demand, so it is injected
around the real call: the note reaches the reference server, then the client sees a timeout.
"""

from __future__ import annotations

import pytest

from backdesk.api_client import BackendTimeout
from backdesk.tui.note_editor import NoteEditor
from backdesk.tui.prompt import ChoiceDialog

from .helpers import wait_for
from .test_operator_day import focus_on, make, make_app, ready

pytestmark = pytest.mark.anyio


def lose_the_first_answer(app) -> None:
    """The first note reaches the server, but its answer never reaches the app."""
    backend = app.session.backend
    real = backend.add_note
    lost = []

    async def add_note(task_id, body, *, idempotency_key):
        event = await real(task_id, body, idempotency_key=idempotency_key)
        if not lost:
            lost.append(body)
            raise BackendTimeout("The server did not answer in time.")
        return event

    backend.add_note = add_note


async def notes(ben, task_id) -> list[str]:
    return [e.body for e in await ben.events(task_id) if e.kind == "note"]


async def write_and_lose(app, pilot, task, text: str) -> NoteEditor:
    table = await ready(app, pilot)
    await focus_on(pilot, table, task.id)
    await pilot.press("n")
    await wait_for(lambda: isinstance(app.screen, NoteEditor), "the note editor")
    editor = app.screen
    await pilot.press(*text, "ctrl+s")
    await wait_for(lambda: "Not confirmed" in str(editor.query_one("#note-error").render()), "the unknown outcome")
    return editor


@pytest.mark.parametrize(("choice", "expected"), [("keep", ["Refund sent"]), ("add", ["Refund sent", "Refund sent."])])
async def test_an_edit_after_a_lost_answer_asks_what_to_keep(wq_server, ben, choice, expected):
    task = await make(ben, "Lost answer")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        lose_the_first_answer(app)
        editor = await write_and_lose(app, pilot, task, "Refund sent")
        await pilot.press(".", "ctrl+s")  # a typo fixed after the timeout
        await wait_for(lambda: isinstance(app.screen, ChoiceDialog), "the question")
        await pilot.press(*(["j"] if choice == "add" else []), "enter")
        await wait_for(lambda: not editor.is_attached, "the editor to close")
    assert await notes(ben, task.id) == expected


async def test_a_pending_note_is_sent_once_after_a_restart(wq_server, ben):
    task = await make(ben, "Restarted")
    app = make_app(wq_server)
    async with app.run_test(size=(120, 40)) as pilot:
        lose_the_first_answer(app)
        await write_and_lose(app, pilot, task, "Called the courier")
    again = make_app(wq_server)
    async with again.run_test(size=(120, 40)) as pilot:
        table = await ready(again, pilot)
        await focus_on(pilot, table, task.id)
        await pilot.press("n")
        await wait_for(lambda: isinstance(again.screen, NoteEditor), "the note editor")
        editor = again.screen
        assert editor.text == "Called the courier"
        await pilot.press("ctrl+s")
        await wait_for(lambda: not editor.is_attached, "the editor to close")
    assert await notes(ben, task.id) == ["Called the courier"]
