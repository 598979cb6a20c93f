"""Export (``e`` and ``backdesk export``): every task of the view, not just the loaded page, checked
against what the reference server lists."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import subprocess
import sys

import pytest
from fault_proxy import FaultProxy  # tests/fault_proxy.py

from backdesk.api_client import NewTask, Sort, TaskQuery
from backdesk.api_client.export import EXPORT_PAGE, export_to_file
from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.tui.app import BackdeskApp
from backdesk.tui.cli import main
from backdesk.tui.export_dialog import ExportDialog
from backdesk.tui.main_screen import MainScreen
from backdesk.tui.prompt import PromptDialog
from backdesk.tui.settings_loader import config_dir, load_settings

from .helpers import wait_for
from .test_operator_day import make_app, ready

pytestmark = pytest.mark.anyio


async def server_ids(backend, q: str = "", queue: str | None = None) -> set[str]:
    """The ids the server lists for a filter over open and waiting tasks (one page of up to 500)."""
    page = await backend.tasks(TaskQuery(queue=queue, q=q, status=("open", "waiting"), sort=Sort(), limit=500))
    assert page.next_cursor is None
    return {t.id for t in page.items}


async def seed(backend, count: int, word: str) -> None:
    for n in range(count):
        await backend.create_task(NewTask("returns", f"{word} {n}", "body", priority="high" if n % 3 else "low"))


async def test_e_exports_every_task_of_the_view_beyond_the_loaded_page(wq_server, ben, tmp_path):
    await seed(ben, EXPORT_PAGE + 30, "Bulk")
    await ben.create_task(NewTask("billing", "Elsewhere", "body"))
    expected = await server_ids(ben, queue="returns")
    assert len(expected) > EXPORT_PAGE
    app = make_app(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        screen.navigation.choose("queue", "returns")
        await wait_for(lambda: screen.workspace.loaded and screen.workspace.queue_id == "returns", "the queue")
        await pilot.press("e")
        await wait_for(lambda: isinstance(app.screen, PromptDialog), "the path prompt")
        field = app.screen.query_one("Input")
        assert field.value.startswith("~/backdesk-returns-refunds-") and field.value.endswith(".csv")
        bad = str(tmp_path / "missing-folder" / "out.csv")
        field.value = bad
        await pilot.press("enter")
        error = app.screen.query_one("#prompt-error")
        await wait_for(lambda: "does not exist" in str(error.render()), "the unwritable path named")
        assert isinstance(app.screen, PromptDialog) and field.value == bad  # the typing is kept
        target = tmp_path / "returns.csv"
        field.value = str(target)
        await pilot.press("enter")
        await wait_for(lambda: not isinstance(app.screen, (PromptDialog, ExportDialog)), "the export to end", 30)
        assert any(f"Exported {len(expected)} tasks" in n.message for n in app._notifications)
    with target.open(newline="") as handle:
        ids = [row["id"] for row in csv.DictReader(handle)]
    assert len(ids) == len(set(ids)) and set(ids) == expected
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


async def test_export_with_an_unknown_extension_asks_the_format(wq_server, ben, tmp_path):
    await seed(ben, 3, "Few")
    expected = await server_ids(ben, "owner:none")
    app = make_app(wq_server, "ana")  # operators may export what they see
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot, rows=3)
        app.screen.navigation.apply_filter("owner:none")
        await pilot.press("e")
        await wait_for(lambda: isinstance(app.screen, PromptDialog), "the path prompt")
        app.screen.query_one("Input").value = str(tmp_path / "tasks.out")
        await pilot.press("enter")
        await wait_for(lambda: "Export tasks.out as" in str(app.screen.query_one("Static").render()), "the choice")
        await pilot.press("j", "enter")  # JSON
        await wait_for(lambda: (tmp_path / "tasks.out").exists(), "the file")
    assert {row["id"] for row in json.loads((tmp_path / "tasks.out").read_text())} == expected


def as_ben(wq_server, work):
    """Run ``work(backend)`` as Ben outside any event loop (the command line runs its own)."""

    async def run():
        ben = WorkQueueBackend(wq_server.url, "ben-token")
        try:
            return await work(ben)
        finally:
            await ben.aclose()

    return asyncio.run(run())


def test_cli_exports_csv_and_json(wq_server, tmp_path, monkeypatch, capsys):
    async def prepare(ben):
        await seed(ben, EXPORT_PAGE + 5, "Script")
        await ben.claim((await ben.create_task(NewTask("returns", "Mine", "body"))).id)
        return await server_ids(ben, "owner:none"), await server_ids(ben)

    unclaimed, everything = as_ben(wq_server, prepare)
    monkeypatch.setenv("BACKDESK_TOKEN", "lee-token")
    out = tmp_path / "unclaimed.json"
    assert main(["--url", wq_server.url, "export", "--filter", "owner:none", "--output", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert [r["id"] for r in rows if r["owner"]] == [] and {r["id"] for r in rows} == unclaimed
    assert len(rows) == len(unclaimed)
    assert all(r["url"].endswith(f"/tasks/{r['id']}") for r in rows)  # the page, never its signature
    capsys.readouterr()
    assert main(["export", "--url", wq_server.url, "--filter", "", "--format", "csv"]) == 0
    listed = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert {r["id"] for r in listed} == everything and len(listed) == len(unclaimed) + 1
    assert main(["--url", wq_server.url, "export", "--filter", "priority:>=hgih"]) == 2
    assert "hgih" in capsys.readouterr().err
    assert main(["--url", wq_server.url, "export", "--view", "Nope"]) == 2
    assert main(["--url", wq_server.url, "export", "--filter", "", "-o", "/proc/tasks.csv"]) == 1
    assert "Cannot write /proc/tasks.csv" in capsys.readouterr().err


def test_cli_export_does_not_import_textual(wq_server, tmp_path):
    script = (
        "import sys\nfrom backdesk.tui.cli import main\n"
        f"status = main(['--url', {wq_server.url!r}, 'export', '--filter', '', '--format', 'json'])\n"
        "print('textual' in sys.modules, status, file=sys.stderr)\n"
    )
    env = {**os.environ, "BACKDESK_TOKEN": "lee-token"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.stderr.strip() == "False 0"
    assert json.loads(done.stdout) == []


async def test_export_writes_the_server_copy_of_every_field(wq_server, ben, tmp_path):
    task = await ben.create_task(NewTask("returns", 'Quote "this", then, a comma', "body", reference="ORD-9"))
    formula = await ben.create_task(
        NewTask("returns", '=HYPERLINK("http://x.test","Refund")', "body", reference="ORD-9")
    )
    lee = WorkQueueBackend(wq_server.url, "lee-token")
    try:
        result = await export_to_file(lee, TaskQuery(q="ORD-9"), tmp_path / "one.csv", "csv")
    finally:
        await lee.aclose()
    assert result.count == 2
    row, defused = sorted(csv.DictReader((tmp_path / "one.csv").open(newline="")), key=lambda r: r["id"] != task.id)
    assert defused["id"] == formula.id and defused["title"] == "'" + formula.title  # shown as text, never run
    assert (row["id"], row["title"], row["reference"], row["queue_name"]) == (
        task.id,
        task.title,
        "ORD-9",
        "Returns & Refunds",
    )
    assert oct((tmp_path / "one.csv").stat().st_mode & 0o777) == "0o600"


async def test_esc_cancels_an_export_and_leaves_no_file(wq_server, ben, tmp_path):
    await seed(ben, EXPORT_PAGE + 5, "Slow")
    port = int(wq_server.url.rsplit(":", 1)[1].split("/")[0])
    with FaultProxy(port, seed=1) as proxy:
        proxy.always = "delay"  # every answer a little late, so the export is still running at esc
        app = BackdeskApp(WorkQueueBackend(proxy.url, "lee-token"), settings=load_settings())
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(app, pilot)
            await pilot.press("e")
            await wait_for(lambda: isinstance(app.screen, PromptDialog), "the path prompt")
            app.screen.query_one("Input").value = str(tmp_path / "cancelled.csv")
            await pilot.press("enter")
            await wait_for(lambda: list(tmp_path.glob(".cancelled.csv.*.part")), "the export writing")
            await pilot.press("escape")
            await wait_for(lambda: isinstance(app.screen, MainScreen), "back to the list")
            assert any("Export cancelled" in n.message for n in app._notifications)
            await wait_for(lambda: not list(tmp_path.glob(".cancelled.csv*")), "the partial file removed")
    assert not (tmp_path / "cancelled.csv").exists()


async def test_a_cancelled_export_removes_its_partial_file(wq_server, ben, tmp_path):
    await seed(ben, EXPORT_PAGE + 5, "Partial")
    lee = WorkQueueBackend(wq_server.url, "lee-token")
    pages = []

    def progress(done, total):
        pages.append(done)
        export.cancel()  # after the first page is written to the partial file

    export = asyncio.ensure_future(export_to_file(lee, TaskQuery(), tmp_path / "all.json", "json", progress))
    with pytest.raises(asyncio.CancelledError):
        await export
    await lee.aclose()
    assert pages == [EXPORT_PAGE]
    assert not [p for p in tmp_path.iterdir() if "all.json" in p.name]


def test_cli_exports_a_saved_view_with_its_queue_and_filter(wq_server, tmp_path, monkeypatch, capsys):
    async def prepare(ben):
        await seed(ben, 4, "Viewed")  # priority high for n = 1, 2; low for n = 0, 3
        await ben.create_task(NewTask("billing", "Other queue", "body", priority="urgent"))
        return await server_ids(ben, "priority:>=high", queue="returns")

    expected = as_ben(wq_server, prepare)
    config = config_dir() / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[[views]]\nname = "Returns hot"\nfilter = "priority:>=high"\nqueue = "returns"\n')
    monkeypatch.setenv("BACKDESK_TOKEN", "lee-token")
    assert main(["--url", wq_server.url, "export", "--view", "returns hot", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in rows} == expected and len(expected) == 2
    assert {r["queue"] for r in rows} == {"returns"}


async def test_e_says_the_filter_and_the_count_it_exports(wq_server, ben, tmp_path):
    """A filtered queue exports only what matches: the question says so, not "every task of" the queue."""
    await seed(ben, 6, "Some")
    expected = await server_ids(ben, "priority:>=high", queue="returns")
    app = make_app(wq_server, "lee")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        screen = app.screen
        screen.navigation.choose("queue", "returns")
        await wait_for(lambda: screen.workspace.loaded and screen.workspace.queue_id == "returns", "the queue")
        screen.navigation.apply_filter("priority:>=high")
        await wait_for(lambda: screen.workspace.loaded and screen.workspace.total == len(expected), "the matches")
        await pilot.press("e")
        await wait_for(lambda: isinstance(app.screen, PromptDialog), "the path prompt")
        question = app.screen.question
        assert (
            question
            == f"Export the {len(expected)} tasks of Returns & Refunds matching priority:>=high to (.csv or .json):"
        )
        app.screen.query_one("Input").value = str(tmp_path / "hot.csv")
        await pilot.press("enter")
        await wait_for(lambda: (tmp_path / "hot.csv").exists(), "the file")
    with (tmp_path / "hot.csv").open(newline="") as handle:
        assert {row["id"] for row in csv.DictReader(handle)} == expected
