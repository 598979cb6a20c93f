"""The TicketSQL compiler, without a Request Tracker: every filter token and hostile quoting."""

from __future__ import annotations

import re

import pytest

from backdesk.api_client.errors import InvalidRequestError
from backdesk.api_client.filters import FilterError
from backdesk.api_client.models import TaskQuery
from backdesk.api_client.rt_ticketsql import TicketSQL, quote

SQL = TicketSQL()
OPEN = "Status = '__Active__' AND Status != 'stalled'"
TEXT = "(Subject LIKE {0}) OR (CF.{{Reference}} LIKE {0})"
# A TicketSQL string literal: a quote, then escaped characters or anything but a quote or backslash.
_LITERAL = re.compile(r"'((?:\\.|[^'\\])*)'")


def sql(q: str = "", **query) -> str:
    return SQL.compile(TaskQuery(q=q, **query))


def split_literals(text: str) -> tuple[str, list[str]]:
    """``text`` with each string literal replaced by ``?``, and the literals' values."""
    values: list[str] = []

    def take(match: re.Match[str]) -> str:
        values.append(re.sub(r"\\(.)", r"\1", match[1]))
        return "?"

    return _LITERAL.sub(take, text), values


def test_no_filter_matches_every_ticket():
    assert sql() == "id > 0"


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('queue:"Returns & Refunds"', "(Queue = 'Returns & Refunds')"),
        ("queue:3", "(Queue = 3)"),
        ("-queue:3", "(Queue != 3)"),
        ("-queue:Billing", "(Queue != 'Billing')"),
    ],
)
def test_queue(q, expected):
    assert sql(q) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("owner:me", "((Owner = '__CurrentUser__'))"),
        ("owner:ME", "((Owner = '__CurrentUser__'))"),
        ("owner:none", "((Owner = 'Nobody'))"),
        ("owner:ben", "((Owner = 'ben'))"),
        ("owner:ana,ben", "((Owner = 'ana') OR (Owner = 'ben'))"),
        ("-owner:me", "((Owner != '__CurrentUser__'))"),
        ("-owner:none", "((Owner != 'Nobody'))"),
        ("-owner:ana,ben", "((Owner != 'ana') AND (Owner != 'ben'))"),
    ],
)
def test_owner(q, expected):
    assert sql(q) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("status:open", f"(({OPEN}))"),
        ("status:waiting", "((Status = 'stalled'))"),
        ("status:closed", "((Status = '__Inactive__'))"),
        ("status:Open,WAITING", f"(({OPEN}) OR (Status = 'stalled'))"),
        ("status:open,waiting,closed", "id > 0"),
        ("-status:closed", f"(({OPEN}) OR (Status = 'stalled'))"),
        ("-status:open,waiting", "((Status = '__Inactive__'))"),
        ("-status:open,waiting,closed", "(id < 0)"),
    ],
)
def test_status(q, expected):
    assert sql(q) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("priority:low", "((Priority < 25))"),
        ("priority:normal", "((Priority >= 25 AND Priority < 50))"),
        ("priority:high", "((Priority >= 50 AND Priority < 75))"),
        ("priority:urgent", "((Priority >= 75))"),
        ("priority:low,urgent", "((Priority < 25) OR (Priority >= 75))"),
        ("priority:>=high", "((Priority >= 50))"),
        ("priority:>high", "((Priority >= 75))"),
        ("priority:<=normal", "((Priority < 50))"),
        ("priority:<normal", "((Priority < 25))"),
        ("priority:>=low", "id > 0"),
        ("priority:<low", "(id < 0)"),
        ("priority:>urgent", "(id < 0)"),
        ("-priority:>=high", "((Priority < 50))"),
        ("-priority:normal", "((Priority < 25) OR (Priority >= 50))"),
        ("-priority:<=urgent", "(id < 0)"),
    ],
)
def test_priority(q, expected):
    assert sql(q) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("due:<2h", "(Due < '+2 hours' AND Due > 'now' AND Due IS NOT NULL)"),
        ("due:<=30m", "(Due < '+30 minutes' AND Due > 'now' AND Due IS NOT NULL)"),
        ("due:>1d", "(Due > '+1 days')"),
        ("due:>=1w", "(Due > '+1 weeks')"),
        ("-due:<2h", "(Due > '+2 hours' OR Due < 'now' OR Due IS NULL)"),
        ("-due:>1w", "(Due < '+1 weeks')"),
    ],
)
def test_due(q, expected):
    assert sql(q) == expected


def test_breached_and_not_breached():
    assert sql("breached") == "(Due < 'now' AND Due IS NOT NULL AND Status = '__Active__')"
    assert sql("-breached") == "(Due > 'now' OR Due IS NULL OR Status = '__Inactive__')"


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("tag:vip", "((CF.{Tags} = 'vip'))"),
        ("tag:vip,gold", "((CF.{Tags} = 'vip') OR (CF.{Tags} = 'gold'))"),
        ("-tag:vip", "((CF.{Tags} != 'vip'))"),
        ("-tag:vip,gold", "((CF.{Tags} != 'vip') AND (CF.{Tags} != 'gold'))"),
    ],
)
def test_tag(q, expected):
    assert sql(q) == expected


def test_tag_without_a_tags_field_is_refused():
    with pytest.raises(InvalidRequestError, match="no tags custom field"):
        TicketSQL(tags_field=None).compile(TaskQuery(q="tag:vip"))


def test_free_text_matches_subject_and_reference():
    assert sql("refund") == f"({TEXT.format(quote('refund'))})"
    assert sql('"exact phrase"') == f"({TEXT.format(quote('exact phrase'))})"
    assert sql("-refund") == (
        "((Subject NOT LIKE 'refund') AND (CF.{Reference} NOT LIKE 'refund' OR CF.{Reference} IS NULL))"
    )


def test_free_text_columns_follow_the_profile():
    compiler = TicketSQL(reference_field=None, search_content=True)
    assert compiler.compile(TaskQuery(q="refund")) == "((Subject LIKE 'refund') OR (Content LIKE 'refund'))"
    assert compiler.compile(TaskQuery(q="-refund")) == ("((Subject NOT LIKE 'refund') AND (Content NOT LIKE 'refund'))")


def test_tokens_and_query_fields_are_all_required():
    assert sql("refund -owner:me", queue="7", status=("open", "waiting"), owner="none") == (
        f"(Queue = 7) AND (({OPEN}) OR (Status = 'stalled')) AND (Owner = 'Nobody')"
        f" AND ({TEXT.format(quote('refund'))}) AND ((Owner != '__CurrentUser__'))"
    )


def test_a_query_queue_by_name():
    assert sql(queue="Returns & Refunds") == "(Queue = 'Returns & Refunds')"


def test_a_bad_token_raises_the_filter_error():
    with pytest.raises(FilterError) as caught:
        sql("refund colour:red")
    assert caught.value.token == "colour:red"
    with pytest.raises(FilterError, match="durations"):
        sql("due:<2y")


HOSTILE = [
    "O'Brien",
    "x') OR (id > 0) OR ('",
    "\\' OR 1=1 --",
    "ends\\",
    "\\\\'",
    "''''",
    "a}b{c",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_free_text_stays_one_literal(value):
    skeleton, values = split_literals(sql(f'"{value}"'))
    assert skeleton == f"({TEXT.format('?')})"
    assert values == [value, value]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_queue_owner_and_tag_values_stay_literals(value):
    skeleton, values = split_literals(sql(f'queue:"{value}"'))
    assert (skeleton, values) == ("(Queue = ?)", [value])
    skeleton, values = split_literals(sql(f'-owner:"{value}"'))
    assert (skeleton, values) == ("((Owner != ?))", [value])
    skeleton, values = split_literals(sql(f'tag:"{value}"'))
    assert (skeleton, values) == ("((CF.{Tags} = ?))", [value])


def test_a_custom_field_name_cannot_close_its_braces():
    compiler = TicketSQL(tags_field="Tags} OR id > 0 OR CF.{X")
    assert compiler.compile(TaskQuery(q="tag:vip")) == "((CF.{Tags OR id > 0 OR CF.{X} = 'vip'))"


def test_quote():
    assert quote("plain") == "'plain'"
    assert quote("it's") == "'it\\'s'"
    assert quote("back\\slash") == "'back\\\\slash'"
