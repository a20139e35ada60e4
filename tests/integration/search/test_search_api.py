"""`/search` and `/autocomplete` on a real node, through the FastAPI app, over a sample catalog."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch

from search.http.app import create_app
from tests.shoppers import as_user
from tests.tcp_proxy import TcpProxy
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings


def _search(api: TestClient, **params: Any) -> dict[str, Any]:
    response = api.get("/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _facet(body: dict[str, Any], name: str) -> dict[str, int]:
    facet = next(f for f in body["facets"] if f["name"] == name)
    return {v["value"]: v["count"] for v in facet["values"]}


def test_typo_iphnoe_finds_iphones(api: TestClient) -> None:
    body = _search(api, q="iphnoe", size=5)
    assert body["mode"] == "hybrid"
    assert all("iPhone" in item["title"] for item in body["items"][:3])


def test_prefix_head_finds_headphones(api: TestClient) -> None:
    items = _search(api, q="head", size=5)["items"]
    assert items and all("Headphones" in item["title"] for item in items)


def test_dutch_query_finds_english_titles_through_synonyms(api: TestClient) -> None:
    titles = [item["title"] for item in _search(api, q="koptelefoon", size=40)["items"]]
    assert any("Koptelefoon" in t for t in titles) and any("Headphones" in t for t in titles)


def test_brand_facet_is_disjunctive_other_brands_keep_their_counts(api: TestClient) -> None:
    sony = _search(api, q="headphones", brand="Sony", size=50)
    assert sony["items"] and {item["brand"] for item in sony["items"]} == {"Sony"}
    brands = _facet(sony, "brand")
    assert {"Sony", "Bose", "JBL"} <= brands.keys()
    selected = [v["value"] for f in sony["facets"] if f["name"] == "brand" for v in f["values"] if v["selected"]]
    assert selected == ["Sony"]
    # The Bose count shown while Sony is selected is exactly what selecting Bose gives.
    assert _search(api, q="headphones", brand="Bose")["total"] == brands["Bose"]
    # A facet that is not selected is counted under the brand filter.
    assert sum(_facet(sony, "in_stock").values()) == sony["total"]


def test_category_prefix_price_range_and_stock_filters_combine(api: TestClient) -> None:
    body = _search(api, category="Electronics > Audio", price_min=50, price_max=200, in_stock=True, size=100)
    assert body["mode"] == "browse" and body["total"] > 0
    for item in body["items"]:
        assert item["category_path"].startswith("Electronics > Audio > ")
        assert 50 <= item["price"] <= 200 and item["in_stock"] is True


def test_attribute_filter_and_its_disjunctive_facet(api: TestClient) -> None:
    body = _search(api, q="sneakers", attr="color:black", facets=["attributes"], size=50)
    assert body["total"] > 0
    values = _facet(body, "attributes")
    assert values["color=black"] == body["total"]
    assert values.get("color=white", 0) > 0  # other colours still counted


@pytest.mark.parametrize(("sort", "key", "descending"), [
    ("price_asc", "price", False), ("price_desc", "price", True),
])  # fmt: skip
def test_sorting_by_price(api: TestClient, sort: str, key: str, descending: bool) -> None:
    prices = [item[key] for item in _search(api, q="laptop", sort=sort, size=30)["items"]]
    assert len(prices) == 30 and prices == sorted(prices, reverse=descending)


def test_sorting_by_newest_and_popularity(api: TestClient, client: OpenSearch, catalog_settings: Settings) -> None:
    for sort, field in (("newest", "created_at"), ("popularity", "popularity")):
        ids = [item["id"] for item in _search(api, q="guitar", sort=sort, size=20)["items"]]
        docs = client.mget(index=catalog_settings.index_alias, body={"ids": ids})["docs"]
        values = [doc["_source"][field] for doc in docs]
        assert values == sorted(values, reverse=True), sort


def test_pages_do_not_overlap_and_page_size_is_capped(api: TestClient) -> None:
    first = [i["id"] for i in _search(api, q="lamp", size=10, page=1)["items"]]
    second = [i["id"] for i in _search(api, q="lamp", size=10, page=2)["items"]]
    assert len(first) == len(second) == 10 and not set(first) & set(second)
    too_big = api.get("/search", params={"q": "lamp", "size": 500})
    assert too_big.status_code == 422
    assert too_big.json()["detail"][0]["loc"] == ["query", "size"]
    assert "100" in too_big.json()["detail"][0]["msg"]


def test_deep_paging_and_long_queries_are_refused_with_the_limit(api: TestClient) -> None:
    deep = api.get("/search", params={"q": "lamp", "size": 100, "page": 11})
    assert deep.status_code == 422 and "1000" in deep.text
    long = api.get("/search", params={"q": "x" * 201})
    assert long.status_code == 422 and long.json()["detail"][0]["loc"] == ["query", "q"] and "200" in long.text
    bad_attr = api.get("/search", params={"attr": "black"})
    assert bad_attr.status_code == 422 and bad_attr.json()["detail"][0]["loc"] == ["query", "attr", 0]
    bad_range = api.post("/search", json={"q": "x", "filters": {"price_min": 10, "price_max": 5}})
    assert bad_range.status_code == 422 and "price_min" in bad_range.text


def test_too_few_hits_retries_with_the_corrected_query(api: TestClient) -> None:
    body = _search(api, q="hedfones", size=5)
    assert body["corrected_query"] == "headphones"
    assert all("Headphones" in item["title"] for item in body["items"])
    assert _search(api, q="jphone", size=3)["corrected_query"] == "iphone"
    assert _search(api, q="headphones")["corrected_query"] is None


def test_explain_shows_lexical_and_semantic_ranks(api: TestClient) -> None:
    items = _search(api, q="espresso machine", explain="true", size=5)["items"]
    explain = items[0]["explain"]
    assert explain["lexical_rank"] is not None and explain["semantic_rank"] is not None
    assert explain["fused_score"] == pytest.approx(items[0]["score"], abs=1e-6)
    assert _search(api, q="espresso machine", size=1)["items"][0]["explain"] is None


def test_highlighting_and_query_ids(api: TestClient) -> None:
    first, second = _search(api, q="espresso"), _search(api, q="espresso")
    assert first["query_id"] != second["query_id"]
    assert "<em>" in first["items"][0]["highlight"]["title"]


def test_post_search_accepts_json_filters(api: TestClient) -> None:
    body = {"q": "bike", "filters": {"brand": ["Gazelle", "Batavus"], "attributes": {"gears": ["7"]}}, "size": 50}
    response = api.post("/search", json=body)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert items and {i["brand"] for i in items} <= {"Gazelle", "Batavus"}


def test_user_and_session_ids_are_accepted_and_not_yet_personalized(api: TestClient) -> None:
    response = api.get("/search", params={"q": "lamp", "user_id": "u-1", "session_id": "s-1"}, headers=as_user("u-1"))
    assert response.status_code == 200 and response.json()["personalized"] is False


def test_autocomplete_completes_one_and_two_characters(api: TestClient) -> None:
    body = api.get("/autocomplete", params={"q": "ip"}).json()
    assert "iphone" in [s["text"] for s in body["suggestions"]]
    assert api.get("/autocomplete", params={"q": "s"}).json()["suggestions"]


@pytest.mark.parametrize(("typed", "expected"), [("iphnoe", "iphone"), ("koptelefon", "koptelefoon")])
def test_autocomplete_tolerates_typos(api: TestClient, typed: str, expected: str) -> None:
    body = api.get("/autocomplete", params={"q": typed}).json()
    assert any(expected in s["text"] for s in body["suggestions"]), body["suggestions"]
    assert any(expected in p["title"].lower() for p in body["products"]), body["products"]


def test_autocomplete_suggests_categories_brands_and_products(api: TestClient) -> None:
    body = api.get("/autocomplete", params={"q": "head"}).json()
    assert body["categories"][0] == {"name": "Headphones", "path": "Electronics > Audio > Headphones",
                                     "count": 50}  # fmt: skip
    assert body["products"] and all(p["price"] is not None for p in body["products"])
    assert api.get("/autocomplete", params={"q": "senn"}).json()["brands"][0]["name"] == "Sennheiser"


def test_autocomplete_of_nothing_typed_suggests_nothing_and_a_too_long_prefix_is_refused(api: TestClient) -> None:
    empty = api.get("/autocomplete").json()
    assert (empty["suggestions"], empty["products"], empty["recent"]) == ([], [], [])
    response = api.get("/autocomplete", params={"q": "x" * 500})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "q"]


def test_opensearch_down_or_hung_gives_503_and_the_service_recovers(
    catalog_settings: Settings, embedder: Embedder, opensearch_url: str
) -> None:
    host, port = opensearch_url.removeprefix("http://").split(":")
    proxy = TcpProxy(host, int(port))
    settings = catalog_settings.model_copy(update={"opensearch_url": proxy.url, "search_timeout_s": 1.0})
    try:
        with TestClient(create_app(settings, embedder=embedder)) as api:
            assert api.get("/search", params={"q": "lamp"}).status_code == 200
            proxy.down()
            down = api.get("/search", params={"q": "desk lamp"})
            assert down.status_code == 503, down.text
            assert down.headers["Retry-After"] == "5" and "unavailable" in down.json()["detail"]
            # What each worker holds keeps answering: a head query from its cache, autocomplete from memory.
            assert api.get("/search", params={"q": "lamp"}).json()["items"]
            assert api.get("/autocomplete", params={"q": "lam"}).json()["products"]
            proxy.stall()
            hung = api.get("/search", params={"q": "lamp shade"})
            assert hung.status_code == 503 and "Traceback" not in hung.text
            proxy.down()
            proxy.up()
            assert api.get("/search", params={"q": "lamp"}).status_code == 200
            metrics = api.get("/metrics").text
            assert _sample(metrics, 'vindbaar_opensearch_errors_total{kind="unreachable"}') >= 1
            assert _sample(metrics, 'vindbaar_opensearch_errors_total{kind="timeout"}') >= 1
            assert _sample(metrics, 'vindbaar_http_requests_total{method="GET",route="/search",status="503"}') == 2
    finally:
        proxy.down()


def _sample(metrics: str, name: str) -> float:
    """The value of one sample of a Prometheus text page (0 when it is not there)."""
    for line in metrics.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_by_route_and_the_engines_work(api: TestClient) -> None:
    before = _sample(
        api.get("/metrics").text, 'vindbaar_http_requests_total{method="GET",route="/search",status="200"}'
    )
    api.get("/search", params={"q": "wireless headphones"})
    api.get("/search", params={"q": "wireless headphones"})
    api.put(f"/sessions/{uuid.uuid4().hex}/consent", json={"personalization": True})
    metrics = api.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert _sample(text, 'vindbaar_http_requests_total{method="GET",route="/search",status="200"}') == before + 2
    # By route template: the session id does not become a label.
    assert _sample(text, 'vindbaar_http_requests_total{method="PUT",route="/sessions/{session_id}/consent",'
                         'status="200"}') >= 1  # fmt: skip
    assert _sample(text, 'vindbaar_http_request_duration_seconds_count{method="GET",route="/search"}') >= 2
    assert _sample(text, "vindbaar_head_cache_hits_total") >= 1  # the second search came from the cache
    assert (
        _sample(text, "vindbaar_query_embeddings_total") + _sample(text, "vindbaar_query_embedding_cache_hits_total")
        >= 1
    )
    assert "vindbaar_search_log_dropped_total" in text and "vindbaar_search_log_queued" in text


def test_missing_index_is_a_503_that_says_what_to_do(settings: Settings, embedder: Embedder,
                                                     tmp_path: Path) -> None:  # fmt: skip
    empty = settings.model_copy(update={"index_alias": f"nothing-{uuid.uuid4().hex[:8]}",
                                        "embedding_cache_path": tmp_path / "e.sqlite"})  # fmt: skip
    with TestClient(create_app(empty, embedder=embedder)) as api:
        response = api.get("/search", params={"q": "lamp"})
    assert response.status_code == 503 and "vindbaar index load" in response.json()["detail"]


def test_a_long_descriptive_query_is_answered_not_refused(api: TestClient) -> None:
    text = "comfortable city bike with seven gears for commuting to work every day in the rain and wind"
    items = _search(api, q=text, size=5)["items"]
    assert items and ("Bike" in items[0]["title"] or "Stadsfiets" in items[0]["title"])
