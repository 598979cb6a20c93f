"""The detail pane shows a task's link without what signs it, and with what names the task."""

from backdesk.widgets.task_detail import shown_url


def test_a_signed_page_loses_its_signature_and_signer():
    assert shown_url("http://q.test/tasks/7?as=ana&sig=abc123") == "http://q.test/tasks/7"


def test_rt_keeps_the_ticket_id():
    assert shown_url("http://rt.test/Ticket/Display.html?id=14") == "http://rt.test/Ticket/Display.html?id=14"


def test_only_the_secret_parameters_go():
    assert shown_url("http://x.test/p?id=3&token=s&view=full") == "http://x.test/p?id=3&view=full"
    assert shown_url("http://x.test/issues/9") == "http://x.test/issues/9"
