"""Every error mapping of both adapters, through ``httpx.MockTransport``: the error class, the
operator's sentence, the chained cause, the debug log (without secrets), sanitised server text."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import httpx
import pytest

from backdesk.api_client.errors import (
    AuthError,
    BackendError,
    BackendTimeout,
    BadResponseError,
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    StaleError,
    UnavailableError,
)
from backdesk.api_client.filters import FilterError
from backdesk.api_client.models import Person, TaskChanges, TaskQuery
from backdesk.api_client.rt import RTBackend
from backdesk.api_client.rt_decode import refusal
from backdesk.api_client.workqueue import WorkQueueBackend

from .wire import task

pytestmark = pytest.mark.anyio

Handler = Callable[[httpx.Request], httpx.Response]
WQ, RT = "http://wq.test", "http://rt.test"
TOKEN, PASSWORD = "wq-secret-token", "rt-secret-password"
HTML = "<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>"
HOSTILE = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;owned\x07\x1b[2J\x9b1mEvil\u202e Eve"
CLEAN = "Evil⟨U+202E⟩ Eve"
PROBLEM = "urn:backdesk:problem:"
TIMEOUT = f"{WQ} did not answer in time. Check the connection and press r to retry."

TASK = task(1, title="Refund")


def answer(status: int, body: object = None, *, content_type: str = "application/problem+json") -> Handler:
    """A handler that answers every request the same way (a str body is sent as it is)."""
    content = body if isinstance(body, str) else json.dumps(body)
    return lambda request: httpx.Response(status, content=content.encode(), headers={"content-type": content_type})


def problem(status: int, slug: str, detail: str = "What the server said.", **extra: object) -> Handler:
    return answer(status, {"type": PROBLEM + slug, "title": slug, "status": status, "detail": detail, **extra})


def failing(exc: Exception) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


def wq(handler: Handler) -> WorkQueueBackend:
    return WorkQueueBackend(WQ, TOKEN, transport=httpx.MockTransport(handler))


def rt(handler: Handler) -> RTBackend:
    return RTBackend(RT, user="ana", password=PASSWORD, transport=httpx.MockTransport(handler))


async def wq_error(handler: Handler, call: str = "task") -> BackendError:
    """The error one Work Queue call raises against ``handler``."""
    backend = wq(handler)
    try:
        with pytest.raises(BackendError) as caught:
            if call == "task":
                await backend.task("1")
            elif call == "tasks":
                await backend.tasks(TaskQuery(q="refund"))
            elif call == "claim":
                await backend.claim("1")
            else:
                await backend.close("1", "done", version="3")
    finally:
        await backend.aclose()
    return caught.value


async def rt_me_error(handler: Handler) -> BackendError:
    backend = rt(handler)
    try:
        with pytest.raises(BackendError) as caught:
            await backend.me()
    finally:
        await backend.aclose()
    return caught.value


# -- Work Queue API: transport ---------------------------------------------------------------


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectTimeout("connect timed out"),
        httpx.ReadTimeout("read timed out"),
        httpx.WriteTimeout("write timed out"),
        httpx.PoolTimeout("pool timed out"),
    ],
)
async def test_wq_timeouts(exc):
    error = await wq_error(failing(exc))
    assert type(error) is BackendTimeout and isinstance(error, UnavailableError)
    assert str(error) == TIMEOUT
    assert error.__cause__ is exc


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError("connection refused"),
        httpx.RemoteProtocolError("server hung up"),
        httpx.ReadError("connection reset"),
    ],
)
async def test_wq_connection_errors(exc):
    error = await wq_error(failing(exc))
    assert type(error) is UnavailableError
    assert str(error) == (
        f"Cannot reach {WQ} ({type(exc).__name__}). "
        "Check the URL and that the server is running, then press r to retry."
    )
    assert error.__cause__ is exc


# -- Work Queue API: server failures and unreadable answers ------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.parametrize(
    "body",
    [{"type": PROBLEM + "internal", "title": "Internal", "status": 500, "detail": "details are logged"}, HTML, ""],
)
async def test_wq_5xx_is_unavailable_whatever_the_body(status, body):
    error = await wq_error(answer(status, body, content_type="text/html" if body == HTML else "application/json"))
    assert type(error) is UnavailableError
    assert str(error) == f"{WQ} failed on its side (HTTP {status}). Try again shortly."
    assert error.status == status
    assert error.__cause__ is None


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "text/plain"])
async def test_wq_non_json_success_names_the_content_type(content_type):
    error = await wq_error(answer(200, HTML, content_type=content_type))
    assert type(error) is BadResponseError
    assert str(error) == (
        f"{WQ} answered with {content_type.split(';')[0]}, not JSON (HTTP 200): check that the "
        "URL is the backend's root and that the backend kind is right."
    )
    assert isinstance(error.__cause__, json.JSONDecodeError)


async def test_wq_non_json_content_type_is_sanitised():
    error = await wq_error(answer(200, HTML, content_type="text/\x1b[2Jhtml"))
    assert "\x1b" not in str(error) and "text/html" in str(error)


@pytest.mark.parametrize(
    ("status", "cls", "sentence"),
    [
        (401, AuthError, "The server did not accept your token. Check BACKDESK_TOKEN or the profile's token."),
        (403, ForbiddenError, "You are not allowed to do that on this server."),
        (404, NotFoundError, "That task or queue no longer exists on the server."),
        (412, StaleError, "Someone else changed this task since you loaded it. Press r to reload, then try again."),
        (400, InvalidRequestError, "The server rejected the request: HTTP 400"),
        (422, InvalidRequestError, "The server rejected the request: HTTP 422"),
        (409, ConflictError, "The task changed in a way that conflicts with this action."),
    ],
)
@pytest.mark.parametrize("body", [HTML, "", "null", "[1, 2]", '"a string"', "{}"])
async def test_wq_4xx_without_a_readable_problem(status, cls, sentence, body):
    error = await wq_error(answer(status, body, content_type="text/html" if body == HTML else "application/json"))
    assert type(error) is cls
    assert str(error) == sentence
    assert (error.status, error.detail) == (status, None)


# -- Work Queue API: each documented problem type ----------------------------------------------


@pytest.mark.parametrize(
    ("status", "slug", "cls", "sentence"),
    [
        (
            401,
            "unauthorized",
            AuthError,
            "The server did not accept your token. Check BACKDESK_TOKEN or the profile's token.",
        ),
        (403, "forbidden", ForbiddenError, "What the server said."),
        (404, "not-found", NotFoundError, "That task or queue no longer exists on the server."),
        (400, "invalid-request", InvalidRequestError, "The server rejected the request: What the server said."),
        (405, "method-not-allowed", InvalidRequestError, "The server rejected the request: What the server said."),
        (409, "task-closed", ConflictError, "This task is already closed."),
        (
            412,
            "stale-version",
            StaleError,
            "Someone else changed this task since you loaded it. Press r to reload, then try again.",
        ),
        (
            409,
            "stale-version",
            StaleError,
            "Someone else changed this task since you loaded it. Press r to reload, then try again.",
        ),
        (422, "invalid-request", InvalidRequestError, "The server rejected the request: What the server said."),
    ],
)
async def test_wq_problem_types(status, slug, cls, sentence):
    error = await wq_error(problem(status, slug))
    assert type(error) is cls
    assert str(error) == sentence
    assert (error.status, error.detail) == (status, "What the server said.")
    assert error.__cause__ is None


async def test_wq_internal_problem_is_unavailable():
    error = await wq_error(problem(500, "internal", "details are logged"))
    assert type(error) is UnavailableError and error.status == 500


async def test_wq_invalid_filter_names_the_token():
    error = await wq_error(problem(400, "invalid-filter", "durations look like 30m", token="due:<2y"), "tasks")
    assert type(error) is FilterError and isinstance(error, InvalidRequestError)
    assert (error.token, error.reason) == ("due:<2y", "durations look like 30m")
    assert str(error) == "Filter token 'due:<2y': durations look like 30m"


@pytest.mark.parametrize("token", [None, 42, ["due:<2y"]])
async def test_wq_invalid_filter_without_a_token_string(token):
    error = await wq_error(problem(400, "invalid-filter", "bad filter", token=token), "tasks")
    assert type(error) is InvalidRequestError
    assert str(error) == "The server rejected the request: bad filter"


async def test_wq_invalid_filter_without_detail():
    error = await wq_error(answer(400, {"type": PROBLEM + "invalid-filter", "token": "x:y"}), "tasks")
    assert type(error) is FilterError
    assert str(error) == "Filter token 'x:y': the server rejected this token"


ANA = {"id": "ana", "name": "Ana Ruiz", "role": "operator"}


async def test_wq_already_claimed_names_the_owner():
    error = await wq_error(problem(409, "already-claimed", claimed_by=ANA), "claim")
    assert type(error) is ConflictError
    assert str(error) == "Ana Ruiz has already claimed this task. Press C to take it over."
    assert error.claimed_by == Person("ana", "Ana Ruiz")


@pytest.mark.parametrize(
    "claimed_by",
    [None, "ana", {"id": "ana"}, {"id": "ana", "name": None}, {"id": None, "name": "Ana"}, {"id": ["x"], "name": 3}],
)
async def test_wq_already_claimed_with_an_unreadable_owner(claimed_by):
    error = await wq_error(problem(409, "already-claimed", "Task 1 is claimed.", claimed_by=claimed_by), "claim")
    assert type(error) is ConflictError
    assert str(error) == "Task 1 is claimed."
    assert error.claimed_by is None


async def test_wq_not_owner_with_and_without_holder():
    error = await wq_error(problem(409, "not-owner", claimed_by=ANA), "claim")
    assert str(error) == "You cannot release a task you do not hold (Ana Ruiz holds it)."
    assert error.claimed_by == Person("ana", "Ana Ruiz")
    error = await wq_error(problem(409, "not-owner", claimed_by=None), "claim")
    assert str(error) == "You cannot release a task you do not hold."


async def test_wq_unknown_conflict_uses_the_servers_sentence():
    error = await wq_error(problem(409, "something-new", "The moon is in the way."), "claim")
    assert type(error) is ConflictError and str(error) == "The moon is in the way."


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"type": PROBLEM + "invalid-request"}, None),
        ({"type": PROBLEM + "invalid-request", "title": "Invalid request"}, "Invalid request"),
        ({"type": PROBLEM + "invalid-request", "title": "Invalid request", "detail": 5}, "Invalid request"),
        ({"type": 7, "title": ["x"], "detail": {"a": 1}, "status": "400"}, None),
        ({"detail": "No type at all."}, "No type at all."),
    ],
)
async def test_wq_problem_with_missing_or_wrong_fields(body, detail):
    error = await wq_error(answer(400, body))
    assert type(error) is InvalidRequestError
    assert error.detail == detail
    assert str(error) == f"The server rejected the request: {detail or 'HTTP 400'}"


async def test_wq_hostile_problem_text_is_sanitised():
    error = await wq_error(problem(400, "invalid-request", f"Bad due_at {HOSTILE}"))
    assert error.detail == f"Bad due_at {CLEAN}"
    assert str(error) == f"The server rejected the request: Bad due_at {CLEAN}"
    error = await wq_error(problem(409, "already-claimed", claimed_by={"id": "eve", "name": HOSTILE}), "claim")
    assert str(error) == f"{CLEAN} has already claimed this task. Press C to take it over."
    assert error.claimed_by == Person("eve", CLEAN)
    error = await wq_error(problem(400, "invalid-filter", HOSTILE, token=f"tag:{HOSTILE}"), "tasks")
    assert (error.token, error.reason) == (f"tag:{CLEAN}", CLEAN)


# -- Work Queue API: answers that do not decode -------------------------------------------------


async def test_wq_list_without_items():
    error = await wq_error(answer(200, {"total": 3}, content_type="application/json"), "tasks")
    assert type(error) is BadResponseError
    assert str(error) == "The server's list response has no 'items' array."


async def test_wq_bad_timestamp_chains_the_parse_error():
    error = await wq_error(answer(200, {**TASK, "created_at": "yesterday"}, content_type="application/json"))
    assert type(error) is BadResponseError
    assert str(error) == "Could not read the timestamp 'yesterday'."
    assert isinstance(error.__cause__, ValueError)


@pytest.mark.parametrize("field", ["id", "title", "status", "priority", "version", "created_at"])
async def test_wq_missing_field(field):
    error = await wq_error(answer(200, {**TASK, field: None}, content_type="application/json"))
    assert type(error) is BadResponseError
    assert str(error) == f"The server's response is missing a valid '{field}'."


# -- Work Queue API: the debug log --------------------------------------------------------------


async def test_wq_errors_are_logged_without_the_token(caplog):
    caplog.set_level(logging.DEBUG, logger="backdesk.api_client")
    await wq_error(problem(409, "already-claimed", claimed_by=ANA), "claim")
    await wq_error(failing(httpx.ConnectError("refused")))
    await wq_error(answer(200, HTML, content_type="text/html"))
    text = caplog.text
    assert "HTTP 409" in text and "ConnectError" in text and "not JSON" in text
    assert TOKEN not in text and "Authorization" not in text and "Bearer" not in text
    assert all(r.name == "backdesk.api_client" for r in caplog.records)


async def test_wq_sends_if_match_and_maps_412():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return problem(412, "stale-version", "Task 1 changed", current_version=4)(request)

    error = await wq_error(handler, "close")
    assert type(error) is StaleError
    assert seen[0].headers["If-Match"] == '"3"'


# -- Request Tracker: transport and failures ----------------------------------------------------


@pytest.mark.parametrize("exc", [httpx.ConnectTimeout("connect timed out"), httpx.ReadTimeout("read timed out")])
async def test_rt_timeouts(exc):
    error = await rt_me_error(failing(exc))
    assert type(error) is BackendTimeout
    assert str(error) == f"{RT} did not answer in time. Check the connection and press r to retry."
    assert error.__cause__ is exc


async def test_rt_connection_error():
    exc = httpx.ConnectError("connection refused")
    error = await rt_me_error(failing(exc))
    assert type(error) is UnavailableError
    assert str(error) == (
        f"Cannot reach {RT} (ConnectError). Check the URL and that the server is running, then press r to retry."
    )
    assert error.__cause__ is exc


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_rt_5xx(status):
    error = await rt_me_error(answer(status, HTML, content_type="text/html"))
    assert type(error) is UnavailableError
    assert str(error) == f"{RT} failed on its side (HTTP {status}). Try again shortly."


async def test_rt_html_instead_of_json():
    error = await rt_me_error(answer(200, HTML, content_type="text/html"))
    assert type(error) is BadResponseError
    assert str(error).startswith(f"{RT} answered with text/html, not JSON (HTTP 200)")
    assert isinstance(error.__cause__, json.JSONDecodeError)


@pytest.mark.parametrize("body", [{"message": "Why not"}, HTML, "", "[]", {"message": 5}])
async def test_rt_401(body):
    error = await rt_me_error(answer(401, body, content_type="application/json"))
    assert type(error) is AuthError
    assert str(error) == (
        f"Request Tracker at {RT} did not accept ana's credentials. Check the user and password / token."
    )


async def test_rt_403_names_the_missing_right_and_chains_the_refusal():
    error = await rt_me_error(answer(403, {"message": "Forbidden"}, content_type="application/json"))
    assert type(error) is ForbiddenError
    assert str(error) == "Request Tracker refused: your RT user lacks the ShowTicket right here. Ask an RT admin."
    assert error.detail == "Forbidden"
    assert isinstance(error.__cause__, AuthError) and error.__cause__.status == 403


@pytest.mark.parametrize(
    ("status", "body", "cls", "sentence", "detail"),
    [
        (
            403,
            {"message": "Forbidden"},
            ForbiddenError,
            "Request Tracker refused: your RT user lacks the right for this. Ask an RT admin.",
            "Forbidden",
        ),
        (
            404,
            {"message": "Resource does not exist"},
            NotFoundError,
            "That ticket, queue or user does not exist in Request Tracker (or is hidden from you).",
            "Resource does not exist",
        ),
        (
            404,
            HTML,
            NotFoundError,
            "That ticket, queue or user does not exist in Request Tracker (or is hidden from you).",
            None,
        ),
        (
            412,
            {"message": "Precondition Failed"},
            StaleError,
            "Someone else changed this ticket since you loaded it. Press r to reload, then try again.",
            "Precondition Failed",
        ),
        (
            400,
            {"message": "Invalid query"},
            InvalidRequestError,
            "Request Tracker rejected the request: Invalid query",
            "Invalid query",
        ),
        (
            409,
            {"message": "Conflict"},
            InvalidRequestError,
            "Request Tracker rejected the request: Conflict",
            "Conflict",
        ),
        (415, "", InvalidRequestError, "Request Tracker rejected the request: HTTP 415", None),
        (
            422,
            {"message": ["not", "a string"]},
            InvalidRequestError,
            "Request Tracker rejected the request: HTTP 422",
            None,
        ),
        (400, {"message": HOSTILE}, InvalidRequestError, f"Request Tracker rejected the request: {CLEAN}", CLEAN),
    ],
)
async def test_rt_refusals(status, body, cls, sentence, detail):
    content = body if isinstance(body, str) else json.dumps(body)
    error = refusal(httpx.Response(status, content=content.encode()), root=RT, user="ana")
    assert type(error) is cls
    assert (str(error), error.status, error.detail) == (sentence, status, detail)


async def test_rt_404_through_the_adapter():
    error = await rt_me_error(answer(404, {"message": "Resource does not exist"}, content_type="application/json"))
    assert type(error) is NotFoundError and error.detail == "Resource does not exist"


async def test_rt_bad_list_answer():
    backend = rt(answer(200, {"total": 0}, content_type="application/json"))
    try:
        with pytest.raises(BadResponseError, match="Request Tracker's list response has no 'items' array."):
            await backend.tasks(TaskQuery())
    finally:
        await backend.aclose()


async def test_rt_errors_are_logged_without_the_password(caplog):
    caplog.set_level(logging.DEBUG, logger="backdesk.api_client")
    await rt_me_error(answer(401, {"message": "Unauthorized"}, content_type="application/json"))
    await rt_me_error(failing(httpx.ConnectTimeout("timed out")))
    assert "HTTP 401" in caplog.text and "timed out" in caplog.text
    assert PASSWORD not in caplog.text and "Authorization" not in caplog.text
    assert "YW5h" not in caplog.text  # base64 of "ana:" as basic auth would start


# -- Request Tracker: conflicts and refusals found in the ticket ---------------------------------


def ticket(owner: dict | None = None, **fields: object) -> dict:
    return {
        "id": 1,
        "Subject": "Refund",
        "Status": "open",
        "Priority": 30,
        "Created": "2026-11-26 10:00:00",
        "LastUpdated": "2026-11-26 10:00:00",
        "Due": "1970-01-01 00:00:00",
        "CustomFields": [],
        "Queue": {"id": "3", "Name": "Returns"},
        "Owner": owner or {"id": "Nobody", "Name": "Nobody"},
        **fields,
    }


def fake_rt(the_ticket: dict, *, put: Handler | None = None) -> Handler:
    """Just enough of RT REST 2.0 for one ticket, as ana."""

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/REST/2.0")
        if request.method == "PUT" and put is not None:
            return put(request)
        if path == "/user/ana":
            return httpx.Response(200, json={"Name": "ana", "RealName": "Ana Ruiz"})
        if path == "/ticket/1":
            return httpx.Response(200, json=the_ticket, headers={"ETag": '"77"'})
        if path == "/ticket/1/history":
            return httpx.Response(200, json={"items": [], "total": 0, "pages": 0})
        return httpx.Response(404, json={"message": "Resource does not exist"})

    return handler


async def test_rt_claim_of_a_held_ticket_names_the_owner_sanitised():
    backend = rt(fake_rt(ticket({"id": "eve", "Name": "eve", "RealName": HOSTILE})))
    try:
        with pytest.raises(ConflictError) as caught:
            await backend.claim("1")
    finally:
        await backend.aclose()
    assert str(caught.value) == f"{CLEAN} has already claimed ticket 1. Press C to take it over."
    assert caught.value.claimed_by == Person("eve", CLEAN)


async def test_rt_update_quotes_rts_messages_sanitised():
    seen: list[httpx.Request] = []

    def put(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[f"Subject: {HOSTILE}", 5])

    backend = rt(fake_rt(ticket(), put=put))
    try:
        with pytest.raises(InvalidRequestError) as caught:
            await backend.update("1", TaskChanges(title="New title"), version="77")
    finally:
        await backend.aclose()
    assert str(caught.value) == f"Request Tracker did not change the title of ticket 1: Subject: {CLEAN}"
    assert seen[0].headers["If-Match"] == '"77"'


async def test_rt_stale_version_before_writing():
    backend = rt(fake_rt(ticket()))
    try:
        with pytest.raises(StaleError) as caught:
            await backend.close("1", "done", version="76")
    finally:
        await backend.aclose()
    assert str(caught.value) == "Ticket 1 changed since you loaded it. Press r to reload, then try again."
    assert caught.value.detail == "current version 77"


async def test_rt_412_on_write():
    backend = rt(
        fake_rt(ticket(), put=answer(412, {"message": "Precondition Failed"}, content_type="application/json"))
    )
    try:
        with pytest.raises(StaleError) as caught:
            await backend.update("1", TaskChanges(title="New title"), version="77")
    finally:
        await backend.aclose()
    assert str(caught.value) == (
        "Someone else changed this ticket since you loaded it. Press r to reload, then try again."
    )
    assert caught.value.status == 412


async def test_logged_urls_drop_a_password_given_in_the_url(caplog):
    caplog.set_level(logging.DEBUG, logger="backdesk.api_client")
    backend = WorkQueueBackend("http://ana:url-secret@wq.test", TOKEN, transport=httpx.MockTransport(answer(404, {})))
    try:
        with pytest.raises(NotFoundError):
            await backend.task("1")
    finally:
        await backend.aclose()
    assert "GET http://wq.test/api/v1/tasks/1 answered HTTP 404" in caplog.text
    assert "url-secret" not in caplog.text


@pytest.mark.parametrize(
    ("task_id", "path"),
    [
        ("../../me", b"/api/v1/tasks/..%2F..%2Fme"),
        ("..", b"/api/v1/tasks/%2E%2E"),
        ("7?x=1#y", b"/api/v1/tasks/7%3Fx%3D1%23y"),
    ],
)
async def test_a_task_id_from_a_server_never_changes_the_request_path(task_id, path):
    seen: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path)
        return httpx.Response(404, json={"type": "urn:backdesk:problem:not-found", "title": "Not found"})

    backend = WorkQueueBackend("http://wq.test", "token", transport=httpx.MockTransport(answer))
    with pytest.raises(NotFoundError):
        await backend.task(task_id)
    await backend.aclose()
    assert seen == [path]
