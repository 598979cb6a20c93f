"""Note templates from ``[templates]``, filled in for one task."""

from __future__ import annotations

import re

from backdesk.api_client.models import Person, Task

_PLACEHOLDER = re.compile(r"\{(task|me)\.([a-z_]+)\}")


def render_template(text: str, task: Task, me: Person | None) -> str:
    """Fill ``{task.id}``, ``{task.reference}``, ``{task.title}``, ``{task.queue}``,
    ``{me.name}`` and ``{me.id}``; anything else in braces stays as written."""
    values = {
        ("task", "id"): task.id,
        ("task", "reference"): task.reference or "",
        ("task", "title"): task.title,
        ("task", "queue"): task.queue,
        ("me", "name"): me.name if me else "",
        ("me", "id"): me.id if me else "",
    }
    return _PLACEHOLDER.sub(lambda m: values.get((m[1], m[2]), m[0]), text)


def spaced(before: str, text: str, after: str) -> str:
    """``text`` to insert between ``before`` and ``after`` on a line, with a space on either side
    where it would otherwise run into a word."""
    if before and not before[-1].isspace():
        text = " " + text.lstrip()
    if after and not after[0].isspace():
        text = text.rstrip() + " "
    return text


#: Templates ``backdesk demo`` offers when config.toml has none of its own.
DEMO_TEMPLATES = {
    "refund approved": "Refund for {task.reference} approved by {me.name}; finance pays it in the next run.",
    "waiting on customer": "Asked the customer for the missing details on {task.reference}; waiting for their answer.",
    "escalated": "Escalated {task.reference} to the team lead: outside what I can approve.",
    "duplicate": "Same request as another open task; closing {task.reference} as a duplicate.",
}
