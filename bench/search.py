"""Search benchmark: /search and /autocomplete latency against the same requests sent straight to OpenSearch
(`bench/search_latency.py`: unseen queries and a Zipf mix, 1 and 16 clients), and simulated-relevance
nDCG@10 for lexical, vector and hybrid retrieval.

Run with `make bench-search` (or `python -m bench.search --help`). The catalog is the real Vespa catalog
from ../shared/data plus generated products (100k by default), indexed once into the `bench-search` alias
and reused by later runs. Relevance is simulated (known-item queries from titles, with typos, and
descriptive queries from descriptions): no labelled set with product text exists offline.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.indexing import vespa_products
from bench.node import run
from indexer.embedding_cache import EmbeddingCache
from indexer.reindex import reindex
from indexer.sample_catalog import generate_sample_catalog
from search.fusion import reciprocal_rank_fusion
from search.params import SearchParams
from search.query import build_search_body, build_semantic_body, hit_id
from search.spelling import Vocabulary
from vindbaar.client import create_client
from vindbaar.embedder import create_embedder
from vindbaar.errors import BackendUnavailable, SearchFailed
from vindbaar.index_names import IndexNames
from vindbaar.product import Product
from vindbaar.settings import Settings
from vindbaar.synonyms import expand, load_synonyms

ALIAS = "bench-search"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def catalog(generated: int) -> list[Product]:
    """The Vespa catalog plus `generated` sample products (ids prefixed so they never collide)."""
    real, _ = vespa_products()
    extra = [p.model_copy(update={"id": f"gen-{p.id}"}) for p in generate_sample_catalog(generated, seed=3)]
    return real + extra


def ensure_index(settings: Settings, products: list[Product]) -> None:
    """Index `products` behind the bench alias unless it already holds exactly that many."""
    client = create_client(settings)
    if client.indices.exists_alias(name=ALIAS) and client.count(index=ALIAS)["count"] == len(products):
        _log(f"reusing {ALIAS} ({len(products)} products)")
        return
    _log(f"indexing {len(products)} products into {ALIAS} (embeddings cached in the bench cache) …")
    cache = EmbeddingCache(settings.cache_dir / "bench-embeddings.sqlite")
    try:
        result = reindex(client, settings, products, create_embedder(settings), cache, lambda: len(products),
                         show_progress=True, progress_total=len(products), max_shrink=1.0)  # fmt: skip
    finally:
        cache.close()
    _log(f"indexed in {result.elapsed_s:.0f}s ({result.stats.embedded} embedded, {result.stats.cache_hits} cached)")


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swap two neighbours


def relevance_queries(products: list[Product], count: int, seed: int = 11) -> list[tuple[str, str, str]]:
    """(kind, query, id of the wanted product): known-item title queries, the same with a typo, descriptive."""
    rng = random.Random(seed)
    real = [p for p in products if not p.id.startswith("gen-") and len(p.title.split()) >= 4]
    queries: list[tuple[str, str, str]] = []
    for product in rng.sample(real, count):
        words = product.title.split()
        start = rng.randrange(0, max(1, len(words) - 4))
        title_query = " ".join(words[start : start + 4])
        queries.append(("title", title_query, product.id))
        typo_words = title_query.split()
        j = max(range(len(typo_words)), key=lambda k: len(typo_words[k]))
        typo_words[j] = _typo(typo_words[j], rng)
        queries.append(("title_typo", " ".join(typo_words), product.id))
        sentences = [s.strip() for s in product.description.replace("#", " ").split(".") if len(s.split()) >= 6]
        if sentences:
            queries.append(("description", " ".join(rng.choice(sentences).split()[:12]), product.id))
    return queries


def _ndcg_at_10(ranked: list[str], wanted: str) -> float:
    return next((1 / math.log2(rank + 1) for rank, pid in enumerate(ranked[:10], start=1) if pid == wanted), 0.0)


def measure_relevance(
    settings: Settings, queries: list[tuple[str, str, str]], window: int = 100
) -> dict[str, dict[str, float]]:
    """nDCG@10 per query kind for lexical-only, vector-only and hybrid (RRF) rankings of one `_msearch`
    that fetches the top `window` of each list (the service's `fusion_window`)."""
    client = create_client(settings)
    embedder = create_embedder(settings)
    synonyms = load_synonyms(None)
    vocabulary = Vocabulary.load(client, IndexNames(ALIAS))  # typo tolerance as the service decides it
    scores: dict[str, dict[str, list[float]]] = {}
    for kind, text, wanted in queries:
        params = SearchParams(q=text, facets=[], highlight=False)
        vector = embedder.embed([text])[0]
        lexical = build_search_body(params, window, expand(text, synonyms), fuzzy=not vocabulary.knows_all(text))
        body = [{"index": ALIAS}, lexical,
                {"index": ALIAS}, build_semantic_body(params, vector, window)]  # fmt: skip
        responses = client.msearch(body=body)["responses"]
        failed = [r["error"] for r in responses if "error" in r]
        if failed:
            raise SearchFailed(f"query {text!r}: {json.dumps(failed[0])[:600]}")
        lexical, semantic = (r["hits"]["hits"] for r in responses)
        fused = reciprocal_rank_fusion({"lexical": lexical, "semantic": semantic})
        rankings = {"lexical": [hit_id(h) for h in lexical], "vector": [hit_id(h) for h in semantic],
                    "hybrid": [h.id for h in fused]}  # fmt: skip
        for name, ranked in rankings.items():
            scores.setdefault(kind, {}).setdefault(name, []).append(_ndcg_at_10(ranked, wanted))
    return {kind: {name: round(statistics.fmean(v), 3) for name, v in by.items()} for kind, by in scores.items()}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load(send: Callable[[httpx.Client, int], None], base_url: str, requests: int, clients: int) -> dict[str, float]:
    """Run `requests` calls of `send` from `clients` threads; latency percentiles in ms and throughput."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(requests))

    def worker() -> None:
        nonlocal errors
        with httpx.Client(base_url=base_url, timeout=30) as http:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                started = time.perf_counter()
                try:
                    send(http, i)
                except httpx.HTTPError:
                    with lock:
                        errors += 1
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return summary(latencies, errors, wall)


def summary(latencies: list[float], errors: int, seconds: float) -> dict[str, float]:
    """Requests, errors, p50 and p99 in ms, and requests per second over `seconds`."""
    return {"requests": len(latencies), "errors": errors, "p50_ms": round(_percentile(latencies, 0.5), 1),
            "p99_ms": round(_percentile(latencies, 0.99), 1), "per_s": round(len(latencies) / seconds, 1)}  # fmt: skip


def _check(response: httpx.Response) -> None:
    if response.status_code != 200 or ("responses" in response.text[:20] and '"error"' in response.text):
        raise httpx.HTTPError(f"{response.status_code}: {response.text[:200]}")


def start_api(
    settings: Settings, port: int, workers: int = 1, alias: str = ALIAS, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """The API in its own process (as in production), without access logs, once it answers /health."""
    # A load generator is one address sending hundreds of requests a second: no per-address rate limit.
    environment = {**os.environ, "VINDBAAR_OPENSEARCH_URL": settings.opensearch_url or "",
                   "VINDBAAR_INDEX_ALIAS": alias, "VINDBAAR_RATE_LIMIT_PER_S": "0", **(env or {})}  # fmt: skip
    code = (
        "import uvicorn; "
        f"uvicorn.run('search.http.app:create_app', factory=True, host='127.0.0.1', port={port}, workers={workers}, "
        "log_level='warning', access_log=False)"
    )
    process = subprocess.Popen([sys.executable, "-c", code], env=environment)
    # A worker loads the autocomplete index before it answers: a minute or more for a million products.
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    raise BackendUnavailable("the API did not become healthy within 900 s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.search", description=__doc__)
    parser.add_argument("--generated", type=int, default=100_000, help="generated products added to the catalog")
    parser.add_argument("--requests", type=int, default=2000, help="requests per load run")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--relevance-items", type=int, default=300, help="products drawn for relevance queries")
    parser.add_argument("--latency-items", type=int, default=3000,
                        help="products drawn for the latency queries (about 3 distinct queries each)")  # fmt: skip
    parser.add_argument("--workers", type=int, default=1, help="API worker processes (uvicorn --workers)")
    parser.add_argument("--skip-relevance", action="store_true", help="only measure latency")
    parser.add_argument("--skip-latency", action="store_true", help="only measure relevance")
    parser.add_argument("--one-client-unseen-only", action="store_true", help="latency: unseen queries, 1 client")
    window = Settings.model_fields["fusion_window"].default
    parser.add_argument("--window", type=int, default=window, help="candidates per list fused (relevance run)")
    return run(parser, argv, _benchmark)


def _benchmark(args: argparse.Namespace, base: Settings) -> dict[str, Any]:
    settings = base.model_copy(update={"index_alias": ALIAS})
    products = catalog(args.generated)
    ensure_index(settings, products)
    queries = relevance_queries(products, args.relevance_items)
    report: dict[str, Any] = {"catalog_products": len(products), "clients": args.clients, "workers": args.workers}
    if not args.skip_relevance:
        _log("relevance …")
        report["fusion_window"] = args.window
        report["ndcg_at_10_simulated"] = measure_relevance(settings, queries, args.window)
    report["relevance_queries"] = {k: sum(1 for q in queries if q[0] == k) for k in {q[0] for q in queries}}
    if args.skip_latency:
        return report
    from bench.search_latency import latency  # it builds on this module's helpers

    pool = [q for _, q, _ in relevance_queries(products, args.latency_items, seed=29)]
    typed = [q for kind, q, _ in queries if kind != "description"][:400]
    prefixes = sorted({q.split()[0][:n].lower() for q in typed for n in (2, 3, 5) if q.split()[0][:n].isalpha()})
    report["latency"] = latency(settings, pool, prefixes, args.requests, args.clients, args.workers,
                                one_client_only=args.one_client_unseen_only)  # fmt: skip
    return report


if __name__ == "__main__":
    sys.exit(main())
