"""A taste that carries over, on a real node: a shopper who keeps choosing wooden toys sees wooden products rise
in another category, though nothing the reranker reads directly (brand, category, attributes, price) says
"wooden"; a shopper clicking at random sees the unpersonalized order."""

from __future__ import annotations

import base64
import random
import uuid
from array import array
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
from vindbaar.text import words

KINDS = {"puzzle": "Toys > Puzzles", "doll": "Toys > Dolls", "drum": "Music > Drums"}
WOOD = "handmade from solid oak wood, a natural wooden finish"
PLASTIC = "moulded from bright plastic, a glossy finish"


def _catalog() -> list[Product]:
    """Twelve products per kind, a third of them wooden; same price, no brand, no attributes."""
    products = []
    for kind, category in KINDS.items():
        for n in range(12):
            wooden = n % 3 == 0
            products.append(Product(id=f"{kind}-{n}", title=f"{kind.title()} model {n}", categories=[category],
                                    description=f"A {kind} {WOOD if wooden else PLASTIC}.", price=25.0))  # fmt: skip
    return products


def _wooden(item: dict[str, Any]) -> bool:
    return int(item["id"].rsplit("-", 1)[1]) % 3 == 0


@pytest.fixture(scope="module")
def api(client: OpenSearch, settings: Settings, embedder: Embedder, shared_embedding_cache: Path
        ) -> Iterator[TestClient]:  # fmt: skip
    with (catalog_alias(client, settings, _catalog(), embedder, "test-taste",
                        embedding_cache_path=shared_embedding_cache) as alias_settings,
          TestClient(create_app(alias_settings, embedder=embedder)) as test_client):  # fmt: skip
        yield test_client


def _search(api: TestClient, q: str, session: str | None = None) -> dict[str, Any]:
    params = {"q": q, "size": 12, "explain": "true", **({"session_id": session} if session else {})}
    response = api.get("/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _shop(api: TestClient, session: str, choose: Any) -> None:
    """Five searches for toys, one click each on the product `choose` picks from what was shown."""
    response = api.put(f"/sessions/{session}/consent", json={"personalization": True})
    assert response.status_code == 200, response.text
    for q in ("puzzle", "doll", "puzzle", "doll", "puzzle"):
        shown = _search(api, q, session)
        position, item = choose(shown["items"])
        event = {"event_id": uuid.uuid4().hex, "action_name": "click", "object_id": item["id"],
                 "position": position, "query_id": shown["query_id"], "session_id": session}  # fmt: skip
        assert api.post("/events", json={"events": [event]}).json()["stored"] == 1


def _mean_rank(items: list[dict[str, Any]], which: Any) -> float:
    ranks = [rank for rank, item in enumerate(items) if which(item)]
    return sum(ranks) / len(ranks)


def test_a_taste_learned_from_choices_in_one_category_lifts_it_in_another(api: TestClient) -> None:
    session = f"s-{uuid.uuid4().hex[:8]}"
    _shop(api, session, lambda items: next((n, i) for n, i in reversed(list(enumerate(items))) if _wooden(i)))
    base = _search(api, "drum")["items"]
    mine = _search(api, "drum", session)["items"]
    assert {i["id"] for i in mine} == {i["id"] for i in base}
    assert _mean_rank(mine, _wooden) < _mean_rank(base, _wooden) - 1
    fits = {i["id"]: i["explain"]["personalization"]["taste"] for i in mine}
    best = sorted(fits, key=lambda pid: fits[pid], reverse=True)[:3]
    assert all(_wooden({"id": pid}) for pid in best), fits
    wooden, plastic = ([fits[i["id"]] for i in mine if _wooden(i) is w] for w in (True, False))
    assert sum(wooden) / len(wooden) > 2 * sum(plastic) / len(plastic)


def test_the_words_of_a_taste_are_learned_and_name_the_reason_on_the_products_that_have_them(api: TestClient) -> None:
    session = f"s-{uuid.uuid4().hex[:8]}"
    _shop(api, session, lambda items: next((n, i) for n, i in reversed(list(enumerate(items))) if _wooden(i)))
    items = _search(api, "drum", session)["items"]
    reasons = {i["id"]: i["explain"]["personalization"].get("taste_words") for i in items}
    wooden_words = set(words(WOOD))
    assert all(reasons[i["id"]] and set(reasons[i["id"]]) <= wooden_words for i in items if _wooden(i)), reasons
    assert not any(reasons[i["id"]] for i in items if not _wooden(i)), reasons
    # The words sit in the shopper's profile, where their data export shows them.
    engine: SearchEngine = api.app.state.engine  # type: ignore[attr-defined]
    assert engine.behaviour is not None
    profile = engine.behaviour.profiles.for_search(None, session)
    assert profile is not None and set(profile.taste_words()) <= wooden_words and profile.taste_words()


def test_random_clicks_earn_no_taste_and_change_nothing(api: TestClient) -> None:
    rng = random.Random(4)
    session = f"s-{uuid.uuid4().hex[:8]}"
    _shop(api, session, lambda items: rng.choice(list(enumerate(items))))
    base = [i["id"] for i in _search(api, "drum")["items"]]
    mine = _search(api, "drum", session)["items"]
    assert [i["id"] for i in mine] == base
    assert all(i["explain"]["personalization"]["taste"] == 0 for i in mine)
    assert not any(i["explain"]["personalization"].get("taste_words") for i in mine)


def test_a_taste_from_another_embedding_model_is_ignored_not_an_error(api: TestClient) -> None:
    session = f"s-{uuid.uuid4().hex[:8]}"
    _shop(api, session, lambda items: next((n, i) for n, i in reversed(list(enumerate(items))) if _wooden(i)))
    engine: SearchEngine = api.app.state.engine  # type: ignore[attr-defined]
    assert engine.behaviour is not None
    index, key = engine.behaviour.profiles.index, f"session:{session}"
    stored = engine.client.get(index=index, id=key)["_source"]
    # As if the catalog was re-embedded with a model of another dimension since this taste was learned.
    stored["state"]["taste"]["contrast_f32"] = base64.b64encode(array("f", [0.6, 0.8, 0.0]).tobytes()).decode()
    engine.client.index(index=index, id=key, body=stored, refresh=True)
    items = _search(api, "drum", session)["items"]
    # Only the word taste counts now: every product it lifts names its words.
    parts = [i["explain"]["personalization"] for i in items]
    assert items and all(part.get("taste_words") for part in parts if part["taste"] > 0)
