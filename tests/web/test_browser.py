"""``backdesk web`` in a real browser: headless Chromium, driven over the DevTools protocol,
against the reference server."""

from __future__ import annotations

import pytest
from ui.helpers import wait_for

from backdesk.api_client import NewTask
from backdesk.api_client.workqueue import WorkQueueBackend

from .processes import end_group, group_alive, start_chromium

pytestmark = pytest.mark.anyio


@pytest.fixture
def web(start_web, chromium):
    return start_web()


@pytest.fixture
async def page(web, tmp_path):
    """A headless Chromium tab showing ``backdesk web``."""
    from .devtools import DevTools  # aiohttp comes with the web extra, which web_url checked

    proc, browser_url = start_chromium(tmp_path / "chromium-profile", tmp_path / "chromium.log")
    try:
        devtools = await DevTools.connect(browser_url)
        try:
            await devtools.open_page(web.url)
            yield devtools
        finally:
            await devtools.close()
    finally:
        end_group(proc)


@pytest.fixture
async def ben(wq_server):
    backend = WorkQueueBackend(wq_server.url, "ben-token")
    yield backend
    await backend.aclose()


@pytest.fixture
async def task(ben):
    """The only task on the server, made before the browser opens the app."""
    return await ben.create_task(NewTask("returns", "Refund through the browser", "Check the refund.", "urgent"))


async def test_a_claim_made_in_the_browser_is_on_the_server(ben, task, web, page):
    # The first (and only) task in the list and, in the detail, unclaimed.
    await page.wait_for_screen(
        lambda text: all(part in text for part in ("Ana Ruiz", "Refund through the browser", "press c to claim")),
        "the app with the task",
    )

    await page.evaluate("window.__textualSession.terminal.focus()")
    await page.press("?", code="Slash", key_code=191, text="?", shift=True)
    await page.wait_for_screen(lambda text: "Id for [keys]" in text and "task.claim" in text, "the help screen")
    await page.press("Escape", code="Escape", key_code=27)
    await page.wait_for_screen(lambda text: "Id for [keys]" not in text, "the help screen to close")

    await page.press("c", code="KeyC", key_code=67, text="c")
    await page.wait_for_screen(lambda text: "press c to claim" not in text, "the claim on screen")
    claimed = await ben.task(task.id)
    assert claimed.owner is not None and claimed.owner.id == "ana"

    # Stopping the server ends the browser's session and its app process.
    web.proc.terminate()
    closed = "document.body.classList.contains('-closed')"
    await wait_for(lambda: page.evaluate(closed), "the page to say the session ended", timeout=60)
    await wait_for(lambda: not group_alive(web.proc), "the server and the session's app to quit", timeout=60)
