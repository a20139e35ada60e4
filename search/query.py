"""Pure functions that turn typed search inputs into OpenSearch request bodies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from search.facets import build_facet_aggs
from search.params import SearchParams, SortOrder
from vindbaar import schema
from vindbaar.filters import ProductFilter

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
#: Typo-tolerant matching is limited to what shoppers name: title, brand and category.
FUZZY_FIELDS: tuple[str, ...] = ("title^4", "brand^3", "category_path^2")
PREFIX_FIELDS: tuple[str, ...] = ("title.prefix^2", "brand.prefix", "category_path.prefix")
#: All words up to three; beyond that three quarters (rounded down) of them.
MINIMUM_SHOULD_MATCH = "3<75%"
MAX_FUZZY_WORDS = 8
LANGUAGE_FIELDS = {"en": "title.en", "nl": "title.nl", "de": "title.de"}
#: Synonym alternatives score a little below what the shopper literally typed.
SYNONYM_BOOST = 0.8
#: What a list of candidates asks back: ids from doc values and no stored fields at all. A hit's stored
#: fields sit in compressed blocks with its whole source (the embedding too), and unpacking them for the 100
#: hits of a list cost more than the search itself (lexical 9.5 -> 5.4 ms, kNN 7.2 -> 2.7 ms, measured on the
#: Vespa catalog); `hit_id` reads the id back.
IDS_ONLY: dict[str, Any] = {"stored_fields": "_none_", "docvalue_fields": [schema.ID]}
SORT_CLAUSES: dict[SortOrder, list[Any]] = {
    SortOrder.price_asc: [{"price": "asc"}, "_score"],
    SortOrder.price_desc: [{"price": "desc"}, "_score"],
    SortOrder.newest: [{"created_at": {"order": "desc", "missing": "_last"}}, "_score"],
    SortOrder.popularity: [{"popularity": "desc"}, "_score"],
}
HIGHLIGHT_FIELDS = ["title", "title.en", "title.nl", "title.de", "description", "description.en"]
HIGHLIGHT = {
    "pre_tags": ["<em>"],
    "post_tags": ["</em>"],
    "fields": {"title": {"number_of_fragments": 0}, "description": {"fragment_size": 160, "number_of_fragments": 1}},
}


def fields_for_locale(locale: str | None, fields: Sequence[str] = DEFAULT_FIELDS) -> list[str]:
    """`fields`, with the title sub-field of the shopper's language boosted above the other languages."""
    language = (locale or "")[:2].lower()
    preferred = LANGUAGE_FIELDS.get(language)
    if preferred is None:
        return list(fields)
    return [f"{preferred}^3" if field.split("^")[0] == preferred else field for field in fields]


def build_text_query(
    text: str,
    fields: Sequence[str] = DEFAULT_FIELDS,
    fuzziness: str = "AUTO",
    alternatives: Sequence[str] = (),
    fuzzy: bool = True,
) -> dict[str, Any]:
    """The lexical matching clause: exact multi-field match, fuzzy match on the main fields, as-you-type
    prefixes, synonym alternatives.

    `fuzzy=False` leaves the fuzzy clause out: when every word is a known catalog word there is no typo
    to forgive, and the clause is half the cost of the lexical request.

    Up to three words all must match; longer queries need three quarters of them (descriptive queries
    rarely match word for word). Fuzziness stops at eight words and ten expansions per term: every
    expansion is a clause, and OpenSearch refuses queries of over 1,024.
    The prefix clause lets "head" find "headphones" (edge n-grams). It is not fuzzy: one edit on short
    n-grams matches far too much ("lamp" would find "lap", so laptops).
    """
    should: list[dict[str, Any]] = [
        {"multi_match": {"query": text, "fields": list(fields), "type": "most_fields",
                         "minimum_should_match": MINIMUM_SHOULD_MATCH}},
        {"multi_match": {"query": text, "fields": list(PREFIX_FIELDS), "type": "bool_prefix", "operator": "and"}},
    ]  # fmt: skip
    if fuzzy and len(text.split()) <= MAX_FUZZY_WORDS:
        should.insert(1, {"multi_match": {"query": text, "fields": list(FUZZY_FIELDS), "type": "most_fields",
                                          "fuzziness": fuzziness, "prefix_length": 1, "max_expansions": 10,
                                          "minimum_should_match": MINIMUM_SHOULD_MATCH}})  # fmt: skip
    for alternative in alternatives:
        should.append(
            {"multi_match": {"query": alternative, "fields": list(fields), "type": "most_fields",
                             "minimum_should_match": MINIMUM_SHOULD_MATCH, "boost": SYNONYM_BOOST}}
        )  # fmt: skip
    return {"bool": {"should": should, "minimum_should_match": 1}}


def build_lexical_query(
    text: str,
    size: int = 10,
    fields: Sequence[str] = DEFAULT_FIELDS,
    fuzziness: str = "AUTO",
    alternatives: Sequence[str] = (),
) -> dict[str, Any]:
    """A complete lexical search body for `text` (no filters, facets or sorting).

    Example for ``build_lexical_query("iphnoe", size=5)``::

        {"size": 5, "_source": [...], "query": {"bool": {"should": [
            {"multi_match": {"query": "iphnoe", "fields": ["title^4", ...], "type": "most_fields",
                         "minimum_should_match": "3<75%"}},
        {"multi_match": {"query": "iphnoe", "fields": ["title^4", "brand^3", "category_path^2"],
                         "fuzziness": "AUTO", "prefix_length": 1, "max_expansions": 10, ...}}, ...],
          "minimum_should_match": 1}}}
    """
    return {
        "size": size,
        "_source": list(schema.TILE_FIELDS),
        "query": build_text_query(text, fields, fuzziness, alternatives),
    }


def build_knn_query(
    vector: Sequence[float], k: int = 10, field: str = schema.EMBEDDING, filter_clauses: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """Approximate nearest-neighbour query on the embedding field, filtered inside the graph search.

    Example: ``{"size": 10, "_source": [...], "query": {"knn": {"embedding": {"vector": [...], "k": 10}}}}``.
    """
    knn: dict[str, Any] = {"vector": list(vector), "k": k}
    if filter_clauses:
        knn["filter"] = {"bool": {"filter": list(filter_clauses)}}
    return {"size": k, "_source": list(schema.TILE_FIELDS), "query": {"knn": {field: knn}}}


@dataclass(frozen=True)
class RuleClauses:
    """What merchandising rules add to every request of a search: restricting filters and hidden products."""

    filters: tuple[dict[str, Any], ...] = ()
    hidden: tuple[dict[str, Any], ...] = ()

    @classmethod
    def of(cls, filters: Sequence[ProductFilter], hides: Sequence[ProductFilter]) -> RuleClauses:
        """The clauses of the rules' restricting filters and hide filters."""
        return cls(tuple(f.clause() for f in filters), tuple(h.clause() for h in hides))

    def wrap(self, query: dict[str, Any]) -> dict[str, Any]:
        """`query` with the rule filters applied and hidden products excluded."""
        if not self.filters and not self.hidden:
            return query
        return {"bool": {"must": [query], "filter": list(self.filters), "must_not": list(self.hidden)}}


NO_RULES = RuleClauses()


def build_search_body(
    params: SearchParams,
    window: int,
    alternatives: Sequence[str] = (),
    text: str | None = None,
    rules: RuleClauses = NO_RULES,
    fuzzy: bool = True,
) -> dict[str, Any]:
    """The lexical (or browse) request of a search: matching, post-filtered hits, disjunctive facets.

    Relevance-sorted text searches fetch the top `window` for fusion; other orders page in OpenSearch.
    `text` overrides ``params.q`` (the spelling-corrected retry).
    """
    text = params.q.strip() if text is None else text
    if text:
        query: dict[str, Any] = build_text_query(
            text, fields_for_locale(params.locale), alternatives=alternatives, fuzzy=fuzzy
        )
        language = (params.locale or "")[:2].lower()
        if language:
            query = {"bool": {"must": [query], "should": [{"term": {"locale": {"value": language, "boost": 0.3}}}]}}
    else:
        query = {"match_all": {}}
    # Rules go into the query, not the post_filter: hidden products must not be counted in facets either.
    body: dict[str, Any] = {"_source": list(schema.TILE_FIELDS), "query": rules.wrap(query), "track_total_hits": True}
    if not params.filters.is_empty:
        # post_filter, not query: facet aggregations must see the unfiltered match set (disjunctive counts).
        body["post_filter"] = {"bool": {"filter": params.filters.clauses()}}
    if params.facets:
        body["aggs"] = build_facet_aggs(params.facets, params.filters)
    sort = params.sort or SortOrder.relevance
    if not text and sort is SortOrder.relevance:
        sort = SortOrder.popularity  # browsing: the best sellers first
    if text and sort is SortOrder.relevance:
        # Ids and scores only: the page's documents are fetched after fusion (`build_page_body`), which
        # spares parsing and highlighting the 100 sources of each list that are never shown.
        del body["_source"]
        body.update({"from": 0, "size": window, **IDS_ONLY})
    else:
        body.update({"from": params.offset, "size": params.size, "sort": SORT_CLAUSES[sort]})
        if text and params.highlight:
            body["highlight"] = HIGHLIGHT
    return body


def build_semantic_body(
    params: SearchParams, vector: Sequence[float], window: int, rules: RuleClauses = NO_RULES
) -> dict[str, Any]:
    """The kNN request of a hybrid search (ids and scores only), filters applied inside the graph search."""
    clauses = params.filters.clauses() + list(rules.filters)
    if rules.hidden:
        clauses.append({"bool": {"must_not": list(rules.hidden)}})
    body = {key: value for key, value in build_knn_query(vector, k=window, filter_clauses=clauses).items()
            if key != "_source"}  # fmt: skip
    return {**body, **IDS_ONLY}


def build_taste_body(ids: Sequence[str], taste: Sequence[float]) -> dict[str, Any]:
    """Score exactly the products `ids` (a search's candidates) by their embedding's cosine similarity to the
    shopper's `taste` direction; the score is ``(1 + cos) / 2``, as for a kNN search."""
    params = {"field": schema.EMBEDDING, "query_value": list(taste), "space_type": "cosinesimil"}
    script = {"source": "knn_score", "lang": "knn", "params": params}
    return {
        "size": len(ids),
        **IDS_ONLY,
        "query": {"script_score": {"query": {"ids": {"values": list(ids)}}, "script": script}},
    }


def build_word_taste_body(ids: Sequence[str], words: Mapping[str, float]) -> dict[str, Any]:
    """Score exactly the products `ids` by the words of the shopper's taste in their title or description:
    each word found adds its weight, and is named in the hit's `matched_queries` (the reason shown)."""
    clauses = [
        {"constant_score": {"filter": {"multi_match": {"query": word, "fields": [schema.TITLE, schema.DESCRIPTION],
                                                       "analyzer": "text_base", "operator": "and"}},
                            "boost": weight, "_name": word}}
        for word, weight in words.items()
    ]  # fmt: skip
    return {
        "size": len(ids),
        **IDS_ONLY,
        "query": {"bool": {"filter": [{"ids": {"values": list(ids)}}], "should": clauses}},
    }


def build_page_body(
    ids: Sequence[str], params: SearchParams, text: str, rules: RuleClauses = NO_RULES
) -> dict[str, Any]:
    """Fetch the documents of one result page by id, highlighting the words of `text` in them.

    Highlighting uses a plain match on `text` (pass the spelling-corrected query): highlighting with the
    fuzzy search query costs five times as much as the whole fetch.
    """
    body: dict[str, Any] = {
        "size": len(ids),
        "_source": list(schema.TILE_FIELDS),
        # The shopper's and the rules' filters too: a pinned product that was not retrieved must pass them.
        "query": {
            "bool": {
                "filter": [
                    {"ids": {"values": list(ids)}},
                    *params.filters.clauses(),
                    *rules.filters,
                ],
                "must_not": list(rules.hidden),
            }
        },
    }
    if text and params.highlight:
        body["highlight"] = {
            **HIGHLIGHT,
            "highlight_query": {"multi_match": {"query": text, "fields": HIGHLIGHT_FIELDS}},
        }
    return body


def with_features(body: dict[str, Any]) -> dict[str, Any]:
    """`body` also returning the doc values the reranker needs."""
    return {**body, "docvalue_fields": [*body.get("docvalue_fields", []), *schema.FEATURE_FIELDS]}


def hit_id(hit: Mapping[str, Any]) -> str:
    """A hit's product id: its `_id`, or (asked for with `IDS_ONLY`) the id doc value."""
    found = hit.get("_id")
    return str(found) if found is not None else str(hit["fields"][schema.ID][0])
