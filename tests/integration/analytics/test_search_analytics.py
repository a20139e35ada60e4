"""The search log and its analytics on the real node: every search is logged in the background, events
join their search by `query_id`, and the reports give the figures a merchandiser reads."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch

from cli.main import main
from reranker.behaviour.config import BehaviourConfig
from reranker.behaviour.search_log import SearchLog
from reranker.behaviour.search_record import LoggedSearch
from search.engine import SearchEngine
from search.http.app import create_app
from tests.integration.analytics.logged import log_written
from tests.shoppers import as_user
from tests.waiting import eventually
from vindbaar.embedder import Embedder
from vindbaar.index_names import IndexNames
from vindbaar.settings import Settings

ADMIN = {"X-API-Key": "admin-secret"}


@pytest.fixture(scope="module")
def shop(catalog_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    """A shop whose shoppers need no consent record (analytics does not depend on it anyway)."""
    settings = catalog_settings.model_copy(update={"consent_required": False})
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield client


def _engine(api: TestClient) -> SearchEngine:
    engine: SearchEngine = api.app.state.engine  # type: ignore[attr-defined]
    return engine


def _search(api: TestClient, q: str, **params: Any) -> dict[str, Any]:
    response = api.get("/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _event(action: str, search: dict[str, Any], position: int, session: str, **extra: Any) -> dict[str, Any]:
    return {"event_id": uuid.uuid4().hex, "action_name": action, "query_id": search["query_id"],
            "object_id": search["items"][position - 1]["id"], "position": position, "session_id": session,
            **extra}  # fmt: skip


def test_a_search_is_logged_with_what_it_showed_at_which_position(shop: TestClient, client: OpenSearch) -> None:
    session = uuid.uuid4().hex
    body = _search(shop, "Wireless  Headphones ", session_id=session, brand=["Philips"], size=5)
    log_written(shop, client)
    logged = client.get(index=_engine(shop).names.queries, id=body["query_id"])["_source"]
    assert logged["user_query"] == "Wireless  Headphones " and logged["normalized_query"] == "wireless headphones"
    assert logged["query_response_hit_ids"] == [item["id"] for item in body["items"]]
    assert logged["result_count"] == body["total"] and logged["session_id"] == session
    assert logged["query_attributes"]["filters"] == {"brand": ["Philips"]} and logged["filtered"] is True
    assert logged["kind"] == "search" and logged["latency_ms"] > 0 and logged["application"] == "vindbaar"


def test_a_zero_result_query_shows_in_the_zero_results_report(shop: TestClient, client: OpenSearch) -> None:
    nonsense = f"qqxz{uuid.uuid4().hex[:6]}"
    for _ in range(2):
        # Nothing matches the words; the hybrid search still shows semantic neighbours.
        assert _search(shop, nonsense, correct=False)["total"] > 0
    log_written(shop, client)
    report = shop.get("/admin/analytics/queries", params={"list": "zero_results", "size": 1000}, headers=ADMIN)
    figures = {q["query"]: q for q in report.json()}
    assert figures[nonsense]["searches"] == 2 and figures[nonsense]["zero_results"] == 2
    assert nonsense not in {q["query"] for q in shop.get("/admin/analytics/queries", params={"list": "no_clicks",
                                                                                               "size": 1000},
                                                               headers=ADMIN).json()}  # fmt: skip


def test_ctr_click_position_conversion_and_revenue_are_right_on_a_known_sequence(
    shop: TestClient, client: OpenSearch
) -> None:
    session, query = uuid.uuid4().hex, "bluetooth speaker"
    searches = [_search(shop, query, session_id=session, client_id="known-seq") for _ in range(4)]
    events = [
        _event("click", searches[0], 1, session), _event("click", searches[0], 3, session),  # one search, 2 clicks
        _event("click", searches[1], 2, session), _event("add_to_cart", searches[1], 2, session),
        _event("purchase", searches[1], 2, session, price=40.0, quantity=2),
        # searches[2]: shown, nothing done; searches[3]: an add to cart without a click
        _event("add_to_cart", searches[3], 4, session),
    ]  # fmt: skip
    assert shop.post("/events", json={"events": events}).json()["stored"] == len(events)
    # A retry of the same events (the shop did not see the answer) changes nothing.
    assert shop.post("/events", json={"events": events}).json()["duplicates"] == len(events)
    log_written(shop, client)
    figures = {q["query"]: q for q in shop.get("/admin/analytics/queries", params={"size": 1000},
                                               headers=ADMIN).json()}[query]  # fmt: skip
    assert figures["searches"] == 4 and figures["clicked_searches"] == 2
    assert figures["click_through_rate"] == 0.5 and figures["clicks"] == 3
    assert figures["average_click_position"] == pytest.approx((1 + 3 + 2) / 3, abs=1e-3)
    assert figures["add_to_cart_rate"] == 0.5 and figures["conversion_rate"] == 0.25
    assert figures["revenue"] == 80.0 and figures["revenue_per_search"] == 20.0
    top = {p["id"]: p["searches"] for p in figures["top_clicked"]}
    assert top == {searches[0]["items"][0]["id"]: 1, searches[0]["items"][2]["id"]: 1,
                   searches[1]["items"][1]["id"]: 1}  # fmt: skip
    no_clicks = {q["query"] for q in shop.get("/admin/analytics/queries", params={"list": "no_clicks",
                                                                                   "size": 1000},
                                              headers=ADMIN).json()}  # fmt: skip
    assert query in no_clicks  # two of its searches found results nobody clicked


def test_the_overview_totals_a_time_range(shop: TestClient, client: OpenSearch) -> None:
    _search(shop, "lamp")
    log_written(shop, client)
    everything = shop.get("/admin/analytics/overview", headers=ADMIN).json()["total"]
    future = shop.get("/admin/analytics/overview", params={"start": "2100-01-01T00:00:00Z"}, headers=ADMIN).json()
    assert everything["searches"] >= 1 and future["total"]["searches"] == 0
    bad = shop.get("/admin/analytics/overview", params={"start": "yesterday"}, headers=ADMIN)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "start"]
    assert shop.get("/admin/analytics/overview").status_code == 401


def test_autocomplete_is_logged_and_a_session_sees_its_recent_searches(shop: TestClient, client: OpenSearch) -> None:
    session = uuid.uuid4().hex
    _search(shop, "bluetooth speaker", session_id=session)
    _search(shop, "laptop", session_id=session)
    answer = shop.get("/autocomplete", params={"q": "blue", "session_id": session}).json()
    log_written(shop, client)
    logged = client.get(index=_engine(shop).names.queries, id=answer["query_id"])["_source"]
    assert logged["kind"] == "autocomplete" and logged["user_query"] == "blue"
    recent = shop.get("/autocomplete", params={"q": "", "session_id": session}).json()["recent"]
    assert recent == ["laptop", "bluetooth speaker"]
    assert shop.get("/autocomplete", params={"q": "l", "session_id": session}).json()["recent"] == ["laptop"]
    assert shop.get("/autocomplete", params={"q": "", "session_id": uuid.uuid4().hex}).json()["recent"] == []


def test_erasing_a_user_removes_their_searches(shop: TestClient, client: OpenSearch) -> None:
    user, session = f"erase-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    body = shop.get("/search", params={"q": "lamp", "user_id": user, "session_id": session},
                    headers=as_user(user)).json()  # fmt: skip
    log_written(shop, client)
    index = _engine(shop).names.queries
    assert client.exists(index=index, id=body["query_id"])
    assert shop.delete(f"/users/{user}", headers=ADMIN).status_code == 200
    assert not client.exists(index=index, id=body["query_id"])


def test_a_full_log_queue_drops_and_counts_instead_of_waiting(settings: Settings) -> None:
    # A node that does not answer: the writer holds its batch and retries while searches keep coming.
    unreachable = OpenSearch(hosts=["http://127.0.0.1:9"], timeout=0.2, max_retries=0)
    log = SearchLog(unreachable, BehaviourConfig(IndexNames("drop-test"), timeout_s=0.2), capacity=3, flush_s=0.05)
    entry = LoggedSearch(query_id="x", kind="search", user_query="q", normalized_query="q",
                         timestamp=datetime.now(UTC), result_count=0, hit_ids=[],
                         latency_ms=1.0)  # fmt: skip
    log.record(entry)
    assert eventually(lambda: log.stats().queued == 1 and log.stats().failed_writes >= 1)
    for _ in range(10):
        log.record(entry)
    stats = log.stats()
    assert (stats.dropped, stats.queued, stats.logged) == (7, 4, 0)
    log.close(timeout_s=0.1)


def test_the_cli_reports_the_same_figures(
    shop: TestClient, client: OpenSearch, catalog_settings: Settings, opensearch_url: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    _search(shop, "laptop")
    log_written(shop, client)
    monkeypatch.setenv("VINDBAAR_OPENSEARCH_URL", opensearch_url)
    monkeypatch.setenv("VINDBAAR_INDEX_ALIAS", catalog_settings.index_alias)
    assert main(["-q", "analytics", "report", "--size", "1000"]) == 0
    printed = json.loads(capsys.readouterr().out)
    api = shop.get("/admin/analytics/overview", headers=ADMIN).json()
    assert printed["overview"]["total"]["searches"] == api["total"]["searches"] > 0
    assert "laptop" in {q["query"] for q in printed["top"]}
    assert main(["-q", "analytics", "experiment", "no-such-experiment"]) == 1
    assert "no experiment 'no-such-experiment'" in capsys.readouterr().err


def test_a_merchandisers_preview_is_not_logged_as_a_shoppers_search(shop: TestClient, client: OpenSearch) -> None:
    preview = shop.post("/admin/preview", json={"search": {"q": "laptop"}, "draft": {}}, headers=ADMIN).json()
    log_written(shop, client)
    index = _engine(shop).names.queries
    assert not client.exists(index=index, id=preview["live"]["query_id"])
    assert not client.exists(index=index, id=preview["draft"]["query_id"])
