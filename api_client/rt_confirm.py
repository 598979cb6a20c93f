"""What the RT adapter knows of each ticket, and its writes confirmed from the transactions they made.

RT answers a write with sentences, not with the ticket, and one ticket read costs about 3.5 KB
(RT's single-ticket answer ignores ``fields=``). So the adapter keeps RT's record of each ticket
with the ETag it came with (the id of the ticket's latest transaction), and:

* reads a ticket again with ``If-None-Match``: RT answers 304, without a body, when nothing
  changed;
* writes against a kept copy with ``If-Match`` on its ETag, so RT refuses (412) a write decided
  on a copy that is no longer the ticket;
* after a write, reads only the transactions newer than the ETag it wrote against (a few hundred
  bytes) and applies them to its copy with :func:`advanced` when it knows what each of them does.
  RT's sentences are not taken at their word: a write RT refused leaves no transaction, so the
  copy shows the ticket unchanged and the caller's check of the outcome fails as it should. Any
  other transaction, or more than a page of them, means reading the ticket whole.
"""

from __future__ import annotations

from collections import OrderedDict

from .models import Person
from .rt_decode import text

#: How many tickets' records are kept (about 3 KB each).
KEPT = 256
#: Transactions that change none of the fields a Task shows (only the ticket's LastUpdated).
QUIET = frozenset(
    {"Comment", "Correspond", "CommentEmailRecord", "EmailRecord", "SetWatcher", "AddWatcher", "DelWatcher"}
)
#: Transaction types that change the owner (with ``Field`` "Owner").
OWNER_CHANGES = frozenset({"Set", "Take", "Untake", "Steal", "Give"})
#: The transactions read after a write in one request; a full page may hide more.
SINCE_PAGE = 20


class KnownTickets:
    """RT's record of the tickets read or written lately, each at its ETag (least recent dropped)."""

    def __init__(self) -> None:
        self._kept: OrderedDict[str, tuple[str, dict]] = OrderedDict()

    def get(self, task_id: str) -> tuple[str, dict] | None:
        """The ETag and record kept for a ticket, if any."""
        return self._kept.get(task_id)

    def remember(self, task_id: str, etag: str, data: dict) -> None:
        """Keep ``data`` as the ticket at ``etag``, unless a later copy is kept already (two reads
        of one ticket may answer out of order)."""
        if not etag:
            return
        kept = self._kept.get(task_id)
        if kept is not None and kept[0].isdigit() and etag.isdigit() and int(etag) < int(kept[0]):
            return
        self._kept[task_id] = (etag, data)
        self._kept.move_to_end(task_id)
        while len(self._kept) > KEPT:
            self._kept.popitem(last=False)


def advanced(etag: str, data: dict, txns: list[dict], me: Person, my_number: str | None) -> tuple[str, dict] | None:
    """The ticket's ETag and record after ``txns`` (its transactions since ``etag``, oldest first,
    with Type, Field, NewValue and Created) applied to ``data`` (its record at ``etag``); None when
    one of them is not understood: an owner change to anyone but ``me`` (RT's user number
    ``my_number``), a change of another field, a type not known here."""
    after = dict(data)
    for txn in txns:
        kind, field, new = text(txn, "Type"), text(txn, "Field"), text(txn, "NewValue")
        if kind == "Status" or (kind == "Set" and field == "Status"):
            if not new:
                return None
            after["Status"] = new
        elif field == "Owner" and kind in OWNER_CHANGES:
            if not my_number or new != my_number:
                return None
            after["Owner"] = {"id": me.id, "Name": me.id, "RealName": me.name}
        elif kind not in QUIET:
            return None
        created = txn.get("Created")
        if not (isinstance(created, str) and created and text(txn, "id").isdigit()):
            return None
        after["LastUpdated"] = created
    return (text(txns[-1], "id"), after) if txns else (etag, after)


def only_quiet(txns: list[dict]) -> bool:
    """Whether none of ``txns`` changed a field a Task shows."""
    return all(text(txn, "Type") in QUIET for txn in txns)
