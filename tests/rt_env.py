"""How the tests reach the local Request Tracker 5 (started by tests/rt/setup_rt.sh).

Shared by ``tests/conftest.py`` (the ``rt_url`` and ``rt_queue_ids`` fixtures, and the "rt"
param of ``kit``) and ``tests/rt/``; finding it, skipping or failing is ``service_env``'s.
"""

from __future__ import annotations

import httpx
from service_env import problem, require, service_url

from backdesk.api_client.rt import RTBackend

RT_URL = service_url("rt")
#: RT user name -> password, as created by tests/rt/initialdata.pl (ana, ben: operators) and
#: tests/rt/initialdata_leads.pl (lee: a lead, in the group Leads, with ReassignTicket).
OPERATORS = {"ana": "ana-backdesk", "ben": "ben-backdesk", "lee": "lee-backdesk"}
#: The queue the tests create their tickets in.
QUEUE = "Returns & Refunds"
#: The queue only the triage tests write to (its health figures are theirs alone).
TRIAGE_QUEUE = "Triage"


def require_rt() -> str:
    """RT's URL; skips the test when RT is unreachable, or fails it when ``CI=true``."""
    why = problem(
        "Request Tracker", RT_URL, "/REST/2.0/queues/all", "tests/rt/setup_rt.sh", auth=("ana", OPERATORS["ana"])
    )
    return require(RT_URL, why)


def queue_ids(url: str) -> dict[str, str]:
    """RT queue name -> queue id (as ``Task.queue`` carries it), as ana sees them."""
    response = httpx.get(
        f"{url}/REST/2.0/queues/all",
        params={"fields": "Name", "per_page": 100},
        auth=("ana", OPERATORS["ana"]),
        timeout=10,
    )
    response.raise_for_status()
    return {item["Name"]: str(item["id"]) for item in response.json()["items"]}


def rt_backend(url: str, user: str, **kw) -> RTBackend:
    """An RTBackend logged in as one of the test users."""
    return RTBackend(url, user=user, password=OPERATORS[user], **kw)
