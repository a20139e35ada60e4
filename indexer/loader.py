"""Bulk-load products into an index: embed in batches, then stream with opensearch-py's helpers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.helpers import streaming_bulk

from indexer.documents import content_hash, embedding_text, to_document
from vindbaar.embedder import Embedder
from vindbaar.product import Product


@dataclass
class LoadStats:
    """Counts of one load."""

    indexed: int = 0
    embedded: int = 0


def _batches(items: Iterable[Product], size: int) -> Iterator[list[Product]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _actions(index: str, products: Iterable[Product], embedder: Embedder | None,
             stats: LoadStats, batch_size: int) -> Iterator[dict[str, Any]]:  # fmt: skip
    for batch in _batches(products, batch_size):
        texts = [embedding_text(p) for p in batch]
        vectors: list[list[float] | None] = [None] * len(batch)
        if embedder is not None:
            vectors = list(embedder.embed(texts))
            stats.embedded += len(batch)
        for product, text, vector in zip(batch, texts, vectors, strict=True):
            yield {"_index": index, "_id": product.id, "_source": to_document(product, vector, content_hash(text))}


def load_products(
    client: OpenSearch,
    index: str,
    products: Iterable[Product],
    embedder: Embedder | None,
    batch_size: int = 256,
) -> LoadStats:
    """Index `products` into `index` (embedding them unless `embedder` is None) and return counts.

    Raises:
        opensearchpy.helpers.BulkIndexError: some documents were rejected by OpenSearch.
    """
    stats = LoadStats()
    for ok, _item in streaming_bulk(
        client, _actions(index, products, embedder, stats, batch_size),
        chunk_size=batch_size, max_retries=3, raise_on_error=True,
    ):  # fmt: skip
        if ok:
            stats.indexed += 1
    return stats
