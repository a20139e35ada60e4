"""The catalog fingerprint's request and how an answer becomes a `Generation`."""

from __future__ import annotations

from typing import Any

from search.generation import Generation, _index_of, build_generation_body
from vindbaar.index_names import IndexNames


def test_the_fingerprint_asks_only_for_aggregations_so_the_request_cache_can_answer() -> None:
    header, products, suggestions_header, suggestions, searched_header, searched, *learned = build_generation_body(
        IndexNames("shop")
    )
    assert learned[0]["index"] == "shop_learned" and learned[1]["size"] == 0
    assert learned[2]["index"] == "shop_ranker" and learned[3]["size"] == 0
    assert header == {"index": "shop", "ignore_unavailable": True}
    assert (suggestions_header["index"], searched_header["index"]) == ("shop_suggestions", "shop_searched")
    assert products["size"] == 0 and suggestions["size"] == 0 and searched["size"] == 0
    assert products["aggs"]["writes"] == {"sum": {"field": "_seq_no"}}


def test_the_index_behind_the_alias_comes_from_the_index_aggregation() -> None:
    answer: dict[str, Any] = {"aggregations": {"index": {"buckets": [{"key": "shop-20261129", "doc_count": 3}]}}}
    assert _index_of(answer) == "shop-20261129"
    assert _index_of({"hits": {"total": {"value": 0}}}) == ""  # no such index (ignore_unavailable)


def test_generations_compare_by_value() -> None:
    assert Generation("a", 1, 2.0, "s") == Generation("a", 1, 2.0, "s") != Generation("a", 1, 3.0, "s")
