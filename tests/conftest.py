"""Shared fixtures. Integration tests run against a real OpenSearch node: the one at
``VINDBAAR_OPENSEARCH_URL`` if set, else a local node this session starts and stops."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from devtools.localnode.node import LocalNode
from vindbaar.client import create_client
from vindbaar.embedder import Embedder, create_embedder
from vindbaar.settings import Settings


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "integration" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def opensearch_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real node; starts a throwaway local node (fresh data folder) when none is given."""
    configured = os.environ.get("VINDBAAR_OPENSEARCH_URL")
    if configured:
        yield configured
        return
    node = LocalNode(Settings(), data_dir=tmp_path_factory.mktemp("opensearch-node"))
    info = node.start()
    try:
        yield info.url
    finally:
        node.stop()


@pytest.fixture(scope="session")
def settings(opensearch_url: str) -> Settings:
    # Tests call the API far faster than a shopper: rate limits are tested on their own (test_limits.py).
    return Settings(opensearch_url=opensearch_url, rate_limit_per_s=0)


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[OpenSearch]:
    os_client = create_client(settings)
    yield os_client
    os_client.close()


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real offline model on the default backend (ONNX Runtime), loaded once per session."""
    model = create_embedder(Settings())
    model.warm_up()
    return model


@pytest.fixture
def index_name(client: OpenSearch) -> Iterator[str]:
    """A unique index name for one test; the index (if created) is removed afterwards."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    # The node refuses wildcard deletes (action.destructive_requires_name), so name each index.
    for index in client.indices.get(index=f"{name}*", allow_no_indices=True, ignore_unavailable=True):
        client.indices.delete(index=index)
