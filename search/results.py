"""Response models of the public search API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reranker.candidates import Candidate

#: OpenSearch highlight fragments per field.
Highlight = Mapping[str, list[str]]


class ScoreExplain(BaseModel):
    """Why an item is where it is. Later steps (personalization, rules) add their own components."""

    model_config = ConfigDict(extra="allow")

    lexical_rank: int | None = Field(description="1-based rank in the lexical list; null: not matched lexically.")
    semantic_rank: int | None = Field(description="1-based rank in the kNN list; null: not among the neighbours.")
    fused_score: float = Field(description="Reciprocal rank fusion score before reranking.")

    def without_rules(self) -> ScoreExplain:
        """This explanation without the merchandising rules that acted on the item."""
        return ScoreExplain.model_validate(self.model_dump(exclude={"rules", "pinned"}))


class SearchItem(BaseModel):
    """One result as a product tile needs it."""

    id: str
    title: str
    brand: str | None = None
    price: float | None = None
    currency: str | None = None
    image_url: str | None = None
    url: str | None = None
    category_path: str | None = None
    in_stock: bool | None = None
    score: float
    highlight: dict[str, str] | None = Field(default=None, description="Matched words wrapped in <em>.")
    explain: ScoreExplain | None = None


class FacetValue(BaseModel):
    """A facet value and how many results it would give."""

    value: str
    count: int
    selected: bool = False
    price_from: float | None = None
    price_to: float | None = None


class Facet(BaseModel):
    """Counts for one facet, computed disjunctively (other values of a selected facet keep their counts)."""

    name: str
    values: list[FacetValue]


class ExperimentArm(BaseModel):
    """The experiment a search took part in and the variant it ran under ("interleaved": both mixed)."""

    id: str
    variant: str


class SearchResponse(BaseModel):
    """A page of results with facets; `query_id` ties later clicks to this response."""

    query_id: str
    query: str
    corrected_query: str | None = Field(
        default=None, description="Set when too little was found and the spelling-corrected query was used."
    )
    total: int
    page: int
    size: int
    items: list[SearchItem]
    facets: list[Facet]
    mode: Literal["hybrid", "lexical", "browse"]
    personalized: bool = False
    banners: list[dict[str, Any]] = Field(default_factory=list, description="Payloads of the rules that applied.")
    rules_applied: list[str] = Field(
        default_factory=list, description="Ids of the merchandising rules applied (admin key only)."
    )
    rule_conflicts: list[str] = Field(
        default_factory=list, description="Rule actions that lost a conflict (admin key only)."
    )
    config_version: int | None = Field(default=None, description="Merchandising config version used.")
    experiment: ExperimentArm | None = Field(default=None, description="The experiment arm, while one runs.")
    took_ms: float

    def without_rule_details(self) -> SearchResponse:
        """The response as the public may see it: which rules applied, which lost, and per item which rule
        boosted or pinned it, are for merchandisers only (they name hidden and recalled products).

        Personal components of `explain` stay: a public request only reaches a profile it proved to own
        (its session, or the user of its signed user token).
        """
        items = [
            item.model_copy(update={"explain": item.explain.without_rules()}) if item.explain else item
            for item in self.items
        ]
        return self.model_copy(update={"items": items, "rules_applied": [], "rule_conflicts": []})

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "query_id": "6f1c0a4e2b7d4f0c9a3e5b8d1c2f3a4b", "query": "koptelefon",
                "corrected_query": "koptelefoon", "total": 214, "page": 1, "size": 20,
                "items": [{"id": "sku-000001", "title": "Sony WH-1000XM5 Draadloze Koptelefoon black",
                           "brand": "Sony", "price": 329.0, "currency": "EUR", "score": 0.0328}],
                "facets": [{"name": "brand", "values": [{"value": "Sony", "count": 48, "selected": False}]}],
                "mode": "hybrid", "personalized": False, "took_ms": 18.4,
            }
        }
    )  # fmt: skip


class Suggestion(BaseModel):
    """A query suggestion to complete what the shopper is typing."""

    text: str
    kind: Literal["query", "term", "searched"] = Field(description="searched: a query shoppers searched and clicked.")
    count: int


class ProductSuggestion(BaseModel):
    """A product shown directly in the autocomplete dropdown."""

    id: str
    title: str
    price: float | None = None
    currency: str | None = None
    image_url: str | None = None
    url: str | None = None


class CategorySuggestion(BaseModel):
    """A matching category, with its full path for a category-page link."""

    name: str
    path: str
    count: int


class BrandSuggestion(BaseModel):
    """A matching brand."""

    name: str
    count: int


class AutocompleteResponse(BaseModel):
    """Everything the as-you-type dropdown shows."""

    query_id: str = Field(default="", description="Ties a click on a suggestion to this answer (search log).")
    query: str
    recent: list[str] = Field(default_factory=list, description="The session's latest searches (short prefixes).")
    suggestions: list[Suggestion]
    products: list[ProductSuggestion]
    categories: list[CategorySuggestion]
    brands: list[BrandSuggestion]
    took_ms: float

    @classmethod
    def empty(cls, query: str) -> AutocompleteResponse:
        """The answer to a blank query."""
        return cls(query=query, suggestions=[], products=[], categories=[], brands=[], took_ms=0.0)


def search_item(candidate: Candidate, highlight: Highlight | None, explain: bool) -> SearchItem:
    """The result tile of `candidate`, with its highlight and (when asked) its score breakdown."""
    source = candidate.source
    return SearchItem(
        id=candidate.id,
        title=source.get("title", ""),
        brand=source.get("brand"),
        price=source.get("price"),
        currency=source.get("currency"),
        image_url=source.get("image_url"),
        url=source.get("url"),
        category_path=source.get("category_path"),
        in_stock=source.get("in_stock"),
        score=round(candidate.score, 6),
        highlight={name: " … ".join(parts) for name, parts in highlight.items()} if highlight else None,
        explain=_explain(candidate) if explain else None,
    )


def _explain(candidate: Candidate) -> ScoreExplain:
    details = dict(candidate.explain)
    details.setdefault("lexical_rank", None)
    details.setdefault("semantic_rank", None)
    details.setdefault("fused_score", candidate.score)
    return ScoreExplain.model_validate(details)
