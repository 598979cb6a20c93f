"""Property-based: random and hostile payloads through the decoders and the table's cells.

Whatever a server sends, decoding either gives models whose every string is safe to show, or a
BadResponseError with a sentence; nothing else escapes, and no cell is ever read as markup.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backdesk.api_client.errors import BadResponseError
from backdesk.api_client.rt_decode import RTDecoder
from backdesk.api_client.sanitize import clean, clean_line
from backdesk.api_client.workqueue import _event, _task
from backdesk.widgets.palette import Palette
from backdesk.widgets.task_table import COLUMNS, RowContext

from .test_hostile_text import UNSAFE, strings

#: Text with everything a terminal might act on mixed into ordinary words.
NASTY = st.lists(
    st.sampled_from(
        [
            "a",
            "b",
            " ",
            "ç",
            "[",
            "]",
            "/",
            "=",
            "\\",
            "\x1b",
            "\x07",
            "\x9b",
            "\x85",
            "\x00",
            "\x7f",
            "\u202e",
            "\u2066",
            "\u200b",
            "\ufeff",
            "\x1b]52;c;",
            "\x1b[2J",
            "[bold red]",
            "\n",
            "\t",
            "\r",
        ]
    ),
    max_size=20,
).map("".join)
ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | NASTY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NASTY, inner, max_size=3),
    max_leaves=8,
)
TIME = st.sampled_from(["2026-11-26T09:30:00Z", "2026-11-26 09:30:00", "not a time", "", None, 12])


def wire_task() -> st.SearchStrategy[dict]:
    """Task records shaped like the Work Queue API's, with hostile or wrong values anywhere."""
    person = st.fixed_dictionaries({"id": NASTY, "name": NASTY | st.none()}) | ANY_JSON
    return st.fixed_dictionaries(
        {
            "id": NASTY | st.integers(),
            "queue": NASTY,
            "title": NASTY | ANY_JSON,
            "body": NASTY | st.none(),
            "status": st.sampled_from(["open", "waiting", "closed", "bogus"]) | NASTY,
            "priority": st.sampled_from(["low", "normal", "high", "urgent"]) | NASTY,
            "created_at": TIME,
            "updated_at": TIME,
            "version": NASTY | st.integers(),
        },
        optional={
            "owner": person,
            "due_at": TIME,
            "reference": NASTY | st.none(),
            "tags": st.lists(NASTY | st.integers(), max_size=3) | ANY_JSON,
            "resolution": NASTY,
            "web_url": NASTY,
        },
    )


@given(NASTY)
def test_the_sanitiser_leaves_nothing_a_terminal_acts_on(text):
    for shown in (clean(text), clean_line(text)):
        assert not UNSAFE.search(shown)
    assert "\n" not in clean_line(text)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=300)
@given(wire_task() | ANY_JSON)
def test_work_queue_records_decode_safely_or_say_why(data):
    try:
        task = _task(data)
    except BadResponseError as err:
        assert str(err)
        return
    assert not any(UNSAFE.search(s) for s in strings(task))


@settings(max_examples=200)
@given(
    st.fixed_dictionaries(
        {"id": NASTY | st.integers(), "task_id": NASTY, "kind": NASTY, "at": TIME},
        optional={"actor": ANY_JSON, "body": NASTY},
    )
    | ANY_JSON
)
def test_work_queue_events_decode_safely_or_say_why(data):
    try:
        event = _event(data)
    except BadResponseError:
        return
    assert not any(UNSAFE.search(s) for s in strings(event))


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=200)
@given(
    st.fixed_dictionaries(
        {
            "id": st.integers(1, 10**6),
            "Subject": NASTY | ANY_JSON,
            "Status": NASTY,
            "Priority": ANY_JSON,
            "Created": TIME,
            "LastUpdated": TIME,
        },
        optional={"Owner": ANY_JSON, "Queue": ANY_JSON, "Due": TIME, "CustomFields": ANY_JSON},
    )
)
def test_rt_tickets_decode_safely_or_say_why(data):
    decoder = RTDecoder("http://rt.test", tags_field="Tags", reference_field="Reference")
    try:
        task = decoder.task(data, version="1", body="")
    except BadResponseError:
        return
    assert not any(UNSAFE.search(s) for s in strings(task))


@settings(max_examples=200)
@given(wire_task())
def test_table_cells_show_text_literally(data):
    try:
        task = _task(data)
    except BadResponseError:
        return
    ctx = RowContext(None, datetime(2026, 11, 26, tzinfo=UTC), Palette())
    for key, column in COLUMNS.items():
        cell = column.render(task, ctx)
        assert not UNSAFE.search(cell.plain)
        assert not cell.spans or key in ("priority", "due", "owner", "id", "status", "updated")
        if key == "title":
            assert cell.plain == " ".join(task.title.split())  # square brackets and all, as sent
