"""rt_confirm.advanced: which transactions since a kept copy of a ticket are applied to it, and
which send the adapter back to reading the ticket whole (the RT tests cover it against RT)."""

from __future__ import annotations

from backdesk.api_client.models import Person
from backdesk.api_client.rt_confirm import KEPT, KnownTickets, advanced, only_quiet

ME = Person("ana", "Ana Ruiz")
TICKET = {"id": 7, "Status": "new", "Owner": {"id": "Nobody"}, "LastUpdated": "2026-01-01T00:00:00Z"}


def txn(number: int, kind: str, field: str = "", new: str = "", at: str = "2026-01-01T00:00:05Z") -> dict:
    return {"id": str(number), "Type": kind, "Field": field, "NewValue": new, "Created": at}


def test_a_take_a_note_and_a_close_are_applied():
    txns = [txn(11, "Set", "Owner", "27"), txn(12, "SetWatcher", "Owner", "27"), txn(13, "Comment")]
    txns.append(txn(14, "Status", "Status", "resolved", at="2026-01-01T00:00:09Z"))
    etag, after = advanced("10", TICKET, txns, ME, "27")
    assert etag == "14"
    assert after["Owner"] == {"id": "ana", "Name": "ana", "RealName": "Ana Ruiz"}
    assert (after["Status"], after["LastUpdated"]) == ("resolved", "2026-01-01T00:00:09Z")
    assert TICKET["Status"] == "new"  # the kept copy itself is left alone
    assert advanced("10", TICKET, [], ME, "27") == ("10", TICKET)


def test_what_is_not_understood_means_reading_the_ticket():
    assert advanced("10", TICKET, [txn(11, "Set", "Owner", "31")], ME, "27") is None  # someone else's now
    assert advanced("10", TICKET, [txn(11, "Set", "Owner", "27")], ME, None) is None  # our number unknown
    assert advanced("10", TICKET, [txn(11, "Set", "Subject", "New title")], ME, "27") is None
    assert advanced("10", TICKET, [txn(11, "CustomField", "", "vip")], ME, "27") is None
    assert advanced("10", TICKET, [txn(11, "Comment", at="")], ME, "27") is None
    assert only_quiet([txn(11, "Comment"), txn(12, "CommentEmailRecord")])
    assert not only_quiet([txn(11, "Comment"), txn(12, "Status", "Status", "open")])


def test_known_tickets_keep_the_latest_copy_and_a_bounded_number():
    known = KnownTickets()
    known.remember("7", "12", {"n": 12})
    known.remember("7", "11", {"n": 11})  # an older read answering late
    assert known.get("7") == ("12", {"n": 12})
    known.remember("7", "", {"n": 0})  # no ETag: nothing to write against
    assert known.get("7") == ("12", {"n": 12})
    for n in range(KEPT + 1):
        known.remember(str(1000 + n), "1", {})
    assert known.get("7") is None and known.get(str(1000 + KEPT)) is not None
