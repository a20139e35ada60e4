"""Personalization end to end on a real node: events → profiles → reranked search, with privacy guard rails."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch

from reranker.behaviour.config import BehaviourConfig
from reranker.behaviour.store import BehaviourStore
from search.http.app import create_app
from tests.shoppers import as_user
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings

ADMIN = {"X-API-Key": "admin-secret"}
QUERY = "headphones"


def _ids() -> tuple[str, str]:
    return f"u-{uuid.uuid4().hex[:8]}", f"s-{uuid.uuid4().hex[:8]}"


def _search(api: TestClient, **params: Any) -> list[dict[str, Any]]:
    headers = as_user(params["user_id"]) if "user_id" in params else {}
    response = api.get("/search", params={"q": QUERY, "size": 50, "explain": "true", **params}, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _consent(api: TestClient, kind: str, subject: str, granted: bool = True) -> None:
    headers = ADMIN if kind == "users" else {}  # user consent comes from the shop's backend
    response = api.put(f"/{kind}/{subject}/consent", json={"personalization": granted}, headers=headers)
    assert response.status_code == 200, response.text


def _click(api: TestClient, items: list[dict[str, Any]], **who: str) -> dict[str, Any]:
    events = [{"event_id": uuid.uuid4().hex, "action_name": "click", "object_id": item["id"], "position": rank,
               **who} for rank, item in enumerate(items)]  # fmt: skip
    headers = as_user(who["user_id"]) if "user_id" in who else {}  # a logged-in shopper's storefront
    response = api.post("/events", json={"events": events}, headers=headers)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def _least_shown_brand(items: list[dict[str, Any]]) -> str:
    """The brand (of three or more items) whose items rank worst on average: the one personalization has
    most room to lift."""
    ranks: dict[str, list[int]] = {}
    for rank, item in enumerate(items):
        ranks.setdefault(item["brand"], []).append(rank)
    return max((b for b in ranks if len(ranks[b]) >= 3), key=lambda b: sum(ranks[b]) / len(ranks[b]))


def _mean_rank(items: list[dict[str, Any]], brand: str) -> float:
    ranks = [rank for rank, item in enumerate(items) if item["brand"] == brand]
    return sum(ranks) / len(ranks)


def test_clicking_a_brand_lifts_it_on_the_next_search_only_for_that_user(api: TestClient) -> None:
    user, other = _ids()
    _consent(api, "users", user)
    _consent(api, "users", other)
    base = _search(api)
    brand = _least_shown_brand(base)
    report = _click(api, [i for i in base if i["brand"] == brand][:3], user_id=user)
    assert report["stored"] == 3
    mine = _search(api, user_id=user)  # no wait: profiles are read in real time
    assert _mean_rank(mine, brand) < _mean_rank(base, brand) - 1
    # Three fresh clicks make an affinity of one half (3 / (3 + 3)): evidence, not certainty.
    assert all(item["explain"]["personalization"]["brand"] == pytest.approx(0.5, abs=0.01)
               for item in mine if item["brand"] == brand)  # fmt: skip
    assert [i["id"] for i in _search(api, user_id=other)] == [i["id"] for i in base]


def test_the_cap_limits_how_far_an_item_moves(catalog_settings: Settings, embedder: Embedder) -> None:
    strong = catalog_settings.model_copy(update={"personalization_strength": 1.0, "personalization_max_shift": 3})
    with TestClient(create_app(strong, embedder=embedder)) as api:
        user, _ = _ids()
        _consent(api, "users", user)
        base = _search(api)
        _click(api, [i for i in base if i["brand"] == _least_shown_brand(base)][:3], user_id=user)
        shifts = [abs(i["explain"]["personalization"]["rank"] - i["explain"]["personalization"]["base_rank"])
                  for i in _search(api, user_id=user)]  # fmt: skip
    assert max(shifts) == 3  # it did move things, and never further than the cap


def test_without_consent_nothing_is_stored_and_nothing_personalized(api: TestClient) -> None:
    user, _ = _ids()
    base = _search(api)
    report = _click(api, base[-3:], user_id=user)
    assert report["stored"] == 0 and report["skipped_no_consent"] == 3
    assert api.get(f"/users/{user}/data", headers=ADMIN).json()["events"] == []
    response = api.get("/search", params={"q": QUERY, "user_id": user}, headers=as_user(user))
    assert response.json()["personalized"] is False


def test_a_retried_event_is_counted_once(api: TestClient) -> None:
    user, _ = _ids()
    _consent(api, "users", user)
    event = {"event_id": f"retry-{user}", "action_name": "purchase", "object_id": _search(api)[0]["id"],
             "user_id": user, "quantity": 1, "price": 99.5}  # fmt: skip
    first = api.post("/events", json={"events": [event]}, headers=as_user(user)).json()
    again = api.post("/events", json={"events": [event]}, headers=as_user(user)).json()
    assert (first["stored"], first["duplicates"]) == (1, 0)
    assert (again["stored"], again["duplicates"]) == (0, 1)
    data = api.get(f"/users/{user}/data", headers=ADMIN).json()
    assert len(data["events"]) == 1
    assert data["profiles"][f"user:{user}"]["events"] == 1


def test_invalid_events_are_reported_by_position_and_the_valid_ones_stored(api: TestClient) -> None:
    user, _ = _ids()
    _consent(api, "users", user)
    product = _search(api)[0]["id"]
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    events = [
        {"action_name": "click", "object_id": product, "user_id": user},
        {"action_name": "tele port", "object_id": product, "user_id": user},
        {"action_name": "click", "object_id": product},
        {"action_name": "click", "object_id": product, "user_id": user, "timestamp": future},
        {"action_name": "click", "user_id": user},
    ]
    report = api.post("/events", json={"events": events}, headers=as_user(user)).json()
    assert report["stored"] == 1
    assert [(r["index"], r["field"]) for r in report["rejected"]] == [
        (1, "action_name"), (2, "-"), (3, "timestamp"), (4, "object_id"),
    ]  # fmt: skip
    assert "user_id or session_id" in report["rejected"][1]["reason"]
    too_many = api.post("/events", json={"events": [events[0]] * 501}, headers=as_user(user))
    assert too_many.status_code == 422 and "500" in too_many.text


def test_an_anonymous_session_merges_into_the_user_at_login(api: TestClient) -> None:
    user, session = _ids()
    _consent(api, "sessions", session)
    base = _search(api)
    brand = _least_shown_brand(base)
    _click(api, [i for i in base if i["brand"] == brand][:3], session_id=session)
    assert _mean_rank(_search(api, session_id=session), brand) < _mean_rank(base, brand) - 1
    # Login: the next event carries both ids; what the session learned now belongs to the user.
    _click(api, [i for i in base if i["brand"] == brand][3:4], user_id=user, session_id=session)
    data = api.get(f"/users/{user}/data", headers=ADMIN).json()
    assert data["sessions"] == [session]
    assert list(data["profiles"]) == [f"user:{user}"]
    assert data["profiles"][f"user:{user}"]["events"] == 4
    assert len(data["events"]) == 4
    assert _mean_rank(_search(api, user_id=user), brand) < _mean_rank(base, brand) - 1


def test_delete_removes_events_profiles_and_sessions(api: TestClient) -> None:
    user, session = _ids()
    _consent(api, "sessions", session)
    base = _search(api)
    _click(api, base[:2], session_id=session)
    _click(api, base[2:3], user_id=user, session_id=session)
    assert len(api.get(f"/users/{user}/data", headers=ADMIN).json()["events"]) == 3
    assert api.delete(f"/users/{user}").status_code == 401
    assert api.put(f"/users/{user}/consent", json={"personalization": False}).status_code == 401
    erased = api.delete(f"/users/{user}", headers=ADMIN).json()
    assert erased["deleted_events"] == 3 and erased["deleted_profiles"] >= 1
    data = api.get(f"/users/{user}/data", headers=ADMIN).json()
    assert data["events"] == [] and data["profiles"] == {}
    assert _search(api, user_id=user, session_id=session)[0]["explain"].get("personalization") is None


def test_withdrawing_consent_deletes_what_was_learned(api: TestClient) -> None:
    user, _ = _ids()
    _consent(api, "users", user)
    base = _search(api)
    _click(api, base[-3:], user_id=user)
    _consent(api, "users", user, granted=False)
    data = api.get(f"/users/{user}/data", headers=ADMIN).json()
    assert data["events"] == []
    assert data["profiles"][f"user:{user}"]["consent"] is False
    assert "state" not in data["profiles"][f"user:{user}"]


@pytest.fixture
def no_consent_needed(catalog_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    relaxed = catalog_settings.model_copy(update={"consent_required": False})
    with TestClient(create_app(relaxed, embedder=embedder)) as api:
        yield api


def test_when_the_shop_handles_consent_itself_events_are_stored_directly(no_consent_needed: TestClient) -> None:
    user, _ = _ids()
    report = _click(no_consent_needed, _search(no_consent_needed)[:2], user_id=user)
    assert report["stored"] == 2


def test_events_past_the_retention_are_refused_and_purged(
    api: TestClient, client: OpenSearch, catalog_settings: Settings
) -> None:
    user, _ = _ids()
    _consent(api, "users", user)
    product = _search(api)[0]["id"]
    ancient = (datetime.now(UTC) - timedelta(days=400)).isoformat()
    month_old = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    report = api.post("/events", headers=as_user(user), json={"events": [
        {"action_name": "click", "object_id": product, "user_id": user, "timestamp": ancient},
        {"action_name": "click", "object_id": product, "user_id": user, "timestamp": month_old},
    ]}).json()  # fmt: skip
    assert report["stored"] == 1
    assert report["rejected"] == [{"index": 0, "field": "timestamp", "reason": "older than the retention period"}]
    shorter = BehaviourStore(client, replace(BehaviourConfig.from_settings(catalog_settings), retention_days=7))
    assert shorter.purge_expired() >= 1
    assert api.get(f"/users/{user}/data", headers=ADMIN).json()["events"] == []


def test_an_old_single_click_weighs_less_than_recent_purchases(api: TestClient) -> None:
    old_clicker, buyer = _ids()
    for user in (old_clicker, buyer):
        _consent(api, "users", user)
    base = _search(api)
    brand = _least_shown_brand(base)
    items = [i for i in base if i["brand"] == brand]
    two_months_ago = (datetime.now(UTC) - timedelta(days=60)).isoformat()
    old = [{"action_name": "click", "object_id": items[0]["id"], "user_id": old_clicker, "timestamp": two_months_ago}]
    assert api.post("/events", json={"events": old}, headers=as_user(old_clicker)).json()["stored"] == 1
    bought = [{"action_name": "purchase", "object_id": item["id"], "user_id": buyer} for item in items[:3]]
    assert api.post("/events", json={"events": bought}, headers=as_user(buyer)).json()["stored"] == 3

    def affinity(user: str) -> float:
        explained = [
            i["explain"]["personalization"]["brand"] for i in _search(api, user_id=user) if i["brand"] == brand
        ]
        return max(explained)

    assert affinity(old_clicker) < 0.02 < 0.8 < affinity(buyer)
    assert _mean_rank(_search(api, user_id=buyer), brand) < _mean_rank(_search(api, user_id=old_clicker), brand)


def test_a_shopper_without_history_sees_the_unpersonalized_order(api: TestClient) -> None:
    user, session = _ids()
    _consent(api, "users", user)
    _consent(api, "sessions", session)
    base = [i["id"] for i in _search(api)]
    assert [i["id"] for i in _search(api, user_id=user)] == base
    assert [i["id"] for i in _search(api, session_id=session)] == base
    assert all("personalization" not in i["explain"] for i in _search(api, user_id=user, session_id=session))
