"""A small catalog for API tests that need real products but not many: the bad-input and contract tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from indexer.sample_catalog import generate_sample_catalog
from tests.integration.catalog_alias import catalog_alias
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings

SMALL_CATALOG_SIZE = 140  # 10 products of each of the sample catalog's 14 kinds


@pytest.fixture(scope="module")
def small_catalog_settings(
    client: OpenSearch, settings: Settings, embedder: Embedder, shared_embedding_cache: Path
) -> Iterator[Settings]:
    """Settings whose own alias holds a small sample catalog; its indices are removed afterwards."""
    products = list(generate_sample_catalog(SMALL_CATALOG_SIZE, seed=16))
    with catalog_alias(client, settings, products, embedder, "test-small",
                       embedding_cache_path=shared_embedding_cache) as alias_settings:  # fmt: skip
        yield alias_settings
