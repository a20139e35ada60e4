"""What a shop frontend may ask of `/search`: the typed request, shared by GET and POST."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vindbaar import schema
from vindbaar.filters import ProductFilter

#: Facets a request may ask for, and the document field each counts.
FACET_FIELDS: dict[str, str] = {
    "brand": schema.BRAND_KEYWORD,
    "category": schema.CATEGORY_ANCESTORS,
    "attributes": schema.ATTRIBUTE_PAIRS,
    "in_stock": schema.IN_STOCK,
    "price": schema.PRICE,
}
DEFAULT_FACETS: tuple[str, ...] = ("brand", "category", "price", "in_stock")
MAX_QUERY_LENGTH = 200
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


class SearchParams(BaseModel):
    """One search request, with its limits: query length, page size, paging depth."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field(
        default="", max_length=MAX_QUERY_LENGTH, description="What the shopper typed; empty browses the catalog."
    )
    filters: ProductFilter = Field(
        default_factory=ProductFilter, description="Exact filters (values of one field OR-ed, fields AND-ed)."
    )
    facets: list[str] = Field(default_factory=lambda: list(DEFAULT_FACETS), description="Facets to count.")
    sort: SortOrder | None = Field(default=None, description="Unset: the merchandiser's default (relevance).")
    page: int = Field(default=1, ge=1)
    size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)
    highlight: bool = True
    locale: str | None = Field(default=None, pattern=r"^[a-z]{2}([-_][A-Za-z]{2})?$")
    user_id: str | None = Field(default=None, max_length=200)
    session_id: str | None = Field(default=None, max_length=200)
    client_id: str | None = Field(
        default=None, max_length=200, description="UBI client id: the browser's lasting id (keeps experiments "
        "sticky across sessions).",
    )  # fmt: skip
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
