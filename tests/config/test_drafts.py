"""Note drafts outlive the process that typed them."""

from __future__ import annotations

import stat

from backdesk.tui.drafts import DraftStore, draft_key


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
