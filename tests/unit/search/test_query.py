"""Query bodies built by pure functions."""

from __future__ import annotations

from typing import Any

import pytest

from search.facets import build_facet_aggs
from search.params import MAX_RESULT_WINDOW, SearchParams, SortOrder
from search.query import (
    DEFAULT_FIELDS,
    FUZZY_FIELDS,
    PREFIX_FIELDS,
    build_knn_query,
    build_lexical_query,
    build_search_body,
    build_semantic_body,
    build_taste_body,
    build_word_taste_body,
    fields_for_locale,
    hit_id,
    with_features,
)
from vindbaar import schema
from vindbaar.filters import ProductFilter


def test_lexical_query_is_exact_fuzzy_and_prefix_on_the_right_fields() -> None:
    body = build_lexical_query("iphnoe", size=5)
    assert body["size"] == 5
    exact, fuzzy, prefix = body["query"]["bool"]["should"]
    assert exact["multi_match"] == {
        "query": "iphnoe", "fields": list(DEFAULT_FIELDS), "type": "most_fields", "minimum_should_match": "3<75%",
    }  # fmt: skip
    assert fuzzy["multi_match"]["fields"] == list(FUZZY_FIELDS)
    assert fuzzy["multi_match"]["fuzziness"] == "AUTO" and fuzzy["multi_match"]["max_expansions"] == 10
    assert prefix["multi_match"] == {
        "query": "iphnoe", "fields": list(PREFIX_FIELDS), "type": "bool_prefix", "operator": "and",
    }  # fmt: skip
    assert body["query"]["bool"]["minimum_should_match"] == 1


def test_long_descriptive_queries_are_not_fuzzy_so_they_stay_under_the_clause_limit() -> None:
    text = "push to talk handheld microphone with phone plug also for speco 600 ohm impedance"
    clauses = build_lexical_query(text)["query"]["bool"]["should"]
    assert all("fuzziness" not in clause["multi_match"] for clause in clauses)


def test_title_outweighs_brand_category_and_description() -> None:
    boosts = {f.split("^")[0]: float(f.split("^")[1]) if "^" in f else 1.0 for f in DEFAULT_FIELDS}
    assert boosts["title"] > boosts["brand"] > boosts["category_path"] > boosts["description"]


def test_knn_query_targets_the_embedding_field_with_k() -> None:
    body = build_knn_query([0.1, 0.2], k=7)
    assert body["size"] == 7
    assert body["query"] == {"knn": {"embedding": {"vector": [0.1, 0.2], "k": 7}}}


def test_synonym_alternatives_are_extra_should_clauses_below_the_typed_query() -> None:
    should = build_lexical_query("sony koptelefoon", alternatives=["sony headphones"])["query"]["bool"]["should"]
    assert should[-1]["multi_match"]["query"] == "sony headphones"
    assert should[-1]["multi_match"]["boost"] < 1


def test_filters_are_grouped_per_facet_and_category_paths_normalised() -> None:
    groups = ProductFilter(
        brand=["Sony"], category=["Electronics>Audio"], price_min=10, in_stock=True, attributes={"Color": ["Black"]}
    ).clause_groups()
    assert groups == {
        "brand": [{"terms": {"brand.keyword": ["Sony"]}}],
        "category": [{"terms": {"category_ancestors": ["Electronics > Audio"]}}],
        "price": [{"range": {"price": {"gte": 10}}}],
        "in_stock": [{"term": {"in_stock": True}}],
        "attributes:color": [{"terms": {"attribute_pairs": ["color=black"]}}],
    }


def test_each_facet_is_counted_under_every_filter_but_its_own() -> None:
    filters = ProductFilter(brand=["Sony"], in_stock=True, attributes={"color": ["black"]})
    aggs = build_facet_aggs(["brand", "in_stock", "attributes"], filters)
    brand_filters = aggs["brand"]["filter"]["bool"]["filter"]
    assert {"terms": {"brand.keyword": ["Sony"]}} not in brand_filters
    assert {"term": {"in_stock": True}} in brand_filters
    color_filters = aggs["attributes:color"]["filter"]["bool"]["filter"]
    assert {"terms": {"attribute_pairs": ["color=black"]}} not in color_filters
    assert aggs["attributes:color"]["aggs"]["values"]["terms"]["include"] == "color=.*"


def test_filters_go_to_post_filter_so_facets_see_the_unfiltered_matches() -> None:
    body = build_search_body(SearchParams(q="headphones", filters=ProductFilter(brand=["Bose"])), window=100)
    assert body["post_filter"] == {"bool": {"filter": [{"terms": {"brand.keyword": ["Bose"]}}]}}
    assert "brand" in body["aggs"]


def test_relevance_search_fetches_the_fusion_window_and_sorted_search_pages_in_opensearch() -> None:
    relevance = build_search_body(SearchParams(q="lamp", page=3, size=10), window=100)
    assert (relevance["from"], relevance["size"]) == (0, 100)
    assert "sort" not in relevance
    by_price = build_search_body(SearchParams(q="lamp", page=3, size=10, sort=SortOrder.price_asc), window=100)
    assert (by_price["from"], by_price["size"]) == (20, 10)
    assert by_price["sort"][0] == {"price": "asc"}


def test_empty_query_browses_best_sellers_first() -> None:
    body = build_search_body(SearchParams(q="  "), window=100)
    assert body["query"] == {"match_all": {}}
    assert body["sort"][0] == {"popularity": "desc"}
    assert "highlight" not in body


def test_locale_boosts_its_language_field_and_documents() -> None:
    assert "title.nl^3" in fields_for_locale("nl-NL")
    assert fields_for_locale("fr") == list(DEFAULT_FIELDS)
    body = build_search_body(SearchParams(q="fiets", locale="nl"), window=50)
    assert body["query"]["bool"]["should"] == [{"term": {"locale": {"value": "nl", "boost": 0.3}}}]


def test_semantic_request_applies_the_filters_inside_the_knn_search() -> None:
    body = build_semantic_body(SearchParams(q="x", filters=ProductFilter(in_stock=True)), [0.5], window=40)
    knn: dict[str, Any] = body["query"]["knn"]["embedding"]
    assert knn["k"] == 40
    assert knn["filter"] == {"bool": {"filter": [{"term": {"in_stock": True}}]}}


def test_the_taste_request_scores_exactly_the_candidates_and_nothing_else() -> None:
    body = build_taste_body(["a", "b"], [0.6, 0.8])
    assert body["size"] == 2 and body["stored_fields"] == "_none_" and body["docvalue_fields"] == ["id"]
    assert "_source" not in body
    scored = body["query"]["script_score"]
    assert scored["query"] == {"ids": {"values": ["a", "b"]}}
    assert scored["script"]["params"] == {"field": "embedding", "query_value": [0.6, 0.8], "space_type": "cosinesimil"}


def test_the_word_taste_request_scores_exactly_the_candidates_by_each_named_word_found() -> None:
    body = build_word_taste_body(["a", "b"], {"wooden": 2.5, "must-have": 1.0})
    assert body["size"] == 2 and body["stored_fields"] == "_none_" and body["docvalue_fields"] == ["id"]
    query = body["query"]["bool"]
    assert query["filter"] == [{"ids": {"values": ["a", "b"]}}]  # no candidate dropped, none added
    assert [c["constant_score"]["_name"] for c in query["should"]] == ["wooden", "must-have"]
    assert [c["constant_score"]["boost"] for c in query["should"]] == [2.5, 1.0]
    # The words as the index has them (no synonyms, no stemming), all of a word in one field.
    match = query["should"][1]["constant_score"]["filter"]["multi_match"]
    assert match == {"query": "must-have", "fields": ["title", "description"], "analyzer": "text_base",
                     "operator": "and"}  # fmt: skip


@pytest.mark.parametrize(
    ("params", "field"),
    [({"size": 101}, "size"), ({"q": "x" * 201}, "q"), ({"facets": ["colour"]}, "facets"), ({"page": 0}, "page")],
)
def test_out_of_range_parameters_are_rejected_naming_the_field(params: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        SearchParams.model_validate(params)


def test_paging_deeper_than_the_result_window_is_rejected() -> None:
    with pytest.raises(ValueError, match=str(MAX_RESULT_WINDOW)):
        SearchParams(page=11, size=100)


def test_without_typos_to_forgive_the_lexical_query_has_no_fuzzy_clause() -> None:
    should = build_search_body(SearchParams(q="sony headphones"), window=100, fuzzy=False)["query"]["bool"]["should"]
    assert not any("fuzziness" in clause["multi_match"] for clause in should)
    assert len(should) == 2, "exact and prefix matching stay"


@pytest.mark.parametrize(
    "text", ["title:foo AND", "*", "/.*/", "\\", '"', "(", "[", "{", "^", "~2", "<script>", "doc['price'].value"]
)
def test_what_shoppers_type_reaches_opensearch_only_as_text_to_match(text: str) -> None:
    """No query parser (query_string), regular expression, wildcard or script ever sees the shopper's text:
    it is only the `query` of match queries, which analyze it as words."""
    body = build_search_body(SearchParams(q=text, filters=ProductFilter(brand=[text], category=[text])), window=50)

    def walk(node: Any, parent: str = "") -> list[tuple[str, Any]]:
        """(key, value) of every leaf, and (key, None) of every key."""
        if isinstance(node, dict):
            return [found for key, child in node.items() for found in [(key, None), *walk(child, key)]]
        if isinstance(node, list):
            return [found for child in node for found in walk(child, parent)]
        return [(parent, node)]

    leaves = walk(body)
    assert {key for key, value in leaves if value == text} <= {"query", "brand.keyword", "category_ancestors"}
    assert not {key for key, _ in leaves} & {"query_string", "simple_query_string", "regexp", "wildcard", "script"}


def test_candidate_lists_ask_for_ids_from_doc_values_and_no_stored_fields() -> None:
    # Unpacking the stored fields of 100 hits cost more than either search (their source holds the embedding).
    lexical = build_search_body(SearchParams(q="drum"), 100)
    semantic = build_semantic_body(SearchParams(q="drum"), [0.1, 0.2], 100)
    for body in (lexical, semantic, with_features(semantic)):
        assert body["stored_fields"] == "_none_" and "_source" not in body
        assert body["docvalue_fields"][0] == "id"
    assert with_features(semantic)["docvalue_fields"][1:] == list(schema.FEATURE_FIELDS)
    # A page the shopper sees still carries its documents.
    assert build_search_body(SearchParams(q="drum", sort=SortOrder.price_asc), 100)["_source"] == list(
        schema.TILE_FIELDS
    )


@pytest.mark.parametrize(
    ("hit", "expected"),
    [
        ({"_id": "p1", "_score": 1.0}, "p1"),
        ({"_score": 1.0, "fields": {"id": ["p2"]}}, "p2"),
        ({"_id": "p3", "fields": {"id": ["p3"]}}, "p3"),
    ],
)
def test_a_hits_id_comes_from_its_id_or_its_id_doc_value(hit: dict[str, Any], expected: str) -> None:
    assert hit_id(hit) == expected
