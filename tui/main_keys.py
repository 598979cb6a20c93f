"""The main screen's keys, as data: each with an id (for ``[keys]`` in config.toml), a footer
label and a sentence for the help screen and the command palette."""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding, BindingType

from .keymap import is_unbound

#: Terminal widths below which the footer keeps only the most important keys (fewer below TINY);
#: below NARROW the queue sidebar also hides until asked for (b).
NARROW, TINY = 100, 70
#: From WIDER columns the footer adds MORE_FOOTER_KEYS; from FULL it shows every key it may.
WIDER, FULL = 120, 150
FOOTER_KEYS = (
    "task.claim",
    "task.close",
    "play.next",
    "queue.filter",
    "app.help",
    "app.quit",
    "task.release",
    "task.note",
)
MORE_FOOTER_KEYS = ("table.down", "queue.sort", "task.assign")
#: While tasks are marked, the footer shows the keys that act on them most (esc: unmark), whatever
#: the width; they fit in 80 columns.
MARKED_FOOTER_KEYS = ("task.close", "task.note", "task.assign", "task.move", "task.priority", "app.back", "app.help")
#: A lead's keys, by binding id, and what an operator who presses one is told instead.
LEAD_ONLY = {
    "mark.toggle": "Only leads can mark tasks for bulk changes.",
    "mark.down": "Only leads can mark tasks for bulk changes.",
    "mark.up": "Only leads can mark tasks for bulk changes.",
    "mark.all": "Only leads can mark tasks for bulk changes.",
    "task.assign": "Only leads can assign tasks. Press c to claim it yourself.",
    "task.move": "Only leads can move tasks to another queue.",
    "task.priority": "Only leads can change a task's priority.",
}
#: What an operator is told for the task keys while marks are set (a lead whose role changed).
BULK_ONLY_LEADS = "Only leads can change tasks in bulk. esc clears the marks."

MAIN_KEYS: list[BindingType] = [
    Binding("c", "claim", "Claim", id="task.claim", tooltip="Take the task so nobody else works on it"),
    Binding("C", "steal", "Steal", id="task.steal", tooltip="Take the task over from the operator who holds it"),
    Binding(
        "u",
        "release",
        "Release",
        id="task.release",
        tooltip="Give the task back to the queue (with marks: every marked task)",
    ),
    Binding(
        "n",
        "note",
        "Note",
        id="task.note",
        tooltip="Add an internal note, never sent to the requester (with marks: the same note on each)",
    ),
    Binding(
        "t",
        "note_from_template",
        "Template note",
        show=False,
        id="task.template",
        tooltip="Start a note from one of your templates",
    ),
    Binding(
        "x",
        "close_task",
        "Close",
        id="task.close",
        tooltip="Close the task with a resolution (with marks: every marked task)",
    ),
    Binding("R", "reopen", "Reopen", show=False, id="task.reopen", tooltip="Reopen a closed task (asks first)"),
    Binding(
        "space",
        "next_task",
        "Next",
        id="play.next",
        tooltip="Play mode: claim the most urgent unclaimed task here and open it",
    ),
    Binding(
        "greater_than_sign",
        "skip",
        "Skip",
        id="play.skip",
        tooltip="Play mode: hand the task back with a reason and take the next",
    ),
    Binding(
        "slash",
        "filter",
        "Filter",
        key_display="/",
        id="queue.filter",
        tooltip="Filter the list: free text and tokens such as owner:me priority:>=high",
    ),
    Binding("s", "cycle_sort", "Sort", id="queue.sort", tooltip="Sort by priority, due, created or updated"),
    Binding("S", "reverse_sort", "Reverse sort", show=False, id="queue.reverse", tooltip="Reverse the sort"),
    Binding(
        "V", "save_view", "Save view", show=False, id="view.save", tooltip="Save the current filter and sort as a view"
    ),
    Binding(
        "right_square_bracket",
        "cycle_view(1)",
        "Next view",
        show=False,
        id="view.next",
        tooltip="Go to the next saved view",
    ),
    Binding(
        "left_square_bracket",
        "cycle_view(-1)",
        "Previous view",
        show=False,
        id="view.previous",
        tooltip="Go to the previous saved view",
    ),
    *(Binding(str(n), f"jump_view({n - 1})", f"View {n}", show=False, id=f"view.{n}") for n in range(1, 10)),
    Binding(
        "o",
        "open_url",
        "Open in browser",
        show=False,
        id="task.open",
        tooltip="Open the task's web page (over SSH: copy its URL)",
    ),
    Binding("y", "copy('id')", "Copy id", show=False, id="task.copy_id", tooltip="Copy the task's id"),
    Binding(
        "Y",
        "copy('reference')",
        "Copy reference",
        show=False,
        id="task.copy_reference",
        tooltip="Copy the task's reference",
    ),
    Binding(
        "H",
        "dashboard",
        "Queue health",
        show=False,
        id="lead.dashboard",
        tooltip="Leads: every queue's backlog, breaches and load, live; enter on a figure lists its tasks",
    ),
    Binding(
        "e",
        "export",
        "Export",
        show=False,
        id="queue.export",
        tooltip="Export every task of this list (not just the loaded page) to a CSV or JSON file",
    ),
    Binding(
        "v",
        "mark",
        "Mark",
        id="mark.toggle",
        tooltip="Leads: mark or unmark the task (the task keys then act on every marked task)",
    ),
    Binding(
        "J",
        "extend_marks(1)",
        "Mark down",
        show=False,
        id="mark.down",
        tooltip="Leads: mark the task and the one below, moving down",
    ),
    Binding(
        "K",
        "extend_marks(-1)",
        "Mark up",
        show=False,
        id="mark.up",
        tooltip="Leads: mark the task and the one above, moving up",
    ),
    Binding(
        "asterisk",
        "mark_all",
        "Mark all",
        key_display="*",
        show=False,
        id="mark.all",
        tooltip="Leads: mark every task this list matches, pages not loaded yet too (asks first)",
    ),
    Binding(
        "a",
        "assign",
        "Assign",
        id="task.assign",
        tooltip="Leads: assign the task (or the marked ones) to an operator, least loaded first",
    ),
    Binding(
        "m",
        "move",
        "Move",
        show=False,
        id="task.move",
        tooltip="Leads: move the task (or the marked ones) to another queue",
    ),
    Binding(
        "p",
        "set_priority",
        "Priority",
        show=False,
        id="task.priority",
        tooltip="Leads: set the priority of the task (or the marked ones)",
    ),
    Binding("b", "toggle_queues", "Queues", id="app.queues", tooltip="Go to the views and queues"),
    Binding("r", "refresh", "Refresh", id="app.refresh", tooltip="Reload the list, keeping your place"),
    Binding("question_mark", "help", "Help", key_display="?", id="app.help", tooltip="List every key"),
    Binding("q", "app.quit", "Quit", id="app.quit", tooltip="Quit backdesk"),
    Binding(
        "escape",
        "back",
        "Back",
        show=False,
        id="app.back",
        tooltip="In the filter bar: clear the filter; else stop play mode, clear the marks, go back to the list,"
        " or back to the dashboard after a drill-down",
    ),
]

#: The queue health dashboard's keys (its table adds j/k, h/l and tab to move, enter to drill down).
DASHBOARD_KEYS: list[BindingType] = [
    Binding("escape,q", "back", "Back", id="dash.back", tooltip="Back to the task list"),
    Binding("r", "refresh", "Refresh", id="dash.refresh", tooltip="Fetch every queue's figures now"),
    Binding("question_mark", "help", "Help", key_display="?", id="dash.help", tooltip="List every key"),
]


def in_footer(binding: Binding, *, width: int, lead: bool, marked: bool) -> Binding:
    """``binding`` as the footer shows it: never an unbound action, nor a lead's key to an
    operator; the more important keys the narrower the terminal, so that ? Help and q Quit always
    fit; with marks, the keys that act on them."""
    keep: tuple[str, ...] | None
    if marked:
        keep = MARKED_FOOTER_KEYS
    elif width >= FULL:
        keep = None
    elif width >= WIDER:
        keep = FOOTER_KEYS + MORE_FOOTER_KEYS
    else:
        keep = FOOTER_KEYS if width >= TINY else FOOTER_KEYS[:6]
    if is_unbound(binding) or (not lead and binding.id in LEAD_ONLY) or (keep and binding.id not in keep):
        return replace(binding, show=False)
    if marked:  # m, p and esc are not in the footer otherwise
        return replace(binding, show=True, description="Unmark" if binding.id == "app.back" else binding.description)
    return binding
