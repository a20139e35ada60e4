"""Suggestions from real searches on the real node: logged, clicked queries become autocomplete
suggestions, typo variants merged, blocked terms absent, and none leads only to hidden products."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch

from search.engine import SearchEngine
from search.http.app import create_app
from search.searched_suggestions import rebuild_searched_suggestions
from tests.integration.analytics.logged import log_written
from tests.waiting import eventually
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings

ADMIN = {"X-API-Key": "admin-secret", "X-Author": "suggestions-test"}


@pytest.fixture(scope="module")
def shop(catalog_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    settings = catalog_settings.model_copy(update={"consent_required": False, "catalog_check_s": 0.2,
                                                   "suggestions_min_searches": 3})  # fmt: skip
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield client


def _searched(shop: TestClient, q: str, times: int, click: bool = True) -> str:
    """Search `q` `times` times, each by another shopper who clicks the first result; the product clicked."""
    product = ""
    for _ in range(times):
        session = uuid.uuid4().hex
        body = shop.get("/search", params={"q": q, "session_id": session}).json()
        product = body["items"][0]["id"]
        if click:
            event = {"action_name": "click", "query_id": body["query_id"], "object_id": product, "position": 1,
                     "session_id": session}  # fmt: skip
            assert shop.post("/events", json={"events": [event]}).json()["stored"] == 1
    return product


def _suggested(shop: TestClient, typed: str) -> dict[str, dict[str, Any]]:
    return {s["text"]: s for s in shop.get("/autocomplete", params={"q": typed, "size": 20}).json()["suggestions"]}


def test_logged_searches_become_suggestions(shop: TestClient, client: OpenSearch) -> None:
    engine: SearchEngine = shop.app.state.engine  # type: ignore[attr-defined]
    headphones = _searched(shop, "sony wireless headphones", 4)
    _searched(shop, "sony wireles headphones", 1)  # a typo of the same search
    _searched(shop, "bose speaker", 2)  # too rare
    _searched(shop, "cheap knockoff speaker", 3)  # a blocked term
    _searched(shop, "marshall speaker", 3, click=False)  # never clicked
    live = shop.get("/admin/config", headers=ADMIN).json()
    config = {**live["config"], "blocked_terms": ["knockoff"]}
    assert shop.put("/admin/config", json={"config": config, "base_version": live["version"]},
                    headers=ADMIN).status_code == 201  # fmt: skip
    log_written(shop, client)
    result = rebuild_searched_suggestions(client, engine.names, engine.settings, ["knockoff"])
    assert result.suggestions >= 1
    assert eventually(lambda: "sony wireless headphones" in _suggested(shop, "sony wi"))
    suggestion = _suggested(shop, "sony wi")["sony wireless headphones"]
    assert suggestion["kind"] == "searched" and suggestion["count"] == 5  # the typo counts for it
    assert "sony wireles headphones" not in _suggested(shop, "sony wireles")
    assert "bose speaker" not in _suggested(shop, "bose")
    assert "marshall speaker" not in _suggested(shop, "marshall")
    assert not [t for t in _suggested(shop, "cheap") if "knockoff" in t]
    # Hiding the product all its searches clicked takes the suggestion away, at once.
    live = shop.get("/admin/config", headers=ADMIN).json()
    hide = {"id": "recall", "hide": {"ids": [headphones]}}
    config = {**live["config"], "rules": [*live["config"]["rules"], hide]}
    assert shop.put("/admin/config", json={"config": config, "base_version": live["version"]},
                    headers=ADMIN).status_code == 201  # fmt: skip
    assert "sony wireless headphones" not in _suggested(shop, "sony wi")
    assert headphones not in {p["id"] for p in shop.get("/autocomplete", params={"q": "sony wi"}).json()["products"]}
