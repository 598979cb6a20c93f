"""Note drafts outlive the process that typed them."""

from __future__ import annotations

import os
import stat
import time

import pytest

from backdesk.api_client.workqueue import WorkQueueBackend
from backdesk.tui.app import BackdeskApp
from backdesk.tui.drafts import DraftStore, draft_key
from backdesk.tui.settings_loader import config_dir, load_settings


def test_a_draft_survives_a_new_store(isolated_home):
    key = draft_key("https://q.example.com", "42")
    DraftStore().save(key, "Called the customer,\nwaiting for the receipt.")
    again = DraftStore()
    assert again.load(key) == "Called the customer,\nwaiting for the receipt."
    assert again.load(draft_key("https://other.example.com", "42")) == ""
    assert again.path(key).parent == isolated_home / "xdg_state_home" / "backdesk" / "drafts"


def test_drafts_are_private_files_written_atomically():
    store = DraftStore()
    key = draft_key("demo", "7")
    store.save(key, "one")
    store.save(key, "two")
    assert stat.S_IMODE(store.path(key).stat().st_mode) == 0o600
    assert [p.name for p in store.directory.iterdir()] == [store.path(key).name]


def test_empty_text_and_delete_remove_the_draft():
    store = DraftStore()
    store.save("a", "text")
    store.save("a", "  \n")
    assert not store.path("a").exists() and store.load("a") == ""
    store.save("b", "text")
    store.delete("b")
    store.delete("b")
    assert store.load("b") == ""


@pytest.mark.anyio
async def test_the_app_removes_what_interrupted_writes_left(tmp_path, wq_server):
    drafts = DraftStore(tmp_path / "drafts")
    drafts.save("demo\n1", "kept")
    stale = [config_dir() / ".app-state.toml.x1.tmp", drafts.directory / ".abc.txt.y2.tmp"]
    fresh = drafts.directory / ".abc.txt.z3.tmp"  # a write that may be going on right now
    for path in [*stale, fresh]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("half")
    for path in stale:
        os.utime(path, (time.time() - 7200, time.time() - 7200))
    app = BackdeskApp(WorkQueueBackend(wq_server.url, "ana-token"), settings=load_settings(), drafts=drafts)
    async with app.run_test():
        pass
    assert not any(path.exists() for path in stale)
    assert fresh.exists() and drafts.load("demo\n1") == "kept"
