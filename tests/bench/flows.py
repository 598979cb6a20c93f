"""What an operator does, typed into the real app in its pty, with the traffic each step caused
(benchmark helper). Every step waits for the app's own confirmation on screen."""

from __future__ import annotations

import re
import time

from proxy import CountingProxy, Traffic
from pty_app import PtyApp

#: How long the link must stay silent before a step's follow-up requests count as finished.
SETTLE = 3.0


def narrow_to(app: PtyApp, proxy: CountingProxy, text: str) -> None:
    """Filter the list down to the tasks whose title holds ``text`` and let the app settle."""
    app.type("/")
    app.wait_for("text and tokens")  # the filter bar's placeholder: typing goes there now
    app.type(text)
    app.type("enter")
    proxy.wait_idle(SETTLE)
    app.drain(0.3)


def claim_note_close(app: PtyApp, proxy: CountingProxy, task_id: str) -> dict[str, Traffic]:
    """Claim, note and close the task under the cursor; the traffic of each step, follow-ups included."""
    proxy.wait_idle(SETTLE)
    app.drain(0.3)
    proxy.reset()
    steps = {}
    app.type("c")
    app.wait_for(f"Claimed #{task_id}")
    proxy.wait_idle(SETTLE)
    steps["claim"] = proxy.reset()
    app.type("n")
    app.wait_for(f"Internal note on #{task_id}")
    app.type("Called the customer; refund approved.")
    app.type("ctrl+s")
    app.wait_for(f"Note added to #{task_id}")
    proxy.wait_idle(SETTLE)
    steps["note"] = proxy.reset()
    app.type("x")
    app.wait_for(f"Close #{task_id}")
    app.type("ctrl+s")
    app.wait_for(f"Closed #{task_id}")
    proxy.wait_idle(SETTLE)
    steps["close"] = proxy.reset()
    return steps


class Shift:
    """Play mode in one app: take the next task, add the template note, close it, again."""

    def __init__(self, app: PtyApp) -> None:
        self.app = app
        self.done: list[str] = []
        self.seconds = 0.0
        #: seconds spent waiting for each step's confirmation, over the whole shift
        self.steps: dict[str, float] = {}

    def _step(self, name: str, keys: str, shown: str) -> None:
        started = time.perf_counter()
        self.app.type(keys)
        self.app.wait_for(shown)
        self.steps[name] = self.steps.get(name, 0.0) + time.perf_counter() - started

    def work(self, tasks: int) -> None:
        """Handle ``tasks`` more tasks; adds the time it took to ``seconds``."""
        started = time.perf_counter()
        for _ in range(tasks):
            took = time.perf_counter()
            self.app.type("space")
            task_id = self._taken()
            self.steps["take"] = self.steps.get("take", 0.0) + time.perf_counter() - took
            self._step("template", "t", "Note from a template")
            self._step("editor", "enter", f"Internal note on #{task_id}")
            self._step("note", "ctrl+s", f"Note added to #{task_id}")
            self._step("dialog", "x", f"Close #{task_id}")
            self._step("close", "ctrl+s", f"Closed #{task_id}")
            self.done.append(task_id)
        self.seconds += time.perf_counter() - started

    def _taken(self) -> str:
        """The id of the task ``space`` just took (a toast of an earlier one may be redrawn)."""
        deadline = time.monotonic() + 60
        mark = len(self.app.output)
        while time.monotonic() < deadline:
            for found in re.findall(r"Now on #(\w+)", self.app.text_since(mark)):
                if found not in self.done:
                    return found
            if "Nothing left to take" in self.app.text_since(mark):
                raise RuntimeError("the shift ran out of tasks")
            self.app.read(0.05)
        raise TimeoutError("space took no task within 60 s")
