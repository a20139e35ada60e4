"""Suggestions from real searches: the queries shoppers type that find something and get clicked.

Typo variants are merged into their most searched spelling ("hedphones" counts for "headphones"),
queries searched fewer than a minimum number of times are dropped, and so is any query with a blocked
term. Each suggestion keeps the products its searches clicked most, so that autocomplete can drop it
while merchandising hides all of them.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from vindbaar.text import blocked, normalized

#: Most distinct queries considered per run: the long tail beyond them is below any useful minimum count,
#: and 8,000 queries x (1 + 5 products) buckets stay under OpenSearch's default `search.max_buckets`.
MAX_QUERIES = 8_000
PRODUCTS_KEPT = 5


@dataclass
class MinedQuery:
    """A query shoppers searched with results and clicks, how often, and what they clicked."""

    text: str
    searches: int
    products: dict[str, int] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        """Its document in the suggestions index (kind ``searched``)."""
        top = sorted(self.products, key=lambda p: (-self.products[p], p))[:PRODUCTS_KEPT]
        return {"text": self.text, "kind": "searched", "count": self.searches, "weight": math.log1p(self.searches),
                "product_ids": top}  # fmt: skip


def mining_body(since: datetime | None, max_queries: int = MAX_QUERIES) -> dict[str, Any]:
    """Searches (not autocompletes) that found something and were clicked, counted per normalized query."""
    clauses: list[dict[str, Any]] = [{"term": {"kind": "search"}}, {"range": {"result_count": {"gt": 0}}},
                                     {"range": {"clicks": {"gte": 1}}}]  # fmt: skip
    if since is not None:
        clauses.append({"range": {"timestamp": {"gte": since.isoformat()}}})
    return {
        "size": 0, "query": {"bool": {"filter": clauses}},
        "aggs": {"queries": {"terms": {"field": "normalized_query", "size": max_queries},
                             "aggs": {"clicked": {"terms": {"field": "clicked_ids", "size": PRODUCTS_KEPT}}}}},
    }  # fmt: skip


def mined_queries(answer: dict[str, Any]) -> list[MinedQuery]:
    """The queries of a `mining_body` answer."""
    return [
        MinedQuery(b["key"], int(b["doc_count"]), {p["key"]: int(p["doc_count"]) for p in b["clicked"]["buckets"]})
        for b in answer.get("aggregations", {}).get("queries", {}).get("buckets", [])
    ]


def typo_distance(text: str) -> int:
    """Edits a typo of `text` may differ by: none below 4 characters, one from 4, two from 8."""
    return 0 if len(text) < 4 else 1 if len(text) < 8 else 2


def merge_typos(queries: Sequence[MinedQuery]) -> list[MinedQuery]:
    """Fold each query into a more searched one within its typo distance; most searched first."""
    kept: list[MinedQuery] = []
    texts: list[str] = []
    for query in sorted(queries, key=lambda q: (-q.searches, q.text)):
        limit = typo_distance(query.text)
        match = (
            process.extractOne(query.text, texts, scorer=Levenshtein.distance, score_cutoff=limit) if limit else None
        )
        if match is None:
            kept.append(MinedQuery(query.text, query.searches, dict(query.products)))
            texts.append(query.text)
            continue
        into = kept[match[2]]
        into.searches += query.searches
        for product, count in query.products.items():
            into.products[product] = into.products.get(product, 0) + count
    return sorted(kept, key=lambda q: (-q.searches, q.text))


def suggestions_from_searches(
    queries: Sequence[MinedQuery], min_searches: int, blocked_terms: Collection[str]
) -> list[MinedQuery]:
    """The suggestions to offer: typo variants merged, rare and blocked queries dropped."""
    merged = merge_typos([MinedQuery(normalized(q.text), q.searches, q.products) for q in queries if q.text])
    return [q for q in merged if q.searches >= min_searches and not blocked(q.text, blocked_terms)]
