"""Bulk-load products into an index: embed in batches (through the cache), stream with opensearch-py's helpers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.helpers import streaming_bulk
from tqdm import tqdm

from indexer.documents import content_hash, embedding_text, to_document
from indexer.embedding_cache import EmbeddingCache
from vindbaar import schema
from vindbaar.embedder import Embedder
from vindbaar.product import Product


@dataclass
class LoadStats:
    """Counts of one load."""

    indexed: int = 0
    embedded: int = 0
    cache_hits: int = 0
    unchanged: int = 0  # already stored exactly so (incremental reindex): not rewritten
    deleted: int = 0  # in the cloned index but no longer in the catalog
    seen: set[str] = field(default_factory=set)


def _batches(items: Iterable[Product], size: int) -> Iterator[list[Product]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def embed_with_cache(
    texts: list[str], hashes: list[str], embedder: Embedder, cache: EmbeddingCache | None, stats: LoadStats
) -> list[list[float]]:
    """Vectors for `texts`, taking what the cache has and embedding (and caching) only the rest."""
    cached = cache.get_many(embedder.model_id, hashes) if cache is not None else {}
    missing = [i for i, key in enumerate(hashes) if key not in cached]
    if missing:
        fresh = embedder.embed([texts[i] for i in missing])
        new = {hashes[i]: vector for i, vector in zip(missing, fresh, strict=True)}
        if cache is not None:
            cache.put_many(embedder.model_id, new)
        cached = {**cached, **new}
    stats.embedded += len(missing)
    stats.cache_hits += len(texts) - len(missing)
    return [cached[key] for key in hashes]


def _actions(
    index: str,
    products: Iterable[Product],
    embedder: Embedder | None,
    cache: EmbeddingCache | None,
    stats: LoadStats,
    batch_size: int,
    existing: Mapping[str, str] | None,
) -> Iterator[dict[str, Any]]:
    for batch in _batches(products, batch_size):
        texts = [embedding_text(p) for p in batch]
        hashes = [content_hash(t) for t in texts]
        docs = [to_document(p, None, key) for p, key in zip(batch, hashes, strict=True)]
        stats.seen.update(p.id for p in batch)
        changed = [
            i for i, doc in enumerate(docs) if existing is None or existing.get(doc[schema.ID]) != doc[schema.DOC_HASH]
        ]
        stats.unchanged += len(batch) - len(changed)
        if embedder is not None and changed:
            vectors = embed_with_cache(
                [texts[i] for i in changed], [hashes[i] for i in changed], embedder, cache, stats
            )
            for i, vector in zip(changed, vectors, strict=True):
                docs[i][schema.EMBEDDING] = vector
        for i in changed:
            yield {"_index": index, "_id": batch[i].id, "_source": docs[i]}


def load_products(
    client: OpenSearch,
    index: str,
    products: Iterable[Product],
    embedder: Embedder | None,
    cache: EmbeddingCache | None = None,
    batch_size: int = 256,
    progress_total: int | None = None,
    show_progress: bool = False,
    existing: Mapping[str, str] | None = None,
) -> LoadStats:
    """Index `products` into `index` (embedding them unless `embedder` is None) and return counts.

    With `existing` (id -> doc_hash of what `index` already holds), unchanged products are skipped.

    Raises:
        opensearchpy.helpers.BulkIndexError: OpenSearch rejected documents (after retries on 429).
    """
    stats = LoadStats()
    actions = _actions(index, products, embedder, cache, stats, batch_size, existing)
    with tqdm(total=progress_total, unit="doc", disable=not show_progress, desc="indexing") as bar:
        for ok, _item in streaming_bulk(client, actions, chunk_size=500, max_retries=5, raise_on_error=True):
            if ok:
                stats.indexed += 1
                bar.update(1)
        bar.update(stats.unchanged)
    return stats
