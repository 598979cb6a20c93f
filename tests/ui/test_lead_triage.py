"""A lead's triage through the keys: marks, bulk changes with their report, assignment through the
picker, and what an operator is told instead. Each test checks the server afterwards."""

from __future__ import annotations

import httpx
import pytest
from textual.widgets import OptionList, Static, TextArea

from backdesk.api_client import NewTask
from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.tui.app import BackdeskApp
from backdesk.tui.bulk_dialog import BulkCloseDialog
from backdesk.tui.bulk_report import BulkScreen
from backdesk.tui.confirm import ConfirmDialog
from backdesk.tui.main_screen import MainScreen
from backdesk.tui.pickers import OperatorPicker
from backdesk.tui.prompt import ChoiceDialog
from backdesk.tui.settings_loader import load_settings
from backdesk.widgets.task_table import TaskTable

from .helpers import wait_for
from .test_operator_day import focus_on, make, ready
from .test_operator_loop import footer_keys

pytestmark = pytest.mark.anyio


def app_as(wq_server, who: str) -> BackdeskApp:
    return BackdeskApp(WorkQueueBackend(wq_server.url, f"{who}-token"), settings=load_settings())


def said(app: BackdeskApp, text: str) -> bool:
    return any(text in n.message for n in app._notifications)


def topbar(app: BackdeskApp) -> str:
    return str(app.screen.query_one("#topbar", Static).render())


async def signed_in(app: BackdeskApp) -> None:
    await wait_for(lambda: isinstance(app.screen, MainScreen) and app.screen.workspace.me is not None, "sign-in")


async def lead_on(app: BackdeskApp, pilot, task_id: str, rows: int = 1) -> TaskTable:
    """The app signed in with at least ``rows`` rows, its cursor on ``task_id``."""
    table = await ready(app, pilot, rows=rows)
    await signed_in(app)
    await focus_on(pilot, table, task_id)
    return table


async def operator_picker(app: BackdeskApp, pilot, listed: int = 2) -> OptionList:
    """``a``: the operator picker's list, once it shows at least ``listed`` people."""
    await pilot.press("a")
    await wait_for(lambda: isinstance(app.screen, OperatorPicker), "the operator picker")
    options = app.screen.query_one(OptionList)
    await wait_for(lambda: options.option_count >= listed, "the operators")
    return options


async def test_v_j_k_mark_rows_the_header_counts_them_and_esc_clears(wq_server, ben):
    tasks = [await make(ben, f"Damaged parcel {n}") for n in range(4)]
    app = app_as(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=4)
        await signed_in(app)
        ws = app.screen.workspace
        await focus_on(pilot, table, tasks[0].id)
        await pilot.press("v")
        assert ws.marks.ids == {tasks[0].id}
        assert table.mark(tasks[0].id).startswith("✓")
        assert table.mark(tasks[1].id) == "  "  # a mark column of its own
        await wait_for(lambda: "✓ 1 marked" in topbar(app), "the header to count the mark")
        assert footer_keys(app) == ["n", "x", "a", "m", "p", "?", "esc"]  # the keys for marks
        await pilot.press("J", "J")
        assert ws.marks.ids == {t.id for t in tasks[:3]} and table.current_task.id == tasks[2].id
        await pilot.press("K")
        assert table.current_task.id == tasks[1].id and len(ws.marks) == 3
        await pilot.press("v")  # unmark one
        assert ws.marks.ids == {tasks[0].id, tasks[2].id}
        await pilot.press("escape")
        assert len(ws.marks) == 0 and table.mark(tasks[0].id) == " "
        await wait_for(lambda: "marked" not in topbar(app), "the header to drop the count")
        assert said(app, "Cleared 2 marks.")
        assert "c" in footer_keys(app) and "m" not in footer_keys(app)


async def test_star_marks_every_match_across_pages_after_confirming_the_count(wq_server):
    with httpx.Client(base_url=f"{wq_server.url}/api/v1", headers={"Authorization": "Bearer lee-token"}) as lead:
        for n in range(130):
            lead.post("/tasks", json={"queue": "returns", "title": f"Late refund {n}"}).raise_for_status()
    app = app_as(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=100)
        await signed_in(app)
        await pilot.press("asterisk")
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the count to be confirmed")
        assert "Mark all 130 tasks in All queues?" in str(app.screen.query_one(Static).render())
        await pilot.press("y")
        ws = app.screen.workspace
        await wait_for(lambda: len(ws.marks) == 130, "every match marked, the unloaded page too")
        assert table.row_count < 130
        await wait_for(lambda: "✓ 130 marked" in topbar(app), "the header")


async def test_marks_survive_a_refresh_and_a_task_closed_elsewhere_is_unmarked(wq_server, ben):
    tasks = [await make(ben, f"Chargeback {n}") for n in range(3)]
    app = app_as(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=3)
        await signed_in(app)
        ws = app.screen.workspace
        for task in tasks[1:]:
            await focus_on(pilot, table, task.id)
            await pilot.press("v")
        await focus_on(pilot, table, tasks[0].id)
        await ben.close(tasks[2].id, "done")
        await pilot.press("r")
        await wait_for(lambda: ws.marks.ids == {tasks[1].id}, "the closed task to be unmarked")
        await wait_for(lambda: said(app, f"#{tasks[2].id} closed: unmarked."), "a notice naming it")
        await pilot.press("r")
        await wait_for(lambda: not any(w.is_running for w in app.workers if w.group == "refresh"), "the refresh")
        assert ws.marks.ids == {tasks[1].id}  # the open one stays marked


async def test_bulk_close_reports_a_task_closed_elsewhere_and_retries_the_failed(wq_server, ben):
    tasks = [await make(ben, f"Duplicate complaint {n}") for n in range(4)]
    app = app_as(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot, rows=4)
        await signed_in(app)
        await pilot.press("asterisk")
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the count")
        await pilot.press("y")
        await wait_for(lambda: len(app.screen.workspace.marks) == 4, "the marks")
        await ben.close(tasks[1].id, "done")  # another operator closes one first
        await ben.claim(tasks[2].id)  # and takes another (it changed since it was marked)

        await pilot.press("x")
        await wait_for(lambda: isinstance(app.screen, BulkCloseDialog), "the bulk close dialog")
        await pilot.press("j", "j", "enter")  # duplicate
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the summary")
        summary = str(app.screen.query_one(Static).render())
        assert summary == "Close 4 tasks in Returns & Refunds as duplicate?"
        await pilot.press("y")
        await wait_for(lambda: isinstance(app.screen, BulkScreen), "the report")
        report = app.screen
        await wait_for(lambda: not report.bulk_run.running, "the run to end")
        results = report.bulk_run.results
        assert [results[t.id].state for t in tasks] == ["done", "failed", "failed", "done"]
        assert results[tasks[1].id].reason == f"Task {tasks[1].id} is closed; reopen it first."
        assert results[tasks[2].id].outcome == "changed since"
        for task in (tasks[0], tasks[3]):
            fresh = await ben.task(task.id)
            assert fresh.status == "closed" and fresh.resolution == "duplicate"

        await ben.release(tasks[2].id)
        await pilot.press("r")
        await wait_for(lambda: not report.bulk_run.running and results[tasks[2].id].state == "done", "the retry")
        assert results[tasks[1].id].state == "failed"  # still closed by ben: not forced
        assert (await ben.task(tasks[2].id)).resolution == "duplicate"
        assert (await ben.task(tasks[1].id)).resolution == "done"  # ben's close stands
        assert len(app.screen_stack[-2].workspace.marks) == 0  # all closed now: they left the view
        assert said(app, f"#{tasks[1].id} closed: unmarked.")  # the one closed by someone else, said so
        await pilot.press("escape")
        await wait_for(lambda: isinstance(app.screen, MainScreen), "back to the list")


async def test_an_operator_is_told_why_and_nothing_is_sent(wq_server, ben):
    task = await make(ben, "Refund over the limit")
    app = app_as(wq_server, "ana")
    async with app.run_test(size=(160, 40)) as pilot:
        table = await ready(app, pilot)
        await signed_in(app)
        assert "a" not in footer_keys(app) and "v" not in footer_keys(app)
        await focus_on(pilot, table, task.id)
        await pilot.press("v", "a", "m", "p", "asterisk")
        assert isinstance(app.screen, MainScreen) and len(app.screen.workspace.marks) == 0
        assert said(app, "Only leads can mark tasks for bulk changes.")
        assert said(app, "Only leads can assign tasks.")
        assert said(app, "Only leads can move tasks to another queue.")
        assert said(app, "Only leads can change a task's priority.")
    fresh = await ben.task(task.id)
    assert fresh.owner is None and fresh.version == task.version
    assert [e.kind for e in await ben.events(task.id)] == ["created"]


async def test_help_marks_a_leads_keys(wq_server):
    app = app_as(wq_server, "ana")
    async with app.run_test(size=(160, 50)) as pilot:
        await signed_in(app)
        rows = {row.id: row.description for row in app.key_rows(app.screen)}
        for key in ("mark.toggle", "mark.all", "task.assign", "task.move", "task.priority"):
            assert rows[key].startswith("Leads: ")
        await pilot.pause()


async def test_a_lead_assigns_through_the_picker_searching_on_the_server(wq_server, ben):
    task = await make(ben, "Missing refund")
    busy = await make(ben, "Keeps ben busy")
    await ben.claim(busy.id)  # ben holds one: ana is the least loaded
    app = app_as(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        table = await lead_on(app, pilot, task.id, rows=2)
        await pilot.press("a")
        await wait_for(lambda: isinstance(app.screen, OperatorPicker), "the operator picker")
        picker = app.screen
        options = picker.query_one(OptionList)
        await wait_for(lambda: options.option_count >= 2, "the operators, with their load")
        first = str(options.get_option_at_index(0).prompt)
        assert first.startswith("Ana Ruiz") and "0 held" in first  # least loaded first
        await pilot.press(*"ben")
        await wait_for(
            lambda: options.option_count == 1 and "1 held" in str(options.get_option_at_index(0).prompt),
            "the server's answer for 'ben'",
        )
        await pilot.press("enter")
        await wait_for(lambda: _owner_is(ben, task.id, "ben"), "the server to hold ben as the owner")
        await wait_for(lambda: table.current_task.owner is not None, "the list to show the new owner")
        assert said(app, f"#{task.id} assigned to {(await ben.me()).name}.")


async def test_a_lead_moves_and_reprioritises_the_marked_tasks(wq_server, ben):
    tasks = [await make(ben, f"Misfiled invoice {n}") for n in range(2)]
    app = app_as(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=2)
        await signed_in(app)
        ws = app.screen.workspace
        await focus_on(pilot, table, tasks[0].id)
        await pilot.press("J")
        assert len(ws.marks) == 2
        await pilot.press("p")
        await wait_for(lambda: isinstance(app.screen, ChoiceDialog), "the priority picker")
        await pilot.press("enter")  # urgent, the first
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the summary")
        assert str(app.screen.query_one(Static).render()) == (
            "Set the priority of 2 tasks in Returns & Refunds to urgent?"
        )
        await pilot.press("y")
        await wait_for(lambda: isinstance(app.screen, BulkScreen), "the report")
        await wait_for(lambda: not app.screen.bulk_run.running, "the run")
        await pilot.press("escape")
        for task in tasks:
            assert (await ben.task(task.id)).priority == "urgent"
        await pilot.press("m")
        await wait_for(lambda: isinstance(app.screen, ChoiceDialog), "the queue picker")
        billing = next(i for i, q in enumerate(ws.queues.values()) if q.id != "returns" and q.id == "billing")
        await pilot.press(*["j"] * (billing - 1), "enter")  # "returns" itself is not offered
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the summary")
        assert "Move 2 tasks in Returns & Refunds to " in str(app.screen.query_one(Static).render())
        await pilot.press("y")
        await wait_for(lambda: isinstance(app.screen, BulkScreen) and not app.screen.bulk_run.running, "the run")
        for task in tasks:
            assert (await ben.task(task.id)).queue == "billing"


async def test_a_lead_whose_role_was_revoked_sees_the_servers_refusal_in_the_report(wq_server, ben):
    tasks = [await make(ben, f"Escalated {n}") for n in range(2)]
    app = app_as(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        await lead_on(app, pilot, tasks[0].id, rows=2)
        await pilot.press("J")
        wq_server.store.upsert_person("lee", "lee", "operator", None)  # no longer a lead, since sign-in
        await operator_picker(app, pilot)
        await pilot.press(*"ben", "enter")
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the summary")
        assert str(app.screen.query_one(Static).render()).startswith("Assign 2 tasks in Returns & Refunds to B")
        await pilot.press("y")
        await wait_for(lambda: isinstance(app.screen, BulkScreen), "the report")
        run = app.screen.bulk_run
        await wait_for(lambda: not run.running, "the run")
        for task in tasks:
            result = run.results[task.id]
            assert (result.state, result.outcome) == ("failed", "no permission")
            assert result.reason == "Only leads can assign tasks."
            assert (await ben.task(task.id)).owner is None


async def _owner_is(backend, task_id: str, who: str) -> bool:
    task = await backend.task(task_id)
    return task.owner is not None and task.owner.id == who


@pytest.mark.parametrize("kit", ["reference", pytest.param("rt", marks=pytest.mark.rt)], indirect=True)
async def test_a_lead_marks_the_unclaimed_urgent_and_assigns_them_in_a_few_keys(kit):
    """The issue's "done when": find the tasks, mark them all, assign them to the operator picked."""
    ben = kit.backend("ben")
    tasks = [
        await ben.create_task(
            NewTask(kit.queue_id, f"Chargeback dispute {n}", "body", priority="urgent", reference=f"CB-{kit.unique}")
        )
        for n in range(3)
    ]
    app = BackdeskApp(kit.backend("lee"), settings=load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot)
        await signed_in(app)
        await pilot.press("slash", *f"CB-{kit.unique}", "enter")
        await wait_for(lambda: {t.id for t in table.tasks} == {t.id for t in tasks}, "the three tasks")
        await pilot.press("asterisk")
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the count")
        await pilot.press("y")
        await wait_for(lambda: len(app.screen.workspace.marks) == 3, "the marks")
        await pilot.press("a")
        await wait_for(lambda: isinstance(app.screen, OperatorPicker), "the picker")
        await pilot.press(*"ben", "enter")
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the summary", timeout=20)
        await pilot.press("y")
        await wait_for(lambda: isinstance(app.screen, BulkScreen), "the report")
        run = app.screen.bulk_run
        await wait_for(lambda: not run.running, "the run", timeout=30)
        assert run.count("done") == 3, [(r.outcome, r.reason) for r in run.results.values()]
    for task in tasks:
        fresh = await ben.task(task.id)
        assert fresh.owner is not None and fresh.owner.id == (await ben.me()).id


async def test_a_single_change_refused_with_a_403_says_the_servers_reason(wq_server, ben):
    task = await make(ben, "Priority dispute")
    app = app_as(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        await lead_on(app, pilot, task.id)
        wq_server.store.upsert_person("lee", "lee", "operator", None)  # no longer a lead, since sign-in
        await pilot.press("p")
        await wait_for(lambda: isinstance(app.screen, ChoiceDialog), "the priority picker")
        await pilot.press("enter")  # urgent: no summary for one task
        await wait_for(
            lambda: said(app, "Setting the priority failed: Only leads can change a task's priority."), "the notice"
        )
    assert (await ben.task(task.id)).priority == task.priority


async def test_a_bulk_close_of_tasks_others_hold_asks_whether_to_take_them_over(wq_server, ben):
    tasks = [await make(ben, f"Duplicate chargeback {n}") for n in range(2)]
    await ben.claim(tasks[1].id)
    app = app_as(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=2)
        await signed_in(app)
        await wait_for(lambda: all(t.owner or t.id != tasks[1].id for t in table.tasks), "ben's claim on screen")
        await pilot.press("asterisk")
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the count")
        await pilot.press("y")
        await wait_for(lambda: len(app.screen.workspace.marks) == 2, "the marks")
        await pilot.press("x", "j", "j", "enter")
        await wait_for(lambda: isinstance(app.screen, ChoiceDialog), "the question about the held one")
        assert "1 task out of their holders' hands" in str(
            app.screen.query_one(OptionList).get_option_at_index(0).prompt
        )
        await pilot.press("enter")  # close all
        await wait_for(lambda: isinstance(app.screen, BulkScreen) and not app.screen.bulk_run.running, "the run")
        assert app.screen.bulk_run.count("done") == 2
    for task in tasks:
        assert (await ben.task(task.id)).resolution == "duplicate"
    closed = [e for e in await ben.events(tasks[1].id) if e.kind == "closed"]
    assert "forced" in closed[-1].body  # the history says it was taken out of ben's hands


async def test_the_picker_says_which_queue_the_loads_are_counted_in(wq_server, ben):
    """Tasks of one queue: the loads are that queue's (the server's ``queue=``), and the picker says
    so, since they differ from the operator's load over every queue."""
    task = await make(ben, "Missing refund")
    elsewhere = await ben.create_task(NewTask("billing", "Held in billing", "body"))
    await ben.claim(elsewhere.id)
    lee = WorkQueueBackend(wq_server.url, "lee-token")
    here = {load.person.id: load.held for load in await lee.operators(queue="returns")}
    everywhere = {load.person.id: load.held for load in await lee.operators()}
    await lee.aclose()
    assert (here["ben"], everywhere["ben"]) == (0, 1)
    app = app_as(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        await lead_on(app, pilot, task.id)
        options = await operator_picker(app, pilot)
        rows = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(row.startswith("Ben Okafor  0 held") for row in rows), rows
        status = str(app.screen.query_one("#picker-status", Static).render())
        assert status == "least loaded first, by open tasks held in Returns & Refunds"
        await pilot.press("escape")


async def test_a_bulk_release_of_a_task_nobody_holds_is_not_a_failure(wq_server, ben):
    """Releasing the marked tasks when one is already unclaimed: the server's 409 "Nobody holds" means
    the task is where the lead wants it, so the report counts it done, not a failure to retry forever."""
    tasks = [await make(ben, f"Stray parcel {n}") for n in range(2)]
    await ben.claim(tasks[0].id)
    app = app_as(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        await lead_on(app, pilot, tasks[0].id, rows=2)
        await pilot.press("v", "J")
        await wait_for(lambda: len(app.screen.workspace.marks) == 2, "the marks")
        await pilot.press("u")
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the summary")
        await pilot.press("y")
        await wait_for(lambda: isinstance(app.screen, BulkScreen), "the report")
        report = app.screen
        await wait_for(lambda: not report.bulk_run.running, "the run to end")
        results = report.bulk_run.results
        assert [results[t.id].state for t in tasks] == ["done", "done"]
        assert results[tasks[1].id].outcome == "nobody held it"
        assert not report.check_action("retry", ())
    for task in tasks:
        assert (await ben.task(task.id)).owner is None


async def test_the_question_about_held_tasks_still_shows_the_note_it_will_add(wq_server, ben):
    """A bulk close with a note, one task held by someone else: the question asked instead of the
    summary repeats the note, as the summary does, before the note lands on every task."""
    tasks = [await make(ben, f"Duplicate chargeback {n}") for n in range(2)]
    await ben.claim(tasks[1].id)
    app = app_as(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=2)
        await signed_in(app)
        await wait_for(lambda: all(t.owner or t.id != tasks[1].id for t in table.tasks), "ben's claim on screen")
        await focus_on(pilot, table, tasks[0].id)
        await pilot.press("v", "J")
        await wait_for(lambda: len(app.screen.workspace.marks) == 2, "the marks")
        await pilot.press("x")
        await wait_for(lambda: isinstance(app.screen, BulkCloseDialog), "the bulk close dialog")
        await pilot.press("tab", *"Same as 12", "ctrl+s")
        await wait_for(lambda: isinstance(app.screen, ChoiceDialog), "the question about the held one")
        title = str(app.screen.query_one(Static).render())
        assert title.endswith("as done?\nWith the note: Same as 12"), title
        await pilot.press("enter")  # close all
        await wait_for(lambda: isinstance(app.screen, BulkScreen) and not app.screen.bulk_run.running, "the run")
    for task in tasks:
        assert (await ben.task(task.id)).resolution == "done"
        assert [e.body for e in await ben.events(task.id) if e.kind == "note"] == ["Same as 12"]


async def test_star_on_an_empty_list_says_so_instead_of_asking_to_mark_0_tasks(wq_server, ben):
    await make(ben, "Lost parcel")
    app = app_as(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot, rows=1)
        await signed_in(app)
        screen = app.screen
        screen.navigation.apply_filter("nothingmatchesthis")
        await wait_for(lambda: screen.workspace.loaded and screen.workspace.total == 0, "the empty list")
        assert not (await ben.tasks(screen.workspace.query())).items  # the server agrees: nothing matches
        await pilot.press("asterisk")
        await wait_for(lambda: said(app, "nothing to mark"), "the notice")
        assert app.screen is screen and not screen.workspace.marks


async def test_the_picker_offers_the_least_loaded_operator_before_an_idle_lead(wq_server, ben):
    """The server ranks everyone who can hold tasks, the lead too; a lead holding nothing would
    come first and take the work with one enter. Operators come first; the lead is marked."""
    task = await make(ben, "Missing refund")
    for who, backend in (("ana", WorkQueueBackend(wq_server.url, "ana-token")), ("ben", ben)):
        await backend.claim((await make(ben, f"Keeps {who} busy")).id)
        if who == "ana":
            await backend.aclose()
    lee = WorkQueueBackend(wq_server.url, "lee-token")
    assert (await lee.operators())[0].person.id == "lee"  # the server's order: lee holds nothing
    app = app_as(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        await lead_on(app, pilot, task.id, rows=3)
        options = await operator_picker(app, pilot, 3)
        assert options.option_count == 3
        rows = [str(options.get_option_at_index(i).prompt) for i in range(3)]
        assert rows[0].startswith("Ana Ruiz  1 held") and rows[2].startswith("Lee Park (lead)"), rows
        await pilot.press("enter")
        await wait_for(lambda: _owner_is(lee, task.id, "ana"), "the server to hold ana as the owner")
    await lee.aclose()


async def test_a_bulk_release_says_first_whose_tasks_it_takes(wq_server, ben):
    """Releasing marked tasks others hold takes them out of their hands: the summary says how many
    (as a bulk close does), and how many nobody holds, before anything is sent."""
    tasks = [await make(ben, f"Held parcel {n}") for n in range(3)]
    await ben.claim(tasks[0].id)
    await ben.claim(tasks[1].id)
    app = app_as(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=3)
        await signed_in(app)
        await wait_for(lambda: sum(1 for t in table.tasks if t.owner) == 2, "ben's claims on screen")
        await pilot.press("asterisk")
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the count")
        await pilot.press("y")
        await wait_for(lambda: len(app.screen.workspace.marks) == 3, "the marks")
        await pilot.press("u")
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the summary")
        said_first = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "2 tasks held by someone else: taken from them" in said_first, said_first
        assert "1 task nobody holds: left as they are." in said_first
        assert (await ben.task(tasks[0].id)).owner.id == "ben"  # nothing sent before the answer
        await pilot.press("y")
        await wait_for(lambda: isinstance(app.screen, BulkScreen) and not app.screen.bulk_run.running, "the run")
    for task in tasks:
        assert (await ben.task(task.id)).owner is None


async def test_a_bulk_assign_says_first_how_many_it_takes_from_someone_else(wq_server, ben):
    tasks = [await make(ben, f"Rebalanced parcel {n}") for n in range(3)]
    await ben.claim(tasks[0].id)
    app = app_as(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        table = await ready(app, pilot, rows=3)
        await signed_in(app)
        await wait_for(lambda: any(t.owner for t in table.tasks), "ben's claim on screen")
        await pilot.press("asterisk")
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the count")
        await pilot.press("y")
        await wait_for(lambda: len(app.screen.workspace.marks) == 3, "the marks")
        await pilot.press("a")
        await wait_for(lambda: isinstance(app.screen, OperatorPicker), "the operator picker")
        await pilot.press(*"ana")
        options = app.screen.query_one(OptionList)
        await wait_for(lambda: options.option_count == 1 and "Ana" in str(options.get_option_at_index(0).prompt), "ana")
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, ConfirmDialog), "the summary")
        said_first = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "1 task held by someone else: taken from them" in said_first, said_first
        assert (await ben.task(tasks[0].id)).owner.id == "ben"  # nothing sent before the answer
        await pilot.press("y")
        await wait_for(lambda: isinstance(app.screen, BulkScreen) and not app.screen.bulk_run.running, "the run")
    for task in tasks:
        assert (await ben.task(task.id)).owner.id == "ana"


async def test_esc_in_the_bulk_close_dialog_keeps_a_typed_note_until_pressed_again(wq_server, ben):
    tasks = [await make(ben, f"Double refund {n}") for n in range(2)]
    app = app_as(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        await lead_on(app, pilot, tasks[0].id, rows=2)
        await pilot.press("v", "J", "x")
        await wait_for(lambda: isinstance(app.screen, BulkCloseDialog), "the bulk close dialog")
        dialog = app.screen
        await pilot.press("tab", *"Refunded twice", "escape")
        await pilot.pause()
        assert app.screen is dialog and dialog.query_one(TextArea).text == "Refunded twice"
        assert "esc again drops this note" in str(dialog.query_one("#bulk-close-error", Static).render())
        await pilot.press("escape")
        await wait_for(lambda: isinstance(app.screen, MainScreen), "the list again")
    assert [(await ben.task(t.id)).status for t in tasks] == ["open", "open"]  # nothing was sent
