"""No lost catalog writes: admin writes during a reindex, write blocks, stale blocks, and `doc_hash` after a
patch, against the real node through the admin API."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch
from pydantic import SecretStr

from cli.main import main
from indexer.documents import content_hash, document_hash, embedding_text, to_document
from indexer.embedding_cache import EmbeddingCache
from indexer.indices import alias_targets
from indexer.journal import REPLAY_MARGIN
from indexer.reindex import reindex
from indexer.sample_catalog import generate_sample_catalog
from search.http.app import create_app
from vindbaar.embedder import Embedder
from vindbaar.product import Product
from vindbaar.settings import Settings

ADMIN = {"X-API-Key": "admin-secret"}


@pytest.fixture
def admin_settings(alias_settings: Settings) -> Settings:
    return alias_settings.model_copy(update={"admin_api_key": SecretStr("admin-secret")})


@pytest.fixture
def api(admin_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    with TestClient(create_app(admin_settings, embedder=embedder)) as test_client:
        yield test_client


def _load(client: OpenSearch, settings: Settings, products: list[Product], embedder: Embedder,
          cache: EmbeddingCache, incremental: bool = True, during: int | None = None,
          action: object = None) -> None:  # fmt: skip
    """Reindex `products`; when the load reaches product number `during`, call `action` (the live alias
    still points at the old index then)."""

    def feeding() -> Iterator[Product]:
        for i, product in enumerate(products):
            if i == during and callable(action):
                action()
            yield product

    reindex(client, settings, feeding(), embedder, cache, lambda: len(products), incremental=incremental)


@pytest.mark.parametrize("incremental", [True, False], ids=["cloned", "full"])
def test_admin_writes_made_during_a_reindex_survive_the_swap(
    client: OpenSearch, admin_settings: Settings, api: TestClient, embedder: Embedder,
    cache: EmbeddingCache, incremental: bool,
) -> None:  # fmt: skip
    alias = admin_settings.index_alias
    catalog = list(generate_sample_catalog(40))
    _load(client, admin_settings, catalog, embedder, cache)
    before = alias_targets(client, alias)
    extra = Product(id="new-during-reindex", title="Added while the reindex ran", price=12.5)

    def shop_changes_things() -> None:
        assert api.patch("/admin/products", json={"patches": [{"id": "sku-000003", "stock": 0, "price": 1.0}]},
                         headers=ADMIN).json()["written"] == 1  # fmt: skip
        assert api.post("/admin/products", json={"products": [extra.model_dump(mode="json")]},
                        headers=ADMIN).json()["written"] == 1  # fmt: skip
        assert api.delete("/admin/products/sku-000005", headers=ADMIN).status_code == 204

    _load(client, admin_settings, catalog, embedder, cache, incremental=incremental, during=20,
          action=shop_changes_things)  # fmt: skip
    assert alias_targets(client, alias) != before, "the alias moved to the new index"
    patched = client.get(index=alias, id="sku-000003")["_source"]
    assert (patched["stock"], patched["in_stock"], patched["price"]) == (0, False, 1.0)
    assert client.get(index=alias, id=extra.id)["_source"]["title"] == extra.title
    assert not client.exists(index=alias, id="sku-000005")


def test_a_write_that_meets_a_write_block_waits_for_it_instead_of_failing(
    client: OpenSearch, admin_settings: Settings, api: TestClient, embedder: Embedder,
    cache: EmbeddingCache,
) -> None:  # fmt: skip
    _load(client, admin_settings, list(generate_sample_catalog(5)), embedder, cache)
    (live,) = alias_targets(client, admin_settings.index_alias)
    client.indices.put_settings(index=live, body={"index.blocks.write": True})  # as a reindex's clone holds it
    lift = threading.Timer(1.0, lambda: client.indices.put_settings(index=live, body={"index.blocks.write": None}))
    lift.start()
    started = time.monotonic()
    response = api.patch("/admin/products", json={"patches": [{"id": "sku-000001", "price": 2.5}]}, headers=ADMIN)
    lift.join()
    assert response.status_code == 200 and response.json()["written"] == 1
    assert time.monotonic() - started >= 0.9, "it waited for the block to lift"
    assert client.get(index=live, id="sku-000001")["_source"]["price"] == 2.5


def test_a_write_block_left_by_a_killed_reindex_is_lifted_by_the_next_run(
    client: OpenSearch, admin_settings: Settings, api: TestClient, embedder: Embedder,
    cache: EmbeddingCache,
) -> None:  # fmt: skip
    catalog = list(generate_sample_catalog(10))
    _load(client, admin_settings, catalog, embedder, cache)
    (live,) = alias_targets(client, admin_settings.index_alias)
    # What a reindex killed (SIGKILL) inside its clone leaves: the live index refusing writes.
    client.indices.put_settings(index=live, body={"index.blocks.write": True})
    _load(client, admin_settings, catalog, embedder, cache)
    for name in (*alias_targets(client, admin_settings.index_alias), live):
        blocks = client.indices.get_settings(index=name)[name]["settings"]["index"].get("blocks", {})
        assert blocks.get("write") in (None, "false"), name
    assert api.patch("/admin/products", json={"patches": [{"id": "sku-000001", "price": 3.0}]},
                     headers=ADMIN).json()["written"] == 1  # fmt: skip


def test_a_patch_keeps_doc_hash_true_so_the_next_load_restores_the_catalog(
    client: OpenSearch, admin_settings: Settings, api: TestClient, embedder: Embedder,
    cache: EmbeddingCache,
) -> None:  # fmt: skip
    alias = admin_settings.index_alias
    catalog = list(generate_sample_catalog(10))
    _load(client, admin_settings, catalog, embedder, cache)
    product = catalog[2]
    api.patch("/admin/products", json={"patches": [{"id": product.id, "price": 0.5}]}, headers=ADMIN)
    stored = client.get(index=alias, id=product.id)["_source"]
    cheap = product.model_copy(update={"price": 0.5})
    assert stored["doc_hash"] == document_hash(to_document(cheap, None, content_hash(embedding_text(cheap))))
    # The catalog still says the old price: an incremental load must rewrite the patched product. (A load
    # starting within REPLAY_MARGIN of the patch would replay it as a write possibly in flight: wait that out.)
    time.sleep(REPLAY_MARGIN.total_seconds())
    _load(client, admin_settings, catalog, embedder, cache)
    assert client.get(index=alias, id=product.id)["_source"]["price"] == product.price


def test_csv_prices_in_cents_defaults_and_composed_categories(
    client: OpenSearch, alias_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = tmp_path / "shop.csv"
    catalog.write_text(
        "sku,name,price,currency,category,sub_category,type\n"
        "1,Jigsaw puzzle 1000 pieces,1999,,Toys,Puzzles,Jigsaw\n"
        "2,Wooden train set,4550,EUR,Toys,,Trains\n"
    )
    for key, value in {"OPENSEARCH_URL": alias_settings.opensearch_url, "INDEX_ALIAS": alias_settings.index_alias,
                       "EMBEDDING_CACHE_PATH": alias_settings.embedding_cache_path}.items():  # fmt: skip
        monkeypatch.setenv(f"VINDBAAR_{key}", str(value))
    code = main(["-q", "index", "load", str(catalog), "--map", "sku=id", "--map", "name=title",
                 "--map", "category,sub_category,type=categories", "--price-divisor", "100",
                 "--default", "currency=USD", "--report-dir", str(tmp_path / "report")])  # fmt: skip
    assert code == 0
    first = client.get(index=alias_settings.index_alias, id="1")["_source"]
    second = client.get(index=alias_settings.index_alias, id="2")["_source"]
    assert (first["price"], first["currency"], first["category_path"]) == (19.99, "USD", "Toys > Puzzles > Jigsaw")
    assert (second["price"], second["currency"], second["category_path"]) == (45.5, "EUR", "Toys > Trains")
