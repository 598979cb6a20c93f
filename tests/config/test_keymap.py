"""The [keys] table: remapping and unbinding by binding id, and the mistakes it reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from backdesk.tui.keymap import UNBOUND_KEY, build_keymap, is_unbound

CONFIG = Path("/home/ana/.config/backdesk/config.toml")


class Work(Screen):
    BINDINGS = [
        Binding("c", "hit('claim')", "Claim", id="task.claim"),
        Binding("u", "hit('release')", "Release", id="task.release"),
        Binding("question_mark", "hit('help')", "Help", id="app.help"),
    ]

    def compose(self) -> ComposeResult:
        yield Footer()

    def action_hit(self, what: str) -> None:
        self.app.hits.append(what)


class Tiny(App):
    BINDINGS = [Binding("q", "hit('quit')", "Quit", id="app.quit")]

    def __init__(self, keymap: dict[str, str]) -> None:
        super().__init__()
        self.hits: list[str] = []
        self._start_keymap = keymap

    def on_mount(self) -> None:
        self.set_keymap(self._start_keymap)
        self.push_screen(Work())

    def action_hit(self, what: str) -> None:
        self.hits.append(what)


SCOPES = {"main screen": [*Work.BINDINGS, *Tiny.BINDINGS]}


def test_remap_and_unbind_make_a_clean_keymap():
    result = build_keymap({"task.claim": "ctrl+k,!", "task.release": "", "app.quit": " "}, SCOPES, CONFIG)
    assert result.problems == []
    assert result.keymap == {
        "task.claim": "ctrl+k,exclamation_mark",
        "task.release": UNBOUND_KEY,
        "app.quit": UNBOUND_KEY,
    }


@pytest.mark.anyio
async def test_remapped_key_triggers_the_action_and_the_old_one_does_not():
    app = Tiny(build_keymap({"task.claim": "ctrl+k", "task.release": ""}, SCOPES).keymap)
    async with app.run_test() as pilot:
        await pilot.press("c", "u", "ctrl+k", "q")
        await pilot.pause()
        assert app.hits == ["claim", "quit"]
        unbound = [b.binding for b in app.screen.active_bindings.values() if is_unbound(b.binding)]
        assert [b.id for b in unbound] == ["task.release"]


@pytest.mark.anyio
async def test_textual_ignores_an_empty_key_which_is_why_unbind_needs_a_key():
    app = Tiny({"task.release": ""})
    async with app.run_test() as pilot:
        await pilot.press("u")
        await pilot.pause()
        assert app.hits == ["release"]


def test_unknown_action_ids_are_reported_with_a_suggestion():
    result = build_keymap({"task.clam": "k", "nothing.like.it": "z"}, SCOPES, CONFIG)
    assert result.keymap == {}
    first, second = (str(p) for p in result.problems)
    assert first == (f"{CONFIG}: keys.\"task.clam\": no action has the id 'task.clam'; did you mean 'task.claim'?")
    assert second.startswith(f'{CONFIG}: keys."nothing.like.it": no action has the id')
    assert "app.help, app.quit, task.claim, task.release" in second


def test_malformed_key_list_is_reported():
    [problem] = build_keymap({"task.claim": "k,,x"}, SCOPES, CONFIG).problems
    assert problem.key == 'keys."task.claim"' and "is not a key list" in problem.message


def test_conflicts_name_the_file_the_key_and_both_actions():
    result = build_keymap({"task.claim": "u"}, SCOPES, CONFIG)
    [problem] = result.problems
    assert problem.file == CONFIG
    assert str(problem) == (
        f"{CONFIG}: keys.\"task.claim\" puts 'task.claim' on 'u', which 'task.release' "
        "also uses in the main screen; 'task.claim' gets the key. Pick another key or move "
        "the other action too."
    )


def test_swapping_keys_or_moving_both_is_no_conflict():
    assert build_keymap({"task.claim": "u", "task.release": "c"}, SCOPES).problems == []
    assert build_keymap({"task.claim": "q", "app.quit": ""}, SCOPES).problems == []


def test_conflicts_only_count_within_one_scope():
    scopes = {"main screen": Work.BINDINGS, "note editor": [Binding("ctrl+s", "save", id="note.save")]}
    assert build_keymap({"task.claim": "ctrl+s"}, scopes).problems == []
    [problem] = build_keymap({"task.claim": "?"}, scopes).problems
    assert "'app.help' also uses" in problem.message and "'question_mark'" in problem.message


@pytest.mark.anyio
async def test_a_clash_names_the_binding_that_gets_the_key_and_textual_agrees(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('theme = "backdesk-16"\n\n[keys]\n"app.help" = "c"\n')
    result = build_keymap({"app.help": "c"}, {"main screen": [*Work.BINDINGS, *Tiny.BINDINGS]}, config)
    [problem] = result.problems
    assert problem.line == 4
    assert str(problem).startswith(f"{config}, line 4: keys.\"app.help\" puts 'app.help' on 'c'")
    assert "'app.help' gets the key." in problem.message
    app = Tiny(result.keymap)
    async with app.run_test() as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert app.hits == ["help"]


@pytest.mark.anyio
async def test_the_remapped_binding_gets_the_key_even_from_a_priority_binding():
    class Editor(Screen):
        BINDINGS = [
            Binding("ctrl+s", "hit('save')", "Save", priority=True, id="note.save"),
            Binding("ctrl+t", "hit('template')", "Template", id="note.template"),
        ]

        def compose(self) -> ComposeResult:
            yield Footer()

        def action_hit(self, what: str) -> None:
            self.app.hits.append(what)

    class EditorApp(App):
        def __init__(self, keymap: dict[str, str]) -> None:
            super().__init__()
            self.hits: list[str] = []
            self._start_keymap = keymap

        def on_mount(self) -> None:
            self.set_keymap(self._start_keymap)
            self.push_screen(Editor())

    result = build_keymap({"note.template": "ctrl+s"}, {"note editor": Editor.BINDINGS})
    [problem] = result.problems
    assert "'note.template' gets the key." in problem.message
    app = EditorApp(result.keymap)
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.hits == ["template"]
