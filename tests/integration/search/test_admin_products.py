"""`/admin/products` over HTTP against the real node: keys, upserts with rejects, patches, deletes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch
from pydantic import SecretStr

from indexer.embedding_cache import EmbeddingCache
from indexer.reindex import reindex
from indexer.sample_catalog import generate_sample_catalog
from search.http.app import create_app
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings

ADMIN = {"X-API-Key": "admin-secret"}


@pytest.fixture
def api(
    client: OpenSearch, settings: Settings, index_name: str, tmp_path_factory: pytest.TempPathFactory,
    embedder: Embedder,
) -> Iterator[TestClient]:  # fmt: skip
    app_settings = settings.model_copy(
        update={
            "index_alias": index_name,
            "admin_api_key": SecretStr("admin-secret"),
            "embedding_cache_path": tmp_path_factory.mktemp("api") / "emb.sqlite",
        }
    )
    products = list(generate_sample_catalog(5))
    cache = EmbeddingCache(app_settings.resolved_embedding_cache_path)
    reindex(client, app_settings, products, embedder, cache, lambda: len(products))
    cache.close()
    with TestClient(create_app(app_settings)) as test_client:
        yield test_client


def test_admin_route_without_a_key_is_401_and_with_a_wrong_key_403(api: TestClient) -> None:
    assert api.delete("/admin/products/sku-000001").status_code == 401
    assert api.delete("/admin/products/sku-000001", headers={"X-API-Key": "guess"}).status_code == 403
    assert api.delete("/admin/products/sku-000001", headers={"Authorization": "Bearer guess"}).status_code == 403


def test_upsert_writes_valid_products_and_reports_invalid_ones_by_position(api: TestClient) -> None:
    body = {"products": [
        {"id": "new-1", "title": "Marshall Major V Koptelefoon", "brand": "Marshall", "price": 149},
        {"id": "new-2", "title": "", "price": 10},
        {"id": "new-3", "title": "Bad price", "price": -1},
    ]}  # fmt: skip
    response = api.post("/admin/products", json=body, headers=ADMIN)
    assert response.status_code == 200
    report = response.json()
    assert report["written"] == 1 and report["embedded"] == 1
    assert [(r["index"], r["field"]) for r in report["rejected"]] == [(1, "title"), (2, "price")]


def test_patch_changes_price_and_reports_unknown_ids(api: TestClient, client: OpenSearch, index_name: str) -> None:
    body = {"patches": [{"id": "sku-000001", "price": 12.5}, {"id": "ghost", "stock": 3}, {"id": "sku-000002"}]}
    report = api.patch("/admin/products", json=body, headers=ADMIN).json()
    assert report["written"] == 1
    assert [(r["index"], r["field"]) for r in report["rejected"]] == [(1, "id"), (2, "-")]
    assert report["rejected"][0]["reason"] == "no such product"
    assert "at least one of price" in report["rejected"][1]["reason"]
    assert client.get(index=index_name, id="sku-000001")["_source"]["price"] == 12.5


def test_delete_removes_the_product_and_404s_when_unknown(api: TestClient, client: OpenSearch, index_name: str) -> None:
    assert api.delete("/admin/products/sku-000003", headers=ADMIN).status_code == 204
    assert not client.exists(index=index_name, id="sku-000003")
    assert api.delete("/admin/products/sku-000003", headers=ADMIN).status_code == 404


def test_oversized_batch_is_422_naming_the_field(api: TestClient) -> None:
    response = api.post("/admin/products", json={"products": [{"id": str(i)} for i in range(1001)]}, headers=ADMIN)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "products"]


def test_several_patches_of_one_product_in_a_batch_all_apply_in_order(api: TestClient, client: OpenSearch) -> None:
    patches = [{"id": "sku-000002", "price": 10.0, "stock": 5}, {"id": "sku-000002", "stock": 0},
               {"id": "sku-000002", "popularity": 3.0}]  # fmt: skip
    report = api.patch("/admin/products", json={"patches": patches}, headers=ADMIN).json()
    assert report["written"] == 3 and report["rejected"] == []
    source = api.app.state.client.get(index=api.app.state.settings.index_alias, id="sku-000002")["_source"]
    assert (source["price"], source["stock"], source["in_stock"], source["popularity"]) == (10.0, 0, False, 3.0)
