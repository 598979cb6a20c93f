"""Fixtures for the reference server's contract tests: live servers and validating clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from backdesk.server import ReferenceServer

from .openapi_schema import check_response, load_spec

PEOPLE = {"ana": "tok-ana", "ben": "tok-ben", "chen": "tok-chen"}
LEAD = ("lee", "tok-lee")


@pytest.fixture(scope="session")
def spec() -> dict:
    return load_spec()


@pytest.fixture
def srv(tmp_path) -> Iterator[ReferenceServer]:
    """An empty reference server: operators ana, ben, chen and lead lee."""
    with ReferenceServer(tmp_path / "wq.sqlite3", operators=list(PEOPLE.items()), leads=[LEAD]) as server:
        yield server


@pytest.fixture(scope="module")
def demo_srv(tmp_path_factory) -> Iterator[ReferenceServer]:
    """A reference server with 400 demo tasks, shared by a module's read-only tests."""
    db = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    with ReferenceServer(db, operators=[("ana", "tok-ana")], demo_data=400) as server:
        yield server


Connect = Callable[..., httpx.Client]


def _connector(server: ReferenceServer, spec: dict, clients: list[httpx.Client]) -> Connect:
    def connect(token: str | None = "tok-ana") -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}

        def validate(response: httpx.Response) -> None:
            response.read()
            check_response(spec, response)

        client = httpx.Client(
            base_url=server.url + "/api/v1", headers=headers, timeout=10, event_hooks={"response": [validate]}
        )
        clients.append(client)
        return client

    return connect


@pytest.fixture
def connect(srv, spec) -> Iterator[Connect]:
    """``connect(token)`` -> an httpx client for ``srv`` that checks every response against the spec."""
    clients: list[httpx.Client] = []
    yield _connector(srv, spec, clients)
    for client in clients:
        client.close()


@pytest.fixture
def demo_connect(demo_srv, spec) -> Iterator[Connect]:
    clients: list[httpx.Client] = []
    yield _connector(demo_srv, spec, clients)
    for client in clients:
        client.close()


@pytest.fixture
def ana(connect) -> httpx.Client:
    return connect("tok-ana")


@pytest.fixture
def ben(connect) -> httpx.Client:
    return connect("tok-ben")


@pytest.fixture
def lee(connect) -> httpx.Client:
    return connect("tok-lee")
