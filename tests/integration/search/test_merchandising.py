"""Merchandising on a real node: pins, hides, boosts, time windows, synonyms, versions, workers, keys."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from search.http.app import create_app
from tests.ports import free_port
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings

ADMIN = {"X-API-Key": "admin-secret", "X-Author": "merchandiser@shop"}


@pytest.fixture(autouse=True)
def clean_config(api: TestClient) -> Iterator[None]:
    """Every test starts from an empty config (a new version) and leaves one behind."""
    _publish(api, {})
    yield
    _publish(api, {})


def _live_version(api: TestClient) -> int:
    version: int = api.get("/admin/config", headers=ADMIN).json()["version"]
    return version


def _publish(api: TestClient, config: dict[str, Any], comment: str = "") -> dict[str, Any]:
    body = {"config": config, "comment": comment, "base_version": _live_version(api)}
    response = api.put("/admin/config", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _search(api: TestClient, q: str, **params: Any) -> dict[str, Any]:
    # As the merchandiser sees it (admin key): which rules applied, and why each item is where it is.
    response = api.get("/search", params={"q": q, "size": 50, "explain": "true", **params}, headers=ADMIN)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


def test_pinned_product_appears_at_position_1(api: TestClient) -> None:
    outsider = _search(api, "laptop")["items"][0]["id"]
    assert outsider not in _ids(_search(api, "lamp"))
    _publish(api, {"rules": [{"id": "pin-lamp", "condition": {"query_equals": ["lamp"]},
                              "pins": [{"product_id": outsider, "position": 1}]}]})  # fmt: skip
    body = _search(api, "Lamp")
    assert body["items"][0]["id"] == outsider
    assert body["items"][0]["explain"]["pinned"] == {"rule": "pin-lamp", "position": 1}
    assert body["rules_applied"] == ["pin-lamp"]
    assert outsider not in _ids(_search(api, "guitar"))


def test_hidden_product_never_appears_in_search_facets_or_autocomplete(api: TestClient) -> None:
    recalled = _search(api, "espresso")["items"][0]["id"]
    _publish(api, {"rules": [{"id": "recall", "hide": {"ids": [recalled]}},
                             {"id": "no-krups", "hide": {"brand": ["Krups"]}}]})  # fmt: skip
    body = _search(api, "espresso")
    assert recalled not in _ids(body)
    assert "Krups" not in {item["brand"] for item in body["items"]}
    brands = {v["value"] for f in body["facets"] if f["name"] == "brand" for v in f["values"]}
    assert "Krups" not in brands
    products = api.get("/autocomplete", params={"q": "espresso"}).json()["products"]
    assert products and recalled not in {p["id"] for p in products}
    assert all("Krups" not in p["title"] for p in products)


def _mean_rank(body: dict[str, Any], brand: str) -> float:
    ranks = [rank for rank, item in enumerate(body["items"]) if item["brand"] == brand]
    return sum(ranks) / len(ranks)


def test_a_boost_moves_items_up_and_a_bury_moves_them_down(api: TestClient) -> None:
    base = _search(api, "headphones", size=100)
    brand = "Sony"
    _publish(api, {"rules": [{"id": "push-sony", "boosts": [{"filter": {"brand": [brand]}, "factor": 3}]}]})
    boosted = _search(api, "headphones", size=100)
    assert _mean_rank(boosted, brand) < _mean_rank(base, brand)
    assert boosted["items"][0]["brand"] == brand
    assert boosted["items"][0]["explain"]["rules"] == [{"rule": "push-sony", "factor": 3.0}]
    _publish(api, {"rules": [{"id": "bury-sony", "boosts": [{"filter": {"brand": [brand]}, "factor": 0.2}]}]})
    assert _mean_rank(_search(api, "headphones", size=100), brand) > _mean_rank(base, brand)


def test_an_expired_or_future_rule_does_not_apply(api: TestClient) -> None:
    outsider = _search(api, "laptop")["items"][0]["id"]
    now = datetime.now(UTC)

    def pin(starts: datetime | None, ends: datetime | None) -> list[str]:
        window = {k: v.isoformat() for k, v in (("starts_at", starts), ("ends_at", ends)) if v is not None}
        _publish(api, {"rules": [{"id": "campaign", "condition": window,
                                  "pins": [{"product_id": outsider, "position": 1}]}]})  # fmt: skip
        return _ids(_search(api, "lamp"))[:1]

    assert pin(now - timedelta(days=2), now - timedelta(days=1)) != [outsider]
    assert pin(now + timedelta(days=1), None) != [outsider]
    assert pin(now - timedelta(days=1), now + timedelta(days=1)) == [outsider]


def test_a_synonym_change_takes_effect_without_reindex(api: TestClient) -> None:
    before = _search(api, "zorblat", correct="false")
    assert all(item["explain"]["lexical_rank"] is None for item in before["items"])  # no word match at all
    _publish(api, {"synonyms": ["zorblat => espresso"]})
    after = _search(api, "zorblat", correct="false")
    assert after["total"] >= 15  # the (English-titled) espresso machines, matched by words
    assert all("Espresso" in item["title"] for item in after["items"][:10])


def test_rollback_restores_the_previous_behaviour(api: TestClient) -> None:
    first, second = _search(api, "laptop")["items"][0]["id"], _search(api, "guitar")["items"][0]["id"]
    v1 = _publish(api, {"rules": [{"id": "pin", "pins": [{"product_id": first, "position": 1}]}]}, "first")
    v2 = _publish(api, {"rules": [{"id": "pin", "pins": [{"product_id": second, "position": 1}]}]}, "second")
    assert _ids(_search(api, "lamp"))[0] == second
    back = api.post("/admin/config/rollback", json={"version": v1["version"]}, headers=ADMIN).json()
    assert back["rolled_back_to"] == v1["version"] and back["author"] == "merchandiser@shop"
    assert _ids(_search(api, "lamp"))[0] == first
    history = api.get("/admin/config/versions", headers=ADMIN).json()
    assert [h["version"] for h in history[:3]] == [back["version"], v2["version"], v1["version"]]
    changes = api.get("/admin/config/diff", params={"from_version": v1["version"], "to_version": v2["version"]},
                      headers=ADMIN).json()["changes"]  # fmt: skip
    assert "values_changed" in changes and first in str(changes) and second in str(changes)


def test_invalid_configs_are_refused_with_the_field(api: TestClient) -> None:
    cases = [
        ({"rules": [{"id": "x", "pins": [{"product_id": "no-such-sku", "position": 1}]}]}, "no-such-sku"),
        ({"rules": [{"id": "x", "boosts": [{"filter": {"brand": ["A"]}, "factor": -2}]}]}, "factor"),
        ({"rules": [{"id": "x", "hide": {"colour": ["red"]}}]}, "colour"),
        ({"ranking": {"event_weights": {"wishlist": 2}}}, "wishlist"),
    ]
    for config, named in cases:
        response = api.put("/admin/config", json={"config": config, "base_version": _live_version(api)}, headers=ADMIN)
        assert response.status_code == 422 and named in response.text, response.text


def test_preview_shows_live_and_draft_side_by_side(api: TestClient) -> None:
    outsider = _search(api, "laptop")["items"][0]["id"]
    draft = {"rules": [{"id": "try", "pins": [{"product_id": outsider, "position": 1}]}]}
    response = api.post("/admin/preview", json={"search": {"q": "lamp"}, "draft": draft}, headers=ADMIN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["draft"]["items"][0]["id"] == outsider and body["draft"]["items"][0]["explain"]["pinned"]
    assert body["live"]["items"][0]["id"] != outsider
    assert outsider not in _ids(_search(api, "lamp"))  # a preview publishes nothing


def test_a_second_worker_process_sees_a_change_within_2_seconds(api: TestClient, catalog_settings: Settings) -> None:
    port = free_port()
    env = {**os.environ, "VINDBAAR_OPENSEARCH_URL": catalog_settings.opensearch_url or "",
           "VINDBAAR_INDEX_ALIAS": catalog_settings.index_alias,
           "VINDBAAR_EMBEDDING_CACHE_PATH": str(catalog_settings.resolved_embedding_cache_path)}  # fmt: skip
    code = f"import uvicorn; uvicorn.run('search.http.app:create_app', factory=True, port={port}, log_level='warning')"
    worker = subprocess.Popen([sys.executable, "-c", code], env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the second worker did not start"
            time.sleep(0.3)
        outsider = _search(api, "laptop")["items"][0]["id"]
        assert httpx.get(f"{url}/search", params={"q": "lamp"}).json()["items"][0]["id"] != outsider
        _publish(api, {"rules": [{"id": "pin", "pins": [{"product_id": outsider, "position": 1}]}]})
        published = time.monotonic()
        while httpx.get(f"{url}/search", params={"q": "lamp"}).json()["items"][0]["id"] != outsider:
            assert time.monotonic() - published < 2.0, "the second worker did not see the change within 2 s"
            time.sleep(0.05)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_keys_search_key_searches_only_and_admin_routes_need_the_admin_key(
    catalog_settings: Settings, embedder: Embedder
) -> None:
    keyed = catalog_settings.model_copy(update={"search_api_key": SecretStr("search-key")})
    with TestClient(create_app(keyed, embedder=embedder)) as api:
        assert api.get("/search", params={"q": "lamp"}).status_code == 401
        assert api.get("/search", params={"q": "lamp"}, headers={"X-API-Key": "wrong"}).status_code == 403
        assert api.get("/search", params={"q": "lamp"}, headers={"X-API-Key": "search-key"}).status_code == 200
        assert api.get("/autocomplete", params={"q": "la"},
                       headers={"Authorization": "Bearer search-key"}).status_code == 200  # fmt: skip
        assert api.get("/admin/config", headers={"X-API-Key": "search-key"}).status_code == 403
        assert api.get("/admin/config").status_code == 401
        assert api.get("/admin/config", headers={"X-API-Key": "admin-secret"}).status_code == 200


def test_a_pin_respects_the_shoppers_filters_and_sorted_pages_report_it(api: TestClient) -> None:
    outsider = _search(api, "laptop")["items"][0]
    _publish(api, {"rules": [{"id": "pin", "pins": [{"product_id": outsider["id"], "position": 1}]}]})
    other_brand = "Xiaomi" if outsider["brand"] != "Xiaomi" else "IKEA"
    filtered = _search(api, "lamp", brand=other_brand)
    assert outsider["id"] not in _ids(filtered)
    by_price = _search(api, "lamp", sort="price_asc")
    assert any("relevance-ranked" in conflict for conflict in by_price["rule_conflicts"])


def test_a_change_based_on_an_old_version_is_refused_with_the_current_one(api: TestClient) -> None:
    base = _live_version(api)
    first = {"config": {"rules": [{"id": "mine", "banner": {"text": "a"}}]}, "base_version": base}
    second = {"config": {"rules": [{"id": "theirs", "banner": {"text": "b"}}]}, "base_version": base}
    assert api.put("/admin/config", json=first, headers=ADMIN).status_code == 201
    stale = api.put("/admin/config", json=second, headers=ADMIN)
    assert stale.status_code == 409
    assert stale.json()["current_version"] == base + 1 and stale.json()["base_version"] == base
    assert [r["id"] for r in api.get("/admin/config", headers=ADMIN).json()["config"]["rules"]] == ["mine"]
    missing = api.put("/admin/config", json={"config": {}}, headers=ADMIN)
    assert missing.status_code == 422 and "base_version" in missing.text


def test_concurrent_publishes_on_one_version_store_exactly_one(api: TestClient) -> None:
    base = _live_version(api)
    bodies = [{"config": {"rules": [{"id": f"r{i}", "banner": {"text": str(i)}}]}, "base_version": base}
              for i in range(4)]  # fmt: skip
    with ThreadPoolExecutor(4) as pool:
        codes = sorted(pool.map(lambda b: api.put("/admin/config", json=b, headers=ADMIN).status_code, bodies))
    assert codes == [201, 409, 409, 409]
    assert _live_version(api) == base + 1


def test_preview_names_the_live_version_and_what_the_draft_changes(api: TestClient) -> None:
    _publish(api, {"rules": [{"id": "live-rule", "banner": {"text": "live"}}]})
    draft = {"rules": [{"id": "live-rule", "banner": {"text": "draft"}}]}
    body = api.post("/admin/preview", json={"search": {"q": "lamp"}, "draft": draft}, headers=ADMIN).json()
    assert body["base_version"] == _live_version(api)
    assert "root['rules'][0]['banner']['text']" in body["changes"]["values_changed"]
