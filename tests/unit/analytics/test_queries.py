"""The analytics bodies: which searches each report selects (one table per body)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from analytics.queries import CLICKED, ZERO_RESULTS, Scope, interleaving_body, overview_body, queries_body

T0, T1 = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 29, tzinfo=UTC)


@pytest.mark.parametrize(
    ("scope", "filters"),
    [
        (Scope(), [{"term": {"kind": "search"}}]),
        (Scope(kind="autocomplete"), [{"term": {"kind": "autocomplete"}}]),
        (Scope(start=T0), [{"term": {"kind": "search"}}, {"range": {"timestamp": {"gte": T0.isoformat()}}}]),
        (Scope(start=T0, end=T1), [{"term": {"kind": "search"}},
                                   {"range": {"timestamp": {"gte": T0.isoformat(), "lt": T1.isoformat()}}}]),
        (Scope(experiment="e1", variant="b"), [{"term": {"kind": "search"}}, {"term": {"experiment": "e1"}},
                                               {"term": {"variant": "b"}}]),
    ],
)  # fmt: skip
def test_a_scope_selects_searches_by_kind_time_and_experiment(scope: Scope, filters: list[dict[str, Any]]) -> None:
    assert scope.query() == {"bool": {"filter": filters}}


@pytest.mark.parametrize(
    ("which", "extra_filters", "must_not"),
    [("top", [], None), ("zero_results", [ZERO_RESULTS], None), ("no_clicks", [], [CLICKED, ZERO_RESULTS])],
)
def test_query_lists_add_their_condition(which: Any, extra_filters: list[Any], must_not: list[Any] | None) -> None:
    query = queries_body(Scope(), which, size=7)["query"]["bool"]
    assert query["filter"] == [{"term": {"kind": "search"}}, *extra_filters]
    assert query.get("must_not") == must_not


def test_query_lists_group_by_normalized_query_with_top_clicked_products() -> None:
    aggs = queries_body(Scope(), "top", size=7, products=3)["aggs"]["queries"]
    assert aggs["terms"] == {"field": "normalized_query", "size": 7, "collect_mode": "breadth_first"}
    assert aggs["aggs"]["top_clicked"] == {"terms": {"field": "clicked_ids", "size": 3}}
    assert aggs["aggs"]["revenue"] == {"extended_stats": {"field": "revenue"}}


def test_the_overview_counts_exactly_and_splits_by_variant() -> None:
    body = overview_body(Scope())
    assert body["size"] == 0 and body["track_total_hits"] is True
    assert body["aggs"]["variants"]["terms"]["field"] == "variant"


def test_interleaving_compares_the_two_teams_credits_without_user_input() -> None:
    aggs = interleaving_body(Scope(experiment="e"))["aggs"]
    assert "doc['credit_a'].value > doc['credit_b'].value" in aggs["a"]["filter"]["script"]["script"]["source"]
    assert "doc['credit_b'].value > doc['credit_a'].value" in aggs["b"]["filter"]["script"]["script"]["source"]
