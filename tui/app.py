"""The backdesk Textual application."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.filter import LineFilter, NoColor
from textual.screen import Screen

from backdesk.api_client import Backend, BackendError
from backdesk.api_client.connect import connect
from backdesk.themes import DEFAULT_THEME, STYLESHEET, default_theme, register_themes
from backdesk.widgets.palette import Palette
from backdesk.widgets.task_detail import TaskDetail
from backdesk.widgets.task_table import TaskTable

from .config import ConfigError, Settings
from .drafts import DraftStore
from .help_screen import KeyRow
from .keymap import UNBOUND_KEY, KeymapResult, build_keymap
from .main_screen import MainScreen
from .private_files import remove_stale_temporaries
from .secrets import resolve_credentials
from .session import Session
from .settings_loader import load_settings

#: Keys Textual itself provides on the main screen, for the help screen.
BUILT_IN_KEYS = (
    KeyRow("enter", "Open the task: focus its detail and history (j/k scroll, esc back)"),
    KeyRow("tab shift+tab", "Next / previous pane"),
    KeyRow("ctrl+p", "Command palette: every action, views, columns, themes, profiles"),
)


def screens() -> tuple[type[Screen[Any]], ...]:
    """Every screen of the app. Each is a key scope: its bindings and its widgets' are active
    together. The dialogs are imported here rather than at the top, so that start-up loads only
    the main screen (each dialog's module loads when it first opens)."""
    from .bulk_dialog import BulkCloseDialog, BulkNoteDialog
    from .bulk_report import BulkScreen
    from .close_dialog import CloseDialog
    from .columns_dialog import ColumnsDialog
    from .confirm import ConfirmDialog
    from .dashboard import DashboardScreen
    from .export_dialog import ExportDialog
    from .help_screen import HelpScreen
    from .note_editor import NoteEditor
    from .pickers import OperatorPicker
    from .prompt import ChoiceDialog, PromptDialog

    return (
        MainScreen,
        NoteEditor,
        CloseDialog,
        ConfirmDialog,
        PromptDialog,
        ChoiceDialog,
        ColumnsDialog,
        HelpScreen,
        DashboardScreen,
        ExportDialog,
        BulkCloseDialog,
        BulkNoteDialog,
        BulkScreen,
        OperatorPicker,
    )


def key_scopes() -> dict[str, list[BindingType]]:
    """Bindings per screen, for the ``[keys]`` checks, taken from the screens themselves."""
    scopes: dict[str, list[BindingType]] = {}
    for screen in screens():
        widgets: tuple[type, ...] = getattr(screen, "KEY_WIDGETS", ())
        scopes[getattr(screen, "KEY_SCOPE", screen.__name__)] = [
            *screen.BINDINGS,
            *(binding for widget in widgets for binding in widget.BINDINGS),
        ]
    return scopes


class BackdeskApp(App):
    """Works one backend at a time. The caller owns starting and stopping any server behind it."""

    CSS_PATH = STYLESHEET
    TITLE = "backdesk"

    def __init__(
        self,
        backend: Backend,
        *,
        settings: Settings | None = None,
        drafts: DraftStore | None = None,
        profile: str | None = None,
        scope: str = "",
    ) -> None:
        super().__init__()
        self.session = Session(backend, settings or load_settings(), drafts or DraftStore(), scope or profile or "")
        self.profile = profile
        self.quitting = False
        #: Action id -> keys, from ``[keys]`` in config.toml (see :mod:`tui.keymap`).
        self.keymap: dict[str, str] = {}
        register_themes(self)
        chosen = self.session.settings.theme
        self.theme = default_theme() if chosen == DEFAULT_THEME else chosen

    @property
    def settings(self) -> Settings:
        return self.session.settings

    def exit(self, result: Any = None, return_code: int = 0, message: Any = None) -> None:
        """Quit; keys already typed after ``q`` (``qn``, ``qx``) no longer open anything."""
        self.quitting = True
        super().exit(result, return_code, message)

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Under NO_COLOR, the terminal's own foreground and background for every cell.

        Textual's default for NO_COLOR turns colours grey, which drew some text black on black;
        states then read by glyphs, bold, underline and reverse (see ``:nocolor`` in the tcss).
        """
        if self.no_color:
            return [NoColor()]
        return super().get_line_filters()

    def on_mount(self) -> None:
        # Without a [keys] table there is nothing to check, and no dialog to import for it.
        keys = (
            build_keymap(self.settings.keys, key_scopes(), self.settings.config_path)
            if self.settings.keys
            else KeymapResult()
        )
        self.keymap = keys.keymap
        self.set_keymap(keys.keymap)
        for problem in [*self.settings.problems, *keys.problems]:
            self.notify(str(problem), title="Settings problem", severity="error", timeout=30, markup=False)
        for folder in (self.settings.config_path.parent, self.session.drafts.directory):
            remove_stale_temporaries(folder)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.push_screen(MainScreen(self.session))
        self._restyle()

    def _theme_changed(self, _theme) -> None:
        self._restyle()
        if self.theme != self.settings.theme:
            try:
                self.session.store.save_theme(self.theme)
            except ConfigError as err:
                self.notify(str(err), severity="warning", timeout=10, markup=False)

    def _restyle(self) -> None:
        """Give the widgets that colour task states the current theme's palette."""
        palette = Palette.from_theme(self.current_theme)
        for screen in self.screen_stack:
            for table in screen.query(TaskTable):
                table.restyle(palette, table.me_id)
            for detail in screen.query(TaskDetail):
                detail.palette = palette

    def keys_of(self, binding: Binding) -> str:
        """The keys that trigger ``binding`` now (after ``[keys]``), as shown to people.

        A footer's ``key_display`` (such as "j/k" for a pair) is left out: help lists each key.
        """
        keys = self.keymap.get(binding.id or "", binding.key)
        if keys == UNBOUND_KEY:
            return "unbound"
        shown = (self.get_key_display(replace(binding, key=key, key_display=None)) for key in keys.split(","))
        return " ".join(dict.fromkeys(shown))

    def key_rows(self, screen: Screen[Any]) -> list[KeyRow]:
        """Every action of ``screen`` and its widgets with its keys, whatever has focus."""
        widgets: tuple[type, ...] = getattr(screen, "KEY_WIDGETS", ())
        bindings = Binding.make_bindings([*screen.BINDINGS, *(b for w in widgets for b in w.BINDINGS)])
        rows: dict[str, KeyRow] = {}
        for binding in bindings:
            if binding.id and binding.id not in rows:
                rows[binding.id] = KeyRow(self.keys_of(binding), binding.tooltip or binding.description, binding.id)
        return [*rows.values(), *BUILT_IN_KEYS]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, MainScreen):
            seen = set()
            for binding in Binding.make_bindings(screen.BINDINGS):
                if not binding.id or binding.id in seen or binding.id.startswith("view.") and binding.id[5:].isdigit():
                    continue
                seen.add(binding.id)
                yield SystemCommand(
                    f"{binding.description}  ({self.keys_of(binding)})",
                    binding.tooltip or binding.description,
                    lambda action=binding.action: self.run_action(action, screen),
                )
            yield SystemCommand(
                "Unsent actions…",
                "Decide about writes the server refused when they were sent again",
                screen.task_actions.review_unsent,
            )
            yield SystemCommand(
                "Choose columns…", "Show or hide task-table columns (saved at once)", screen.action_choose_columns
            )
            for index, view in enumerate(self.settings.views):
                key = f" ({index + 1})" if index < 9 else ""
                yield SystemCommand(
                    f"View: {view.name}{key}", "Show this saved view", lambda i=index: screen.navigation.jump_view(i)
                )
            for view in self.settings.app_views:
                yield SystemCommand(
                    f"Delete view: {view.name}",
                    "Forget a view saved with V",
                    lambda name=view.name: screen.navigation.delete_view(name),
                )
        for name in self.settings.profiles:
            if name != self.profile:
                yield SystemCommand(
                    f"Switch profile: {name}",
                    "Connect to this profile without restarting",
                    lambda n=name: self.run_worker(self.switch_profile(n), exclusive=True),
                )

    async def switch_profile(self, name: str) -> None:
        """Connect to another profile and replace the workspace, keeping the app running."""
        profile = self.settings.profiles[name]
        try:
            backend = connect(profile.backend, resolve_credentials(profile))
        except (ConfigError, BackendError) as err:
            self.notify(f"Cannot switch to {name}: {err}", severity="error", timeout=10, markup=False)
            return
        old = self.session.backend
        self.session = Session(backend, self.settings, self.session.drafts, name)
        self.profile = name
        await self.switch_screen(MainScreen(self.session))
        self._restyle()
        await old.aclose()
        self.notify(f"Switched to profile {name}.", markup=False)

    async def on_unmount(self) -> None:
        await self.session.backend.aclose()
