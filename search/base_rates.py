"""How the live catalog's products spread over price bands and categories: the base rates a shopper's
leanings are measured against.

Most products of a shop sit in a few bands and top categories, so a shopper who clicks at random
collects most of their weight there too. Without the base rate that looks like a preference, and moving
those products up reorders every search for nothing (it was most of what random clicks cost in relevance).
"""

from __future__ import annotations

import itertools
from typing import Any

from opensearchpy import NotFoundError, OpenSearch

from vindbaar import schema
from vindbaar.index_names import IndexNames

#: Categories (any level) counted; rarer ones get no base rate and count as before (a click is rare luck).
MAX_CATEGORIES = 5000


def build_base_rate_body() -> dict[str, Any]:
    """Products per price band (keys as `schema.price_band` names them) and per category; aggregations only."""
    edges = [0.0, *schema.PRICE_BANDS]
    ranges: list[dict[str, Any]] = [
        {"key": schema.price_band(low), "from": low, "to": high} for low, high in itertools.pairwise(edges)
    ]
    ranges.append({"key": schema.price_band(edges[-1]), "from": edges[-1]})
    return {"size": 0, "track_total_hits": True, "aggs": {
        "price_band": {"range": {"field": schema.PRICE, "ranges": ranges}},
        "category": {"terms": {"field": schema.CATEGORY_ANCESTORS, "size": MAX_CATEGORIES}},
    }}  # fmt: skip


def base_rates(answer: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Per kind, each key's share: of the priced products for bands, of all products for categories."""
    aggregations = answer.get("aggregations", {})
    bands = aggregations.get("price_band", {}).get("buckets", [])
    priced = sum(int(b["doc_count"]) for b in bands)
    products = int(answer.get("hits", {}).get("total", {}).get("value", 0))
    categories = aggregations.get("category", {}).get("buckets", [])
    return {
        "price_band": {str(b["key"]): int(b["doc_count"]) / priced for b in bands} if priced else {},
        "category": {str(b["key"]): int(b["doc_count"]) / products for b in categories} if products else {},
    }


def load_base_rates(client: OpenSearch, names: IndexNames, timeout_s: float) -> dict[str, dict[str, float]]:
    """The live catalog's base rates (empty before a catalog exists)."""
    try:
        return base_rates(client.search(index=names.products, body=build_base_rate_body(), request_timeout=timeout_s))
    except NotFoundError:
        return {}
