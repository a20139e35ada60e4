"""The product mapping on a real node: typo tolerance, as-you-type prefixes and semantic kNN."""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy import OpenSearch

from indexer.indices import create_index
from indexer.loader import load_products
from search.query import build_knn_query, build_lexical_query
from vindbaar.embedder import Embedder
from vindbaar.product import Product
from vindbaar.synonyms import expand, load_synonyms

CATALOG = [
    Product(id="iphone", title="Apple iPhone 16 Pro 256 GB", brand="Apple",
            categories="Electronics > Phones > Smartphones", price=1229.0, attributes={"color": "black"}),
    Product(id="headphones", title="Sony WH-1000XM5 Wireless Noise Cancelling Headphones", brand="Sony",
            categories="Electronics > Audio > Headphones", price=349.0),
    Product(id="espresso", title="De'Longhi Magnifica S Espresso Machine", brand="De'Longhi",
            categories="Home > Kitchen > Coffee Machines", price=399.0),
    Product(id="lego", title="LEGO Technic Race Car Building Set", brand="LEGO",
            categories="Toys > Building > Building Blocks", price=49.99),
    Product(id="bike", title="Gazelle Esprit Stadsfiets 53 cm", brand="Gazelle",
            categories="Sports > Cycling > Bikes", price=699.0, locale="nl"),
    Product(id="koptelefoon", title="Philips TAH8506 Draadloze Koptelefoon", brand="Philips",
            categories="Electronics > Audio > Headphones", price=129.0, locale="nl"),
]  # fmt: skip


@pytest.fixture
def products_index(client: OpenSearch, index_name: str, embedder: Embedder) -> str:
    create_index(client, index_name, embedder.dimension)
    stats = load_products(client, index_name, CATALOG, embedder)
    assert stats.indexed == len(CATALOG)
    client.indices.refresh(index=index_name)
    return index_name


def _ids(client: OpenSearch, index: str, body: dict[str, Any]) -> list[str]:
    return [hit["_id"] for hit in client.search(index=index, body=body)["hits"]["hits"]]


def test_typo_iphnoe_finds_the_iphone(client: OpenSearch, products_index: str) -> None:
    assert _ids(client, products_index, build_lexical_query("iphnoe"))[:1] == ["iphone"]


def test_prefix_head_finds_headphones(client: OpenSearch, products_index: str) -> None:
    assert _ids(client, products_index, build_lexical_query("head"))[:1] == ["headphones"]


def test_dutch_compound_koptelefoon_is_found_by_its_part_telefoon(client: OpenSearch, products_index: str) -> None:
    body = {"query": {"match": {"title.nl": "telefoon"}}}
    assert _ids(client, products_index, body) == ["koptelefoon"]


def test_synonym_headphones_finds_dutch_koptelefoon(client: OpenSearch, products_index: str) -> None:
    body = build_lexical_query("koptelefoon", alternatives=expand("koptelefoon", load_synonyms(None)))
    assert set(_ids(client, products_index, body)) == {"koptelefoon", "headphones"}


def test_unrelated_query_matches_nothing_lexically(client: OpenSearch, products_index: str) -> None:
    assert _ids(client, products_index, build_lexical_query("trampoline")) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("something to brew a hot drink in the morning", "espresso"),
        ("noise cancelling earphones for a long flight", "headphones"),
        ("a bicycle to ride to work", "bike"),
    ],
)
def test_knn_returns_the_semantically_nearest_product(
    client: OpenSearch, products_index: str, embedder: Embedder, query: str, expected: str
) -> None:
    vector = embedder.embed([query])[0]
    assert _ids(client, products_index, build_knn_query(vector, k=3))[0] == expected


def test_documents_store_category_ancestors_for_prefix_filters(client: OpenSearch, products_index: str) -> None:
    body = {"query": {"term": {"category_ancestors": "Electronics > Audio"}}}
    assert sorted(_ids(client, products_index, body)) == ["headphones", "koptelefoon"]
