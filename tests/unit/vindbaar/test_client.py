"""The OpenSearch client keeps a connection per concurrent request open (building it connects nowhere)."""

from __future__ import annotations

import pytest

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
