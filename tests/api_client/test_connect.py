"""Connecting: a password written into the URL never shows anywhere."""

from __future__ import annotations

import pytest
from rt_env import OPERATORS

from backdesk.api_client.connect import Credentials, connect, without_userinfo
from backdesk.api_client.errors import InvalidRequestError


def test_a_password_in_the_url_moves_into_the_credentials():
    creds = without_userinfo(Credentials("https://ana:p%40ss@rt.example.com/rt"))
    assert (creds.url, creds.user, creds.password) == ("https://rt.example.com/rt", "ana", "p@ss")
    kept = without_userinfo(Credentials("https://ana:x@rt.example.com", user="ben", password="given"))
    assert (kept.user, kept.password) == ("ben", "given")  # what was given explicitly wins


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["workqueue", "rt"])
async def test_no_label_carries_the_password(kind):
    backend = connect(kind, Credentials("http://ana:SECRET-PW@[::1]:9/", token="t"))
    try:
        assert "SECRET-PW" not in backend.label and "ana:" not in backend.label
        assert "[::1]:9" in backend.label
    finally:
        await backend.aclose()


@pytest.mark.rt
@pytest.mark.anyio
async def test_rt_reads_its_leads_group_from_the_profile_options(rt_url):
    """``leads_group`` names the RT group of leads; empty makes everyone a lead; a wrong key is named."""

    def ana(options: dict) -> Credentials:
        return Credentials(rt_url, user="ana", password=OPERATORS["ana"], options=options)

    for options, role in (({}, "operator"), ({"leads_group": ""}, "lead"), ({"leads_group": "Leads"}, "operator")):
        backend = connect("rt", ana(options))
        try:
            assert (await backend.me()).role == role
        finally:
            await backend.aclose()
    with pytest.raises(InvalidRequestError, match="lead_group"):
        connect("rt", ana({"lead_group": "Leads"}))
