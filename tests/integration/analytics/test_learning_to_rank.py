"""Learning to rank on the real node: a model trained from logged searches ships only when it beats the
current ranking on the latest (held-out) searches, and once shipped it ranks the searches of every shopper."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch

from cli.main import main as vindbaar
from cli.ranking_commands import EXIT_NOT_SHIPPED
from search.engine import SearchEngine
from search.http.app import create_app
from search.ranking_training import train_ranking_model
from tests.waiting import eventually
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings

QUERY = "bluetooth speaker"


@pytest.fixture(scope="module")
def shop(catalog_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    # Click learning off: the current ranking is then the plain fused order, and what the model learns is
    # its own doing.
    settings = catalog_settings.model_copy(update={"consent_required": False, "catalog_check_s": 0.2,
                                                   "click_learning_strength": 0.0})  # fmt: skip
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield client


def _ids(shop: TestClient, **params: Any) -> list[str]:
    return [i["id"] for i in shop.get("/search", params={"q": QUERY, **params}).json()["items"]]


def _click(shop: TestClient, product: str, sessions: int) -> None:
    """`sessions` new shoppers each search and click `product` (logged in time order)."""
    for _ in range(sessions):
        session = uuid.uuid4().hex
        body = shop.get("/search", params={"q": QUERY, "session_id": session, "size": 20}).json()
        position = [i["id"] for i in body["items"]].index(product) + 1
        event = {"action_name": "click", "query_id": body["query_id"], "object_id": product, "position": position,
                 "session_id": session}  # fmt: skip
        assert shop.post("/events", json={"events": [event]}).json()["stored"] == 1


def _logged(shop: TestClient, client: OpenSearch) -> SearchEngine:
    engine: SearchEngine = shop.app.state.engine  # type: ignore[attr-defined]
    assert engine.behaviour is not None and engine.behaviour.searches.flush()
    client.indices.refresh(index=engine.names.queries)
    return engine


def test_a_model_that_does_worse_on_held_out_searches_is_refused(shop: TestClient, client: OpenSearch) -> None:
    before = _ids(shop)
    # Earlier shoppers chose the 7th result; the latest ones (the held-out fifth) chose the first.
    _click(shop, before[6], sessions=16)
    _click(shop, before[0], sessions=4)
    engine = _logged(shop, client)

    report = train_ranking_model(engine)

    assert report.verdict is not None and report.verdict.searches == 4
    assert report.verdict.model["ndcg_at_10"] < report.verdict.current["ndcg_at_10"]
    assert not report.verdict.shipped and report.index is None
    assert not client.indices.exists_alias(name=engine.names.ranker)
    assert _ids(shop) == before  # nothing changed for shoppers


def test_the_cli_trains_and_judges_without_publishing_on_a_dry_run(
    shop: TestClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine: SearchEngine = shop.app.state.engine  # type: ignore[attr-defined]
    monkeypatch.setenv("VINDBAAR_OPENSEARCH_URL", str(engine.settings.opensearch_url))
    monkeypatch.setenv("VINDBAAR_INDEX_ALIAS", engine.names.alias)
    monkeypatch.setenv("VINDBAAR_CLICK_LEARNING_STRENGTH", "0")

    assert vindbaar(["--quiet", "ranking", "train", "--dry-run"]) == EXIT_NOT_SHIPPED

    report = json.loads(capsys.readouterr().out)
    assert report["logged_searches"] == 20 and report["verdict"]["held_out_searches"] == 4
    assert report["shipped"] is False


def test_a_model_that_wins_on_held_out_searches_ships_and_ranks_for_a_new_shopper(
    shop: TestClient, client: OpenSearch
) -> None:
    before = _ids(shop)
    chosen = before[6]
    _click(shop, chosen, sessions=20)  # now the latest searches (held out) agree with most earlier ones
    engine = _logged(shop, client)

    report = train_ranking_model(engine)

    assert report.verdict is not None and report.verdict.shipped and report.index is not None
    assert report.verdict.model["ndcg_at_10"] > report.verdict.current["ndcg_at_10"]
    # Workers notice the new model within a catalog check (0.2 s here) and rank with it.
    assert eventually(lambda: _ids(shop).index(chosen) < 6)
    item = next(i for i in shop.get("/search", params={"q": QUERY, "explain": True, "session_id": "new"}).json()[
        "items"] if i["id"] == chosen)  # fmt: skip
    assert item["explain"]["learned_model"]["base_rank"] == 7
    assert item["explain"]["learned_model"]["rank"] < 7
