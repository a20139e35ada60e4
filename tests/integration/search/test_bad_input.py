"""Bad input gets a clear 4xx, never a 5xx or a hang, on the real app and node: oversized and deeply nested
bodies, pages past the result window, text that is not UTF-8, and OpenSearch query syntax or regular
expression characters wherever a shopper types (user text reaches no query parser, script or regex)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from search.http.app import create_app
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings

ADMIN_KEY = "bad-input-admin-key"
MAX_BODY = 16_384

#: Every route that reads a JSON body, with a body it would accept.
BODY_ROUTES: list[tuple[str, str]] = [
    ("POST", "/search"),
    ("POST", "/events"),
    ("PUT", "/sessions/s-1/consent"),
    ("PUT", "/admin/config"),
    ("POST", "/admin/preview"),
    ("POST", "/admin/products"),
    ("PATCH", "/admin/products"),
    ("POST", "/admin/experiments"),
    ("POST", "/admin/experiments/sample-size"),
]

#: Query syntax (Lucene, query_string), regular expressions, scripts and markup.
SYNTAX = [
    "title:foo AND",
    "*",
    "?",
    "~",
    "/.*/",
    "\\",
    '"',
    "(",
    "[",
    "{",
    "^",
    "<script>alert(1)</script>",
    "a OR b AND NOT c",
    "foo~2 bar^10",
    '+-&&||!(){}[]^"~*?:\\/',
    ".*",
    "a.b*c(d",
    "${jndi:ldap://x/a}",
    "'; DROP TABLE products; --",
    "doc['price'].value",
    "koptelefoon\u0000",
]


@pytest.fixture(scope="module")
def api(small_catalog_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    settings = small_catalog_settings.model_copy(
        update={"admin_api_key": SecretStr(ADMIN_KEY), "max_body_bytes": MAX_BODY}
    )
    with TestClient(create_app(settings, embedder=embedder)) as client:
        client.headers["X-API-Key"] = ADMIN_KEY
        yield client


def _send(api: TestClient, method: str, path: str, body: bytes) -> Any:
    return api.request(method, path, content=body, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_an_oversized_body_is_refused_with_413(api: TestClient, method: str, path: str) -> None:
    answer = _send(api, method, path, b'{"q": "' + b"x" * MAX_BODY + b'"}')
    assert answer.status_code == 413, answer.text
    assert str(MAX_BODY) in answer.json()["detail"]


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
@pytest.mark.parametrize("nesting", [b"[", b'{"a":'], ids=["arrays", "objects"])
def test_deeply_nested_json_is_refused_quickly(api: TestClient, method: str, path: str, nesting: bytes) -> None:
    depth = 2_000  # far deeper than any request, well under the body limit
    closing = b"]" if nesting == b"[" else b"}"
    started = time.monotonic()
    answer = _send(api, method, path, nesting * depth + b"1" + closing * depth)
    assert answer.status_code in (400, 422), answer.text
    assert time.monotonic() - started < 5


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


@pytest.mark.parametrize("depth", [33, 500])
def test_free_form_json_nested_past_its_limit_is_refused_naming_the_field(api: TestClient, depth: int) -> None:
    """Within the parser's reach, but deeper than a banner or UBI attributes may nest (it answered 500)."""
    rules = [{"id": "deep", "banner": _nested(depth)}]
    version = api.get("/admin/config").json()["version"]
    config = api.put("/admin/config", json={"config": {"rules": rules}, "base_version": version},
                     headers={"X-Author": "test"})  # fmt: skip
    preview = api.post("/admin/preview", json={"search": {}, "draft": {"rules": rules}})
    for answer, where in ((config, "config"), (preview, "draft")):
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"][0]["loc"] == ["body", where, "rules", 0, "banner"]
    event = {"action_name": "click", "query_id": "q", "session_id": "s", "event_attributes": _nested(depth)}
    events = api.post("/events", json={"events": [event]})
    assert events.status_code == 200 and events.json()["rejected"][0]["field"] == "event_attributes"


def test_a_banner_within_the_limit_is_kept(api: TestClient) -> None:
    version = api.get("/admin/config").json()["version"]
    answer = api.put("/admin/config", json={"config": {"rules": [{"id": "b", "banner": _nested(32)}]},
                                            "base_version": version}, headers={"X-Author": "test"})  # fmt: skip
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize(
    ("method", "given", "field"),
    [
        ("GET", {"page": 10**30}, "page"),
        ("GET", {"page": 1001}, "page"),
        ("GET", {"page": 11, "size": 100}, "page"),
        ("GET", {"page": 0}, "page"),
        ("GET", {"page": "2.5"}, "page"),
        ("GET", {"size": 101}, "size"),
        ("POST", {"page": 10**30}, "page"),
        ("POST", {"page": 51, "size": 20}, "page"),
        ("POST", {"page": "2"}, "page"),
        ("POST", {"page": True}, "page"),
        ("POST", {"size": 2.5}, "size"),
    ],
)
def test_pages_past_the_result_window_are_refused_naming_the_field(
    api: TestClient, method: str, given: dict[str, Any], field: str
) -> None:
    if method == "GET":
        answer, where = api.get("/search", params=given), "query"
    else:
        answer, where = api.post("/search", json=given), "body"
    assert answer.status_code == 422, answer.text
    assert [where, field] in [error["loc"] for error in answer.json()["detail"]]


def test_the_deepest_page_in_the_window_is_answered(api: TestClient) -> None:
    answer = api.get("/search", params={"page": 10, "size": 100})
    assert answer.status_code == 200, answer.text
    assert answer.json()["page"] == 10


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/search", b'{"q": "\xff\xfe"}'),
        ("POST", "/events", b'{"events": [{"action_name": "click\xc3", "object_id": "x", "session_id": "s"}]}'),
        ("PUT", "/admin/config", b'{"config": {"synonyms": ["tv, telev\xe9sie"]}, "base_version": 0}'),
        ("GET", "/search?q=%FF%FE", b""),
        ("GET", "/search?brand=%C3%28", b""),
        ("GET", "/autocomplete?q=koptelef%E9", b""),
        ("GET", "/users/%FF/data", b""),
    ],
    ids=["search body", "events body", "config body", "search q", "brand filter", "autocomplete q", "path"],
)
def test_text_that_is_not_utf8_is_refused_with_400(api: TestClient, method: str, url: str, body: bytes) -> None:
    answer = _send(api, method, url, body) if body else api.request(method, url)
    assert answer.status_code == 400, answer.text
    assert "UTF-8" in answer.json()["detail"] or "parsing the body" in answer.json()["detail"]


@pytest.mark.parametrize("text", SYNTAX)
def test_query_syntax_in_what_shoppers_type_is_searched_as_text(api: TestClient, text: str) -> None:
    answers = {
        "GET /search q": api.get("/search", params={"q": text}),
        "POST /search q": api.post("/search", json={"q": text}),
        "GET /autocomplete q": api.get("/autocomplete", params={"q": text[:100]}),
        "brand": api.post("/search", json={"filters": {"brand": [text]}}),
        "category": api.post("/search", json={"filters": {"category": [text]}}),
        "attribute value": api.post("/search", json={"filters": {"attributes": {"color": [text]}},
                                                     "facets": ["attributes"]}),
        "product id": api.post("/search", json={"filters": {"ids": [text]}}),
        "preview": api.post("/admin/preview", json={"search": {"q": text}, "draft": {"blocked_terms": [text]}}),
    }  # fmt: skip
    failed = {where: (a.status_code, a.text[:200]) for where, a in answers.items() if a.status_code != 200}
    assert not failed
    # NAME:VALUE in a query string holds no control characters (its pattern says so): those are refused.
    pair = api.get("/search", params={"attr": f"color:{text}", "facets": "attributes"})
    if any(ord(c) < 0x20 for c in text):
        assert pair.status_code == 422 and pair.json()["detail"][0]["loc"] == ["query", "attr", 0]
    else:
        assert pair.status_code == 200, pair.text


@pytest.mark.parametrize("name", ["a.b*c(d", "size (EU)", "{x}", "~colour", "@home", "#1", "a|b", '"quoted"', "\\"])
def test_regex_characters_in_attribute_names_are_matched_literally(api: TestClient, name: str) -> None:
    """Attribute names are the one user text in a regular expression (the facet's `include`): escaped."""
    answer = api.post("/search", json={"filters": {"attributes": {name: ["x"]}}, "facets": ["attributes"]})
    assert answer.status_code == 200, answer.text
    facet = next(f for f in answer.json()["facets"] if f["name"] == "attributes")
    assert all(v["value"].startswith(f"{name.lower()}=") for v in facet["values"] if v["selected"])


@pytest.mark.parametrize("name", ["col[or]", "a>b", "a=b", "a:b", " ", "tab\there"])
def test_attribute_names_that_would_break_a_search_are_refused_naming_them(api: TestClient, name: str) -> None:
    answer = api.post("/search", json={"filters": {"attributes": {name: ["x"]}}})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"][:3] == ["body", "filters", "attributes"]


@pytest.mark.parametrize("answer", [0, 1, "true", "false", "yes", None, [True]])
def test_consent_is_only_a_json_boolean(api: TestClient, answer: Any) -> None:
    refused = api.put("/sessions/s-consent/consent", json={"personalization": answer})
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["body", "personalization"]
    assert api.put("/sessions/s-consent/consent", json={"personalization": False}).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/admin/config", "GET, PUT"),
        ("DELETE", "/search", "GET, POST"),
        ("PUT", "/admin/products", "PATCH, POST"),
        ("GET", "/admin/experiments/e-1/stop", "POST"),
    ],
)
def test_a_method_a_path_lacks_gets_405_naming_every_method_it_has(
    api: TestClient, method: str, path: str, allowed: str
) -> None:
    answer = api.request(method, path)
    assert answer.status_code == 405 and answer.headers["Allow"] == allowed
