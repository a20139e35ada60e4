"""What each part of the hybrid search request costs OpenSearch: the same unseen queries sent with one part
left out at a time, one client, on the `bench-search` index built by `bench.search` (run that first).

Run with `python -m bench.request_costs`. It answers "where does the time go" before a part is cut; any cut
must then be weighed against relevance (`bench.search`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.node import run
from bench.search import ALIAS, catalog, relevance_queries
from search.params import SearchParams
from search.query import build_search_body, build_semantic_body
from vindbaar.embedder import create_embedder
from vindbaar.settings import Settings
from vindbaar.synonyms import expand, load_synonyms

Body = list[dict[str, Any]]


def _lexical(text: str, synonyms: Any, facets: bool = True, fuzzy: bool = True, prefix: bool = True) -> Body:
    params = SearchParams(q=text) if facets else SearchParams(q=text, facets=[])
    body = build_search_body(params, 100, expand(text, synonyms), fuzzy=fuzzy)
    if not prefix:
        should = body["query"]["bool"]["should"]
        body["query"]["bool"]["should"] = [c for c in should if c["multi_match"].get("type") != "bool_prefix"]
    return [{"index": ALIAS}, body]


def variants(synonyms: Any) -> dict[str, Callable[[str, list[float]], Body]]:
    """Request variants by name: the full hybrid request, then with one part left out or changed."""
    return {
        "full hybrid (lexical + facets + kNN 100)": lambda t, v: (
            [*_lexical(t, synonyms), {"index": ALIAS}, build_semantic_body(SearchParams(q=t), v, 100)]
        ),
        "lexical with facets": lambda t, v: _lexical(t, synonyms),
        "lexical, no facets": lambda t, v: _lexical(t, synonyms, facets=False),
        "lexical, no facets, no fuzzy clause": lambda t, v: _lexical(t, synonyms, facets=False, fuzzy=False),
        "lexical, no facets, no prefix clause": lambda t, v: _lexical(t, synonyms, facets=False, prefix=False),
        "kNN k=100": lambda t, v: [{"index": ALIAS}, build_semantic_body(SearchParams(q=t), v, 100)],
        "kNN k=50": lambda t, v: [{"index": ALIAS}, build_semantic_body(SearchParams(q=t), v, 50)],
        "kNN k=20": lambda t, v: [{"index": ALIAS}, build_semantic_body(SearchParams(q=t), v, 20)],
    }


def _benchmark(args: argparse.Namespace, base: Settings) -> dict[str, Any]:
    settings = base.model_copy(update={"index_alias": ALIAS})
    texts = [q for _, q, _ in relevance_queries(catalog(0), args.items, seed=77)]
    embedder = create_embedder(settings)
    embedder.warm_up()
    started = time.perf_counter()
    vectors = [embedder.embed([text])[0] for text in texts]
    report: dict[str, Any] = {
        "queries": len(texts),
        "query_embedding_ms_mean": round((time.perf_counter() - started) * 1000 / len(texts), 2),
    }
    synonyms = load_synonyms(None)
    with httpx.Client(base_url=settings.opensearch_url or "", timeout=30) as http:
        if http.get(f"/{ALIAS}/_count").status_code != 200:
            raise SystemExit(f"no {ALIAS!r} index: run `python -m bench.search` first")
        for name, build in variants(synonyms).items():
            print(f"{name} …", file=sys.stderr)
            times = []
            for text, vector in zip(texts, vectors, strict=True):
                lines = "".join(json.dumps(line) + "\n" for line in build(text, vector))
                sent = time.perf_counter()
                answer = http.post("/_msearch", content=lines, headers={"content-type": "application/x-ndjson"})
                times.append((time.perf_counter() - sent) * 1000)
                if answer.status_code != 200 or '"error"' in answer.text[:2000]:
                    raise SystemExit(f"{name}: {answer.text[:300]}")
            report[name] = {"p50_ms": round(statistics.median(times), 1), "mean_ms": round(statistics.fmean(times), 1)}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.request_costs", description=__doc__)
    parser.add_argument("--items", type=int, default=120, help="products drawn for queries (about 3 each)")
    return run(parser, argv, _benchmark)


if __name__ == "__main__":
    sys.exit(main())
