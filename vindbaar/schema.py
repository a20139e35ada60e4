"""The product document as stored in OpenSearch: its field names and how values are encoded in them.

The indexer writes documents in this shape (`indexer/documents.py`), the search engine queries and
facets on it, the reranker reads features from it. ``mappings/products.json`` is the index mapping;
the names here are the fields more than one part of the code reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# --- field names -------------------------------------------------------------------------------
ID = "id"
TITLE = "title"
DESCRIPTION = "description"
BRAND = "brand"
#: Exact brand (keyword sub-field): filters, facets, doc values.
BRAND_KEYWORD = "brand.keyword"
CATEGORY_PATH = "category_path"
#: Every prefix of the category path (``["A", "A > B", "A > B > C"]``): prefix filters and facets.
CATEGORY_ANCESTORS = "category_ancestors"
#: ``name=value`` keywords (`attribute_pair`): exact attribute filters and facets.
ATTRIBUTE_PAIRS = "attribute_pairs"
PRICE = "price"
IN_STOCK = "in_stock"
POPULARITY = "popularity"
CREATED_AT = "created_at"
LOCALE = "locale"
EMBEDDING = "embedding"
#: Hash of everything stored but the vector: a reindex skips documents whose hash is unchanged.
DOC_HASH = "doc_hash"

#: What a result tile shows (the stored fields a search returns per hit).
TILE_FIELDS: tuple[str, ...] = (
    ID, TITLE, BRAND, PRICE, "currency", "image_url", "url", CATEGORY_PATH, IN_STOCK,
)  # fmt: skip
#: Doc values the reranker and the rules read from each candidate (cheaper than `_source`).
FEATURE_FIELDS: tuple[str, ...] = (BRAND_KEYWORD, CATEGORY_ANCESTORS, ATTRIBUTE_PAIRS, PRICE, IN_STOCK)
#: Stored fields a shopper profile learns from (the embedding gives the taste vector).
PROFILE_FIELDS: tuple[str, ...] = (BRAND, CATEGORY_ANCESTORS, ATTRIBUTE_PAIRS, PRICE, EMBEDDING, TITLE, DESCRIPTION)

# --- value encodings ---------------------------------------------------------------------------
CATEGORY_SEPARATOR = " > "
#: Upper edges of the price bands: the price facet's buckets and the bands profiles learn.
PRICE_BANDS: tuple[float, ...] = (25, 50, 100, 250, 500, 1000)


def category_path(text: str) -> str:
    """The stored form of a category path: ``"A>B"`` and ``"A > B"`` are the same path."""
    return CATEGORY_SEPARATOR.join(part.strip() for part in text.split(">") if part.strip())


def attribute_pair(name: str, value: str) -> str:
    """The keyword stored for an attribute value: ``attribute_pair("Color", "Black") == "color=black"``."""
    return f"{name.lower()}={value.lower()}"


def attribute_name(pair: str) -> str:
    """The attribute name of a stored pair: ``attribute_name("color=black") == "color"``."""
    return pair.split("=", 1)[0]


def price_band(price: float | None) -> str | None:
    """The band a price falls in, e.g. ``"100-250"`` (``"1000-"`` above the last edge)."""
    if price is None:
        return None
    low = 0.0
    for edge in PRICE_BANDS:
        if price < edge:
            return f"{low:g}-{edge:g}"
        low = edge
    return f"{low:g}-"


def price(source: Mapping[str, Any]) -> float | None:
    """A document's price as a float (doc values or `_source`), None when it has none. Inline rather than
    through `single`: it runs for every candidate of a personalized search."""
    value = source.get(PRICE)
    if isinstance(value, list):
        value = value[0] if value else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def single(value: Any) -> Any:
    """One value of a field read as doc values (a list) or from `_source` (a scalar); None when empty."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def values(source: Mapping[str, Any], field: str) -> Sequence[Any]:
    """All values of a multi-valued field (doc values or `_source`)."""
    value = source.get(field)
    if value is None:
        return ()
    return value if isinstance(value, list) else [value]
