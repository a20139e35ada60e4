"""Analytics of the search log: what shoppers search for, what they do not find, what they click and buy.

`Analytics` runs the bodies of `queries.py` and shapes the answers; the HTTP layer and the CLI report
the same figures.
"""

from __future__ import annotations

from typing import Any

from opensearchpy import NotFoundError, OpenSearch
from pydantic import BaseModel, Field

from analytics.queries import QueryList, Scope, overview_body, queries_body, timeline_body
from analytics.stats import wilson_interval
from vindbaar.index_names import IndexNames


class Outcome(BaseModel):
    """What came of a set of searches. Rates are per search; CTR is the share of searches with a click."""

    searches: int
    zero_results: int = Field(description="Searches where no product matched the words.")
    clicked_searches: int
    click_through_rate: float
    ctr_low: float = Field(description="95 % Wilson interval of the click-through rate.")
    ctr_high: float
    carted_searches: int
    purchased_searches: int
    clicks: int
    average_click_position: float | None = Field(description="As the events sent it (UBI ordinal).")
    add_to_cart_rate: float
    conversion_rate: float = Field(description="Share of searches followed by a purchase naming them.")
    revenue: float
    revenue_per_search: float


class ProductClicks(BaseModel):
    """A product clicked for a query, and by how many of its searches."""

    id: str
    searches: int


class QueryFigures(Outcome):
    """One normalized query and what came of its searches."""

    query: str
    top_clicked: list[ProductClicks]


class Overview(BaseModel):
    """The totals of a scope, and per experiment variant (searches outside experiments are under none)."""

    total: Outcome
    variants: dict[str, Outcome]


class TimelinePoint(BaseModel):
    """Searches and click-through rate in one interval."""

    start: str
    searches: int
    click_through_rate: float


def outcome(aggs: dict[str, Any], searches: int) -> Outcome:
    """An `Outcome` from the aggregations of `queries.outcome_aggs`."""
    clicked = int(aggs["clicked"]["doc_count"])
    low, high = wilson_interval(clicked, searches)
    revenue = float(aggs["revenue"]["sum"] or 0.0)
    position = aggs["click_position"]["value"]

    def rate(count: int) -> float:
        return round(count / searches, 6) if searches else 0.0

    return Outcome(
        searches=searches, zero_results=int(aggs["zero_results"]["doc_count"]), clicked_searches=clicked,
        click_through_rate=rate(clicked), ctr_low=round(low, 6), ctr_high=round(high, 6),
        carted_searches=int(aggs["carted"]["doc_count"]), purchased_searches=int(aggs["purchased"]["doc_count"]),
        clicks=int(aggs["clicks"]["value"] or 0),
        average_click_position=round(float(position), 3) if position is not None else None,
        add_to_cart_rate=rate(int(aggs["carted"]["doc_count"])),
        conversion_rate=rate(int(aggs["purchased"]["doc_count"])),
        revenue=round(revenue, 2), revenue_per_search=round(revenue / searches, 4) if searches else 0.0,
    )  # fmt: skip


class Analytics:
    """Reports over one shop's search log."""

    def __init__(self, client: OpenSearch, names: IndexNames, timeout_s: float = 10.0) -> None:
        self._client = client
        self.index = names.queries
        self._timeout = timeout_s

    def run(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """One aggregation request (None: nothing was logged yet)."""
        try:
            answer: dict[str, Any] = self._client.search(index=self.index, body=body, request_timeout=self._timeout)
        except NotFoundError:
            return None
        return answer

    def overview(self, scope: Scope) -> Overview:
        """Totals of `scope`, and per variant."""
        answer = self.run(overview_body(scope))
        if answer is None:
            return Overview(total=outcome(NO_SEARCHES, 0), variants={})
        aggs = answer["aggregations"]
        variants = {b["key"]: outcome(b, int(b["doc_count"])) for b in aggs["variants"]["buckets"]}
        return Overview(total=outcome(aggs, int(answer["hits"]["total"]["value"])), variants=variants)

    def queries(self, scope: Scope, which: QueryList, size: int = 20) -> list[QueryFigures]:
        """The most frequent queries of a list (all, zero results, no clicks), with their figures."""
        answer = self.run(queries_body(scope, which, size))
        if answer is None:
            return []
        return [
            QueryFigures(
                query=b["key"],
                **outcome(b, int(b["doc_count"])).model_dump(),
                top_clicked=[ProductClicks(id=p["key"], searches=p["doc_count"]) for p in b["top_clicked"]["buckets"]],
            )
            for b in answer["aggregations"]["queries"]["buckets"]
        ]

    def timeline(self, scope: Scope, interval: str = "1d") -> list[TimelinePoint]:
        """Searches and CTR per interval."""
        answer = self.run(timeline_body(scope, interval))
        if answer is None:
            return []
        return [
            TimelinePoint(
                start=b["key_as_string"],
                searches=b["doc_count"],
                click_through_rate=round(b["clicked"]["doc_count"] / b["doc_count"], 6),
            )
            for b in answer["aggregations"]["over_time"]["buckets"]
        ]


#: The aggregations of no searches at all (nothing logged yet, or a variant nobody saw).
NO_SEARCHES: dict[str, Any] = {
    "clicked": {"doc_count": 0}, "carted": {"doc_count": 0}, "purchased": {"doc_count": 0},
    "zero_results": {"doc_count": 0}, "clicks": {"value": 0}, "click_position": {"value": None},
    "revenue": {"sum": 0.0},
}  # fmt: skip
