"""The OpenSearch bodies of the analytics, built by pure functions (unit-tested with tables).

Every figure comes from the search log (``<alias>_queries``), whose documents already carry their
outcome: the events of a search were joined to it by `query_id` when they arrived. So each report is
one aggregation request over one index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

QueryList = Literal["top", "zero_results", "no_clicks"]


@dataclass(frozen=True)
class Scope:
    """Which searches a report covers: a time range, and optionally one experiment (and variant)."""

    start: datetime | None = None
    end: datetime | None = None
    experiment: str | None = None
    variant: str | None = None
    kind: Literal["search", "autocomplete"] = "search"

    def query(self) -> dict[str, Any]:
        """The filter selecting these searches."""
        clauses: list[dict[str, Any]] = [{"term": {"kind": self.kind}}]
        if self.start is not None or self.end is not None:
            bounds = {"gte": self.start.isoformat() if self.start else None,
                      "lt": self.end.isoformat() if self.end else None}  # fmt: skip
            clauses.append({"range": {"timestamp": {k: v for k, v in bounds.items() if v is not None}}})
        if self.experiment is not None:
            clauses.append({"term": {"experiment": self.experiment}})
        if self.variant is not None:
            clauses.append({"term": {"variant": self.variant}})
        return {"bool": {"filter": clauses}}


CLICKED = {"range": {"clicks": {"gte": 1}}}
CARTED = {"range": {"carts": {"gte": 1}}}
PURCHASED = {"range": {"purchases": {"gte": 1}}}
#: Nothing matched the words: the shopper saw only semantic neighbours, or nothing. For a merchandiser
#: that is a query the catalog does not answer (a synonym or a product to add).
ZERO_RESULTS = {"bool": {"should": [{"term": {"word_matches": 0}}, {"term": {"result_count": 0}}],
                         "minimum_should_match": 1}}  # fmt: skip


def outcome_aggs() -> dict[str, Any]:
    """What is measured of a set of searches: how many clicked, carted, bought; clicks, their average
    position, and revenue (with the sum of squares a confidence interval needs)."""
    return {
        "clicked": {"filter": CLICKED},
        "carted": {"filter": CARTED},
        "purchased": {"filter": PURCHASED},
        "zero_results": {"filter": ZERO_RESULTS},
        "clicks": {"sum": {"field": "clicks"}},
        "click_position": {"avg": {"field": "click_positions"}},
        # Searches without a purchase have no revenue field: they add nothing to the sums, and leaving them
        # out (no `missing: 0`) spares reading every document; the search count comes from the bucket.
        "revenue": {"extended_stats": {"field": "revenue"}},
    }


def overview_body(scope: Scope) -> dict[str, Any]:
    """Totals of the scope, overall and per experiment variant."""
    return {
        "size": 0, "track_total_hits": True, "query": scope.query(),
        "aggs": {**outcome_aggs(),
                 "variants": {"terms": {"field": "variant", "size": 20}, "aggs": outcome_aggs()}},
    }  # fmt: skip


def queries_body(scope: Scope, which: QueryList, size: int = 20, products: int = 5) -> dict[str, Any]:
    """The most frequent queries of a list: all, those that found nothing, or those that found something
    nobody clicked; each with its outcome and its most clicked products."""
    query = scope.query()
    if which == "zero_results":
        query["bool"]["filter"].append(ZERO_RESULTS)
    elif which == "no_clicks":
        query["bool"]["must_not"] = [CLICKED, ZERO_RESULTS]
    return {
        "size": 0, "query": query,
        # breadth_first: the outcome of only the `size` most frequent queries is computed, not of all of them.
        "aggs": {"queries": {"terms": {"field": "normalized_query", "size": size, "collect_mode": "breadth_first"},
                             "aggs": {**outcome_aggs(),
                                      "top_clicked": {"terms": {"field": "clicked_ids", "size": products}}}}},
    }  # fmt: skip


def timeline_body(scope: Scope, interval: str = "1d") -> dict[str, Any]:
    """Searches and clicked searches per interval (CTR over time)."""
    return {
        "size": 0, "query": scope.query(),
        "aggs": {"over_time": {"date_histogram": {"field": "timestamp", "fixed_interval": interval,
                                                  "min_doc_count": 1},
                               "aggs": {"clicked": {"filter": CLICKED}}}},
    }  # fmt: skip


#: Painless without user input: which ranking of an interleaved search got more of its clicks.
_PREFERS = "doc['credit_{0}'].size() > 0 && doc['credit_{0}'].value > doc['credit_{1}'].value"


def interleaving_body(scope: Scope) -> dict[str, Any]:
    """How many interleaved searches credited ranking a, ranking b, and how many had clicks at all."""
    return {
        "size": 0,
        "query": scope.query(),
        "aggs": {
            "a": {"filter": {"script": {"script": {"source": _PREFERS.format("a", "b"), "lang": "painless"}}}},
            "b": {"filter": {"script": {"script": {"source": _PREFERS.format("b", "a"), "lang": "painless"}}}},
            "clicked": {"filter": CLICKED},
        },
    }
