"""Play mode looks up the next task while the operator closes the current one, and ``space``
opens it at once with its claim on its way: "Claimed" only once the server said so, a note
typed meanwhile sent after the claim's answer, and a refused claim said plainly (naming who was
quicker) with the next candidate brought up and nothing of the operator's typing lost or sent.
Against the real reference server; claims are held back at the HTTP transport to play a slow
link (the server behind it answers for real)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.tui.app import BackdeskApp
from backdesk.tui.close_dialog import CloseDialog
from backdesk.tui.note_editor import NoteEditor
from backdesk.tui.settings_loader import load_settings

from .helpers import wait_for
from .test_operator_day import make, ready
from .test_requests_per_action import CountingTransport

pytestmark = pytest.mark.anyio


class SlowClaims(CountingTransport):
    """The real transport, counting; claims wait until ``go`` is set (a slow link, for claims)."""

    def __init__(self) -> None:
        super().__init__()
        self.go = asyncio.Event()
        self.go.set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/claim"):
            await self.go.wait()
        return await super().handle_async_request(request)


def said(app: BackdeskApp, text: str) -> str | None:
    """The notification that holds ``text``, if any."""
    return next((n.message for n in app._notifications if text in n.message), None)


def writes_and_lists(sent: list[str]) -> list[str]:
    return [r for r in sent if r.startswith("POST") or r == "GET /tasks"]


async def close_first_and_look_ahead(app: BackdeskApp, pilot, first_id: str) -> None:
    """Play: take the first task, open its close dialog, and wait for the next task's look-up."""
    main = app.screen
    await pilot.press("space")
    await wait_for(lambda: said(app, f"Claimed #{first_id}"), "play takes the most urgent task")
    await pilot.press("x")
    await wait_for(lambda: isinstance(app.screen, CloseDialog), "the close dialog")
    await wait_for(lambda: main.workspace.play.ahead is not None, "the next task looked up while this one closes")


async def test_a_claim_refused_under_a_typed_note_sends_nothing_keeps_the_text_and_moves_on(wq_server, ben):
    first = await make(ben, "Most urgent", priority="urgent")
    second = await make(ben, "Taken meanwhile", priority="high")
    third = await make(ben, "Still free", priority="normal")
    wire = SlowClaims()
    app = BackdeskApp(WorkQueueBackend(wq_server.url, "ana-token", transport=wire), settings=load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=3)
        await close_first_and_look_ahead(app, pilot, first.id)
        await ben.claim(second.id)  # someone else is quicker

        start = len(wire.sent)
        await pilot.press("enter")
        await wait_for(lambda: said(app, f"Next up: #{second.id}"), "the next task offered from the look ahead")
        assert writes_and_lists(wire.sent[start:]) == [f"POST /tasks/{first.id}/close"]  # no second look-up

        wire.go.clear()  # a slow link: the claim is on its way while the operator types
        await pilot.press("space")
        await wait_for(lambda: said(app, f"Now on #{second.id}"), "the next task shown at once")
        assert said(app, "claiming it") and not said(app, f"Claimed #{second.id}")
        assert second.id in app.screen.workspace.pending  # its row says the claim is not answered yet
        await pilot.press("n", *"Refund sent.", "ctrl+s")
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        wire.go.set()
        await wait_for(lambda: said(app, f"Claimed #{third.id}"), "the following candidate claimed")
        await wait_for(lambda: "is not yours" in str(editor.query_one("#note-error").render()), "the note refused")
        assert editor.text == "Refund sent." and app.screen is editor  # the typing is all there

        holder = (await ben.task(second.id)).owner
        assert holder is not None and holder.id == "ben"
        assert said(app, f"{holder.name} took #{second.id} first")
        assert writes_and_lists(wire.sent[start:]) == [
            f"POST /tasks/{first.id}/close",
            f"POST /tasks/{second.id}/claim",
            f"POST /tasks/{third.id}/claim",
        ]
        assert table.current_task.id == third.id and table.current_task.owner.id == "ana"
    assert [e.kind for e in await ben.events(second.id)] == ["created", "claimed"]  # no note of ana's
    assert (await ben.task(first.id)).status == "closed"


async def test_a_note_typed_while_the_claim_is_on_its_way_is_sent_after_it(wq_server, ben):
    first = await make(ben, "Most urgent", priority="urgent")
    second = await make(ben, "Next one", priority="high")
    wire = SlowClaims()
    app = BackdeskApp(WorkQueueBackend(wq_server.url, "ana-token", transport=wire), settings=load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot, rows=2)
        await close_first_and_look_ahead(app, pilot, first.id)
        await pilot.press("enter")
        await wait_for(lambda: said(app, f"Next up: #{second.id}"), "the next task offered")
        start = len(wire.sent)
        wire.go.clear()
        await pilot.press("space")
        await wait_for(lambda: said(app, f"Now on #{second.id}"), "the next task shown at once")
        await pilot.press("n", *"Called back.", "ctrl+s")
        assert not said(app, "Note added")
        wire.go.set()
        await wait_for(lambda: said(app, f"Note added to #{second.id}"), "the note, after the claim")
        assert said(app, f"Claimed #{second.id}")
        assert writes_and_lists(wire.sent[start:]) == [
            f"POST /tasks/{second.id}/claim",
            f"POST /tasks/{second.id}/notes",
        ]
    assert [e.kind for e in await ben.events(second.id)] == ["created", "claimed", "note"]
