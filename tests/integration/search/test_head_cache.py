"""The worker's memory of the catalog on the real node: the head-query cache answers repeated searches
without OpenSearch, stays personal, and forgets on a product write (by this worker or any other), a config
publish and an alias swap; autocomplete's in-memory index follows the catalog too."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch

from indexer.embedding_cache import EmbeddingCache
from indexer.reindex import reindex
from indexer.sample_catalog import generate_sample_catalog
from indexer.updates import ProductPatch, patch_products
from search.engine import SearchEngine
from search.http.app import create_app
from tests.integration.conftest import CATALOG_SIZE
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings

ADMIN = {"X-API-Key": "admin-secret", "X-Author": "merchandiser@shop"}


@pytest.fixture(scope="module")
def api(catalog_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    # Other workers' writes are noticed within `catalog_check_s`.
    settings = catalog_settings.model_copy(update={"catalog_check_s": 0.2})
    with TestClient(create_app(settings, embedder=embedder)) as test_client:
        yield test_client


def _engine(api: TestClient) -> SearchEngine:
    engine: SearchEngine = api.app.state.engine  # type: ignore[attr-defined]
    return engine


def _top(api: TestClient, q: str, **params: Any) -> dict[str, Any]:
    response = api.get("/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    item: dict[str, Any] = response.json()["items"][0]
    return item


def _price(api: TestClient, q: str, product_id: str) -> float | None:
    """The price a search for `q` shows for the product (a rewritten document may move among equals)."""
    items = api.get("/search", params={"q": q, "size": 100}).json()["items"]
    return next(i["price"] for i in items if i["id"] == product_id)


def _eventually(check: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time a worker takes to notice"
        time.sleep(0.05)


def test_a_repeated_search_is_answered_without_opensearch(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _engine(api)
    first = api.get("/search", params={"q": "espresso machine", "brand": "Krups"}).json()
    calls: list[str] = []

    def counted(name: str) -> Callable[..., Any]:
        send = getattr(engine.client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if not threading.current_thread().name.endswith("-reload"):  # not a background check
                calls.append(name)
            return send(*args, **kwargs)

        return call

    monkeypatch.setattr(engine.client, "msearch", counted("msearch"))
    monkeypatch.setattr(engine.client, "search", counted("search"))
    again = api.get("/search", params={"q": "Espresso  machine", "brand": "Krups"}).json()
    assert calls == []
    assert [i["id"] for i in again["items"]] == [i["id"] for i in first["items"]]
    assert again["facets"] == first["facets"] and again["total"] == first["total"]
    assert again["query_id"] != first["query_id"]
    assert engine.head_cache.stats().hits >= 2  # the lists and the page


def test_other_filters_or_pages_are_other_entries(api: TestClient) -> None:
    one = api.get("/search", params={"q": "laptop", "size": 5}).json()
    two = api.get("/search", params={"q": "laptop", "size": 5, "page": 2}).json()
    sony = api.get("/search", params={"q": "laptop", "brand": "Apple", "size": 5}).json()
    assert {i["id"] for i in one["items"]}.isdisjoint(i["id"] for i in two["items"])
    assert {i["brand"] for i in sony["items"]} == {"Apple"}


def test_a_product_write_through_the_api_shows_at_once(api: TestClient) -> None:
    top = _top(api, "desk lamp")
    response = api.patch("/admin/products", json={"patches": [{"id": top["id"], "price": 1.23}]}, headers=ADMIN)
    assert response.status_code == 200 and response.json()["written"] == 1
    assert _price(api, "desk lamp", top["id"]) == 1.23


def test_a_product_write_by_another_process_shows_within_the_check_interval(
    api: TestClient, client: OpenSearch, catalog_settings: Settings
) -> None:
    top = _top(api, "headphones")
    patch_products(client, catalog_settings.index_alias, [ProductPatch(id=top["id"], price=2.34)], refresh=True)
    _eventually(lambda: _price(api, "headphones", top["id"]) == 2.34)


def test_a_config_publish_applies_to_the_next_search(api: TestClient) -> None:
    top = _top(api, "guitar")
    live = api.get("/admin/config", headers=ADMIN).json()["version"]
    body = {"config": {"rules": [{"id": "hide-top", "hide": {"ids": [top["id"]]}}]}, "base_version": live}
    assert api.put("/admin/config", json=body, headers=ADMIN).status_code == 201
    shown = [i["id"] for i in api.get("/search", params={"q": "guitar"}).json()["items"]]
    assert top["id"] not in shown


def test_an_alias_swap_by_a_reindex_shows_within_the_check_interval(
    api: TestClient, client: OpenSearch, catalog_settings: Settings, embedder: Embedder
) -> None:
    top = _top(api, "coffee")
    products = [p.model_copy(update={"price": 3.45}) if p.id == top["id"] else p
                for p in generate_sample_catalog(CATALOG_SIZE, seed=7)]  # fmt: skip
    cache = EmbeddingCache(catalog_settings.resolved_embedding_cache_path)
    try:
        reindex(client, catalog_settings, products, embedder, cache, lambda: len(products))
    finally:
        cache.close()
    _eventually(lambda: _price(api, "coffee", top["id"]) == 3.45)


def test_personalization_is_applied_on_top_of_cached_lists(api: TestClient) -> None:
    anonymous = api.get("/search", params={"q": "headphones", "size": 10}).json()
    assert anonymous["personalized"] is False
    session = "cache-shopper"
    assert api.put(f"/sessions/{session}/consent", json={"personalization": True}).status_code == 200
    clicked = anonymous["items"][-1]["id"]
    events = [{"event_id": f"cache-{n}", "action_name": "purchase", "object_id": clicked, "session_id": session}
              for n in range(3)]  # fmt: skip
    assert api.post("/events", json={"events": events}).json()["stored"] == 3
    personal = api.get("/search", params={"q": "headphones", "size": 10, "session_id": session}).json()
    assert personal["personalized"] is True
    assert [i["id"] for i in personal["items"]].index(clicked) < 9, "the shopper's purchase moved up"
    assert api.get("/search", params={"q": "headphones", "size": 10}).json()["personalized"] is False


def test_autocomplete_follows_product_writes(api: TestClient) -> None:
    product = {"id": "cache-new-1", "title": "Zwartkop Qwixel Gizmo", "brand": "Zwartkop", "price": 9.5}
    assert api.post("/admin/products", json={"products": [product]}, headers=ADMIN).json()["written"] == 1
    _eventually(lambda: _completed(api, "qwix") == ["cache-new-1"])
    assert api.delete("/admin/products/cache-new-1", headers=ADMIN).status_code == 204
    _eventually(lambda: _completed(api, "qwix") == [])


def _completed(api: TestClient, typed: str) -> list[str]:
    return [p["id"] for p in api.get("/autocomplete", params={"q": typed}).json()["products"]]


def test_the_worker_reports_its_memory_and_cache_figures_to_the_admin(api: TestClient) -> None:
    api.get("/search", params={"q": "puzzle"})
    api.get("/search", params={"q": "puzzle"})
    assert api.get("/admin/worker").status_code == 401
    stats = api.get("/admin/worker", headers=ADMIN).json()
    assert stats["rss_mb"] > 50 and stats["catalog_documents"] >= CATALOG_SIZE
    assert stats["autocomplete_products"] >= CATALOG_SIZE and stats["autocomplete_suggestions"] > 100
    cache = stats["head_cache"]
    assert cache["hits"] >= 2 and 0 < cache["hit_rate"] < 1 and 0 < cache["estimated_mb"] <= cache["limit_mb"]
