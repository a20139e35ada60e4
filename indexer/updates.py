"""Incremental changes to the live index: upsert, delete, and partial updates that never re-embed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.helpers import streaming_bulk
from pydantic import BaseModel, ConfigDict, Field, model_validator

from indexer.embedding_cache import EmbeddingCache
from indexer.loader import LoadStats, load_products
from vindbaar.embedder import Embedder
from vindbaar.errors import WriteFailed
from vindbaar.product import Product


class ProductPatch(BaseModel):
    """A partial update: only the fields given change; the embedding is kept as is."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=512)
    price: float | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    stock: int | None = Field(default=None, ge=0)
    in_stock: bool | None = None
    popularity: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _something_to_change(self) -> ProductPatch:
        if not self.changes():
            raise ValueError("a patch needs at least one of price, currency, stock, in_stock, popularity")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields to write; `in_stock` follows `stock` when only stock is given."""
        doc = self.model_dump(exclude={"id"}, exclude_none=True)
        if "stock" in doc and "in_stock" not in doc:
            doc["in_stock"] = doc["stock"] > 0
        return doc


@dataclass
class WriteResult:
    """Outcome of a batch of incremental writes."""

    succeeded: int = 0
    not_found: list[str] = field(default_factory=list)
    stats: LoadStats | None = None


def upsert_products(
    client: OpenSearch,
    alias: str,
    products: Iterable[Product],
    embedder: Embedder | None,
    cache: EmbeddingCache | None,
    refresh: bool = False,
) -> WriteResult:
    """Create or replace products in the live index (embedding only what the cache lacks)."""
    stats = load_products(client, alias, products, embedder, cache)
    if refresh:
        client.indices.refresh(index=alias)
    return WriteResult(succeeded=stats.indexed, stats=stats)


def _run_bulk(client: OpenSearch, actions: list[dict[str, Any]], refresh: bool) -> WriteResult:
    result = WriteResult()
    for ok, item in streaming_bulk(client, actions, raise_on_error=False, raise_on_exception=True, max_retries=5):
        (operation,) = item.values()
        if ok:
            result.succeeded += 1
        elif operation.get("status") == 404:
            result.not_found.append(str(operation.get("_id")))
        else:
            raise WriteFailed(f"OpenSearch refused the change of {operation.get('_id')!r}: {operation.get('error')}")
    if refresh and actions:
        client.indices.refresh(index=actions[0]["_index"])
    return result


def patch_products(
    client: OpenSearch, alias: str, patches: Sequence[ProductPatch], refresh: bool = False
) -> WriteResult:
    """Apply partial updates (price, stock, …); unknown ids are reported in `not_found`."""
    actions = [{"_op_type": "update", "_index": alias, "_id": p.id, "doc": p.changes()} for p in patches]
    return _run_bulk(client, actions, refresh)


def delete_products(client: OpenSearch, alias: str, ids: Sequence[str], refresh: bool = False) -> WriteResult:
    """Delete products by id; unknown ids are reported in `not_found`."""
    actions = [{"_op_type": "delete", "_index": alias, "_id": product_id} for product_id in ids]
    return _run_bulk(client, actions, refresh)
