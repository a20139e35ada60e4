"""The README's run command: local node, sample catalog, a few hybrid searches printed."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from typing import TextIO

from opensearchpy import OpenSearch

from indexer.indices import alias_targets, create_index, new_index_name, point_alias
from indexer.loader import load_products
from indexer.sample_catalog import generate_sample_catalog
from search.fusion import FusedHit, reciprocal_rank_fusion
from search.query import build_knn_query, build_lexical_query
from vindbaar.client import create_client
from vindbaar.embedder import Embedder, SentenceTransformerEmbedder
from vindbaar.localnode.node import LocalNode
from vindbaar.settings import Settings

log = logging.getLogger(__name__)

DEMO_QUERIES = ("iphnoe", "head", "koptelefoon", "something to play music outdoors")


def hybrid_search(client: OpenSearch, index: str, embedder: Embedder, text: str, size: int = 5) -> list[FusedHit]:
    """Lexical and kNN queries in one `_msearch` round trip, fused by reciprocal rank fusion."""
    vector = embedder.embed([text])[0]
    body = [{"index": index}, build_lexical_query(text, size=size * 4),
            {"index": index}, build_knn_query(vector, k=size * 4)]  # fmt: skip
    lexical, semantic = client.msearch(body=body)["responses"]
    fused = reciprocal_rank_fusion({"lexical": lexical["hits"]["hits"], "semantic": semantic["hits"]["hits"]})
    return fused[:size]


def run_demo(settings: Settings, products: int, queries: Sequence[str], out: TextIO = sys.stdout) -> None:
    """Start the local node if no URL is configured, load `products` sample items and print searches."""
    if not settings.opensearch_url:
        info = LocalNode(settings).start()
        log.info("local OpenSearch %s at %s (data: %s)", info.version, info.url, info.data_dir)
    client = create_client(settings)
    embedder = SentenceTransformerEmbedder(settings.embedding_model, settings.embedding_device,
                                           settings.embedding_batch_size)  # fmt: skip
    index = new_index_name(settings.index_alias)
    create_index(client, index, embedder.dimension)
    started = time.monotonic()
    stats = load_products(client, index, generate_sample_catalog(products), embedder)
    client.indices.refresh(index=index)
    previous = alias_targets(client, settings.index_alias)
    point_alias(client, settings.index_alias, index)
    for old in previous:
        client.indices.delete(index=old)
    log.info("indexed %d sample products (%d embedded) into %s in %.1fs; alias %r now points to it",
             stats.indexed, stats.embedded, index, time.monotonic() - started, settings.index_alias)  # fmt: skip
    for text in queries:
        print(f"\nsearch: {text!r}", file=out)
        for rank, hit in enumerate(hybrid_search(client, settings.index_alias, embedder, text), start=1):
            src = hit.source
            print(f"  {rank}. {src.get('title')}  [{src.get('brand')}]  EUR {src.get('price')}  "
                  f"(lexical #{hit.ranks['lexical']}, semantic #{hit.ranks['semantic']})", file=out)  # fmt: skip
