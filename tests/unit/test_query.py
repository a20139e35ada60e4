"""Query bodies built by pure functions."""

from __future__ import annotations

from search.query import DEFAULT_FIELDS, PREFIX_FIELDS, build_knn_query, build_lexical_query


def test_lexical_query_is_fuzzy_multi_field_with_a_prefix_clause() -> None:
    body = build_lexical_query("iphnoe", size=5)
    assert body["size"] == 5
    fuzzy, prefix = body["query"]["bool"]["should"]
    assert fuzzy["multi_match"] == {
        "query": "iphnoe", "fields": list(DEFAULT_FIELDS), "type": "most_fields",
        "fuzziness": "AUTO", "prefix_length": 1, "operator": "and",
    }  # fmt: skip
    assert prefix["multi_match"] == {
        "query": "iphnoe", "fields": list(PREFIX_FIELDS), "type": "bool_prefix", "operator": "and",
    }  # fmt: skip
    assert body["query"]["bool"]["minimum_should_match"] == 1


def test_title_outweighs_brand_category_and_description() -> None:
    boosts = {f.split("^")[0]: float(f.split("^")[1]) if "^" in f else 1.0 for f in DEFAULT_FIELDS}
    assert boosts["title"] > boosts["brand"] > boosts["category_path"] > boosts["description"]


def test_knn_query_targets_the_embedding_field_with_k() -> None:
    body = build_knn_query([0.1, 0.2], k=7)
    assert body["size"] == 7
    assert body["query"] == {"knn": {"embedding": {"vector": [0.1, 0.2], "k": 7}}}
