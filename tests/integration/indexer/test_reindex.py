"""Zero-downtime reindex, rollback, rejects and incremental updates against the real node."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from cli.main import main
from indexer.embedding_cache import EmbeddingCache
from indexer.errors import RollbackImpossible, VerificationFailed
from indexer.indices import alias_targets, versioned_indices
from indexer.reindex import ReindexResult, reindex, rollback
from indexer.sample_catalog import generate_sample_catalog
from indexer.updates import ProductPatch, delete_products, patch_products, upsert_products
from vindbaar.embedder import Embedder
from vindbaar.product import Product
from vindbaar.settings import Settings


def _catalog(count: int = 40, rename: str | None = None) -> list[Product]:
    products = list(generate_sample_catalog(count))
    if rename:
        products[0] = products[0].model_copy(update={"title": rename})
    return products


def _load(
    client: OpenSearch,
    settings: Settings,
    products: list[Product],
    embedder: Embedder,
    cache: EmbeddingCache,
    max_shrink: float = 0.5,
) -> ReindexResult:
    return reindex(client, settings, iter(products), embedder, cache, lambda: len(products), max_shrink=max_shrink)


def _title_of(client: OpenSearch, alias: str, product_id: str) -> str:
    return str(client.get(index=alias, id=product_id)["_source"]["title"])


def test_reindex_swaps_the_alias_and_the_old_index_serves_until_then(
    client: OpenSearch, alias_settings: Settings, embedder: Embedder, cache: EmbeddingCache
) -> None:
    alias = alias_settings.index_alias
    first = _load(client, alias_settings, _catalog(), embedder, cache)
    assert alias_targets(client, alias) == [first.index]
    seen_during_load: list[str] = []

    def watching(products: list[Product]) -> Iterator[Product]:
        for i, product in enumerate(products):
            if i == 20:  # mid-way through the second load, live search still answers from the old index
                seen_during_load.append(_title_of(client, alias, "sku-000000"))
                seen_during_load.extend(alias_targets(client, alias))
            yield product

    new = _catalog(rename="Renamed Headphones Deluxe")
    second = reindex(client, alias_settings, watching(new), embedder, cache, lambda: len(new))
    assert seen_during_load == [_catalog()[0].title, first.index]
    assert alias_targets(client, alias) == [second.index]
    assert _title_of(client, alias, "sku-000000") == "Renamed Headphones Deluxe"
    assert second.previous == [first.index]
    assert second.stats.embedded == 1, "only the renamed product is re-embedded"
    assert second.stats.unchanged == len(new) - 1, "the others are not even rewritten"
    settings_now = client.indices.get_settings(index=second.index)[second.index]["settings"]["index"]
    assert settings_now["refresh_interval"] == "1s" and settings_now["number_of_replicas"] == "0"


def test_interrupted_reindex_leaves_the_alias_and_removes_the_partial_index(
    client: OpenSearch, alias_settings: Settings, embedder: Embedder, cache: EmbeddingCache
) -> None:
    first = _load(client, alias_settings, _catalog(), embedder, cache)

    def interrupted() -> Iterator[Product]:
        yield from _catalog()[:10]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        reindex(client, alias_settings, interrupted(), embedder, cache, lambda: 40)
    assert alias_targets(client, alias_settings.index_alias) == [first.index]
    assert list(versioned_indices(client, alias_settings.index_alias)) == [first.index]


def test_reindex_killed_half_way_leaves_search_answering_from_the_old_index(
    client: OpenSearch, alias_settings: Settings, embedder: Embedder, cache: EmbeddingCache,
    tmp_path: Path,
) -> None:  # fmt: skip
    alias = alias_settings.index_alias
    first = _load(client, alias_settings, _catalog(), embedder, cache)
    catalog = tmp_path / "big.jsonl"
    catalog.write_text("".join(p.model_dump_json() + "\n" for p in generate_sample_catalog(20000, seed=7)))
    env = {**os.environ, "VINDBAAR_OPENSEARCH_URL": str(alias_settings.opensearch_url),
           "VINDBAAR_INDEX_ALIAS": alias, "VINDBAAR_EMBEDDING_CACHE_PATH": str(tmp_path / "fresh.sqlite")}  # fmt: skip
    job = subprocess.Popen([sys.executable, "-m", "cli.main", "-q", "index", "load", str(catalog),
                            "--report-dir", str(tmp_path / "r")], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        building: list[str] = []
        while time.monotonic() < deadline and job.poll() is None:
            building = [name for name in versioned_indices(client, alias) if name != first.index]
            if building:
                stats = client.indices.stats(index=building[0], metric="indexing")
                if stats["_all"]["primaries"]["indexing"]["index_total"] > 0:
                    break
            time.sleep(0.2)
        assert job.poll() is None and building, "the load should still be running with documents written"
        job.send_signal(signal.SIGKILL)
        job.wait(timeout=10)
    finally:
        if job.poll() is None:
            job.kill()
    assert alias_targets(client, alias) == [first.index]
    hits = client.search(index=alias, body={"query": {"match": {"title": "koptelefoon"}}})["hits"]["hits"]
    assert hits and all(hit["_index"] == first.index for hit in hits)
    # The next reindex clears what the killed one left behind.
    second = _load(client, alias_settings, _catalog(), embedder, cache)
    assert set(versioned_indices(client, alias)) == {first.index, second.index}


def test_rejected_rows_are_reported_with_line_numbers_and_the_rest_is_indexed(
    client: OpenSearch, alias_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [p.model_dump_json() for p in generate_sample_catalog(10)]
    lines.insert(3, '{"id": "bad-price", "title": "Broken", "price": "cheap"}')
    lines.insert(6, "{not json")
    catalog = tmp_path / "catalog.jsonl"
    catalog.write_text("\n".join(lines) + "\n")
    for key, value in {"OPENSEARCH_URL": alias_settings.opensearch_url, "INDEX_ALIAS": alias_settings.index_alias,
                       "EMBEDDING_CACHE_PATH": alias_settings.embedding_cache_path}.items():  # fmt: skip
        monkeypatch.setenv(f"VINDBAAR_{key}", str(value))
    code = main(["-q", "index", "load", str(catalog), "--report-dir", str(tmp_path / "report")])
    assert code == 4, "partial"
    rejects = [json.loads(line) for line in (tmp_path / "report" / "rejects.jsonl").read_text().splitlines()]
    assert [(r["line"], r["field"]) for r in rejects] == [(4, "price"), (7, "-")]
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert (summary["accepted"], summary["rejected"], summary["indexed"]) == (10, 2, 10)
    assert client.count(index=alias_settings.index_alias)["count"] == 10


def test_price_update_changes_the_price_without_re_embedding(
    client: OpenSearch, alias_settings: Settings, embedder: Embedder, cache: EmbeddingCache
) -> None:
    alias = alias_settings.index_alias
    products = _catalog(5)
    _load(client, alias_settings, products, embedder, cache)
    before = client.get(index=alias, id="sku-000001")["_source"]

    cheaper = products[1].model_copy(update={"price": 9.99})
    result = upsert_products(client, alias, [cheaper], embedder, cache, refresh=True)
    assert result.stats is not None
    assert (result.stats.embedded, result.stats.cache_hits) == (0, 1)

    patched = patch_products(client, alias, [ProductPatch(id="sku-000001", price=7.5, stock=0)], refresh=True)
    assert patched.succeeded == 1
    after = client.get(index=alias, id="sku-000001")["_source"]
    assert (after["price"], after["stock"], after["in_stock"]) == (7.5, 0, False)
    assert after["embedding"] == before["embedding"]
    assert after["content_hash"] == before["content_hash"]


def test_patch_and_delete_report_unknown_ids(
    client: OpenSearch, alias_settings: Settings, embedder: Embedder, cache: EmbeddingCache
) -> None:
    alias = alias_settings.index_alias
    _load(client, alias_settings, _catalog(5), embedder, cache)
    assert patch_products(client, alias, [ProductPatch(id="nope", price=1)]).not_found == ["nope"]
    deleted = delete_products(client, alias, ["sku-000002", "nope"], refresh=True)
    assert (deleted.succeeded, deleted.not_found) == (1, ["nope"])
    assert client.count(index=alias)["count"] == 4


def test_rollback_restores_the_previous_index(
    client: OpenSearch, alias_settings: Settings, embedder: Embedder, cache: EmbeddingCache
) -> None:
    alias = alias_settings.index_alias
    first = _load(client, alias_settings, _catalog(), embedder, cache)
    with pytest.raises(RollbackImpossible):
        rollback(client, alias)
    second = _load(client, alias_settings, _catalog(rename="Changed Title"), embedder, cache)
    assert rollback(client, alias) == ([second.index], first.index)
    assert _title_of(client, alias, "sku-000000") == _catalog()[0].title


def test_only_the_newest_indices_are_kept(
    client: OpenSearch, alias_settings: Settings, embedder: Embedder, cache: EmbeddingCache
) -> None:
    names = [_load(client, alias_settings, _catalog(5), embedder, cache).index for _ in range(3)]
    assert list(versioned_indices(client, alias_settings.index_alias)) == names[1:]


def test_catalog_with_nothing_accepted_or_far_smaller_does_not_go_live(
    client: OpenSearch, alias_settings: Settings, embedder: Embedder, cache: EmbeddingCache
) -> None:
    first = _load(client, alias_settings, _catalog(40), embedder, cache)
    with pytest.raises(VerificationFailed, match="no product was accepted"):
        _load(client, alias_settings, [], embedder, cache)
    with pytest.raises(VerificationFailed, match="more than 50% fewer"):
        _load(client, alias_settings, _catalog(10), embedder, cache)
    assert alias_targets(client, alias_settings.index_alias) == [first.index]
    allowed = _load(client, alias_settings, _catalog(10), embedder, cache, max_shrink=1.0)
    assert (allowed.stats.unchanged, allowed.stats.deleted) == (10, 30)
    assert client.count(index=alias_settings.index_alias)["count"] == 10


def test_an_unchanged_catalog_reindexes_from_a_clone_without_rewriting_anything(
    client: OpenSearch, alias_settings: Settings, embedder: Embedder, cache: EmbeddingCache
) -> None:
    alias = alias_settings.index_alias
    first = _load(client, alias_settings, _catalog(), embedder, cache)
    assert first.cloned_from is None
    second = _load(client, alias_settings, _catalog(), embedder, cache)
    assert second.cloned_from == first.index and second.index != first.index
    assert (second.stats.indexed, second.stats.unchanged, second.stats.embedded) == (0, 40, 0)
    assert alias_targets(client, alias) == [second.index]
    vector = embedder.embed(["wireless headphones"])[0]
    hits = client.search(index=alias, body={"query": {"knn": {"embedding": {"vector": vector, "k": 3}}}})
    assert len(hits["hits"]["hits"]) == 3  # the cloned vector graphs answer


def test_an_incremental_reindex_writes_changes_adds_new_and_removes_vanished_products(
    client: OpenSearch, alias_settings: Settings, embedder: Embedder, cache: EmbeddingCache
) -> None:
    alias = alias_settings.index_alias
    _load(client, alias_settings, _catalog(), embedder, cache)
    changed = _catalog(rename="Completely New Title Speaker")[:-1]  # first renamed, last one gone
    changed.append(_catalog(41)[-1])  # one new product
    result = _load(client, alias_settings, changed, embedder, cache)
    assert result.cloned_from is not None
    assert (result.stats.indexed, result.stats.unchanged, result.stats.deleted) == (2, 38, 1)
    assert _title_of(client, alias, changed[0].id) == "Completely New Title Speaker"
    assert client.count(index=alias)["count"] == 40
    assert not client.exists(index=alias, id=_catalog()[-1].id)
    assert client.exists(index=alias, id=changed[-1].id)


def test_an_incremental_reindex_leaves_no_deleted_documents_for_vector_search_to_wade_through(
    client: OpenSearch, alias_settings: Settings, embedder: Embedder, cache: EmbeddingCache
) -> None:
    alias = alias_settings.index_alias
    _load(client, alias_settings, _catalog(), embedder, cache)
    survivors = _catalog()[:8]  # most of the catalog is gone
    result = _load(client, alias_settings, survivors, embedder, cache, max_shrink=1.0)
    assert result.cloned_from is not None and result.stats.deleted == 32
    assert versioned_indices(client, alias).keys() >= {result.index}
    docs = client.indices.stats(index=result.index, metric="docs")["indices"][result.index]["primaries"]["docs"]
    assert (docs["count"], docs["deleted"]) == (8, 0)
    vector = embedder.embed([survivors[0].title])[0]
    hits = client.search(index=alias, body={"size": 8, "query": {"knn": {"embedding": {"vector": vector, "k": 8}}}})
    assert len(hits["hits"]["hits"]) == 8  # every survivor is still reachable in the vector graph


def test_a_text_only_live_index_is_not_reused_for_a_load_with_embeddings(
    client: OpenSearch, alias_settings: Settings, embedder: Embedder, cache: EmbeddingCache
) -> None:
    products = _catalog()
    reindex(client, alias_settings, iter(products), None, cache, lambda: len(products))
    with_vectors = _load(client, alias_settings, products, embedder, cache)
    assert with_vectors.cloned_from is None and with_vectors.stats.indexed == 40
