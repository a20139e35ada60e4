"""Trust, over HTTP against the real node: who a shopper is, whose data a caller may see, which pages may
call the API. The first three tests are the failures first seen from outside, now refused or hidden."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from search.http.app import create_app
from tests.shoppers import USER_TOKEN_SECRET, as_user
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings
from vindbaar.user_tokens import sign_user_token

ADMIN = {"X-API-Key": "admin-secret", "X-Author": "trust-test"}
SERVER = {"X-API-Key": "server-secret"}
SHOP = "https://shop.example"


@pytest.fixture(scope="module")
def keyed(catalog_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    """The API as a shop runs it: search key in its pages, a server key in its backend, CORS for its origin."""
    settings = catalog_settings.model_copy(update={
        "search_api_key": SecretStr("search-key"), "server_api_key": SecretStr("server-secret"), "cors_origins": SHOP,
    })  # fmt: skip
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield client


def _events(user: str | None, session: str | None, product: str, n: int = 1) -> dict[str, Any]:
    who = {k: v for k, v in (("user_id", user), ("session_id", session)) if v}
    return {"events": [{"event_id": uuid.uuid4().hex, "action_name": "purchase", "object_id": product, **who}
                       for _ in range(n)]}  # fmt: skip


def _a_product(api: TestClient) -> str:
    product: str = api.get("/search", params={"q": "puzzle", "size": 1}).json()["items"][0]["id"]
    return product


def test_a_public_caller_cannot_write_into_another_shoppers_profile(api: TestClient) -> None:
    victim, session = f"victim-{uuid.uuid4().hex[:6]}", f"att-{uuid.uuid4().hex[:6]}"
    assert (
        api.put(f"/users/{victim}/consent", json={"personalization": True}, headers=as_user(victim)).status_code == 200
    )
    assert api.put(f"/sessions/{session}/consent", json={"personalization": True}).status_code == 200
    product = _a_product(api)
    unsigned = api.post("/events", json=_events(victim, session, product))
    assert unsigned.status_code == 401 and "X-User-Token" in unsigned.json()["detail"]
    someone_else = api.post("/events", json=_events(victim, session, product), headers=as_user("attacker"))
    assert someone_else.status_code == 403
    assert api.get(f"/users/{victim}/data", headers=ADMIN).json()["events"] == []
    # The victim's own storefront, with the token the shop's backend signed, is accepted.
    own = api.post("/events", json=_events(victim, session, product), headers=as_user(victim))
    assert own.status_code == 200 and own.json()["stored"] == 1


def test_a_public_caller_cannot_read_another_shoppers_affinities(api: TestClient) -> None:
    victim = f"victim-{uuid.uuid4().hex[:6]}"
    response = api.get("/search", params={"q": "puzzle", "user_id": victim, "explain": "true"})
    assert response.status_code == 401
    forged = {"X-User-Token": sign_user_token("a guessed secret", victim)}
    assert api.get("/search", params={"q": "puzzle", "user_id": victim}, headers=forged).status_code == 401
    assert api.get("/search", params={"q": "puzzle", "user_id": victim}, headers=as_user("other")).status_code == 403


def test_a_browser_on_the_shops_origin_may_call_the_api_and_others_may_not(keyed: TestClient) -> None:
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-api-key, x-user-token"}
    allowed = keyed.options("/search", headers={"Origin": SHOP, **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == SHOP
    assert "x-user-token" in allowed.headers["access-control-allow-headers"].lower()
    refused = keyed.options("/search", headers={"Origin": "https://evil.example", **preflight})
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
    answer = keyed.get("/search", params={"q": "lamp"}, headers={"Origin": SHOP, "X-API-Key": "search-key"})
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == SHOP


def test_without_configured_origins_no_cross_origin_call_is_allowed(api: TestClient) -> None:
    preflight = {"Origin": SHOP, "Access-Control-Request-Method": "GET"}
    response = api.options("/search", headers=preflight)
    assert "access-control-allow-origin" not in response.headers


def test_user_tokens_expire_and_cannot_be_altered(api: TestClient) -> None:
    user = "u-token"
    expired = sign_user_token(USER_TOKEN_SECRET, user, ttl_s=60, now=time.time() - 120)
    response = api.get("/search", params={"q": "lamp", "user_id": user}, headers={"X-User-Token": expired})
    assert response.status_code == 401 and "expired" in response.json()["detail"]
    version, payload, signature = as_user(user)["X-User-Token"].split(".")
    altered = f"{version}.{payload[:-2]}xx.{signature}"
    response = api.get("/search", params={"q": "lamp", "user_id": user}, headers={"X-User-Token": altered})
    assert response.status_code == 401
    garbled = api.get(
        "/search", params={"q": "lamp", "user_id": user}, headers={"X-User-Token": "v1.é.é".encode("latin-1")}
    )
    assert garbled.status_code == 401
    # A page left open past its token's expiry still searches and completes, anonymously.
    anonymous = api.get("/search", params={"q": "lamp"}, headers={"X-User-Token": expired})
    assert anonymous.status_code == 200 and anonymous.json()["personalized"] is False
    assert api.get("/autocomplete", params={"q": "la"}, headers={"X-User-Token": expired}).status_code == 200


def test_the_shops_backend_may_act_for_any_shopper_with_the_server_key(keyed: TestClient) -> None:
    user, session = f"u-{uuid.uuid4().hex[:6]}", f"s-{uuid.uuid4().hex[:6]}"
    search_key = {"X-API-Key": "search-key"}
    assert keyed.put(f"/users/{user}/consent", json={"personalization": True}, headers=search_key).status_code == 401
    assert keyed.put(f"/users/{user}/consent", json={"personalization": True}, headers=SERVER).status_code == 200
    product = keyed.get("/search", params={"q": "puzzle", "size": 1}, headers=search_key).json()["items"][0]["id"]
    assert keyed.post("/events", json=_events(user, session, product), headers=SERVER).json()["stored"] == 1
    assert keyed.get("/search", params={"q": "puzzle", "user_id": user}, headers=SERVER).status_code == 200
    assert keyed.get("/admin/config", headers=SERVER).status_code == 403, "the server key is no admin key"


def test_a_users_withdrawal_wins_over_a_sessions_consent(api: TestClient) -> None:
    user, session = f"u-{uuid.uuid4().hex[:6]}", f"s-{uuid.uuid4().hex[:6]}"
    product = _a_product(api)
    api.put(f"/users/{user}/consent", json={"personalization": True}, headers=as_user(user))
    assert api.post("/events", json=_events(user, None, product), headers=as_user(user)).json()["stored"] == 1
    api.put(f"/users/{user}/consent", json={"personalization": False}, headers=as_user(user))
    api.put(f"/sessions/{session}/consent", json={"personalization": True})
    report = api.post("/events", json=_events(user, session, product, n=3), headers=as_user(user)).json()
    assert (report["stored"], report["skipped_no_consent"]) == (0, 3)
    searched = api.get("/search", params={"q": "puzzle", "user_id": user, "session_id": session},
                       headers=as_user(user)).json()  # fmt: skip
    assert searched["personalized"] is False
    data = api.get(f"/users/{user}/data", headers=ADMIN).json()
    assert data["events"] == []
    assert data["profiles"][f"user:{user}"]["consent"] is False and data["profiles"][f"user:{user}"]["events"] == 0


def test_rule_details_are_for_merchandisers_only(api: TestClient) -> None:
    items = api.get("/search", params={"q": "lamp", "size": 5}).json()["items"]
    recalled, pinned = items[0]["id"], items[-1]["id"]
    base = api.get("/admin/config", headers=ADMIN).json()["version"]
    config = {"rules": [{"id": "recall-x", "hide": {"ids": [recalled]}},
                        {"id": "pin-y", "pins": [{"product_id": recalled, "position": 1},
                                                 {"product_id": pinned, "position": 2}]}]}  # fmt: skip
    assert api.put("/admin/config", json={"config": config, "base_version": base}, headers=ADMIN).status_code == 201
    try:
        params = {"q": "lamp", "explain": "true"}
        public = api.get("/search", params=params).json()
        assert public["rules_applied"] == [] and public["rule_conflicts"] == []
        assert all("pinned" not in item["explain"] and "rules" not in item["explain"] for item in public["items"])
        assert recalled not in str(public)
        merchandiser = api.get("/search", params=params, headers=ADMIN).json()
        assert merchandiser["rules_applied"] == ["recall-x", "pin-y"]
        assert any(recalled in conflict for conflict in merchandiser["rule_conflicts"])
        assert merchandiser["items"][1]["explain"]["pinned"] == {"rule": "pin-y", "position": 2}
    finally:
        base = api.get("/admin/config", headers=ADMIN).json()["version"]
        api.put("/admin/config", json={"config": {}, "base_version": base}, headers=ADMIN)


@pytest.mark.parametrize("answer", [0, 1, "true", "yes", None])
def test_consent_is_a_json_boolean_and_nothing_coerced_into_one(api: TestClient, answer: object) -> None:
    session = f"strict-{uuid.uuid4().hex[:6]}"
    response = api.put(f"/sessions/{session}/consent", json={"personalization": answer})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "personalization"]
    assert api.put(f"/sessions/{session}/consent", json={"personalization": False}).status_code == 200
