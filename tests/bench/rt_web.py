"""Claim + comment + resolve on Request Tracker 5 the other ways, for the benchmark's comparison:
through RT's own web UI (its pages and forms, as a browser without a cache fetches the HTML), and
with the fewest REST 2.0 requests. Both go through a counting proxy."""

from __future__ import annotations

import httpx
from proxy import CountingProxy, Traffic


def create_ticket(rt_url: str, auth: tuple[str, str], queue: str, subject: str) -> str:
    """A new unowned ticket (created directly, not counted); its id."""
    fields = {"Queue": queue, "Subject": subject, "Content": "Bench"}
    made = httpx.post(f"{rt_url}/REST/2.0/ticket", json=fields, auth=auth, timeout=60)
    return str(made.raise_for_status().json()["id"])


def ticket(rt_url: str, auth: tuple[str, str], ticket_id: str) -> dict:
    return httpx.get(f"{rt_url}/REST/2.0/ticket/{ticket_id}", auth=auth, timeout=60).raise_for_status().json()


def comments(rt_url: str, auth: tuple[str, str], ticket_id: str) -> int:
    """How many comments the ticket's history holds."""
    params = {"fields": "Type", "per_page": 100}
    history = httpx.get(f"{rt_url}/REST/2.0/ticket/{ticket_id}/history", params=params, auth=auth, timeout=60)
    return sum(1 for item in history.raise_for_status().json()["items"] if item["Type"] == "Comment")


def web_ui(rt_url: str, user: str, password: str, ticket_id: str) -> Traffic:
    """Log in, open the ticket, Take, Comment (form, submit), Resolve (form, submit), following
    RT's redirects like a browser; the HTML traffic it took (no CSS, JS or images: as if cached).

    Counted in the client (RT redirects to its own absolute URLs, which would bypass a proxy):
    requests, and bytes of request and response heads and bodies as they crossed the wire."""
    seen = Traffic()

    def sent(request: httpx.Request) -> None:
        seen.requests += 1
        seen.paths.append(f"{request.method} {request.url.raw_path.decode()[:60]}")
        head = sum(len(k) + len(v) + 4 for k, v in request.headers.raw)
        seen.sent += len(request.method) + len(request.url.raw_path) + 12 + head + len(request.read())

    def answered(response: httpx.Response) -> None:
        response.read()
        seen.received += 17 + sum(len(k) + len(v) + 4 for k, v in response.headers.raw)
        seen.received += response.num_bytes_downloaded

    referer = {"Referer": f"{rt_url}/Ticket/Display.html?id={ticket_id}"}  # RT checks it against CSRF
    hooks = {"request": [sent], "response": [answered]}
    with httpx.Client(base_url=rt_url, follow_redirects=True, timeout=60, headers=referer, event_hooks=hooks) as web:
        web.post("/NoAuth/Login.html", data={"user": user, "pass": password, "next": ""}).raise_for_status()
        web.get("/Ticket/Display.html", params={"id": ticket_id}).raise_for_status()
        web.get("/Ticket/Display.html", params={"Action": "Take", "id": ticket_id}).raise_for_status()
        web.get("/Ticket/Update.html", params={"Action": "Comment", "id": ticket_id}).raise_for_status()
        form = {"id": ticket_id, "Action": "Comment", "UpdateType": "private", "SubmitTicket": "Update Ticket"}
        web.post(
            "/Ticket/Update.html", files={"x": (None, "")}, data={**form, "UpdateContent": "Refund approved."}
        ).raise_for_status()
        params = {"Action": "Comment", "DefaultStatus": "resolved", "id": ticket_id}
        web.get("/Ticket/Update.html", params=params).raise_for_status()
        web.post(
            "/Ticket/Update.html", files={"x": (None, "")}, data={**form, "Status": "resolved", "UpdateContent": ""}
        ).raise_for_status()
    return seen


def rest_minimum(proxy: CountingProxy, user: str, password: str, ticket_id: str) -> Traffic:
    """The same with the fewest REST 2.0 requests: take, comment, status."""
    proxy.reset()
    with httpx.Client(base_url=f"{proxy.url}/REST/2.0", auth=(user, password), timeout=60) as rest:
        rest.put(f"/ticket/{ticket_id}/take", json={}).raise_for_status()
        rest.post(
            f"/ticket/{ticket_id}/comment", content=b"Refund approved.", headers={"Content-Type": "text/plain"}
        ).raise_for_status()
        rest.put(f"/ticket/{ticket_id}", json={"Status": "resolved"}).raise_for_status()
    proxy.wait_idle(0.5)
    return proxy.reset()
