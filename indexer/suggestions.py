"""The suggestions index: autocomplete suggestions and the spelling vocabulary, built from the live catalog.

Rebuilt after every full reindex (and by `vindbaar index suggestions`) into a new versioned index
behind the ``<alias>_suggestions`` alias (`vindbaar.index_names`), so autocomplete never sees a half-built list.
Kinds: ``term`` (one title word, the spelling vocabulary), ``query`` (frequent title word pairs and
brand + category combinations), ``brand`` and ``category``.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from opensearchpy import OpenSearch, helpers

from indexer.derived_indices import DerivedBuild, replace_derived_index
from vindbaar import schema
from vindbaar.index_names import IndexNames
from vindbaar.text import words

#: Word pairs and brand/category combinations need this many products before they become suggestions.
MIN_QUERY_COUNT = 2
MAX_QUERIES = 50_000


def _is_word(token: str) -> bool:
    return len(token) >= 2 and not token.isdigit()


@dataclass
class SuggestionCounts:
    """Product counts per suggestion, gathered in one pass over the catalog."""

    terms: Counter[str]
    queries: Counter[str]
    brands: Counter[str]
    categories: Counter[str]


def count_suggestions(products: Iterable[Mapping[str, Any]]) -> SuggestionCounts:
    """Count, per product document, its title words, word pairs, brand, category ancestors and brand+leaf."""
    terms: Counter[str] = Counter()
    queries: Counter[str] = Counter()
    brands: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    for doc in products:
        title_words = words(str(doc.get("title") or ""))
        terms.update({w for w in title_words if _is_word(w)})
        pairs = {f"{a} {b}" for a, b in itertools.pairwise(title_words) if _is_word(a) and _is_word(b)}
        queries.update(pairs)
        brand = doc.get("brand")
        if brand:
            brands[str(brand)] += 1
            terms.update({w for w in words(str(brand)) if _is_word(w)} - set(title_words))
        ancestors = doc.get("category_ancestors") or []
        categories.update(ancestors)
        if brand and ancestors:
            leaf = str(ancestors[-1]).rsplit(" > ", 1)[-1]
            queries[f"{str(brand).lower()} {leaf.lower()}"] += 1
    return SuggestionCounts(terms, queries, brands, categories)


def suggestion_documents(counts: SuggestionCounts) -> Iterator[dict[str, Any]]:
    """The documents of the suggestions index; `weight` grows with the log of the product count."""

    def doc(kind: str, text: str, count: int, path: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"text": text, "kind": kind, "count": count, "weight": math.log1p(count)}
        if path is not None:
            body["path"] = path
        return body

    for term, count in counts.terms.items():
        yield doc("term", term, count)
    frequent = [(q, c) for q, c in counts.queries.most_common(MAX_QUERIES) if c >= MIN_QUERY_COUNT]
    for query, count in frequent:
        yield doc("query", query, count)
    for brand, count in counts.brands.items():
        yield doc("brand", brand, count)
    for path, count in counts.categories.items():
        yield doc("category", path.rsplit(" > ", 1)[-1], count, path)


def _catalog(client: OpenSearch, product_alias: str) -> Iterator[dict[str, Any]]:
    query = {"_source": [schema.TITLE, schema.BRAND, schema.CATEGORY_ANCESTORS], "query": {"match_all": {}}}
    for hit in helpers.scan(client, index=product_alias, query=query, size=2000):
        yield hit["_source"]


def build_suggestions(client: OpenSearch, product_alias: str) -> DerivedBuild:
    """Rebuild the suggestions index from the live products and swap its alias; older ones are deleted."""
    alias = IndexNames(product_alias).suggestions
    return replace_derived_index(
        client, alias, "suggestions", lambda: suggestion_documents(count_suggestions(_catalog(client, product_alias)))
    )


def write_searched_suggestions(
    client: OpenSearch, product_alias: str, documents: Iterable[Mapping[str, Any]]
) -> DerivedBuild:
    """Replace the suggestions mined from searches (alias ``<alias>_searched``) with `documents`."""
    return replace_derived_index(client, IndexNames(product_alias).searched, "suggestions", lambda: documents)
