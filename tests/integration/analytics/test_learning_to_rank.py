"""Learning to rank on the real node: a model trained from logged searches ships only when it beats the
current ranking on the latest (held-out) searches; once shipped it ranks for the shoppers its features
tell apart, and a shopper without history keeps the unpersonalized order."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch

from cli.main import main as vindbaar
from cli.ranking_commands import EXIT_NOT_SHIPPED
from reranker.merchandising.experiments import Experiment
from search.engine import SearchEngine
from search.http.app import create_app
from search.ranking_job import LOWEST_PRIORITY, train_in_child_process
from search.ranking_training import train_ranking_model
from tests.integration.analytics.logged import log_written
from tests.waiting import eventually
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings

QUERY = "bluetooth speaker"
Brand = tuple[dict[str, Any], dict[str, Any], list[str]]


@pytest.fixture(scope="module")
def shop(catalog_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    # Click learning off: the current ranking is then the fused order plus the hand-set personalization,
    # and what the model learns is its own doing.
    settings = catalog_settings.model_copy(update={"consent_required": False, "catalog_check_s": 0.2,
                                                   "click_learning_strength": 0.0,
                                                   "ranking_model_min_searches": 20})  # fmt: skip
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield client


@pytest.fixture(scope="module")
def brand(shop: TestClient) -> Brand:
    """(a product of some brand at rank 6 or lower for QUERY, another product of that brand, QUERY's ids)."""
    items = shop.get("/search", params={"q": QUERY, "size": 20}).json()["items"]
    chosen = next(i for i in items[5:] if i["brand"])
    same_brand = shop.get("/search", params={"q": chosen["brand"], "size": 50}).json()["items"]
    bought = next(i for i in same_brand if i["brand"] == chosen["brand"] and i["id"] not in {x["id"] for x in items})
    return chosen, bought, [i["id"] for i in items]


def _ids(shop: TestClient, **params: Any) -> list[str]:
    return [i["id"] for i in shop.get("/search", params={"q": QUERY, "size": 20, **params}).json()["items"]]


def _event(action: str, body: dict[str, Any], product: str, session: str) -> dict[str, Any]:
    position = [i["id"] for i in body["items"]].index(product) + 1
    return {"action_name": action, "query_id": body["query_id"], "object_id": product, "position": position,
            "session_id": session, "price": 10.0}  # fmt: skip


def _fans(shop: TestClient, sessions: int, clicked: str, bought: dict[str, Any]) -> None:
    """`sessions` new shoppers each buy `bought` (of the brand they like), then search QUERY and click
    `clicked` there; both searches are logged in that order."""
    for _ in range(sessions):
        session = uuid.uuid4().hex
        first = shop.get("/search", params={"q": bought["title"], "session_id": session, "size": 50}).json()
        assert shop.post("/events", json={"events": [_event("purchase", first, bought["id"], session)]}).json()[
            "stored"] == 1  # fmt: skip
        body = shop.get("/search", params={"q": QUERY, "session_id": session, "size": 20}).json()
        assert shop.post("/events", json={"events": [_event("click", body, clicked, session)]}).json()["stored"] == 1


def test_no_model_is_trained_from_fewer_logged_searches_than_configured(shop: TestClient) -> None:
    engine: SearchEngine = shop.app.state.engine  # type: ignore[attr-defined]
    strict = replace(engine, settings=engine.settings.model_copy(update={"ranking_model_min_searches": 10_000}))
    report = train_ranking_model(strict)
    assert report.verdict is None and report.train_groups == 0 and report.index is None and report.model is None


def test_a_model_that_does_worse_on_held_out_searches_is_refused(
    shop: TestClient, client: OpenSearch, brand: Brand
) -> None:
    chosen, bought, before = brand
    # Earlier fans of the brand chose its product; the latest ones (the held-out fifth) the first result.
    _fans(shop, 16, chosen["id"], bought)
    _fans(shop, 4, before[0], bought)
    engine = log_written(shop, client)

    report = train_ranking_model(engine)

    assert report.verdict is not None and report.verdict.searches == 8, report.as_dict()
    assert report.verdict.model["weighted_ndcg_at_10"] < report.verdict.current["weighted_ndcg_at_10"]
    assert not report.verdict.shipped and report.index is None
    assert report.model is not None  # trained and judged (a benchmark may still measure it), but never live
    assert not client.indices.exists_alias(name=engine.names.ranker)
    assert _ids(shop) == before  # nothing changed for shoppers


def test_the_cli_trains_and_judges_without_publishing_on_a_dry_run(
    shop: TestClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine: SearchEngine = shop.app.state.engine  # type: ignore[attr-defined]
    monkeypatch.setenv("VINDBAAR_OPENSEARCH_URL", str(engine.settings.opensearch_url))
    monkeypatch.setenv("VINDBAAR_INDEX_ALIAS", engine.names.alias)
    monkeypatch.setenv("VINDBAAR_CLICK_LEARNING_STRENGTH", "0")
    monkeypatch.setenv("VINDBAAR_CONSENT_REQUIRED", "false")
    monkeypatch.setenv("VINDBAAR_RANKING_MODEL_MIN_SEARCHES", "20")

    assert vindbaar(["--quiet", "ranking", "train", "--dry-run"]) == EXIT_NOT_SHIPPED

    report = json.loads(capsys.readouterr().out)
    assert report["logged_searches"] == 40 and report["verdict"]["held_out_searches"] == 8
    assert report["shipped"] is False


def test_a_model_that_wins_on_held_out_searches_ships_and_ranks_for_a_fan_only(
    shop: TestClient, client: OpenSearch, brand: Brand
) -> None:
    chosen, bought, before = brand
    # More fans choose the brand's product, the latest (held-out) ones too: more than the hand-set boost
    # lifts it for them.
    _fans(shop, 20, chosen["id"], bought)
    engine = log_written(shop, client)

    report = train_ranking_model(engine)

    assert report.verdict is not None and report.verdict.shipped and report.index is not None, report.as_dict()
    assert report.verdict.model["weighted_ndcg_at_10"] > report.verdict.current["weighted_ndcg_at_10"]
    # The held-out fans clicked low on the page (rank 6 or lower), where the current order does worst:
    # weighted by where they were shown, those searches count more than the purchases found by title.
    assert report.verdict.current["weighted_ndcg_at_10"] < report.verdict.current["ndcg_at_10"]
    # The model only adjusts the unpersonalized order: an anonymous search by name keeps its order.
    assert report.known_items is not None and report.known_items.model == report.known_items.current
    # Workers notice the new model within a catalog check (0.2 s here) and rank with it, for a new fan ...
    assert eventually(lambda: bool(_ids(shop)) and engine.ranker.get() is not None)
    fan = uuid.uuid4().hex
    first = shop.get("/search", params={"q": bought["title"], "session_id": fan, "size": 50}).json()
    assert shop.post("/events", json={"events": [_event("purchase", first, bought["id"], fan)]}).json()["stored"] == 1
    ranked = shop.get("/search", params={"q": QUERY, "explain": True, "session_id": fan}).json()["items"]
    mine = next(i for i in ranked if i["id"] == chosen["id"])
    assert mine["explain"]["learned_model"]["rank"] < mine["explain"]["learned_model"]["base_rank"]
    assert ranked.index(mine) <= 2
    # ... and a shopper without history sees the unpersonalized order.
    assert _ids(shop) == before


def test_a_shipped_model_can_be_an_ab_variant_against_the_hand_set_ranking(shop: TestClient, brand: Brand) -> None:
    engine: SearchEngine = shop.app.state.engine  # type: ignore[attr-defined]
    assert engine.ranker.get() is not None, "runs after the test that ships a model"
    variants = [{"name": "hand-set", "learned_ranking": False}, {"name": "model", "learned_ranking": True}]
    body = {"id": f"exp-{uuid.uuid4().hex[:8]}", "kind": "ab", "variants": variants}
    admin = {"X-API-Key": "admin-secret", "X-Author": "ltr-test"}
    assert shop.post("/admin/experiments", json=body, headers=admin).status_code == 201
    try:
        experiment = Experiment.model_validate(body)
        for variant in ("hand-set", "model"):
            browser = next(f"browser-{n}" for n in range(1000) if experiment.assign(f"browser-{n}").name == variant)
            answer = shop.get("/search", params={"q": QUERY, "explain": True, "client_id": browser,
                                                 "session_id": uuid.uuid4().hex}).json()  # fmt: skip
            assert answer["experiment"]["variant"] == variant
            ranked_by_model = ["learned_model" in item["explain"] for item in answer["items"]]
            assert all(ranked_by_model) if variant == "model" else not any(ranked_by_model)
    finally:
        shop.post(f"/admin/experiments/{body['id']}/stop", json={}, headers=admin)


def test_the_scheduled_training_runs_in_a_child_process_at_the_lowest_priority(
    shop: TestClient, client: OpenSearch
) -> None:
    engine = log_written(shop, client)
    here = train_ranking_model(engine, publish=False).as_dict()

    report = train_in_child_process(engine.settings, timeout_s=600)

    # The same log and the same gate as a training on the worker's own thread, but not on its cores.
    assert report["niceness"] == LOWEST_PRIORITY
    assert report["logged_searches"] == here["logged_searches"] > 0
    assert report["verdict"]["held_out_searches"] == here["verdict"]["held_out_searches"], report
