"""The filter model on a real node: what a filter's clause selects in OpenSearch is exactly what the same
filter matches in Python, on stored fields and on doc values (the reranker and boost rules read those)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from opensearchpy import OpenSearch

from indexer.documents import content_hash, embedding_text, to_document
from indexer.indices import create_index
from vindbaar import schema
from vindbaar.filters import ProductFilter
from vindbaar.product import Product

CATALOG = [
    Product(id="sony", title="Sony WH-1000XM5", brand="Sony", categories="Electronics > Audio > Headphones",
            price=349.0, stock=3, attributes={"Color": "Black", "connection": ["bluetooth", "cable"]}),
    Product(id="bose", title="Bose QC45", brand="Bose", categories="Electronics > Audio > Headphones", price=249.0,
            stock=0, attributes={"color": "white"}),
    Product(id="jbl", title="JBL Flip 6", brand="JBL", categories="Electronics > Audio > Speakers", price=99.95,
            attributes={"color": "black"}),
    Product(id="lamp", title="IKEA Tertial", brand="IKEA", categories="Home > Lighting", price=25.0),
    Product(id="book", title="A book without a price or brand", categories="Books"),
]  # fmt: skip

FILTERS: list[dict[str, Any]] = [
    {},
    {"ids": ["sony", "lamp", "nope"]},
    {"brand": ["Sony", "JBL"]},
    {"brand": ["sony"]},
    {"category": ["Electronics>Audio"]},
    {"category": ["Electronics > Audio > Speakers", "Home"]},
    {"price_min": 99.95, "price_max": 250},
    {"price_max": 25},
    {"price_min": 0},
    {"in_stock": False},
    {"in_stock": True, "category": ["Electronics"]},
    {"attributes": {"color": ["BLACK"]}},
    {"attributes": {"Color": ["white"], "color": ["black"]}},
    {"attributes": {"color": ["black"], "connection": ["cable"]}},
    {"brand": ["Bose"], "attributes": {"color": ["black"]}},
]


@pytest.fixture(scope="module")
def catalog_index(client: OpenSearch) -> Iterator[str]:
    name = f"test-filters-{uuid.uuid4().hex[:12]}"
    create_index(client, name, embedding_dimension=2)
    for product in CATALOG:
        client.index(index=name, id=product.id, body=to_document(product, None, content_hash(embedding_text(product))))
    client.indices.refresh(index=name)
    yield name
    client.indices.delete(index=name)


@pytest.mark.parametrize("given", FILTERS, ids=[str(f) for f in FILTERS])
def test_opensearch_and_python_select_the_same_products(
    client: OpenSearch, catalog_index: str, given: dict[str, Any]
) -> None:
    product_filter = ProductFilter.model_validate(given)
    answer = client.search(index=catalog_index, body={
        "size": 100, "query": product_filter.clause(), "docvalue_fields": list(schema.FEATURE_FIELDS),
    })["hits"]["hits"]  # fmt: skip
    selected = {hit["_id"] for hit in answer}
    everything = client.search(index=catalog_index, body={
        "size": 100, "query": {"match_all": {}}, "docvalue_fields": list(schema.FEATURE_FIELDS),
    })["hits"]["hits"]  # fmt: skip
    assert {hit["_id"] for hit in everything if product_filter.matches(hit["_id"], hit["_source"])} == selected
    assert {hit["_id"] for hit in everything if product_filter.matches(hit["_id"], hit.get("fields", {}))} == selected


def test_the_table_is_not_trivial(client: OpenSearch, catalog_index: str) -> None:
    """Every filter of the table selects some products but not all, except the empty one and a miss."""
    counts = [client.count(index=catalog_index, body={"query": ProductFilter.model_validate(f).clause()})["count"]
              for f in FILTERS]  # fmt: skip
    assert counts[0] == len(CATALOG)
    assert sum(1 for c in counts[1:] if 0 < c < len(CATALOG)) >= len(FILTERS) - 3
