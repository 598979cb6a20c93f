"""A page of headless Chromium driven over the Chrome DevTools Protocol.

The websocket client is aiohttp's, which textual-serve (the ``web`` extra) brings along.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

import aiohttp

#: Runs before textual-serve's page script: its terminal session object assigns ``fitAddon``
#: in its constructor, right after creating the xterm.js terminal, and this setter keeps it.
CATCH_SESSION = """
Object.defineProperty(Object.prototype, "fitAddon", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "fitAddon", {value, writable: true, configurable: true, enumerable: true});
    window.__textualSession = this;
  },
});
"""
#: The terminal's visible lines, as text (null until the session exists).
READ_SCREEN = """
(() => {
  const session = window.__textualSession;
  if (!session || !session.terminal) return null;
  const terminal = session.terminal, buffer = terminal.buffer.active, lines = [];
  for (let row = 0; row < terminal.rows; row++) {
    const line = buffer.getLine(buffer.viewportY + row);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
})()
"""


class DevTools:
    """One page of a browser, driven over a DevTools websocket (flat sessions)."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse, http: aiohttp.ClientSession) -> None:
        self._socket = socket
        self._http = http
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.create_task(self._read())
        self.session: str | None = None

    @classmethod
    async def connect(cls, browser_url: str) -> DevTools:
        http = aiohttp.ClientSession()
        try:
            socket = await http.ws_connect(browser_url, max_msg_size=0, timeout=aiohttp.ClientWSTimeout(ws_close=10))
        except BaseException:
            await http.close()
            raise
        return cls(socket, http)

    async def _read(self) -> None:
        async for message in self._socket:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = message.json()
            future = self._waiting.pop(data.get("id", -1), None)
            if future is not None and not future.done():
                future.set_result(data)
        for future in self._waiting.values():
            future.set_exception(ConnectionError("the DevTools websocket closed"))

    async def send(self, method: str, timeout: float = 60.0, **params: Any) -> dict[str, Any]:
        """Call ``method`` (on the attached page, once there is one); its result, or fail with its error."""
        call_id = next(self._ids)
        message: dict[str, Any] = {"id": call_id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[call_id] = future
        await self._socket.send_json(message)
        answer = await asyncio.wait_for(future, timeout)
        if "error" in answer:
            raise AssertionError(f"DevTools {method} failed: {answer['error']}")
        return answer.get("result", {})

    async def open_page(self, url: str) -> None:
        """A new tab attached to this client, with the session catcher in place, loading ``url``."""
        target = await self.send("Target.createTarget", url="about:blank")
        attached = await self.send("Target.attachToTarget", targetId=target["targetId"], flatten=True)
        self.session = attached["sessionId"]
        await self.send("Page.enable")
        await self.send("Page.addScriptToEvaluateOnNewDocument", source=CATCH_SESSION)
        await self.send("Page.navigate", url=url)

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def screen(self) -> str:
        """The text the terminal on the page shows ("" before it exists)."""
        return await self.evaluate(READ_SCREEN) or ""

    async def wait_for_screen(self, predicate: Callable[[str], bool], what: str, timeout: float = 90.0) -> str:
        """Poll the screen until ``predicate`` holds; fail naming ``what``, with the last screen."""
        deadline = time.monotonic() + timeout
        while True:
            text = await self.screen()
            if predicate(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{text}")
            await asyncio.sleep(0.2)

    async def press(self, key: str, *, code: str, key_code: int, text: str = "", shift: bool = False) -> None:
        """A real key press (down, then up) into the focused page, as a keyboard sends it."""
        common = {"key": key, "code": code, "windowsVirtualKeyCode": key_code, "modifiers": 8 if shift else 0}
        await self.send("Input.dispatchKeyEvent", type="keyDown", text=text, **common)
        await self.send("Input.dispatchKeyEvent", type="keyUp", **common)

    async def close(self) -> None:
        await self._socket.close()
        self._reader.cancel()
        await self._http.close()
