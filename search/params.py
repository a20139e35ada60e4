"""What a shop frontend may ask of `/search`: the typed request, shared by GET and POST."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from vindbaar import schema
from vindbaar.filters import ProductFilter
from vindbaar.wire_types import Integer

FacetName = Literal["brand", "category", "attributes", "in_stock", "price"]
#: Facets a request may ask for, and the document field each counts.
FACET_FIELDS: dict[FacetName, str] = {
    "brand": schema.BRAND_KEYWORD,
    "category": schema.CATEGORY_ANCESTORS,
    "attributes": schema.ATTRIBUTE_PAIRS,
    "in_stock": schema.IN_STOCK,
    "price": schema.PRICE,
}
DEFAULT_FACETS: tuple[FacetName, ...] = ("brand", "category", "price", "in_stock")
MAX_QUERY_LENGTH = 200
MAX_PAGE_SIZE = 100
#: The deepest result reachable by paging (page * size); deeper paging is a crawler, not a shopper.
MAX_RESULT_WINDOW = 1000
#: A locale such as nl, nl-NL or nl_NL.
LOCALE_PATTERN = r"^[a-z]{2}([-_][A-Za-z]{2})?$"
MAX_ID_LENGTH = 200


class SortOrder(StrEnum):
    """Result orders; `relevance` is hybrid (lexical + semantic), an empty query browses by popularity."""

    relevance = "relevance"
    price_asc = "price_asc"
    price_desc = "price_desc"
    newest = "newest"
    popularity = "popularity"


class SearchParams(BaseModel):
    """One search request, with its limits: query length, page size, paging depth."""

    # Strict: JSON `0` is not `false`, nor `"2"` a page number (the schema says so, and so does the answer).
    model_config = ConfigDict(extra="forbid", strict=True)

    q: str = Field(
        default="", max_length=MAX_QUERY_LENGTH, description="What the shopper typed; empty browses the catalog."
    )
    filters: ProductFilter = Field(
        default_factory=ProductFilter, description="Exact filters (values of one field OR-ed, fields AND-ed)."
    )
    facets: list[FacetName] = Field(default_factory=lambda: list(DEFAULT_FACETS), description="Facets to count.")
    # Not strict: JSON gives the order as its text, which only a lax enum reads.
    sort: SortOrder | None = Field(default=None, strict=False, description="Unset: the merchandiser's default.")
    size: Integer = Field(default=20, ge=1, le=MAX_PAGE_SIZE)
    page: Integer = Field(default=1, ge=1, le=MAX_RESULT_WINDOW, description=f"page * size must be at most "
                      f"{MAX_RESULT_WINDOW} (the deepest result reachable by paging).")  # fmt: skip
    highlight: bool = True
    locale: str | None = Field(default=None, pattern=LOCALE_PATTERN)
    user_id: str | None = Field(default=None, max_length=MAX_ID_LENGTH)
    session_id: str | None = Field(default=None, max_length=MAX_ID_LENGTH)
    client_id: str | None = Field(
        default=None, max_length=MAX_ID_LENGTH, description="UBI client id: the browser's lasting id (keeps "
        "experiments sticky across sessions).",
    )  # fmt: skip
    explain: bool = False
    correct: bool = Field(default=True, description="Retry with a spelling-corrected query when little is found.")

    @field_validator("page")
    @classmethod
    def _within_window(cls, page: int, info: ValidationInfo) -> int:
        # A rule across two fields, which JSON Schema cannot state (the description does); `size` is declared
        # first so that it is known here, and the error names the page.
        size = info.data.get("size")
        if isinstance(size, int) and page * size > MAX_RESULT_WINDOW:
            raise ValueError(f"page * size must be at most {MAX_RESULT_WINDOW} (page={page}, size={size})")
        return page

    @property
    def offset(self) -> int:
        """Index of the first result of the requested page."""
        return (self.page - 1) * self.size
