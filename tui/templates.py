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
