"""Events exactly as OpenSearch User Behavior Insights (UBI) clients send them, on the real node: the
public UBI sample is accepted, kept in UBI's shape, and readable through the UBI index names."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch

from analytics.ubi import point_ubi_aliases
from search.engine import SearchEngine
from search.http.app import create_app
from tests.shoppers import as_user
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings

SAMPLE = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "ubi-sample-events.ndjson"


@pytest.fixture(scope="module")
def shop(catalog_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    """A shop importing its UBI history: consent handled by its own banner, events up to ten years old."""
    settings = catalog_settings.model_copy(update={"consent_required": False, "event_retention_days": 3650})
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield client


def _sample_events() -> list[dict[str, Any]]:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    pairs = zip(lines[0::2], lines[1::2], strict=True)
    return [json.loads(doc) for meta, doc in pairs if json.loads(meta)["index"]["_index"] == "ubi_events"]


def test_the_ubi_sample_is_accepted_and_unknown_products_reported(shop: TestClient, client: OpenSearch) -> None:
    events = _sample_events()
    assert len(events) == 3448
    stored = untrusted = 0
    unknown: set[str] = set()
    for start in range(0, len(events), 500):
        report = shop.post("/events", json={"events": events[start : start + 500]})
        assert report.status_code == 200, report.text
        body = report.json()
        assert body["rejected"] == []
        stored += body["stored"]
        untrusted += body["untrusted_user_ids"]
        unknown |= set(body["unknown_products"])
    assert stored == 3448
    # The sample's products are Amazon ids that are not in this catalog: reported, and still stored.
    with_products = {e["event_attributes"]["object"]["object_id"] for e in events
                     if (e.get("event_attributes") or {}).get("object", {}).get("object_id")}  # fmt: skip
    assert unknown == {str(p) for p in with_products}
    # Some sample events name a user_id; without a user token it is not believed (kept under the session).
    assert untrusted == sum(1 for e in events if e.get("user_id"))
    engine: SearchEngine = shop.app.state.engine  # type: ignore[attr-defined]
    index = engine.names.events
    client.indices.refresh(index=index)
    impressions = client.count(index=index, body={"query": {"term": {"action_name": "impression"}}})["count"]
    assert impressions == sum(1 for e in events if e["action_name"] == "impression")
    assert client.count(index=index, body={"query": {"exists": {"field": "user_id"}}})["count"] == 0


def test_a_ubi_event_keeps_its_shape_and_its_extra_attributes(shop: TestClient, client: OpenSearch) -> None:
    product = shop.get("/search", params={"q": "laptop", "size": 1}).json()["items"][0]["id"]
    event_id = uuid.uuid4().hex
    event = {
        "event_id": event_id, "application": "my-shop", "action_name": "click", "client_id": "CLIENT-1",
        "query_id": uuid.uuid4().hex, "user_query": "laptop", "message_type": "INFO", "message": None,
        "timestamp": 1733788889378, "user_id": "",
        "event_attributes": {"object": {"object_id": product, "object_id_field": "sku"},
                             "position": {"ordinal": 3, "x": 10}, "dwell_time": 4.5, "browser": "Firefox"},
        "page_url": "/search?q=laptop",
    }  # fmt: skip
    assert shop.post("/events", json={"events": [event]}).json()["stored"] == 1
    engine: SearchEngine = shop.app.state.engine  # type: ignore[attr-defined]
    stored = client.get(index=engine.names.events, id=event_id)["_source"]
    assert (stored["object_id"], stored["position"], stored["session_id"]) == (product, 3, "CLIENT-1")
    attributes = stored["event_attributes"]
    assert attributes["object"] == {"object_id": product, "object_id_field": "sku"}
    assert attributes["position"] == {"ordinal": 3, "x": 10} and attributes["dwell_time"] == 4.5
    assert attributes["extra"] == {"page_url": "/search?q=laptop"}
    assert "user_id" not in stored and stored["application"] == "my-shop"
    # A missing product on a click is named by its UBI path.
    broken = {**event, "event_id": uuid.uuid4().hex, "event_attributes": {"position": {"ordinal": 1}}}
    rejected = shop.post("/events", json={"events": [broken]}).json()["rejected"]
    assert [r["field"] for r in rejected] == ["event_attributes.object.object_id"]


def test_a_signed_ubi_user_is_believed(shop: TestClient, client: OpenSearch) -> None:
    user, event_id = f"ubi-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    event = {"event_id": event_id, "application": "my-shop", "action_name": "page_exit", "client_id": "C2",
             "user_id": user}  # fmt: skip
    body = shop.post("/events", json={"events": [event]}, headers=as_user(user)).json()
    assert (body["stored"], body["untrusted_user_ids"]) == (1, 0)
    engine: SearchEngine = shop.app.state.engine  # type: ignore[attr-defined]
    assert client.get(index=engine.names.events, id=event_id)["_source"]["user_id"] == user


def test_ubi_tools_read_the_shops_data_under_the_ubi_index_names(shop: TestClient, client: OpenSearch) -> None:
    engine: SearchEngine = shop.app.state.engine  # type: ignore[attr-defined]
    search = shop.get("/search", params={"q": "laptop"}).json()
    assert engine.behaviour is not None and engine.behaviour.searches.flush()
    aliases = point_ubi_aliases(client, engine.names, "ubi_queries_test", "ubi_events_test")
    assert aliases == {"ubi_queries_test": engine.names.queries, "ubi_events_test": engine.names.events}
    client.indices.refresh(index="ubi_queries_test,ubi_events_test")
    logged = client.search(index="ubi_queries_test", body={"query": {"term": {"query_id": search["query_id"]}}})
    assert logged["hits"]["hits"][0]["_source"]["query_response_hit_ids"] == [i["id"] for i in search["items"]]
    # Search Relevance Workbench reads clicks by `event_attributes.object.object_id` and `.position.ordinal`.
    clicks = client.count(index="ubi_events_test", body={"query": {"bool": {"filter": [
        {"term": {"action_name": "click"}}, {"exists": {"field": "event_attributes.position.ordinal"}},
        {"exists": {"field": "event_attributes.object.object_id"}}]}}})["count"]  # fmt: skip
    assert clicks > 0
    client.indices.delete_alias(index="_all", name="ubi_queries_test,ubi_events_test")


def test_an_unproven_ubi_user_is_kept_under_its_client(shop: TestClient, client: OpenSearch) -> None:
    event_id = uuid.uuid4().hex
    event = {"event_id": event_id, "application": "my-shop", "action_name": "page_exit", "client_id": "C3",
             "user_id": "someone-else"}  # fmt: skip
    body = shop.post("/events", json={"events": [event]}).json()
    assert (body["stored"], body["untrusted_user_ids"]) == (1, 1)
    engine: SearchEngine = shop.app.state.engine  # type: ignore[attr-defined]
    stored = client.get(index=engine.names.events, id=event_id)["_source"]
    assert "user_id" not in stored and stored["session_id"] == "C3"
