"""Disjunctive facets: the aggregations that count them, and the facets read back from the answer.

Each facet is counted under every filter but its own, so selecting a brand still shows the other
brands' counts. Selected attributes get their own aggregation (``attributes:<name>``) for the same reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from search.params import FACET_FIELDS, FacetName, SearchParams
from search.results import Facet, FacetValue
from vindbaar import schema
from vindbaar.filters import ProductFilter


def _facet_values_agg(facet: FacetName, size: int) -> dict[str, Any]:
    if facet == "price":
        ranges = []
        for low, high in itertools.pairwise((None, *schema.PRICE_BANDS, None)):
            bucket: dict[str, Any] = {}
            if low is not None:
                bucket["from"] = low
            if high is not None:
                bucket["to"] = high
            ranges.append(bucket)
        return {"range": {"field": schema.PRICE, "ranges": ranges}}
    return {"terms": {"field": FACET_FIELDS[facet], "size": size}}


def build_facet_aggs(facets: Sequence[FacetName], filters: ProductFilter, size: int = 50) -> dict[str, Any]:
    """Disjunctive facet aggregations: each facet is counted under all of `filters` but its own group.

    Example for ``build_facet_aggs(["brand"], ProductFilter(brand=["Sony"], in_stock=True))``::

        {"brand": {"filter": {"bool": {"filter": [{"term": {"in_stock": True}}]}},
                   "aggs": {"values": {"terms": {"field": "brand.keyword", "size": 50}}}}}
    """
    aggs: dict[str, Any] = {}
    for facet in facets:
        own = None if facet == "attributes" else facet
        aggs[facet] = {
            "filter": {"bool": {"filter": filters.clauses(except_group=own)}},
            "aggs": {"values": _facet_values_agg(facet, 100 if facet == "attributes" else size)},
        }
        if facet == "attributes":
            for group in (g for g in filters.clause_groups() if g.startswith("attributes:")):
                name = group.split(":", 1)[1]
                aggs[group] = {
                    "filter": {"bool": {"filter": filters.clauses(except_group=group)}},
                    "aggs": {"values": {"terms": {"field": schema.ATTRIBUTE_PAIRS, "size": size,
                                                  "include": f"{_regex_escape(name)}=.*"}}},
                }  # fmt: skip
    return aggs


def _regex_escape(text: str) -> str:
    """Escape Lucene regular-expression syntax in an attribute name."""
    return "".join(f"\\{ch}" if ch in '.?+*|{}[]()"\\#@&<>~' else ch for ch in text)


def parse_facets(aggregations: Mapping[str, Any], params: SearchParams) -> list[Facet]:
    """Turn the disjunctive facet aggregations into facets, marking the values the shopper selected."""
    filters = params.filters
    selected: dict[str, set[str]] = {
        "brand": set(filters.brand),
        "category": {schema.category_path(c) for c in filters.category},
        "in_stock": set() if filters.in_stock is None else {str(filters.in_stock).lower()},
        "attributes": {schema.attribute_pair(n, v) for n, vs in filters.attributes.items() for v in vs},
    }
    facets: list[Facet] = []
    for name in params.facets:
        if name not in aggregations:
            continue
        buckets = list(aggregations[name]["values"]["buckets"])
        if name == "attributes":
            # A selected attribute is counted under all filters but its own (its own aggregation).
            own = {key.split(":", 1)[1] for key in aggregations if key.startswith("attributes:")}
            buckets = [b for b in buckets if schema.attribute_name(str(b["key"])) not in own]
            for key in sorted(k for k in aggregations if k.startswith("attributes:")):
                buckets += aggregations[key]["values"]["buckets"]
        facets.append(Facet(name=name, values=[_facet_value(name, b, selected.get(name, set())) for b in buckets]))
    return facets


def _facet_value(name: str, bucket: Mapping[str, Any], selected: set[str]) -> FacetValue:
    if name == "price":
        return FacetValue(value=str(bucket["key"]), count=int(bucket["doc_count"]),
                          price_from=bucket.get("from"), price_to=bucket.get("to"))  # fmt: skip
    key = bucket.get("key_as_string", bucket["key"]) if name == "in_stock" else bucket["key"]
    value = str(key).lower() if name == "in_stock" else str(key)
    return FacetValue(value=value, count=int(bucket["doc_count"]), selected=value in selected)
