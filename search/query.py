"""Pure functions that turn typed search inputs into OpenSearch request bodies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Field boosts of the lexical query: title > brand > category > description.
DEFAULT_FIELDS: tuple[str, ...] = (
    "title^4",
    "title.en^2",
    "title.nl^2",
    "title.de^2",
    "brand^3",
    "category_path^2",
    "attributes_text^1.5",
    "description",
    "description.en^0.5",
)
PREFIX_FIELDS: tuple[str, ...] = ("title.prefix^2", "brand.prefix", "category_path.prefix")
SOURCE_FIELDS: tuple[str, ...] = (
    "id", "title", "brand", "price", "currency", "image_url", "url", "category_path", "in_stock",
)  # fmt: skip


def build_lexical_query(
    text: str,
    size: int = 10,
    fields: Sequence[str] = DEFAULT_FIELDS,
    fuzziness: str = "AUTO",
) -> dict[str, Any]:
    """Multi-field text query, forgiving of typos, with an as-you-type prefix clause.

    Example for ``build_lexical_query("iphnoe", size=5)``::

        {"size": 5, "_source": [...], "query": {"bool": {"should": [
            {"multi_match": {"query": "iphnoe", "fields": ["title^4", ...], "type": "most_fields",
                             "fuzziness": "AUTO", "prefix_length": 1, "operator": "and"}},
            {"multi_match": {"query": "iphnoe", "fields": ["title.prefix^2", ...], "type": "bool_prefix",
                             "operator": "and"}}],
          "minimum_should_match": 1}}}
    """
    return {
        "size": size,
        "_source": list(SOURCE_FIELDS),
        "query": {
            "bool": {
                "should": [
                    {
                        "multi_match": {
                            "query": text,
                            "fields": list(fields),
                            "type": "most_fields",
                            "fuzziness": fuzziness,
                            "prefix_length": 1,
                            "operator": "and",
                        }
                    },
                    {
                        "multi_match": {
                            "query": text,
                            "fields": list(PREFIX_FIELDS),
                            "type": "bool_prefix",
                            "operator": "and",
                        }
                    },
                ],
                "minimum_should_match": 1,
            }
        },
    }


def build_knn_query(vector: Sequence[float], k: int = 10, field: str = "embedding") -> dict[str, Any]:
    """Approximate nearest-neighbour query on the embedding field.

    Example: ``{"size": 10, "_source": [...], "query": {"knn": {"embedding": {"vector": [...], "k": 10}}}}``.
    """
    return {
        "size": k,
        "_source": list(SOURCE_FIELDS),
        "query": {"knn": {field: {"vector": list(vector), "k": k}}},
    }
