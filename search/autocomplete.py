"""As-you-type suggestions: completions, products, categories and brands, in one `_msearch` round trip."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from opensearchpy import OpenSearch

from search.query import NO_RULES, RuleClauses, build_text_query
from search.results import (
    AutocompleteResponse,
    BrandSuggestion,
    CategorySuggestion,
    ProductSuggestion,
    Suggestion,
)
from vindbaar import schema
from vindbaar.errors import SearchFailed
from vindbaar.index_names import IndexNames

MAX_AUTOCOMPLETE_LENGTH = 100
#: What a product line of the dropdown shows.
PRODUCT_FIELDS = [schema.ID, schema.TITLE, schema.PRICE, "currency", "image_url", "url"]


def build_suggestion_query(text: str, kinds: Sequence[str], size: int) -> dict[str, Any]:
    """Suggestions of `kinds` that complete `text`: exact prefixes first, then one-typo prefixes, by popularity.

    One or two characters only complete (no fuzziness), so "ip" suggests "iphone" and not "tip".
    """
    should: list[dict[str, Any]] = [
        {"match": {"text.prefix": {"query": text, "operator": "and", "boost": 3}}},
        {"match": {"text": {"query": text, "operator": "and", "fuzziness": "AUTO", "prefix_length": 1}}},
    ]
    if len(text.strip()) >= 4:
        should.append(
            {"match": {"text.prefix": {"query": text, "operator": "and", "fuzziness": 1, "prefix_length": 1}}}
        )
    return {
        "size": size,
        "_source": ["text", "kind", "count", "path"],
        "query": {
            "bool": {
                "filter": [{"terms": {"kind": list(kinds)}}],
                "should": should,
                "minimum_should_match": 1,
                "must": [{"rank_feature": {"field": "weight", "log": {"scaling_factor": 1}}}],
            }
        },
    }


def build_product_query(text: str, size: int, rules: RuleClauses = NO_RULES) -> dict[str, Any]:
    """Top products for a partial query: the search's lexical matching, in-stock items first, within the
    merchandising rules (hidden products never)."""
    query = {
        "bool": {
            "must": [build_text_query(text)],
            "should": [{"term": {schema.IN_STOCK: {"value": True, "boost": 0.5}}}],
        }
    }
    return {"size": size, "_source": PRODUCT_FIELDS, "query": rules.wrap(query)}


def autocomplete(
    client: OpenSearch,
    names: IndexNames,
    text: str,
    size: int,
    timeout_s: float,
    rules: RuleClauses = NO_RULES,
) -> AutocompleteResponse:
    """Suggestions for the characters typed so far (1-2 characters included, typos tolerated)."""
    started = time.perf_counter()
    query = text.strip()
    if not query:
        return AutocompleteResponse.empty(text)
    suggestions, products = names.suggestions, names.products
    body: list[dict[str, Any]] = [
        {"index": suggestions}, build_suggestion_query(query, ["query", "term"], size * 2),
        {"index": suggestions}, build_suggestion_query(query, ["category"], 3),
        {"index": suggestions}, build_suggestion_query(query, ["brand"], 3),
        {"index": products}, build_product_query(query, 4, rules),
    ]  # fmt: skip
    answers = client.msearch(body=body, request_timeout=timeout_s)["responses"]
    for answer in answers:
        # A missing suggestions index (no reindex since it was introduced) still leaves the product hits.
        if "error" in answer and answer["error"].get("type") != "index_not_found_exception":
            raise SearchFailed(answer["error"])
    if "error" in answers[-1]:
        raise SearchFailed(answers[-1]["error"])
    completions, categories, brands, products = (a.get("hits", {}).get("hits", []) for a in answers)
    return AutocompleteResponse(
        query=text,
        suggestions=_dedupe(
            [
                Suggestion(text=h["_source"]["text"], kind=h["_source"]["kind"], count=h["_source"]["count"])
                for h in completions
            ],
            size,
        ),
        products=[ProductSuggestion.model_validate(h["_source"]) for h in products],
        categories=[
            CategorySuggestion(name=h["_source"]["text"], path=h["_source"]["path"], count=h["_source"]["count"])
            for h in categories
        ],
        brands=[BrandSuggestion(name=h["_source"]["text"], count=h["_source"]["count"]) for h in brands],
        took_ms=round((time.perf_counter() - started) * 1000, 2),
    )


def _dedupe(suggestions: list[Suggestion], size: int) -> list[Suggestion]:
    seen: set[str] = set()
    kept: list[Suggestion] = []
    for suggestion in suggestions:
        if suggestion.text not in seen:
            seen.add(suggestion.text)
            kept.append(suggestion)
    return kept[:size]
