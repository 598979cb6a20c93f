"""A task's link is shown and exported without what signs it, and with what names the task."""

from datetime import UTC, datetime

from backdesk.api_client.models import Task

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def plain(url: str) -> str | None:
    return Task("7", "q", "t", "", "open", "normal", NOW, NOW, "1", url=url).plain_url


def test_a_signed_page_loses_its_signature_and_signer():
    assert plain("http://q.test/tasks/7?as=ana&sig=abc123") == "http://q.test/tasks/7"


def test_rt_keeps_the_ticket_id():
    assert plain("http://rt.test/Ticket/Display.html?id=14") == "http://rt.test/Ticket/Display.html?id=14"


def test_only_the_secret_parameters_go():
    assert plain("http://x.test/p?id=3&token=s&view=full") == "http://x.test/p?id=3&view=full"
    assert plain("http://x.test/issues/9") == "http://x.test/issues/9"
