"""What the task keys do on the main screen: the dialogs around each operation, and play mode.

The operations themselves live in :mod:`tui.operations`; the state they change in the
workspace (:mod:`tui.workspace`). This module is the wiring between them and the dialogs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from backdesk.api_client import ConflictError, Task
from backdesk.api_client.models import Resolution
from backdesk.widgets.text import one_line

from .confirm import ConfirmDialog
from .drafts import draft_key
from .operations import Outcome
from .prompt import ChoiceDialog
from .templates import render_template

if TYPE_CHECKING:
    from .main_screen import MainScreen

#: Seconds after a write of ours during which the task on screen is not re-read by the watch:
#: the write's answer is the server's copy.
WATCH_AFTER_WRITE = 5


class TaskActions:
    """Claim, steal, release, note, close, skip and play, for one main screen."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.workspace = screen.workspace
        self.ops = screen.ops

    def target(self) -> Task | None:
        """The task under the cursor; None (and a word to the operator) when there is none."""
        task = self.workspace.current
        if task is None:
            self.screen.notify("Select a task first.", severity="warning")
        return task

    def _mine(self, task: Task) -> bool:
        me = self.workspace.me
        return task.owner is not None and me is not None and task.owner.id == me.id

    async def settle(self, outcome: Outcome, before: Task | None = None) -> bool:
        """Show an operation's outcome: the task as the server holds it (made from ``before``,
        else the copy held), the message or error."""
        self.screen.paint.pending()
        if outcome.task is not None:
            self.screen.task_written(outcome.task, before, reread=not outcome.ok)
        if outcome.error is not None:
            self.screen.report(outcome.error, outcome.doing)
            return False
        if outcome.message:
            self.screen.notify(outcome.message, markup=False)
        return True

    # -- someone else's writes -------------------------------------------------------------

    async def recheck(self) -> None:
        """Re-read the task on screen; say so when someone else claimed or closed it."""
        task = self.workspace.current
        if task is None or self.workspace.me is None or self.screen.follow_up.recent(task.id, WATCH_AFTER_WRITE):
            return
        fresh = await self.ops.reread(task.id)
        if fresh is not None and fresh.version != task.version:
            self.workspace.task_written(fresh)
            self.screen.paint.task_list()
            await self._tell_if_taken(task, fresh)

    async def _tell_if_taken(self, before: Task, after: Task) -> None:
        """Warn, naming who did it, when someone else took or closed the task on screen."""
        closed = after.is_closed and not before.is_closed
        taken = after.owner is not None and not self._mine(after) and (before.owner != after.owner)
        if not (closed or taken):
            return
        who = after.owner.name if taken and after.owner else await self._last_actor(after.id, "closed")
        if who is None or (closed and who == (self.workspace.me and self.workspace.me.name)):
            return
        if closed:
            message = f"#{one_line(after.id)} was just closed by {one_line(who)}."
        elif self._mine(before):
            message = f"{one_line(who)} took #{one_line(after.id)} over from you."
        else:
            message = f"#{one_line(after.id)} is now held by {one_line(who)}."
        self.screen.notify(message, severity="warning", timeout=10, markup=False)

    async def _last_actor(self, task_id: str, kind: str) -> str | None:
        events = await self.screen.attempt(self.screen.backend.events(task_id), "Loading the history")
        actors = [e.actor.name for e in events or () if e.kind == kind and e.actor]
        return actors[-1] if actors else "someone"

    # -- the outbox ---------------------------------------------------------------------------

    async def deliver(self) -> None:
        """Send what waits in the outbox when it is due; say what went and what needs a decision."""
        for delivery in await self.screen.session.sender.deliver():
            what = delivery.entry.describe()
            if delivery.error is not None:
                self.screen.notify(
                    f"Not sent: {what}: {delivery.error} ctrl+p → Unsent actions to decide.",
                    severity="warning",
                    timeout=15,
                    markup=False,
                )
                continue
            result = delivery.result
            if isinstance(result, Task):
                self.screen.task_written(result)
            elif (task := await self.ops.reread(delivery.entry.task_id)) is not None:
                self.screen.task_written(task, reread=True)
            self.screen.notify(f"Sent: {what}.", markup=False)
        self.screen.paint.pending()

    def review_unsent(self) -> None:
        """Decide about writes the server refused on a resend: send anyway, or drop."""
        outbox = self.screen.session.outbox
        conflicts = {str(e.id): e for e in outbox.entries() if e.state == "conflict"}
        if not conflicts:
            self.screen.notify("Nothing waits for a decision.")
            return

        def decided(entry_id: str, choice: str | None) -> None:
            entry = conflicts[entry_id]
            if choice == "send":
                outbox.send_anyway(entry)
            elif choice == "drop":
                outbox.remove(entry.id)
            self.screen.paint.pending()

        def picked(entry_id: str | None) -> None:
            if entry_id is None:
                return
            choices = [("send", "Send it anyway, over whoever holds the task now"), ("drop", "Drop it")]
            self.screen.app.push_screen(
                ChoiceDialog(f"Not sent: {conflicts[entry_id].describe()}", choices),
                lambda choice: decided(entry_id, choice),
            )

        listed = [(i, f"{e.describe()}: {e.error}") for i, e in conflicts.items()]
        self.screen.app.push_screen(ChoiceDialog("Unsent actions", listed), picked)

    # -- claim, steal, release ---------------------------------------------------------------

    async def claim(self) -> None:
        if (task := self.target()) is not None:
            await self.settle(await self.ops.claim(task))

    def steal(self) -> None:
        if (task := self.target()) is None:
            return
        if task.owner is None or self._mine(task):
            self.screen.notify("Nobody else holds this task: press c to claim it.", severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.screen.in_background(self._steal(task))

        self.screen.app.push_screen(
            ConfirmDialog(
                f"Take #{task.id} over from {task.owner.name}?",
                "They will no longer hold it, and the history records that you took it over.",
            ),
            answered,
        )

    async def _steal(self, task: Task) -> None:
        await self.settle(await self.ops.steal(task))

    async def release(self) -> None:
        if (task := self.target()) is None:
            return
        try:
            task = await self.screen.play_actions.claimed(task.id) or task  # a claim on its way answers first
        except ConflictError as err:
            self.screen.report(err, "Release")
            return
        if await self.settle(await self.ops.release(task)) and self.workspace.play.playing:
            self.workspace.play.release(task.id)
            await self.screen.play_actions.offer_next()

    # -- notes -----------------------------------------------------------------------------

    def note(self, initial: str = "") -> None:
        """Open the editor at once (so no keystroke is lost), warning there if the copy on
        screen says someone else holds the task or it is closed; one request: the note."""
        from .note_editor import NoteEditor

        if (task := self.target()) is None:
            return
        session = self.screen.session

        async def save(body: str, key: str) -> None:
            await self.screen.play_actions.claimed(task.id)  # a claim on its way answers first
            event = await self.ops.note(task, body, key)
            self.screen.follow_up.noted(task, event)
            if not event.task_version:  # the version it bumped is unknown: read it, after the confirmation
                self.screen.in_background(self._reread(task.id), group="reread")

        def saved(done: bool | None) -> None:
            if done:
                self.screen.notify(f"Note added to #{one_line(task.id)}.", markup=False)

        editor = NoteEditor(
            task,
            save,
            drafts=session.drafts,
            draft_key=draft_key(session.scope, task.id),
            templates=session.settings.templates,
            render=lambda text: render_template(text, task, self.workspace.me),
            initial=initial,
            warning="This task is closed."
            if task.is_closed
            else f"{task.owner.name} holds this task."
            if task.owner and not self._mine(task)
            else "",
        )
        self.screen.app.push_screen(editor, saved)

    async def _reread(self, task_id: str) -> None:
        if (fresh := await self.ops.reread(task_id)) is not None:
            self.workspace.task_written(fresh)
            self.screen.paint.task_list()

    def note_from_template(self) -> None:
        if (task := self.target()) is None:
            return
        templates = self.screen.session.settings.templates
        if not templates:
            self.screen.notify(
                "No templates yet: add a [templates] table to config.toml (backdesk config --edit).",
                severity="warning",
                timeout=8,
                markup=False,
            )
            return

        def picked(name: str | None) -> None:
            if name:
                self.note(render_template(templates[name], task, self.workspace.me))

        choices = [(name, f"{name}: {' '.join(text.split())[:60]}") for name, text in templates.items()]
        self.screen.app.push_screen(ChoiceDialog("Note from a template", choices), picked)

    # -- closing -----------------------------------------------------------------------------

    def close(self) -> None:
        """Close with a resolution. A task someone else holds is closed only after asking."""
        from .close_dialog import CloseDialog

        if (task := self.target()) is None:
            return
        if task.is_closed:
            self.screen.notify("This task is already closed. Press R to reopen it.", severity="warning")
            return
        someone_else = task.owner is not None and not self._mine(task)

        async def close(current: Task, resolution: Resolution, note: str | None) -> Task:
            if (claimed := await self.screen.play_actions.claimed(current.id)) and current.owner is None:
                current = claimed  # opened while play mode's claim was on its way
            # Held by someone else: the operator agreed to that first, or saw the change in the dialog.
            return await self.ops.close(
                current, resolution, note, force=current.owner is not None and not self._mine(current)
            )

        def closed(result: Task | None) -> None:
            if result is not None:
                self.screen.in_background(self._closed(task, result))

        if self.screen.play_actions.claiming(task.id):
            holder = "Your claim of it is on its way: it closes once the server answers."
        elif task.owner is None:
            holder = "Nobody holds this task: you close it unclaimed."
        elif someone_else:
            holder = f"{task.owner.name} holds this task: closing takes it out of their hands."
        else:
            holder = ""

        async def reread(task_id: str) -> Task | None:
            if (fresh := await self.ops.reread(task_id)) is not None:
                self.screen.task_written(fresh, reread=True)  # the list shows what the dialog found
            return fresh

        session = self.screen.session
        dialog = CloseDialog(
            task,
            close,
            reread,
            holder=holder,
            drafts=session.drafts,
            draft_key=draft_key(session.scope, f"{task.id} close"),
        )
        self.screen.play_actions.look_ahead()  # in play mode: the next task, while this one closes
        if not someone_else:
            self.screen.app.push_screen(dialog, closed)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.screen.app.push_screen(dialog, closed)

        self.screen.app.push_screen(
            ConfirmDialog(
                f"Close #{task.id}? {task.owner.name if task.owner else ''} holds it.",
                "They are working on it. The history records that you closed it.",
            ),
            answered,
        )

    def reopen(self) -> None:
        if (task := self.target()) is None:
            return
        if not task.is_closed:
            self.screen.notify("This task is open.", severity="warning")
            return

        someone_else = task.owner is not None and not self._mine(task)

        def answered(yes: bool | None) -> None:
            if yes:
                self.screen.in_background(self._reopen(task, someone_else))

        held = f" {task.owner.name} still holds it." if someone_else and task.owner else ""
        self.screen.app.push_screen(
            ConfirmDialog(f"Reopen #{task.id}?{held}", "It goes back to open, with no resolution."), answered
        )

    async def _reopen(self, task: Task, force: bool) -> None:
        await self.settle(await self.ops.reopen(task, force=force))

    async def _closed(self, task: Task, result: Task) -> None:
        await self.settle(Outcome(result, f"Closed #{one_line(task.id)} as {result.resolution}. R reopens it."))
        if self.workspace.play.playing:
            await self.screen.play_actions.offer_next()
