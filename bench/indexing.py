"""Indexing benchmark: text-only bulk docs/s, CPU embedding docs/s, and first vs cached full reindex.

Run with `make bench-indexing` (or `python -m bench.indexing --help`). Reads the real catalog from
../shared/data (never copied into the repo) and the generated sample catalog. Prints a JSON report.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.node import run
from devtools.localnode.node import LocalNode
from indexer.catalog import FieldMapping, iter_rows, read_text
from indexer.documents import embedding_text
from indexer.embedding_cache import EmbeddingCache
from indexer.indices import versioned_indices
from indexer.ingest import CatalogValidator
from indexer.reindex import reindex
from indexer.sample_catalog import generate_sample_catalog
from vindbaar.client import create_client
from vindbaar.embedder import create_embedder
from vindbaar.memory import resident_memory_mb
from vindbaar.product import Product
from vindbaar.settings import Settings

VESPA = Path(__file__).resolve().parents[2] / "shared" / "data" / "vespa-shopping-24k.jsonl"
VESPA_MAPPING = FieldMapping(root="fields", rename={"category": "categories", "quantity": "stock"}, price_divisor=100)


def vespa_products() -> tuple[list[Product], int]:
    """The real catalog as products, and how many rows were rejected."""
    name, text = read_text(VESPA)
    validator = CatalogValidator(name, VESPA_MAPPING)
    return list(validator.validate(iter_rows(name, text))), len(validator.rejects)


def _run(
    settings: Settings, products: list[Product], embed: bool, cache_path: Path, incremental: bool = False
) -> dict[str, Any]:
    client = create_client(settings)
    embedder = create_embedder(settings) if embed else None
    if embedder is not None:
        embedder.warm_up()  # model loading is not indexing
    cache = EmbeddingCache(cache_path)
    try:
        result = reindex(client, settings, iter(products), embedder, cache, lambda: len(products), max_shrink=1.0,
                         incremental=incremental)  # fmt: skip
    finally:
        cache.close()
    return {
        "docs": result.stats.indexed,
        "unchanged_not_rewritten": result.stats.unchanged,
        "cloned_from_live": result.cloned_from is not None,
        "embedded": result.stats.embedded,
        "from_cache": result.stats.cache_hits,
        "seconds": round(result.elapsed_s, 2),
        "docs_per_s": round(result.docs_per_s, 1),
    }


def embedding_throughput(settings: Settings, texts: list[str], batch_size: int) -> dict[str, Any]:
    """Pure model throughput on `texts` with the backend `settings` name (after a warm-up batch)."""
    embedder = create_embedder(settings, batch_size)
    embedder.warm_up()
    embedder.embed(texts[:batch_size])
    started = time.perf_counter()
    embedder.embed(texts)
    seconds = time.perf_counter() - started
    return {"backend": settings.embedding_backend, "texts": len(texts), "batch_size": batch_size,
            "docs_per_s": round(len(texts) / seconds, 1)}  # fmt: skip


def _cleanup(settings: Settings) -> None:
    client = create_client(settings)
    for name in versioned_indices(client, settings.index_alias):
        client.indices.delete(index=name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.indexing", description=__doc__)
    parser.add_argument("--generated", type=int, default=20000, help="generated products for the text-only run")
    parser.add_argument("--embed-sample", type=int, default=3000, help="texts for the pure embedding throughput")
    parser.add_argument("--skip-full-embed", action="store_true", help="skip the two full reindexes with embeddings")
    return run(parser, argv, _benchmark)


def _benchmark(args: argparse.Namespace, base: Settings) -> dict[str, Any]:
    settings = base.model_copy(update={"index_alias": "bench-products", "keep_indices": 1})
    print(f"OpenSearch at {settings.opensearch_url}", file=sys.stderr)

    real, rejected = vespa_products()
    generated = list(generate_sample_catalog(args.generated, seed=1))
    report: dict[str, Any] = {"catalog": {"vespa_rows_accepted": len(real), "vespa_rows_rejected": rejected}}
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        print("text-only bulk indexing …", file=sys.stderr)
        report["text_only_vespa"] = _run(settings, real, False, scratch / "none.sqlite")
        report["text_only_generated"] = _run(settings, generated, False, scratch / "none.sqlite")
        print("embedding throughput …", file=sys.stderr)
        texts = [embedding_text(p) for p in real[: args.embed_sample]]
        report["embedding_cpu"] = embedding_throughput(settings, texts, 64)
        torch = settings.model_copy(update={"embedding_backend": "torch", "embedding_device": "cpu"})
        report["embedding_cpu_torch"] = embedding_throughput(torch, texts, 64)
        if not args.skip_full_embed:
            print("full reindex with embeddings, cold cache then warm cache …", file=sys.stderr)
            first = _run(settings, real, True, scratch / "cache.sqlite")
            rebuilt = _run(settings, real, True, scratch / "cache.sqlite")
            incremental = _run(settings, real, True, scratch / "cache.sqlite", incremental=True)
            report["reindex_vespa_cold_cache"] = first
            report["reindex_vespa_warm_cache_full_rebuild"] = rebuilt
            report["reindex_vespa_unchanged_incremental"] = incremental
            report["second_reindex_speedup_full_rebuild"] = round(first["seconds"] / rebuilt["seconds"], 1)
            report["second_reindex_speedup_incremental"] = round(first["seconds"] / incremental["seconds"], 1)
    node = LocalNode(base).info()
    if node is not None:
        report["node_rss_mb"] = round(resident_memory_mb(node.pid) or 0, 1)
    _cleanup(settings)
    return report


if __name__ == "__main__":
    sys.exit(main())
