"""Who may do what beyond their own tasks: the role rules, each refused with a 403 naming it."""

from __future__ import annotations

from collections.abc import Mapping

from .problems import Problem

#: Roles that hold tasks (integrations file them, never hold them).
HOLDERS = ("operator", "lead")
#: Roles that may create tasks (operators too when the server allows it).
CREATORS = ("lead", "integration")
#: Who may assign a task to someone, and move it to another queue.
ASSIGNERS = ("lead",)
#: Who may change a task's priority: leads, and integrations (a source system escalating what it filed).
PRIORITY_SETTERS = ("lead", "integration")

ONLY_LEADS_ASSIGN = "Only leads can assign tasks."
ONLY_LEADS_MOVE = "Only leads can move tasks to another queue."
ONLY_LEADS_PRIORITISE = "Only leads can change a task's priority."


def require(caller: Mapping[str, str], roles: tuple[str, ...], refusal: str) -> None:
    """403 ``forbidden`` with ``refusal`` unless the caller has one of ``roles``."""
    if caller["role"] not in roles:
        raise Problem("forbidden", refusal)
