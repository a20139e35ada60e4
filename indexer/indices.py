"""Versioned product indices behind an alias: create, point the alias, list, clean up."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from opensearchpy import NotFoundError, OpenSearch

from vindbaar.mappings import load_index_body


def new_index_name(alias: str, now: datetime | None = None) -> str:
    """A fresh versioned name such as ``products-20261123t094501123456``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dt%H%M%S%f")
    return f"{alias}-{stamp}"


def create_index(client: OpenSearch, name: str, embedding_dimension: int | None = None) -> None:
    """Create index `name` from ``mappings/products.json``."""
    client.indices.create(index=name, body=load_index_body("products", embedding_dimension))


def alias_targets(client: OpenSearch, alias: str) -> list[str]:
    """The indices `alias` points to now (empty if the alias does not exist)."""
    try:
        return sorted(client.indices.get_alias(name=alias).keys())
    except NotFoundError:
        return []


def point_alias(client: OpenSearch, alias: str, index: str) -> None:
    """Move `alias` to `index` in one atomic request (readers never see it missing)."""
    actions: list[dict[str, Any]] = [{"remove": {"index": old, "alias": alias}} for old in alias_targets(client, alias)]
    actions.append({"add": {"index": index, "alias": alias}})
    client.indices.update_aliases(body={"actions": actions})
