"""A leaning in price that carries over, on a real node: a shopper who keeps choosing the cheapest toys shown
sees the cheaper drums rise, though drums cost ten times as much (no price band they clicked holds a drum),
and each lifted drum says why; a shopper whose choices ignore price sees the unpersonalized order."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch

from search.engine import SearchEngine
from search.http.app import create_app
from tests.integration.catalog_alias import catalog_alias
from vindbaar.embedder import Embedder
from vindbaar.product import Product
from vindbaar.settings import Settings

TOYS = ("puzzle", "doll", "kite", "ball", "blocks")
#: Per kind: its category, its price scale and how many there are (as many drums as the drum search's page
#: shows: the products a drum's price is compared with are all drums, no toys).
KINDS = {**{toy: ("Toys", 5.0, 12) for toy in TOYS}, "drum": ("Music > Drums", 50.0, 24)}
DRUMS = KINDS["drum"][2]


def _catalog() -> list[Product]:
    """Products alike but for their price: one step of the scale per product, shuffled per kind, so that the
    cheapest of each kind has nothing else in common (a taste in words or embeddings finds nothing)."""
    products = []
    for kind, (category, scale, count) in KINDS.items():
        steps = random.Random(kind).sample(range(1, count + 1), count)
        products += [Product(id=f"{kind}-{n}", title=f"{kind.title()} model {n}", categories=[category],
                             description=f"A {kind} for every day.", price=scale * steps[n])
                     for n in range(count)]  # fmt: skip
    return products


@pytest.fixture(scope="module")
def api(client: OpenSearch, settings: Settings, embedder: Embedder, shared_embedding_cache: Path
        ) -> Iterator[TestClient]:  # fmt: skip
    with (catalog_alias(client, settings, _catalog(), embedder, "test-price-taste",
                        embedding_cache_path=shared_embedding_cache) as alias_settings,
          TestClient(create_app(alias_settings, embedder=embedder)) as test_client):  # fmt: skip
        yield test_client


def _search(api: TestClient, q: str, session: str | None = None) -> list[dict[str, Any]]:
    params = {"q": q, "size": DRUMS, "explain": "true", **({"session_id": session} if session else {})}
    response = api.get("/search", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _shop(api: TestClient, session: str, choose: Any) -> None:
    """Five searches for toys of five kinds, one click each on the product `choose` picks from what was shown."""
    response = api.put(f"/sessions/{session}/consent", json={"personalization": True})
    assert response.status_code == 200, response.text
    for q in TOYS:
        response = api.get("/search", params={"q": q, "size": 12, "session_id": session})
        shown = response.json()
        position, item = choose(shown["items"])
        event = {"event_id": uuid.uuid4().hex, "action_name": "click", "object_id": item["id"],
                 "position": position, "query_id": shown["query_id"], "session_id": session}  # fmt: skip
        assert api.post("/events", json={"events": [event]}).json()["stored"] == 1


def _price(item: dict[str, Any]) -> float:
    return float(item["price"])


def _cheapest(items: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    position = min(range(len(items)), key=lambda n: _price(items[n]))
    return position + 1, items[position]


def test_choosing_the_cheapest_toys_lifts_the_cheaper_drums_and_says_why(api: TestClient) -> None:
    session = f"s-{uuid.uuid4().hex[:8]}"
    _shop(api, session, _cheapest)
    base, mine = _search(api, "drum"), _search(api, "drum", session)
    assert {i["id"] for i in mine} == {i["id"] for i in base} and all(i["id"].startswith("drum") for i in base)
    prices = sorted(_price(i) for i in base)
    # The cheaper drums rise: the top six cost far less than the unpersonalized top six, and the cheapest
    # drum climbs many places (within the guard rails: ten places at most).
    assert sum(_price(i) for i in mine[:6]) < 0.6 * sum(_price(i) for i in base[:6]), [i["price"] for i in mine]
    cheapest = min(base, key=_price)
    assert [i["id"] for i in mine].index(cheapest["id"]) <= base.index(cheapest) - 5
    reasons = {i["id"]: i["explain"]["personalization"].get("price_leaning") for i in mine}
    # The cheapest quarter says why; the dearer half does not.
    assert all(reasons[i["id"]] == "lower" for i in mine if _price(i) < prices[len(prices) // 4]), reasons
    assert not any(reasons[i["id"]] for i in mine if _price(i) >= prices[len(prices) // 2]), reasons
    engine: SearchEngine = api.app.state.engine  # type: ignore[attr-defined]
    assert engine.behaviour is not None
    profile = engine.behaviour.profiles.for_search(None, session)
    assert profile is not None and profile.price_taste.leaning() > 0.4  # stored, so the data export shows it


def test_choices_that_ignore_price_earn_no_leaning_and_change_nothing(api: TestClient) -> None:
    rng = random.Random(5)
    session = f"s-{uuid.uuid4().hex[:8]}"

    def at_random(items: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
        position = rng.randrange(len(items))
        return position + 1, items[position]

    _shop(api, session, at_random)
    engine: SearchEngine = api.app.state.engine  # type: ignore[attr-defined]
    assert engine.behaviour is not None
    profile = engine.behaviour.profiles.for_search(None, session)
    assert profile is not None and profile.price_taste.predictions == pytest.approx(4, rel=1e-3)
    assert profile.price_taste.confidence() == 0, profile.price_taste
    base, mine = _search(api, "drum"), _search(api, "drum", session)
    assert [i["id"] for i in mine] == [i["id"] for i in base]
    assert not any(i["explain"]["personalization"].get("price_leaning") for i in mine)
