"""Query-level click learning on the real node: what a query's shoppers chose rises for that query, for a
new shopper without any history, once enough searches chose it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch

from search.engine import SearchEngine
from search.http.app import create_app
from search.learned_ranking import rebuild_learned_ranking
from tests.integration.analytics.logged import log_written
from tests.waiting import eventually
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings

QUERY = "bluetooth speaker"


@pytest.fixture(scope="module")
def shop(catalog_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    settings = catalog_settings.model_copy(update={"consent_required": False, "catalog_check_s": 0.2,
                                                   "click_learning_min_searches": 3})  # fmt: skip
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield client


def _ids(shop: TestClient, q: str, **params: Any) -> list[str]:
    return [i["id"] for i in shop.get("/search", params={"q": q, "explain": True, **params}).json()["items"]]


def _learn(shop: TestClient, client: OpenSearch) -> SearchEngine:
    engine = log_written(shop, client)
    rebuild_learned_ranking(client, engine.names, engine.settings)
    return engine


def _choose(shop: TestClient, product: str, sessions: int, buy: bool) -> None:
    for _ in range(sessions):
        session = uuid.uuid4().hex
        body = shop.get("/search", params={"q": QUERY, "session_id": session}).json()
        shown = [i["id"] for i in body["items"]]
        position = shown.index(product) + 1
        events = [{"action_name": "click", "query_id": body["query_id"], "object_id": product, "position": position,
                   "session_id": session}]  # fmt: skip
        if buy:
            events.append({**events[0], "action_name": "purchase", "price": 50.0})
        assert shop.post("/events", json={"events": events}).json()["stored"] == len(events)


def test_a_product_bought_for_a_query_rises_for_that_query_for_a_new_shopper(
    shop: TestClient, client: OpenSearch
) -> None:
    before = _ids(shop, QUERY)
    other_before = _ids(shop, "laptop")
    chosen = before[6]
    _choose(shop, chosen, sessions=2, buy=True)
    engine = _learn(shop, client)
    assert _ids(shop, QUERY) == before  # two searches are not enough evidence
    _choose(shop, chosen, sessions=3, buy=True)
    _learn(shop, client)
    # The next searches notice the new learning within a catalog check (0.2 s here) and load it.
    assert eventually(lambda: _ids(shop, QUERY)[0] == chosen)
    assert engine.learned.get().for_query(QUERY)
    after = shop.get("/search", params={"q": QUERY, "explain": True, "session_id": "new"}).json()["items"]
    assert after[0]["id"] == chosen
    assert after[0]["explain"]["learned"]["searches"] == 5 and after[0]["explain"]["learned"]["factor"] > 1
    assert _ids(shop, "laptop") == other_before  # other queries learned nothing


def test_merchandising_still_wins_over_what_was_learned(shop: TestClient, client: OpenSearch) -> None:
    engine = _learn(shop, client)
    assert eventually(lambda: bool(_ids(shop, QUERY)) and bool(engine.learned.get().for_query(QUERY)))
    learned = next(iter(engine.learned.get().for_query(QUERY)))
    live = shop.get("/admin/config", headers={"X-API-Key": "admin-secret"}).json()
    hide = {"id": "hide-learned", "hide": {"ids": [learned]}}
    config = {**live["config"], "rules": [*live["config"]["rules"], hide]}
    assert shop.put("/admin/config", json={"config": config, "base_version": live["version"]},
                    headers={"X-API-Key": "admin-secret", "X-Author": "t"}).status_code == 201  # fmt: skip
    assert learned not in _ids(shop, QUERY)
