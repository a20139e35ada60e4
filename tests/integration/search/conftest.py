"""A small catalog for API tests that need real products but not many: the bad-input and contract tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from indexer.embedding_cache import EmbeddingCache
from indexer.reindex import reindex
from indexer.sample_catalog import generate_sample_catalog
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings

SMALL_CATALOG_SIZE = 140  # 10 products of each of the sample catalog's 14 kinds


@pytest.fixture(scope="module")
def small_catalog_settings(
    client: OpenSearch, settings: Settings, embedder: Embedder, shared_embedding_cache: Path
) -> Iterator[Settings]:
    """Settings whose own alias holds a small sample catalog; its indices are removed afterwards."""
    alias = f"test-small-{uuid.uuid4().hex[:8]}"
    alias_settings = settings.model_copy(update={"index_alias": alias, "embedding_cache_path": shared_embedding_cache})
    products = list(generate_sample_catalog(SMALL_CATALOG_SIZE, seed=16))
    cache = EmbeddingCache(shared_embedding_cache)
    try:
        reindex(client, alias_settings, products, embedder, cache, lambda: len(products))
    finally:
        cache.close()
    yield alias_settings
    for index in client.indices.get(index=f"{alias}*", allow_no_indices=True, ignore_unavailable=True):
        client.indices.delete(index=index)
