"""What a shop frontend may ask of `/search`: the typed request, shared by GET and POST."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Facets a request may ask for, and the document field each counts.
FACET_FIELDS: dict[str, str] = {
    "brand": "brand.keyword",
    "category": "category_ancestors",
    "attributes": "attribute_pairs",
    "in_stock": "in_stock",
    "price": "price",
}
DEFAULT_FACETS: tuple[str, ...] = ("brand", "category", "price", "in_stock")
PRICE_BUCKETS: tuple[float, ...] = (25, 50, 100, 250, 500, 1000)
MAX_QUERY_LENGTH = 200
ATTRIBUTE_NAME = re.compile(r"[\w .-]{1,100}")
MAX_PAGE_SIZE = 100
#: The deepest result reachable by paging (page * size); deeper paging is a crawler, not a shopper.
MAX_RESULT_WINDOW = 1000


class SortOrder(StrEnum):
    """Result orders; `relevance` is hybrid (lexical + semantic), an empty query browses by popularity."""

    relevance = "relevance"
    price_asc = "price_asc"
    price_desc = "price_desc"
    newest = "newest"
    popularity = "popularity"


class Filters(BaseModel):
    """Exact filters. Values of one field are OR-ed, different fields AND-ed."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    brand: list[str] = Field(default_factory=list, max_length=50, description="Brand names (exact).")
    category: list[str] = Field(
        default_factory=list, max_length=50, description="Category path prefixes, e.g. 'Electronics > Audio'."
    )
    price_min: float | None = Field(default=None, ge=0)
    price_max: float | None = Field(default=None, ge=0)
    in_stock: bool | None = None
    attributes: dict[str, list[str]] = Field(
        default_factory=dict,
        max_length=20,
        description="Attribute values per attribute name, e.g. {'color': ['black']}.",
    )

    @field_validator("attributes")
    @classmethod
    def _plain_attribute_names(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        # Names end up in aggregation names, where OpenSearch refuses [, ] and >.
        bad = [name for name in value if not ATTRIBUTE_NAME.fullmatch(name)]
        if bad:
            raise ValueError(f"attribute names may hold letters, digits, space, '.', '_' and '-': {bad[0]!r}")
        return value

    @model_validator(mode="after")
    def _price_range(self) -> Filters:
        if self.price_min is not None and self.price_max is not None and self.price_min > self.price_max:
            raise ValueError("price_min must not exceed price_max")
        return self


class SearchParams(BaseModel):
    """One search request, with its limits: query length, page size, paging depth."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field(
        default="", max_length=MAX_QUERY_LENGTH, description="What the shopper typed; empty browses the catalog."
    )
    filters: Filters = Field(default_factory=Filters)
    facets: list[str] = Field(default_factory=lambda: list(DEFAULT_FACETS), description="Facets to count.")
    sort: SortOrder | None = Field(default=None, description="Unset: the merchandiser's default (relevance).")
    page: int = Field(default=1, ge=1)
    size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)
    highlight: bool = True
    locale: str | None = Field(default=None, pattern=r"^[a-z]{2}([-_][A-Za-z]{2})?$")
    user_id: str | None = Field(default=None, max_length=200)
    session_id: str | None = Field(default=None, max_length=200)
    explain: bool = False
    correct: bool = Field(default=True, description="Retry with a spelling-corrected query when little is found.")

    @field_validator("facets")
    @classmethod
    def _known_facets(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - FACET_FIELDS.keys())
        if unknown:
            raise ValueError(f"unknown facet(s) {', '.join(unknown)}; known: {', '.join(FACET_FIELDS)}")
        return value

    @field_validator("page")
    @classmethod
    def _not_too_deep(cls, value: int) -> int:
        if value > MAX_RESULT_WINDOW:
            raise ValueError(f"page is beyond the result window of {MAX_RESULT_WINDOW}")
        return value

    @model_validator(mode="after")
    def _within_window(self) -> SearchParams:
        if self.page * self.size > MAX_RESULT_WINDOW:
            raise ValueError(f"page * size must be at most {MAX_RESULT_WINDOW} (page={self.page}, size={self.size})")
        return self

    @property
    def offset(self) -> int:
        """Index of the first result of the requested page."""
        return (self.page - 1) * self.size
