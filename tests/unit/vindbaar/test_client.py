"""The OpenSearch client keeps a connection per concurrent request open (building it connects nowhere), spreads
over several nodes, and never waits on OpenSearch longer than the request it serves has left."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from opensearchpy.exceptions import ConnectionTimeout

from vindbaar import deadline
from vindbaar.client import POOL_SIZE, create_client
from vindbaar.errors import BackendUnavailable
from vindbaar.settings import Settings


def test_the_client_pools_as_many_connections_as_the_api_runs_requests_at_once() -> None:
    client = create_client(Settings(opensearch_url="http://127.0.0.1:1/"))
    connection = client.transport.connection_pool.connection  # type: ignore[attr-defined]
    assert connection.pool.pool.maxsize == POOL_SIZE >= 40
    assert connection.host == "http://127.0.0.1:1"


def test_no_url_is_a_clear_error() -> None:
    with pytest.raises(BackendUnavailable, match="VINDBAAR_OPENSEARCH_URL"):
        create_client(Settings(opensearch_url=None))


def test_several_comma_separated_urls_make_one_client_over_every_node() -> None:
    client = create_client(Settings(opensearch_url="http://127.0.0.1:1, http://127.0.0.1:2/,http://127.0.0.1:3"))
    hosts = sorted(c.host for c in client.transport.connection_pool.connections)  # type: ignore[attr-defined]
    assert hosts == ["http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"]


@pytest.fixture
def hung_server() -> Iterator[str]:
    """A port that accepts connections (the kernel's backlog) and never answers, like a frozen node."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_a_call_gets_only_what_is_left_of_the_request_deadline_whatever_it_asks_for(hung_server: str) -> None:
    client = create_client(Settings(opensearch_url=hung_server, opensearch_timeout_s=10))
    started = time.monotonic()
    with deadline.within(0.4), pytest.raises(ConnectionTimeout):
        client.search(index="products", body={"query": {"match_all": {}}}, request_timeout=10)
    assert time.monotonic() - started < 1.0


def test_a_spent_deadline_fails_the_next_call_at_once_and_calls_outside_keep_their_timeout(hung_server: str) -> None:
    client = create_client(Settings(opensearch_url=hung_server))
    with deadline.within(0.0), pytest.raises(ConnectionTimeout, match="spent"):
        client.info()
    started = time.monotonic()
    with pytest.raises(ConnectionTimeout):
        client.info(request_timeout=0.3)
    assert 0.25 < time.monotonic() - started < 1.0
    assert deadline.remaining() is None


def test_an_inner_deadline_never_extends_the_outer_one() -> None:
    with deadline.within(1.0), deadline.within(30.0):
        left = deadline.remaining()
        assert left is not None and left <= 1.0
