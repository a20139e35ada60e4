"""The README's run command: local node, sample catalog through the real reindex, searches printed."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import TextIO

from devtools.localnode.node import LocalNode
from indexer.embedding_cache import EmbeddingCache
from indexer.reindex import reindex
from indexer.sample_catalog import generate_sample_catalog
from search.engine import build_engine
from search.params import SearchParams
from search.service import search, suggest
from vindbaar.client import create_client
from vindbaar.embedder import create_embedder
from vindbaar.settings import Settings

log = logging.getLogger(__name__)

DEMO_QUERIES = ("iphnoe", "head", "koptelefoon", "hedfones", "something to play music outdoors")


def run_demo(settings: Settings, products: int, queries: Sequence[str], out: TextIO = sys.stdout) -> None:
    """Start the local node if no URL is configured, reindex `products` sample items and print searches."""
    if not settings.opensearch_url:
        info = LocalNode(settings).start()
        log.info("local OpenSearch %s at %s (data: %s)", info.version, info.url, info.data_dir)
        settings = settings.model_copy(update={"opensearch_url": info.url})
    client = create_client(settings)
    embedder = create_embedder(settings)
    catalog = list(generate_sample_catalog(products))
    cache = EmbeddingCache(settings.resolved_embedding_cache_path)
    try:
        result = reindex(client, settings, catalog, embedder, cache, lambda: len(catalog), max_shrink=1.0)
    finally:
        cache.close()
    log.info("indexed %d sample products into %s in %.1fs; alias %r points to it",
             result.stats.indexed, result.index, result.elapsed_s, settings.index_alias)  # fmt: skip
    engine = build_engine(settings, client, embedder)
    for text in queries:
        response = search(engine, SearchParams(q=text, size=5, explain=True, facets=["brand"]))
        corrected = f" (showing results for {response.corrected_query!r})" if response.corrected_query else ""
        print(f"\nsearch: {text!r}{corrected}: {response.total} matches, {response.took_ms:.0f} ms", file=out)
        for rank, item in enumerate(response.items, start=1):
            lexical = item.explain.lexical_rank if item.explain else None
            semantic = item.explain.semantic_rank if item.explain else None
            print(f"  {rank}. {item.title}  [{item.brand}]  EUR {item.price}  "
                  f"(lexical #{lexical or '-'}, semantic #{semantic or '-'})", file=out)  # fmt: skip
    completion = suggest(engine, "koptelefon", 5)
    print(f"\nautocomplete 'koptelefon': {[s.text for s in completion.suggestions]}", file=out)
    print("\nThe HTTP API: `vindbaar serve`, then http://127.0.0.1:8000/docs", file=out)
