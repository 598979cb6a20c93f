"""The filter language names what is wrong instead of quietly matching nothing."""

from __future__ import annotations

import pytest

from backdesk.api_client import FilterError, parse_filter


@pytest.mark.parametrize(
    ("text", "token", "reason"),
    [
        ('refund "unbalanced', '"unbalanced', "the quote is not closed"),
        ('"', '"', "the quote is not closed"),
        ("tag:", "tag:", "tag: needs a value"),
        ("-owner:", "-owner:", "owner: needs a value"),
        ("priority:>=hgih", "priority:>=hgih", "'hgih' is not a priority"),
        ("due:<soon", "due:<soon", "durations look like"),
    ],
)
def test_a_wrong_token_is_named(text, token, reason):
    with pytest.raises(FilterError) as caught:
        parse_filter(text)
    assert caught.value.token == token
    assert reason in caught.value.reason


def test_good_filters_still_parse():
    parsed = parse_filter('refund "exact phrase" tag:vip -owner:me queue:"Returns & Refunds" breached')
    assert [t.key for t in parsed.terms] == ["text", "text", "tag", "owner", "queue", "breached"]
    assert parsed.terms[1].values == ("exact phrase",)
