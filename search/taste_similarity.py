"""How similar a search's candidates are to the shopper's taste: exact cosines, in one request."""

from __future__ import annotations

from collections.abc import Sequence

from opensearchpy import OpenSearch

from search.query import build_taste_body, hit_id


def taste_similarity(
    client: OpenSearch, index: str, ids: Sequence[str], taste: Sequence[float], timeout_s: float
) -> dict[str, float]:
    """The cosine similarity of each product of `ids` to the `taste` direction. Every candidate gets one: a
    kNN list of the taste's neighbours would reach almost none of a query's candidates (0.3 % measured)."""
    if not ids:
        return {}
    answer = client.search(index=index, body=build_taste_body(ids, taste), request_timeout=timeout_s)
    # Lucene's cosine score is (1 + cos) / 2.
    return {hit_id(h): 2 * float(h["_score"]) - 1 for h in answer["hits"]["hits"]}
