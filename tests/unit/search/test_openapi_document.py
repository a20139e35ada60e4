"""The OpenAPI document speaks JSON Schema: a bound pydantic cannot place inside a type must not leak out
under pydantic's own name (`ge`, `le`, `gt`, `lt`), where clients and fuzzers silently ignore it."""

from __future__ import annotations

from typing import Any

from search.http.app import create_app
from vindbaar.settings import Settings


def _keys(node: Any, path: str = "") -> list[str]:
    if isinstance(node, dict):
        return [f"{path}/{k}" for k in node if k in {"ge", "le", "gt", "lt"}] + [
            p for k, v in node.items() for p in _keys(v, f"{path}/{k}")
        ]
    if isinstance(node, list):
        return [p for n, v in enumerate(node) for p in _keys(v, f"{path}/{n}")]
    return []


def test_every_bound_in_the_document_is_a_json_schema_keyword() -> None:
    document = create_app(Settings(opensearch_url="http://127.0.0.1:1")).openapi()
    assert _keys(document) == []
    rollback = document["components"]["schemas"]["Rollback"]["properties"]["base_version"]
    assert {"type": "integer", "minimum": 0} in rollback["anyOf"]
