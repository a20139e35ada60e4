"""Turn a validated `Product` into the OpenSearch document, and the text we embed for it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from vindbaar import schema
from vindbaar.product import AttributeValue, Product

#: How many attributes (sorted by name) go into the embedded text.
KEY_ATTRIBUTES = 6


def _attribute_text(value: AttributeValue) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value)


def embedding_text(product: Product) -> str:
    """The text we embed: title, brand (if not already in the title), category path, key attributes.

    Example: ``"Sony WH-1000XM5 Wireless Headphones. Electronics > Audio > Headphones. color: black"``.
    Description is left out on purpose: shop descriptions are long and boilerplate-heavy, and
    the title/category carry what shoppers type.
    """
    parts = [product.title]
    if product.brand and product.brand.lower() not in product.title.lower():
        parts.append(product.brand)
    if product.categories:
        parts.append(product.category_path)
    attributes = sorted(product.attributes.items())[:KEY_ATTRIBUTES]
    if attributes:
        parts.append("; ".join(f"{name}: {_attribute_text(value)}" for name, value in attributes))
    return ". ".join(parts)


def content_hash(text: str) -> str:
    """Stable hash of the embedded text: the embedding cache key (with the model id)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def attribute_pairs(product: Product) -> list[str]:
    """``name=value`` keywords for exact attribute filters and facets (lists give one pair per value)."""
    pairs: list[str] = []
    for name, value in sorted(product.attributes.items()):
        values = value if isinstance(value, list) else [value]
        pairs.extend(schema.attribute_pair(name, _attribute_text(v)) for v in values)
    return pairs


def to_document(product: Product, embedding: list[float] | None, text_hash: str) -> dict[str, Any]:
    """Build the document stored in the product index."""
    doc: dict[str, Any] = {
        "id": product.id,
        "title": product.title,
        "description": product.description,
        "brand": product.brand,
        "category_path": product.category_path or None,
        "category_ancestors": product.category_ancestors,
        "category_leaf": product.categories[-1] if product.categories else None,
        "price": product.price,
        "currency": product.currency,
        "in_stock": product.in_stock,
        "stock": product.stock,
        "popularity": product.popularity,
        "attributes": {k: _attribute_text(v) for k, v in product.attributes.items()} or None,
        "attribute_pairs": attribute_pairs(product),
        "attributes_text": " ".join(_attribute_text(v) for v in product.attributes.values()) or None,
        "image_url": product.image_url,
        "url": product.url,
        "created_at": product.created_at.isoformat() if product.created_at else None,
        "locale": product.locale,
        "extra": product.extra_fields or None,
        "content_hash": text_hash,
        "indexed_at": datetime.now(UTC).isoformat(),
    }
    doc = {key: value for key, value in doc.items() if value is not None}
    doc[schema.DOC_HASH] = document_hash(doc)
    if embedding is not None:
        doc[schema.EMBEDDING] = embedding
    return doc


def document_hash(doc: dict[str, Any]) -> str:
    """Hash of everything stored about a product except when it was indexed and its vector (which follows
    from `content_hash` and the model): equal hashes mean a reindex need not rewrite the document."""
    stable = {key: value for key, value in doc.items() if key not in ("indexed_at", schema.EMBEDDING, schema.DOC_HASH)}
    return hashlib.sha256(json.dumps(stable, sort_keys=True, default=str).encode("utf-8")).hexdigest()
