"""`/admin/products`: incremental catalog updates over HTTP (admin key required)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field, ValidationError

from indexer.updates import ProductPatch, delete_products, patch_products, upsert_products
from search.http.deps import AdminDep, ClientDep, EmbedderDep, EmbeddingCacheDep, EngineDep, SettingsDep
from search.http.responses import ADMIN, BODY, STRICT, documented
from vindbaar.product import Product

router = APIRouter(
    prefix="/admin/products",
    tags=["admin: catalog"],
    dependencies=[AdminDep],
    responses={**ADMIN, **BODY, **documented(404)},
)

MAX_BATCH = 1000


class ItemRejected(BaseModel):
    """One item of a batch that was not written."""

    index: int
    id: str | None
    field: str
    reason: str


class ProductsUpsert(BaseModel):
    """A batch of full products (the catalog schema)."""

    model_config = STRICT

    products: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH)


class ProductsPatch(BaseModel):
    """A batch of partial updates."""

    model_config = STRICT

    patches: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH)


class WriteReport(BaseModel):
    """What was written and what was rejected."""

    written: int
    embedded: int = 0
    from_cache: int = 0
    rejected: list[ItemRejected]


def _rejected(index: int, item: dict[str, Any], exc: ValidationError) -> ItemRejected:
    error = exc.errors()[0]
    field = ".".join(str(p) for p in error["loc"]) or "-"
    raw_id = item.get("id")
    return ItemRejected(index=index, id=None if raw_id is None else str(raw_id), field=field, reason=error["msg"])


@router.post("", summary="Create or replace products")
def upsert(
    body: ProductsUpsert,
    client: ClientDep,
    settings: SettingsDep,
    embedder: EmbedderDep,
    cache: EmbeddingCacheDep,
    engine: EngineDep,
) -> WriteReport:
    """Validate each product; write the valid ones (embedding only changed texts), report the rest."""
    products: list[Product] = []
    rejected: list[ItemRejected] = []
    for index, item in enumerate(body.products):
        try:
            products.append(Product.model_validate(item))
        except ValidationError as exc:
            rejected.append(_rejected(index, item, exc))
    result = upsert_products(client, settings.index_alias, products, embedder, cache, refresh=True)
    engine.catalog_changed()
    stats = result.stats
    return WriteReport(
        written=result.succeeded,
        embedded=stats.embedded if stats else 0,
        from_cache=stats.cache_hits if stats else 0,
        rejected=rejected,
    )


@router.patch("", summary="Partially update products (price, stock, …) without re-embedding")
def patch(body: ProductsPatch, client: ClientDep, settings: SettingsDep, engine: EngineDep) -> WriteReport:
    """Apply the valid patches; unknown ids and invalid patches are reported by position."""
    patches: list[tuple[int, ProductPatch]] = []
    rejected: list[ItemRejected] = []
    for index, item in enumerate(body.patches):
        try:
            patches.append((index, ProductPatch.model_validate(item)))
        except ValidationError as exc:
            rejected.append(_rejected(index, item, exc))
    result = patch_products(client, settings.index_alias, [p for _, p in patches], refresh=True)
    engine.catalog_changed()
    missing = set(result.not_found)
    rejected += [
        ItemRejected(index=i, id=p.id, field="id", reason="no such product") for i, p in patches if p.id in missing
    ]
    return WriteReport(written=result.succeeded, rejected=sorted(rejected, key=lambda r: r.index))


@router.delete("/{product_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a product")
def delete(product_id: str, client: ClientDep, settings: SettingsDep, engine: EngineDep) -> None:
    """Remove one product from the live index."""
    result = delete_products(client, settings.index_alias, [product_id], refresh=True)
    engine.catalog_changed()
    if result.not_found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no product with id {product_id!r}")
