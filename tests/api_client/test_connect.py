"""Connecting: a password written into the URL never shows anywhere."""

from __future__ import annotations

import pytest

from backdesk.api_client.connect import Credentials, connect, without_userinfo


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
