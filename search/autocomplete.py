"""As-you-type suggestions, answered from memory: completions, categories, brands and products.

Autocomplete runs on every keystroke, so it must cost less than one OpenSearch round trip (about 2 ms on
a small machine, the whole budget). Each worker therefore holds an `AutocompleteIndex`: the suggestions
index (kinds ``query``, ``term``, ``category``, ``brand``) and the display fields of the catalog's most
popular products, in `PrefixIndex`es. It is rebuilt in the background whenever the catalog's generation
changes (`search.generation`); until a rebuild is done the previous one answers, also while OpenSearch is
down. Merchandising hide rules and restricting filters are applied to the products in Python with the
same `ProductFilter` that filters searches.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from opensearchpy import NotFoundError, OpenSearch, helpers

from search.prefix_index import PrefixIndex, typed_words
from search.results import (
    AutocompleteResponse,
    BrandSuggestion,
    CategorySuggestion,
    ProductSuggestion,
    Suggestion,
)
from vindbaar import schema
from vindbaar.filters import ProductFilter
from vindbaar.index_names import IndexNames
from vindbaar.text import blocked

log = logging.getLogger(__name__)

MAX_AUTOCOMPLETE_LENGTH = 100
PRODUCTS_SHOWN = 4
CATEGORIES_SHOWN = 3
BRANDS_SHOWN = 3
#: What a product line of the dropdown shows, then what rules filter on.
DISPLAY_FIELDS = (schema.ID, schema.TITLE, schema.PRICE, "currency", "image_url", "url")
FILTER_FIELDS = (schema.BRAND, schema.CATEGORY_ANCESTORS, schema.ATTRIBUTE_PAIRS, schema.IN_STOCK)
COMPLETION_KINDS = ("searched", "query", "term")


@dataclass(frozen=True, slots=True)
class SuggestionEntry:
    """One line of the suggestions index."""

    text: str
    kind: str
    count: int
    path: str | None = None
    products: tuple[str, ...] = ()  # searched: the products its searches clicked most


@dataclass(frozen=True, slots=True)
class ProductEntry:
    """What the dropdown shows of a product, and what rules filter it on (tuples: compact, immutable)."""

    display: tuple[Any, ...]  # DISPLAY_FIELDS, in order
    brand: str | None
    ancestors: tuple[str, ...]
    pairs: tuple[str, ...]
    in_stock: bool | None

    def passes(self, filters: Sequence[ProductFilter], hides: Sequence[ProductFilter]) -> bool:
        """Whether the rules let this product show: it passes every restricting filter and no hide."""
        if not filters and not hides:
            return True
        source = {schema.BRAND: self.brand, schema.CATEGORY_ANCESTORS: list(self.ancestors),
                  schema.ATTRIBUTE_PAIRS: list(self.pairs), schema.PRICE: self.display[2],
                  schema.IN_STOCK: self.in_stock}  # fmt: skip
        product_id = str(self.display[0])
        return all(f.matches(product_id, source) for f in filters) and not any(
            h.matches(product_id, source) for h in hides
        )

    def suggestion(self) -> ProductSuggestion:
        return ProductSuggestion.model_validate(dict(zip(DISPLAY_FIELDS, self.display, strict=True)))


class AutocompleteIndex:
    """The suggestions and products of one catalog generation, searchable by what was typed so far."""

    def __init__(self, suggestions: Sequence[SuggestionEntry], products: Sequence[ProductEntry]) -> None:
        # Rank order: what shoppers really searched first, then the most used suggestions; the in-stock,
        # most popular products first.
        self._suggestions = sorted(suggestions, key=lambda s: (s.kind != "searched", -s.count, s.text))
        self._products = list(products)
        self._by_id = {str(p.display[0]): p for p in self._products}
        self._suggestion_index = PrefixIndex(typed_words(s.text) for s in self._suggestions)
        self._product_index = PrefixIndex(typed_words(f"{p.display[1]} {p.brand or ''}") for p in self._products)
        by_kind: dict[str, list[int]] = {}
        for number, entry in enumerate(self._suggestions):
            by_kind.setdefault(entry.kind, []).append(number)
        self._completions = self._suggestion_index.mask_of(n for k in COMPLETION_KINDS for n in by_kind.get(k, []))
        self._categories = self._suggestion_index.mask_of(by_kind.get("category", []))
        self._brands = self._suggestion_index.mask_of(by_kind.get("brand", []))

    @property
    def products(self) -> int:
        return len(self._products)

    @property
    def suggestions(self) -> int:
        return len(self._suggestions)

    def suggest(
        self,
        text: str,
        size: int,
        filters: Sequence[ProductFilter] = (),
        hides: Sequence[ProductFilter] = (),
        blocked_terms: Collection[str] = (),
    ) -> AutocompleteResponse:
        """Suggestions for the characters typed so far: exact beginnings first, then with typos, by use.
        No completion contains a blocked term, and none leads only to products the rules hide."""
        started = time.perf_counter()
        typed = typed_words(text)
        if not typed:
            return AutocompleteResponse.empty(text)
        best = self._suggestion_index.lookup(typed).best
        completions = [
            entry for entry in (self._suggestions[n] for n in best(size * 3, self._completions))
            if not blocked(entry.text, blocked_terms) and self._leads_somewhere(entry, filters, hides)
        ]  # fmt: skip
        categories = [self._suggestions[n] for n in best(CATEGORIES_SHOWN, self._categories)]
        brands = [self._suggestions[n] for n in best(BRANDS_SHOWN, self._brands)]
        return AutocompleteResponse(
            query=text,
            suggestions=_dedupe(completions, size),
            products=[p.suggestion() for p in self._shown_products(typed, filters, hides)],
            categories=[CategorySuggestion(name=c.text, path=c.path or c.text, count=c.count) for c in categories],
            brands=[BrandSuggestion(name=b.text, count=b.count) for b in brands],
            took_ms=round((time.perf_counter() - started) * 1000, 2),
        )

    def _leads_somewhere(
        self, entry: SuggestionEntry, filters: Sequence[ProductFilter], hides: Sequence[ProductFilter]
    ) -> bool:
        """False for a searched suggestion all of whose clicked products the rules keep from showing."""
        if not entry.products or (not filters and not hides):
            return True
        known = [self._by_id[p] for p in entry.products if p in self._by_id]
        return len(known) < len(entry.products) or any(p.passes(filters, hides) for p in known)

    def _shown_products(
        self, typed: list[str], filters: Sequence[ProductFilter], hides: Sequence[ProductFilter]
    ) -> list[ProductEntry]:
        lookup = self._product_index.lookup(typed)
        if not filters and not hides:
            return [self._products[n] for n in lookup.best(PRODUCTS_SHOWN)]
        # Rules hide few products: look a little further down the list for each one they take out.
        wanted = PRODUCTS_SHOWN
        while True:
            numbers = lookup.best(wanted)
            shown = [p for p in (self._products[n] for n in numbers) if p.passes(filters, hides)]
            if len(shown) >= PRODUCTS_SHOWN or len(numbers) < wanted:
                return shown[:PRODUCTS_SHOWN]
            wanted *= 4


def _dedupe(entries: list[SuggestionEntry], size: int) -> list[Suggestion]:
    seen: set[str] = set()
    kept: list[Suggestion] = []
    for entry in entries:
        if entry.text not in seen:
            seen.add(entry.text)
            kept.append(Suggestion(text=entry.text, kind=entry.kind, count=entry.count))  # type: ignore[arg-type]
    return kept[:size]


def _scan(client: OpenSearch, index: str, fields: Sequence[str], timeout_s: float) -> Iterator[dict[str, Any]]:
    query = {"_source": list(fields), "query": {"match_all": {}}}
    try:
        for hit in helpers.scan(client, index=index, query=query, size=5000, request_timeout=timeout_s):
            yield hit["_source"]
    except NotFoundError:
        log.info("no index %r yet: autocomplete has nothing from it until a reindex", index)


def _product_entry(source: dict[str, Any]) -> ProductEntry:
    return ProductEntry(
        display=tuple(source.get(field) for field in DISPLAY_FIELDS),
        brand=source.get(schema.BRAND),
        ancestors=tuple(schema.values(source, schema.CATEGORY_ANCESTORS)),
        pairs=tuple(schema.values(source, schema.ATTRIBUTE_PAIRS)),
        in_stock=source.get(schema.IN_STOCK),
    )


def load_autocomplete(client: OpenSearch, names: IndexNames, max_products: int, timeout_s: float) -> AutocompleteIndex:
    """Read the suggestions index and the `max_products` most popular products (in stock first)."""
    started = time.monotonic()
    suggestion_fields = ("text", "kind", "count", "path", "product_ids")
    suggestions = [
        SuggestionEntry(str(s["text"]), str(s["kind"]), int(s["count"]), s.get("path"), tuple(s.get("product_ids", ())))
        for index in (names.suggestions, names.searched)
        for s in _scan(client, index, suggestion_fields, timeout_s)
    ]
    fields = (*DISPLAY_FIELDS, *FILTER_FIELDS, schema.POPULARITY)
    ranked = (
        (bool(s.get(schema.IN_STOCK)), float(s.get(schema.POPULARITY) or 0.0), str(s.get(schema.ID)), s)
        for s in _scan(client, names.products, fields, timeout_s)
    )
    best = heapq.nlargest(max_products, ranked, key=lambda r: r[:3])
    index = AutocompleteIndex(suggestions, [_product_entry(source) for *_, source in best])
    log.info("autocomplete index: %d suggestions, %d products, built in %.1fs",
             index.suggestions, index.products, time.monotonic() - started)  # fmt: skip
    return index
