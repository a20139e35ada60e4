"""The catalog's spread over price bands and categories: the request and how an answer becomes shares."""

from __future__ import annotations

from search.base_rates import base_rates, build_base_rate_body
from vindbaar.schema import price_band


def test_the_price_ranges_are_the_bands_profiles_learn_named_the_same_way() -> None:
    ranges = build_base_rate_body()["aggs"]["price_band"]["range"]["ranges"]
    assert ranges[0] == {"key": "0-25", "from": 0.0, "to": 25}
    assert ranges[-1] == {"key": "1000-", "from": 1000}
    for r in ranges:
        assert price_band(r["from"]) == r["key"]
        if "to" in r:
            assert price_band(r["to"] - 0.01) == r["key"] != price_band(r["to"])


def test_band_shares_are_of_priced_products_and_category_shares_of_all() -> None:
    answer = {"hits": {"total": {"value": 8}}, "aggregations": {
        "price_band": {"buckets": [{"key": "0-25", "doc_count": 3}, {"key": "25-50", "doc_count": 1},
                                   {"key": "1000-", "doc_count": 0}]},
        "category": {"buckets": [{"key": "Toys", "doc_count": 6},
                                 {"key": "Toys > Lego", "doc_count": 2}]}}}  # fmt: skip
    assert base_rates(answer) == {"price_band": {"0-25": 0.75, "25-50": 0.25, "1000-": 0.0},
                                  "category": {"Toys": 0.75, "Toys > Lego": 0.25}}  # fmt: skip
    assert base_rates({"hits": {"total": {"value": 0}}}) == {"price_band": {}, "category": {}}
