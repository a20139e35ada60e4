"""An alias of a test's own holding a catalog, built by the real reindex and removed afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opensearchpy import OpenSearch

from indexer.embedding_cache import EmbeddingCache
from indexer.reindex import reindex
from vindbaar.embedder import Embedder
from vindbaar.product import Product
from vindbaar.settings import Settings


@contextmanager
def catalog_alias(
    client: OpenSearch,
    settings: Settings,
    products: Sequence[Product],
    embedder: Embedder,
    prefix: str,
    writer: OpenSearch | None = None,
    **updates: Any,
) -> Iterator[Settings]:
    """`settings` with `updates` and an alias ``<prefix>-<random>`` whose index holds `products` (embedded
    through the cache at the settings' `embedding_cache_path`); every index of the alias is deleted on exit.
    `writer` indexes instead of `client` (one with a longer timeout, for a busy machine)."""
    alias = f"{prefix}-{uuid.uuid4().hex[:8]}"
    alias_settings = settings.model_copy(update={"index_alias": alias, **updates})
    cache = EmbeddingCache(alias_settings.resolved_embedding_cache_path)
    try:
        reindex(writer or client, alias_settings, list(products), embedder, cache, lambda: len(products))
    finally:
        cache.close()
    try:
        yield alias_settings
    finally:
        for index in client.indices.get(index=f"{alias}*", allow_no_indices=True, ignore_unavailable=True):
            client.indices.delete(index=index)
