"""The operator's ``[keys]`` table turned into a Textual keymap, with its mistakes reported.

Textual (8.2.8) remaps bindings by id through ``App.set_keymap``, but it skips an empty key
string, so ``{"task.claim": ""}`` would leave the default key working. To unbind, the keymap
moves the binding to :data:`UNBOUND_KEY`, a key name no terminal sends: Textual then drops
the binding's old keys in every screen and widget, and nothing can trigger it by key. The
binding still lists in ``active_bindings`` under that key; :func:`is_unbound` tells the footer
to hide it, and the help screen and palette show it as unbound.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from textual.binding import Binding, BindingType, InvalidBinding

from .config import Problem, key_path
from .settings_loader import locate

#: The key an unbound action moves to. Terminals never send it.
UNBOUND_KEY = "unbound"


@dataclass(frozen=True, slots=True)
class KeymapResult:
    """``keymap`` is ready for ``App.set_keymap``; ``problems`` name config.toml and the keys."""

    keymap: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def is_unbound(binding: Binding) -> bool:
    return binding.key == UNBOUND_KEY


def build_keymap(
    keys: Mapping[str, str],
    scopes: Mapping[str, Iterable[BindingType]],
    file: Path = Path("config.toml"),
) -> KeymapResult:
    """Check ``keys`` (action id -> "ctrl+k" or "k,ctrl+k"; "" unbinds) against the app.

    ``scopes`` names each place whose bindings are active together (a screen with its
    widgets and the app) and lists those bindings. A key remapped onto a key that another
    action in the same scope uses is reported, naming both actions and the one that gets the
    key. Each problem carries its line in ``file`` when the file shows the key.
    """
    bindings = {name: list(Binding.make_bindings(scope)) for name, scope in scopes.items()}
    known = sorted({b.id for scope in bindings.values() for b in scope if b.id})
    result = KeymapResult()
    for action, keystring in keys.items():
        where = key_path("keys", action)
        if action not in known:
            close = difflib.get_close_matches(action, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"actions are {', '.join(known)}."
            result.problems.append(Problem(file, f"{where}: no action has the id {action!r}; {hint}", key=where))
        elif not keystring.strip():
            result.keymap[action] = UNBOUND_KEY
        elif (normal := _normalize(keystring)) is None:
            result.problems.append(
                Problem(file, f'{where} = {keystring!r} is not a key list like "ctrl+k" or "k,ctrl+k".', key=where)
            )
        else:
            result.keymap[action] = normal
    for scope, scope_bindings in bindings.items():
        result.problems.extend(_clashes(scope, scope_bindings, result.keymap, file))
    result.problems[:] = locate(result.problems)
    return result


def _normalize(keystring: str) -> str | None:
    """Textual's own key names for a key list ("?" -> "question_mark"), or None if malformed."""
    try:
        return ",".join(b.key for b in Binding.make_bindings([Binding(keystring, "")]))
    except InvalidBinding:
        return None


def _clashes(scope: str, bindings: list[Binding], keymap: Mapping[str, str], file: Path) -> list[Problem]:
    """One problem per key that two actions share after remapping, if the config caused it.

    Textual gives the key to the binding the keymap moved there and drops the other's use of
    it (even a priority binding's) when both belong to one screen or widget, so that is the one
    named as getting it. Across a screen and a focused widget, the widget's binding comes first.
    """
    holders: dict[str, list[str]] = {}
    for binding in bindings:
        mapped = keymap.get(binding.id or "")
        for key in mapped.split(",") if mapped else [binding.key]:
            name = binding.id or binding.action
            if key != UNBOUND_KEY and name not in holders.get(key, ()):
                holders.setdefault(key, []).append(name)
    problems = []
    for key, ids in holders.items():
        remapped = [i for i in ids if i in keymap]
        if len(ids) < 2 or not remapped:
            continue
        first = remapped[0]
        others = " and ".join(repr(i) for i in ids if i != first)
        where = key_path("keys", first)
        problems.append(
            Problem(
                file,
                f"{where} puts {first!r} on {key!r}, which {others} also uses{_in(scope)}; "
                f"{first!r} gets the key. Pick another key or move the other action too.",
                key=where,
            )
        )
    return problems


def _in(scope: str) -> str:
    return f" in the {scope}" if scope else ""
